import assert from "node:assert/strict";
import type { JSONRPCMessage } from "@modelcontextprotocol/server";
import { LineStdioTransport } from "../../src/transports/stdio_wire.ts";

/** A wire over in-memory streams: `input` is written line by line, `output()` is what it wrote. */
function memoryWire() {
  const input = new TransformStream<Uint8Array, Uint8Array>();
  const stdin = input.writable.getWriter();
  const written: string[] = [];
  const decoder = new TextDecoder();
  const output = new WritableStream<Uint8Array>({
    write: (chunk) => void written.push(decoder.decode(chunk)),
  });
  const wire = new LineStdioTransport({ input: input.readable, output });
  const received: JSONRPCMessage[] = [];
  wire.onmessage = (message) => void received.push(message);
  const send = (...messages: unknown[]) =>
    stdin.write(new TextEncoder().encode(messages.map((m) => JSON.stringify(m) + "\n").join("")));
  const answers = () => written.join("").split("\n").filter((l) => l !== "").map((l) => JSON.parse(l));
  return { wire, stdin, send, received, output: answers };
}

const request = (id: number | string, method = "tools/call") => ({ jsonrpc: "2.0" as const, id, method });
const result = (id: number | string) => ({ jsonrpc: "2.0" as const, id, result: {} });

Deno.test("stdio wire: EOF ends the input without closing the connection; the requests read can still be answered", async () => {
  const { wire, stdin, send, received, output } = memoryWire();
  let ended = false;
  let closed = false;
  wire.onend = () => (ended = true);
  wire.onclose = () => (closed = true);
  await wire.start();
  await send(request(1), request(2));
  await stdin.close();
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(received.length, 2);
  assert.equal(ended, true);
  assert.equal(closed, false);
  assert.equal(wire.pendingRequests, 2);
  await wire.send(result(1));
  await wire.send(result(2));
  assert.equal(await wire.waitAnswered(1_000), true);
  assert.deepEqual(output().map((m) => m.id), [1, 2]);
  await wire.close();
  assert.equal(closed, true);
});

Deno.test("stdio wire: at the end of the grace period each unanswered request gets the shutdown's error, once", async () => {
  const { wire, send, output } = memoryWire();
  await wire.start();
  await send(
    request(1),
    request("a"),
    request(3),
    { jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: 3 } }, // never answered
    request(4, "subscriptions/listen"), // a stream, answered when the connection closes
    { jsonrpc: "2.0", method: "notifications/initialized" },
  );
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(wire.pendingRequests, 2);
  await wire.send(result(1));
  assert.equal(await wire.waitAnswered(20), false, "request a is still running");
  await wire.stopReading();
  await wire.answerPendingForShutdown();
  assert.equal(wire.pendingRequests, 0);
  await wire.send(result("a")); // its own answer, too late
  await wire.close();
  const answers = output();
  assert.deepEqual(answers.map((m) => m.id), [1, "a"]);
  assert.equal(answers[1].error.code, -32000);
});
