import assert from "node:assert/strict";
import { boundedStream } from "../../src/transports/bounded_stream.ts";

/** An SSE-like source whose chunks the test pushes, telling whether it was cancelled. */
function source(): { response: Response; push(text: string): void; end(): void; cancelled(): boolean } {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let cancelled = false;
  const body = new ReadableStream<Uint8Array>({
    start: (c) => void (controller = c),
    cancel: () => void (cancelled = true),
  });
  return {
    response: new Response(body, { status: 200, headers: { "content-type": "text/event-stream" } }),
    push: (text) => controller.enqueue(new TextEncoder().encode(text)),
    end: () => controller.close(),
    cancelled: () => cancelled,
  };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

Deno.test("boundedStream: a client that reads gets every event and the end, however much passes", async () => {
  const events = source();
  let overflowed = false;
  const bounded = boundedStream(events.response, () => overflowed = true, 1024);
  assert.equal(bounded.headers.get("content-type"), "text/event-stream");
  const reader = bounded.body!.pipeThrough(new TextDecoderStream()).getReader();
  let received = "";
  for (let i = 0; i < 100; i++) {
    events.push(`data: ${"x".repeat(500)}\n\n`);
    received += (await reader.read()).value;
  }
  events.end();
  assert.equal((await reader.read()).done, true);
  assert.equal(received.length, 100 * 508);
  assert.equal(overflowed, false);
  assert.equal(events.cancelled(), false);
});

Deno.test("boundedStream: a client that stops reading has its stream ended once the bound is passed", async () => {
  const events = source();
  let overflowed = 0;
  const bounded = boundedStream(events.response, () => overflowed++, 4096);
  for (let i = 0; i < 8; i++) {
    events.push("x".repeat(500));
    await settle();
  }
  assert.equal(events.cancelled(), false, "4,000 bytes queued: within the bound");
  events.push("x".repeat(500));
  await settle();
  assert.equal(events.cancelled(), true, "the source (where the SDK keeps the stream) is cancelled");
  assert.equal(overflowed, 1);
  // What was queued is still delivered, then the stream ends.
  const text = await bounded.text();
  assert.equal(text.length, 4500);
});

Deno.test("boundedStream: the client leaving cancels the source", async () => {
  const events = source();
  const bounded = boundedStream(events.response, () => {}, 4096);
  events.push("data: a\n\n");
  await bounded.body!.cancel();
  await settle();
  assert.equal(events.cancelled(), true);
});
