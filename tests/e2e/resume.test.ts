/** SSE resumption: a client whose stream dropped mid-call reconnects with Last-Event-ID and gets its result. */
import assert from "node:assert/strict";
import { openRawSession, serverEnv, startHttpServer, startHub } from "./harness.ts";

/** Opens a session at a protocol version that supports resumption (event ids, a priming event). */
const openSession = (url: string) => openRawSession(url, "resume", "2025-11-25");

/** Reads SSE text from `body` until `done(text)` holds or the stream ends. */
async function readUntil(body: ReadableStream<Uint8Array>, done: (text: string) => boolean): Promise<string> {
  let text = "";
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  while (!done(text)) {
    const { value, done: ended } = await reader.read();
    if (ended) break;
    text += value;
  }
  await reader.cancel();
  return text;
}

function callGetDevice(url: string, headers: Record<string, string>, deviceId: string, signal?: AbortSignal) {
  return fetch(url, {
    method: "POST",
    headers,
    signal,
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 7,
      method: "tools/call",
      params: { name: "get_device", arguments: { device_id: deviceId } },
    }),
  });
}

Deno.test("a tool result survives a dropped stream: GET with Last-Event-ID replays it", async () => {
  const hub = await startHub();
  const server = await startHttpServer(serverEnv(hub));
  try {
    const device = hub.state.organizations[0]!.devices[5]!;
    const headers = await openSession(server.url);
    // The result comes 2 s after the stream opened: long enough for a loaded machine to read the first event
    // and drop the connection before it.
    hub.faults.add({ endpointKey: "organization.devices.getDevice", delayMs: 2_000, times: 1 });
    const dropped = new AbortController();
    const response = await callGetDevice(server.url, headers, device.id, dropped.signal);
    // The first event primes the stream with an id (and a retry hint); then the connection drops.
    const primed = await readUntil(response.body!, (text) => text.includes("\n\n"));
    const lastEventId = /^id: (.+)$/m.exec(primed)?.[1];
    assert.ok(lastEventId, `a priming event with an id: ${JSON.stringify(primed)}`);
    assert.match(primed, /^retry: \d+$/m);
    assert.ok(!primed.includes('"result"'), "the result was not sent before the drop");
    dropped.abort();

    // Until the server has seen the drop, the stream still has its connection (409): clients retry, as here.
    let resumed: Response;
    for (let attempt = 0;; attempt++) {
      resumed = await fetch(server.url, {
        method: "GET",
        headers: { ...headers, accept: "text/event-stream", "last-event-id": lastEventId },
      });
      if (resumed.status !== 409 || attempt === 200) break; // 10 s: a loaded server sees the drop late
      await resumed.body?.cancel();
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.equal(resumed.status, 200);
    const replayed = await readUntil(resumed.body!, (text) => text.includes('"id":7'));
    const data = /^data: (\{.*"id":7.*\})$/m.exec(replayed)?.[1];
    assert.ok(data, `the result arrives on the resumed stream: ${replayed.slice(0, 300)}`);
    const message = JSON.parse(data) as { result: { structuredContent: { id: string; name: string } } };
    assert.equal(message.result.structuredContent.id, device.id);
    assert.equal(message.result.structuredContent.name, device.name);

    // An id the session never gave is refused; a stream it does not hold is never answered with another's events.
    const unknown = await fetch(server.url, {
      method: "GET",
      headers: { ...headers, accept: "text/event-stream", "last-event-id": "no-such-stream/999999" },
    });
    assert.equal(unknown.status, 400);
    await unknown.body?.cancel();
    const foreign = await fetch(server.url, {
      method: "GET",
      headers: { ...headers, accept: "text/event-stream", "last-event-id": "no-such-stream/1" },
    });
    assert.doesNotMatch(await foreign.text(), /data: \{/, "nothing replayed, and the stream ends");
  } finally {
    await server.stop();
    await hub.close();
  }
});

Deno.test("with MCP_SSE_REPLAY_S=0 streams carry no event ids: nothing to resume", async () => {
  const hub = await startHub();
  const server = await startHttpServer(serverEnv(hub, { MCP_SSE_REPLAY_S: "0" }));
  try {
    const headers = await openSession(server.url);
    const response = await callGetDevice(server.url, headers, hub.state.organizations[0]!.devices[0]!.id);
    const text = await response.text();
    assert.match(text, /"result"/);
    assert.doesNotMatch(text, /^id: /m);
  } finally {
    await server.stop();
    await hub.close();
  }
});

Deno.test("a GET stream quiet for longer than the replay window is resumed, and notifications reach it again", async () => {
  const hub = await startHub();
  const server = await startHttpServer(
    serverEnv(hub, { MCP_SSE_REPLAY_S: "1", MCP_SUBSCRIPTION_POLL_S: "0" }),
  );
  const post = (headers: Record<string, string>, body: unknown) =>
    fetch(server.url, { method: "POST", headers, body: JSON.stringify(body) }).then((r) => r.text());
  try {
    const device = hub.state.organizations[0]!.devices[3]!;
    const headers = await openSession(server.url);
    await post(headers, {
      jsonrpc: "2.0",
      id: 1,
      method: "resources/subscribe",
      params: { uri: `xyte://devices/${device.id}` },
    });
    const dropped = new AbortController();
    const listen = await fetch(server.url, {
      method: "GET",
      headers: { ...headers, accept: "text/event-stream" },
      signal: dropped.signal,
    });
    const rename = (id: number, name: string) =>
      post(headers, {
        jsonrpc: "2.0",
        id,
        method: "tools/call",
        params: { name: "update_device", arguments: { device_id: device.id, name } },
      });
    await rename(2, "Renamed once");
    const first = await readUntil(listen.body!, (text) => text.includes("notifications/resources/updated"));
    const lastEventId = /^id: (.+)$/m.exec(first)?.[1];
    assert.ok(lastEventId, `the notification carries an event id: ${JSON.stringify(first)}`);
    dropped.abort();
    // Longer than the window, and a call stores events (which forgets expired streams).
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await post(headers, { jsonrpc: "2.0", id: 3, method: "tools/list" });

    const resumed = await fetch(server.url, {
      method: "GET",
      headers: { ...headers, accept: "text/event-stream", "last-event-id": lastEventId },
    });
    assert.equal(resumed.status, 200, "resumed with nothing to replay (400 made clients stop reconnecting)");
    await rename(4, "Renamed after a quiet spell");
    const notified = await readUntil(
      resumed.body!,
      (text) => text.includes("notifications/resources/updated"),
    );
    assert.match(notified, new RegExp(`xyte://devices/${device.id}`));
  } finally {
    await server.stop();
    await hub.close();
  }
});
