import assert from "node:assert/strict";
import { withShutdownAnswer } from "../../src/transports/shutdown_answer.ts";

const sse = (...events: string[]) =>
  new Response(
    new ReadableStream<Uint8Array>({
      start(controller) {
        // Split mid-line, as a network would.
        const bytes = new TextEncoder().encode(events.join(""));
        controller.enqueue(bytes.subarray(0, 7));
        controller.enqueue(bytes.subarray(7));
        controller.close();
      },
    }),
    { headers: { "content-type": "text/event-stream" } },
  );
const event = (message: unknown) => `event: message\ndata: ${JSON.stringify(message)}\n\n`;
const progress = {
  jsonrpc: "2.0",
  method: "notifications/progress",
  params: { progressToken: 1, progress: 1 },
};

Deno.test("withShutdownAnswer: a stream the shutdown cut before its answer ends with the shutdown's error answer", async () => {
  const text = await withShutdownAnswer(sse(event(progress)), 7, () => true).text();
  const last = JSON.parse(/data: (.*)\n\n$/.exec(text)![1]!);
  assert.equal(last.id, 7);
  assert.match(last.error.message, /shut down before this request finished.*Check, then retry\.$/);
  assert.ok(text.startsWith(event(progress)), "what came before is passed on");
});

Deno.test("withShutdownAnswer: a stream that carried its answer, or that ended without a shutdown, is left alone", async () => {
  const answered = event(progress) + event({ jsonrpc: "2.0", id: "a-7", result: { content: [] } });
  assert.equal(await withShutdownAnswer(sse(answered), "a-7", () => true).text(), answered);
  const erred = event({ jsonrpc: "2.0", id: 7, error: { code: -32000, message: "x" } });
  assert.equal(await withShutdownAnswer(sse(erred), 7, () => true).text(), erred);
  assert.equal(await withShutdownAnswer(sse(event(progress)), 7, () => false).text(), event(progress));
  const otherId = event({ jsonrpc: "2.0", id: 8, result: {} });
  assert.match(await withShutdownAnswer(sse(otherId), 7, () => true).text(), /shut down before/);
});

Deno.test("withShutdownAnswer: a 499 (the exchange closed before an answer) becomes the error answer only while draining", async () => {
  const cut = withShutdownAnswer(new Response(null, { status: 499 }), 3, () => true);
  assert.equal(cut.status, 200);
  assert.match((await cut.json()).error.message, /shut down before this request finished/);
  const gone = new Response(null, { status: 499 });
  assert.equal(withShutdownAnswer(gone, 3, () => false), gone, "a client that left gets nothing new");
  const json = Response.json({ jsonrpc: "2.0", id: 3, result: {} });
  assert.equal(withShutdownAnswer(json, 3, () => true), json);
});
