import assert from "node:assert/strict";
import type { JSONRPCMessage } from "@modelcontextprotocol/server";
import { ReplayBudget, ReplayWindow } from "../../src/transports/replay_window.ts";

const progress = (n: number): JSONRPCMessage => ({
  jsonrpc: "2.0",
  method: "notifications/progress",
  params: { progressToken: 1, progress: n },
});
const result = (id: number, text: string): JSONRPCMessage => ({
  jsonrpc: "2.0",
  id,
  result: { content: [{ type: "text", text }] },
});

async function replay(window: ReplayWindow, after: string): Promise<[string, JSONRPCMessage][]> {
  const sent: [string, JSONRPCMessage][] = [];
  await window.replayEventsAfter(after, {
    send: (id, message) => Promise.resolve(void sent.push([id, message])),
  });
  return sent;
}

/** Whether the event with this id would be replayed to a client resuming its stream from the start. */
async function keeps(window: ReplayWindow, eventId: string): Promise<boolean> {
  const stream = eventId.slice(0, eventId.lastIndexOf("/"));
  return (await replay(window, `${stream}/0`)).some(([id]) => id === eventId);
}

Deno.test("replay: a client resuming after an event gets the later events of that stream only, in order", async () => {
  const window = new ReplayWindow({ windowMs: 60_000, maxBytes: 1 << 20 });
  const priming = await window.storeEvent("call-a", {} as JSONRPCMessage);
  const first = await window.storeEvent("call-a", progress(1));
  await window.storeEvent("call-b", result(9, "other call"));
  await window.storeEvent("call-a", progress(2));
  const answer = await window.storeEvent("call-a", result(1, "the device"));
  assert.equal(await window.getStreamIdForEventId(first), "call-a");
  const afterPriming = await replay(window, priming);
  assert.deepEqual(afterPriming.map(([, m]) => m), [progress(1), progress(2), result(1, "the device")]);
  const afterFirst = await replay(window, first);
  assert.deepEqual(afterFirst.map(([, m]) => m), [progress(2), result(1, "the device")]);
  assert.equal(afterFirst.at(-1)![0], answer, "replayed events keep their ids");
  assert.deepEqual(await replay(window, answer), []);
});

Deno.test("replay: streams are forgotten after the window but stay resumable; ids never given resolve to no stream", async () => {
  let now = 0;
  const window = new ReplayWindow({ windowMs: 60_000, maxBytes: 1 << 20, now: () => now });
  const old = await window.storeEvent("old", result(1, "x"));
  now = 30_000;
  const recent = await window.storeEvent("recent", result(2, "y"));
  now = 61_000;
  window.expire();
  assert.equal(await keeps(window, old), false);
  assert.equal(await keeps(window, recent), true);
  // A client whose stream went quiet longer than the window resumes it with nothing to replay; a 400 would
  // make SDK clients give up reconnecting (a GET stream then never gets another notification).
  assert.equal(await window.getStreamIdForEventId(old), "old");
  assert.equal(await window.getStreamIdForEventId("_GET_stream/1"), "_GET_stream");
  for (const bogus of ["old/3", "old/0", "old/x", "/1", "no-slash", "old/1.5"]) {
    assert.equal(await window.getStreamIdForEventId(bogus), undefined, bogus);
  }
  now = 91_000;
  window.expire();
  assert.equal(window.bytes, 0);
});

Deno.test("replay: over the byte cap the oldest streams go first, never the one being written", async () => {
  const window = new ReplayWindow({ windowMs: 60_000, maxBytes: 1000 });
  const a = await window.storeEvent("a", result(1, "a".repeat(400)));
  const b = await window.storeEvent("b", result(2, "b".repeat(400)));
  const c = await window.storeEvent("c", result(3, "c".repeat(400)));
  assert.equal(await keeps(window, a), false, "the oldest stream made room");
  assert.equal(await keeps(window, b), true);
  assert.equal(await keeps(window, c), true);
  assert.ok(window.bytes <= 1000);
  const huge = await window.storeEvent("huge", result(4, "h".repeat(5000)));
  assert.equal(await keeps(window, huge), true, "a stream larger than the cap is kept whole");
  assert.equal(await keeps(window, c), false);
});

Deno.test("replay: sessions share one budget; past it events are sent unkept, and an ended session gives back its share", async () => {
  const budget = new ReplayBudget(1500);
  const alice = new ReplayWindow({ windowMs: 60_000, maxBytes: 1 << 20, budget });
  const bob = new ReplayWindow({ windowMs: 60_000, maxBytes: 1 << 20, budget });
  const first = await alice.storeEvent("a1", result(1, "a".repeat(600)));
  await alice.storeEvent("a2", result(2, "a".repeat(600)));
  assert.ok(budget.usedBytes > 1200 && budget.usedBytes <= 1500);
  const refused = await bob.storeEvent("b1", result(3, "b".repeat(600)));
  assert.equal(await keeps(bob, refused), false, "no room left: sent, but not kept");
  assert.equal(bob.bytes, 0);
  // A session over the budget gives up its own older streams first.
  const third = await alice.storeEvent("a3", result(4, "a".repeat(600)));
  assert.equal(await keeps(alice, first), false);
  assert.equal(await keeps(alice, third), true);
  alice.clear();
  assert.equal(budget.usedBytes, 0, "an ended session gives its bytes back");
  const kept = await bob.storeEvent("b2", result(5, "b".repeat(600)));
  assert.equal(await keeps(bob, kept), true);
  assert.equal(budget.usedBytes, bob.bytes);
});

Deno.test("replay: the initialize answer is not kept (the client initializes again), nor its stream's priming event", async () => {
  const window = new ReplayWindow({ windowMs: 60_000, maxBytes: 1 << 20 });
  const priming = await window.storeEvent("init", {} as JSONRPCMessage);
  const answer = await window.storeEvent("init", {
    jsonrpc: "2.0",
    id: 0,
    result: {
      protocolVersion: "2025-11-25",
      capabilities: {},
      serverInfo: { name: "xyte-mcp", version: "1" },
    },
  });
  assert.notEqual(answer, priming, "the answer still gets an id of its own");
  assert.equal(window.bytes, 0, "nothing kept for an idle session");
  assert.deepEqual(await replay(window, priming), [], "resuming it replays nothing");
  // A tool result that happens to mention those words is kept as usual.
  await window.storeEvent("call", result(1, '{"protocolVersion":"x","serverInfo":{}}'));
  assert.ok(window.bytes > 0);
});
