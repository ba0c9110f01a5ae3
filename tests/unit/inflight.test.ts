import assert from "node:assert/strict";
import { InFlight } from "../../src/transports/inflight.ts";

Deno.test("in flight: a request counts from begin until its answer's body has been read", async () => {
  const inFlight = new InFlight();
  const call = inFlight.begin();
  assert.equal(inFlight.count, 1, "counted while the handler still works, before any response exists");
  let idle = false;
  const waiting = inFlight.waitIdle(5_000).then((drained) => (idle = drained));
  const response = call.end(new Response("data: result\n\n"));
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(idle, false, "a response whose body is unread is still in flight");
  assert.equal(await response.text(), "data: result\n\n");
  assert.equal(await waiting, true);
  assert.equal(inFlight.count, 0);
});

Deno.test("in flight: an abandoned request stops counting once, and waitIdle gives up after its timeout", async () => {
  const inFlight = new InFlight();
  const failed = inFlight.begin();
  failed.abandon();
  failed.abandon();
  assert.equal(inFlight.count, 0);
  inFlight.begin();
  assert.equal(await inFlight.waitIdle(20), false);
});
