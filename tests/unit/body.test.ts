import assert from "node:assert/strict";
import { readBodyText } from "../../src/body.ts";
import { createHttpApp } from "../../src/transports/http.ts";
import { fixtureHttpOptions } from "../conformance/fixture_server.ts";

/** A request body that sends `first` and then nothing more (a client trickling or stalled). */
function stalledBody(first: string): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      controller.enqueue(new TextEncoder().encode(first));
    },
  });
}

Deno.test("readBodyText: a body that stops arriving times out; a whole one is read", async () => {
  const stalled = new Request("http://localhost/mcp", { method: "POST", body: stalledBody('{"jsonrpc"') });
  // Raced against a timer of the test's own, so a lost timeout fails the test instead of hanging it.
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hung = new Promise<"hung">((resolve) => timer = setTimeout(() => resolve("hung"), 2_000));
  const started = performance.now();
  assert.deepEqual(await Promise.race([readBodyText(stalled, 1024, 50), hung]), { timedOut: true });
  clearTimeout(timer);
  assert.ok(performance.now() - started < 1_000);
  const whole = new Request("http://localhost/mcp", { method: "POST", body: '{"ok":true}' });
  assert.deepEqual(await readBodyText(whole, 1024, 50), { text: '{"ok":true}' });
  const big = new Request("http://localhost/mcp", { method: "POST", body: "x".repeat(2048) });
  assert.deepEqual(await readBodyText(big, 1024, 50), { tooLarge: true });
});

Deno.test("HTTP app: a request body that does not arrive in time gets 408 and the connection is closed", async () => {
  const app = createHttpApp({ ...(await fixtureHttpOptions()), bodyTimeoutMs: 100 });
  try {
    const response = await app.fetch(
      new Request("http://127.0.0.1/mcp", {
        method: "POST",
        headers: {
          host: "127.0.0.1",
          "content-type": "application/json",
          accept: "application/json, text/event-stream",
        },
        body: stalledBody('{"jsonrpc":"2.0","id":1,'),
      }),
    );
    assert.equal(response.status, 408);
    assert.equal(response.headers.get("connection"), "close");
    assert.match((await response.json()).error.message, /did not arrive within 0.1 s/);
  } finally {
    await app.drain(0);
  }
});
