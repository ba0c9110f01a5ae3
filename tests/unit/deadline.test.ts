import assert from "node:assert/strict";
import { deadline } from "../../src/deadline.ts";

Deno.test("deadline: aborts with a TimeoutError when the time runs out", async () => {
  const before = Date.now();
  using d = deadline(10);
  assert.ok(d.at >= before + 10 && d.at <= Date.now() + 10, "at is when the time runs out");
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(d.signal.aborted, true);
  assert.equal((d.signal.reason as DOMException).name, "TimeoutError");
  assert.equal(d.timedOut, true);
});

Deno.test("deadline: follows the parent's abort and reason, and is not a timeout then", () => {
  const parent = new AbortController();
  using d = deadline(60_000, parent.signal);
  parent.abort(new Error("cancelled by client"));
  assert.equal(d.signal.aborted, true);
  assert.equal((d.signal.reason as Error).message, "cancelled by client");
  assert.equal(d.timedOut, false);
  const already = deadline(60_000, parent.signal);
  assert.equal(already.signal.aborted, true, "an already aborted parent aborts at once");
  already[Symbol.dispose]();
});

Deno.test("deadline: once disposed, neither the timer nor the parent abort it", async () => {
  const parent = new AbortController();
  const d = deadline(10, parent.signal);
  d[Symbol.dispose]();
  await new Promise((r) => setTimeout(r, 30));
  parent.abort();
  assert.equal(d.signal.aborted, false);
  assert.equal(d.timedOut, false);
});
