import assert from "node:assert/strict";
import { onBodyEnd } from "../../src/transports/body_end.ts";

Deno.test("onBodyEnd: every watcher of one body is told once when it has been read, through one wrapper", async () => {
  const ends: string[] = [];
  const first = onBodyEnd(new Response("data: hello\n\n"), () => ends.push("session"));
  const second = onBodyEnd(first, () => ends.push("in-flight"));
  assert.equal(second, first, "a watched body is not wrapped twice");
  assert.deepEqual(ends, []);
  assert.equal(await second.text(), "data: hello\n\n");
  assert.deepEqual(ends, ["session", "in-flight"]);
});

Deno.test("onBodyEnd: a cancelled body ends too, and a watcher joining after the end is told at once", async () => {
  const ends: string[] = [];
  const stream = new ReadableStream<Uint8Array>({ pull: () => new Promise(() => {}) });
  const watched = onBodyEnd(new Response(stream), () => ends.push("first"));
  await watched.body!.cancel("client went away");
  assert.deepEqual(ends, ["first"]);
  onBodyEnd(watched, () => ends.push("late"));
  assert.deepEqual(ends, ["first", "late"]);
});

Deno.test("onBodyEnd: a response without a body ends at once", () => {
  let ended = 0;
  onBodyEnd(new Response(null, { status: 202 }), () => ended++);
  assert.equal(ended, 1);
});
