import assert from "node:assert/strict";
import { streamIfSlow } from "../../src/transports/early_stream.ts";

const later = <T>(ms: number, value: T) => new Promise<T>((resolve) => setTimeout(() => resolve(value), ms));

Deno.test("streamIfSlow: a quick answer is passed on as it is", async () => {
  const quick = Response.json({ jsonrpc: "2.0", id: 1, error: { code: -32021, message: "x" } }, {
    status: 400,
  });
  const answer = await streamIfSlow(later(1, quick), { afterMs: 200 });
  assert.equal(answer, quick, "the same response, status and all");
});

Deno.test("streamIfSlow: a slow JSON answer starts as an SSE stream and arrives as its one event", async () => {
  const message = { jsonrpc: "2.0", id: 7, result: { content: [{ type: "text", text: "a\nb" }] } };
  const { promise: result, resolve } = Promise.withResolvers<Response>();
  const answer = await streamIfSlow(result, { afterMs: 10 });
  // Here while the result is still to come.
  assert.equal(answer.status, 200);
  assert.equal(answer.headers.get("content-type"), "text/event-stream");
  resolve(Response.json(message));
  const text = await answer.text();
  assert.equal(text, `event: message\ndata: ${JSON.stringify(message)}\n\n`);
});

Deno.test("streamIfSlow: a slow stream's events follow as they come, with keep-alive comments while waiting", async () => {
  const events = new ReadableStream<Uint8Array>({
    async start(controller) {
      controller.enqueue(new TextEncoder().encode('event: message\ndata: {"progress":1}\n\n'));
      await later(20, undefined);
      controller.enqueue(new TextEncoder().encode('event: message\ndata: {"id":1}\n\n'));
      controller.close();
    },
  });
  const slow = new Response(events, { headers: { "content-type": "text/event-stream" } });
  const answer = await streamIfSlow(later(60, slow), { afterMs: 5, keepAliveMs: 15 });
  const text = await answer.text();
  assert.match(
    text,
    /^(: keepalive\n\n)+event: message\ndata: \{"progress":1\}\n\nevent: message\ndata: \{"id":1\}\n\n$/,
  );
});

Deno.test("streamIfSlow: a client that goes away cancels the handler's stream; a failed handler ends the stream", async () => {
  let cancelled: unknown;
  const events = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode(": first\n\n"));
    },
    cancel(reason) {
      cancelled = reason ?? "cancelled";
    },
  });
  const answer = await streamIfSlow(
    later(20, new Response(events, { headers: { "content-type": "text/event-stream" } })),
    { afterMs: 1 },
  );
  const reader = answer.body!.getReader();
  await reader.read();
  await reader.cancel("client gone");
  assert.equal(cancelled, "client gone");

  const failing = await streamIfSlow(later(20, undefined).then(() => Promise.reject(new Error("boom"))), {
    afterMs: 1,
  });
  assert.equal(await failing.text(), "", "the stream just ends");
});
