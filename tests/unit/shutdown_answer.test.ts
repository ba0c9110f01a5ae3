import assert from "node:assert/strict";
import { ShutdownAnswers } from "../../src/transports/shutdown_answer.ts";

const sse = (...events: string[]) =>
  new Response(
    new ReadableStream<Uint8Array>({
      start(controller) {
        for (const event of events) controller.enqueue(new TextEncoder().encode(event));
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
const lastMessage = (text: string) => JSON.parse(/data: (.*)\n\n$/.exec(text)![1]!);

Deno.test("shutdown answers: a stream the shutdown cut before its answer ends with the shutdown's error answer", async () => {
  const answers = new ShutdownAnswers(() => true);
  const text = await answers.track(sse(event(progress)), 7).text();
  assert.ok(text.startsWith(event(progress)), "what came before is passed on");
  const last = lastMessage(text);
  assert.equal(last.id, 7);
  assert.match(last.error.message, /shut down before this request finished.*Check, then retry\.$/);
  assert.equal(answers.open, 0);
});

Deno.test("shutdown answers: a stream that carried its answer, or that ended without a shutdown, is left alone", async () => {
  const draining = new ShutdownAnswers(() => true);
  const answered = event(progress) + event({ jsonrpc: "2.0", id: "a-7", result: { content: [] } });
  assert.equal(
    await draining.track(sse(event(progress), answered.slice(event(progress).length)), "a-7").text(),
    answered,
  );
  const erred = event({ jsonrpc: "2.0", id: 7, error: { code: -32000, message: "x" } });
  assert.equal(await draining.track(sse(erred), 7).text(), erred);
  assert.match(
    await draining.track(sse(event({ jsonrpc: "2.0", id: 8, result: {} })), 7).text(),
    /shut down/,
  );
  const serving = new ShutdownAnswers(() => false);
  assert.equal(await serving.track(sse(event(progress)), 7).text(), event(progress));
});

Deno.test("shutdown answers: a 499 (the exchange closed before an answer) becomes the error answer only while draining", async () => {
  const cut = new ShutdownAnswers(() => true).track(new Response(null, { status: 499 }), 3);
  assert.equal(cut.status, 200);
  assert.match((await cut.json()).error.message, /shut down before this request finished/);
  const gone = new Response(null, { status: 499 });
  assert.equal(new ShutdownAnswers(() => false).track(gone, 3), gone, "a client that left gets nothing new");
  const json = Response.json({ jsonrpc: "2.0", id: 3, result: {} });
  assert.equal(new ShutdownAnswers(() => true).track(json, 3), json);
});

Deno.test("shutdown answers: cutAll ends the streams the handler leaves open, and lets go of the handler's", async () => {
  let draining = false;
  let handlerStreamCancelled = false;
  const open = new Response(
    new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(": started\n\n"));
      },
      cancel() {
        handlerStreamCancelled = true;
      },
    }),
    { headers: { "content-type": "text/event-stream" } },
  );
  const answers = new ShutdownAnswers(() => draining);
  const tracked = answers.track(open, 9);
  const text = tracked.text();
  await new Promise((resolve) => setTimeout(resolve, 10));
  assert.equal(answers.open, 1);
  draining = true;
  answers.cutAll();
  assert.equal(lastMessage(await text).id, 9);
  assert.equal(answers.open, 0);
  assert.equal(handlerStreamCancelled, true);

  const left = answers.track(sse(event(progress)), 10);
  await left.body!.cancel("client gone");
  assert.equal(answers.open, 0, "a stream its client cancelled is forgotten");
});
