/**
 * The deprecated HTTP+SSE transport (2024-11-05) served on `Deno.serve`: the v1 SDK client's and the v2
 * client's SSE transports against a real server (`createApp` over the simulated hub), the raw wire format,
 * session lifetime (client disconnect, `closeAll`, limits), and SSE framing.
 */
import assert from "node:assert/strict";
import { Client as V1Client } from "@modelcontextprotocol/sdk/client/index.js";
import { SSEClientTransport as V1SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import { ResourceUpdatedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { Client, SSEClientTransport } from "@modelcontextprotocol/client";
import { createApp } from "../../src/app.ts";
import { loadConfig } from "../../src/config.ts";
import type { SimulatorServer } from "../../src/simulator/mod.ts";
import type { Tenant } from "../../src/tenancy.ts";
import {
  formatSseComment,
  formatSseEvent,
  LegacySseEndpoint,
  LegacySseTransport,
  MAX_BATCH_MESSAGES,
} from "../../src/transports/legacy_sse.ts";
import { isSeat, SessionSeats } from "../../src/transports/session_seats.ts";
import { assertMatchesOutputSchema, ORG_KEY, PARTNER_KEY, startHub, waitFor } from "./harness.ts";

interface LegacyServer {
  /** Base URL, e.g. http://127.0.0.1:1234 (the SSE stream is at /sse). */
  url: string;
  endpoint: LegacySseEndpoint;
  hub: SimulatorServer;
  /** The seats `admit` hands out (the server's session caps). */
  seats: SessionSeats;
  /** How many sessions' MCP servers were closed (each holds watches, subscriptions, handlers). */
  serversClosed(): number;
  close(): Promise<void>;
}

/** A real server factory from `createApp(config)` behind a minimal router: GET /sse, POST /messages. */
async function startLegacy(
  options: { maxSessions?: number; keepAliveMs?: number } = {},
): Promise<LegacyServer> {
  const hub = await startHub();
  const env: Record<string, string> = {
    XYTE_ORG_API_KEY: ORG_KEY,
    XYTE_PARTNER_API_KEY: PARTNER_KEY,
    XYTE_HUB_URL: hub.url,
    XYTE_ENTRY_URL: hub.url,
  };
  const request = await loadConfig([], {
    env: { get: (name) => env[name] },
    readTextFile: (path) => {
      throw new Error(`no file ${path}`);
    },
  });
  assert.equal(request.kind, "run");
  if (request.kind !== "run") throw new Error("unreachable");
  const app = await createApp(request.config);
  const tenant = app.tenancy.single;
  assert.ok(tenant, "configured keys make a single-tenant server");
  // Stands in for another Xyte key in the POST-ownership check.
  const stranger: Tenant = { ...tenant, id: "0123456789abcdef" };
  const seats = new SessionSeats({ total: options.maxSessions ?? 10, perHolder: options.maxSessions ?? 10 });
  let serversClosed = 0;
  const endpoint = new LegacySseEndpoint({
    build: (t) => {
      const built = app.buildServer(t, { era: "legacy", serverToClient: true });
      const close = built.close.bind(built);
      built.close = () => {
        serversClosed++;
        return close();
      };
      return built;
    },
    messagesPath: "/messages",
    admit: (_request, owner) => {
      const seat = seats.take([owner.id]);
      return isSeat(seat) ? seat : new Response(null, { status: 503 });
    },
    ownerOf: (_request, owner) => owner.id,
    keepAliveMs: options.keepAliveMs,
  });
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const { pathname } = new URL(req.url);
    const caller = req.headers.get("x-test-tenant") === "stranger" ? stranger : tenant;
    if (req.method === "GET" && pathname === "/sse") return endpoint.open(req, caller);
    if (req.method === "POST" && pathname === "/messages") {
      let body: unknown;
      try {
        body = JSON.parse(await req.text());
      } catch {
        return new Response("not JSON", { status: 400 });
      }
      return endpoint.post(req, body, caller);
    }
    return new Response("not found", { status: 404 });
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    endpoint,
    seats,
    serversClosed: () => serversClosed,
    hub,
    async close() {
      await endpoint.closeAll();
      await server.shutdown();
      await app.close();
      await hub.close();
    },
  };
}

interface ParsedEvent {
  event: string;
  data: string;
  id?: string;
  comment?: string;
}

/** Reads a `text/event-stream` body event by event (comments included), for wire-level assertions. */
class SseReader {
  readonly #reader: ReadableStreamDefaultReader<string>;
  #buffer = "";

  constructor(body: ReadableStream<Uint8Array>) {
    this.#reader = body.pipeThrough(new TextDecoderStream()).getReader();
  }

  /** The next event or comment; undefined when the stream ended. */
  async next(): Promise<ParsedEvent | undefined> {
    while (!this.#buffer.includes("\n\n")) {
      const { done, value } = await this.#reader.read();
      if (done) return undefined;
      this.#buffer += value;
    }
    const end = this.#buffer.indexOf("\n\n");
    const block = this.#buffer.slice(0, end);
    this.#buffer = this.#buffer.slice(end + 2);
    const parsed: ParsedEvent = { event: "message", data: "" };
    const data: string[] = [];
    for (const line of block.split("\n")) {
      const colon = line.indexOf(":");
      const field = colon === -1 ? line : line.slice(0, colon);
      const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "");
      if (field === "") parsed.comment = value;
      else if (field === "event") parsed.event = value;
      else if (field === "data") data.push(value);
      else if (field === "id") parsed.id = value;
    }
    parsed.data = data.join("\n");
    return parsed;
  }

  /** The next event that is not a comment. */
  async nextEvent(): Promise<ParsedEvent | undefined> {
    for (;;) {
      const event = await this.next();
      if (event?.comment === undefined) return event;
    }
  }

  async cancel(): Promise<void> {
    await this.#reader.cancel().catch(() => {});
  }
}

/** Opens a raw SSE stream; returns the reader and the POST URL from the `endpoint` event. */
async function openRaw(base: string, signal?: AbortSignal): Promise<{ reader: SseReader; postUrl: URL }> {
  const response = await fetch(`${base}/sse`, { headers: { accept: "text/event-stream" }, signal });
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("content-type"), "text/event-stream");
  assert.match(response.headers.get("cache-control") ?? "", /no-cache/);
  const reader = new SseReader(response.body!);
  const first = await reader.next();
  assert.equal(first?.event, "endpoint", "the first event names the POST endpoint");
  assert.match(first!.data, /^\/messages\?sessionId=[0-9a-f-]{36}$/);
  return { reader, postUrl: new URL(first!.data, base) };
}

function postJson(url: URL | string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
}

interface ToolResult {
  isError?: boolean;
  structuredContent?: Record<string, unknown>;
  content?: { type: string; text?: string }[];
}

/** list_devices then get_device, each validated against the published output schema. */
async function listAndGetDevice(
  listTools: () => Promise<{ tools: { name: string; outputSchema?: unknown }[] }>,
  callTool: (name: string, args: Record<string, unknown>) => Promise<ToolResult>,
): Promise<void> {
  const { tools } = await listTools();
  for (const name of ["list_devices", "get_device", "fleet_summary"]) {
    assert.ok(tools.some((t) => t.name === name), `${name} is listed`);
  }
  const schemas = new Map(tools.map((t) => [t.name, t.outputSchema]));
  const page = await callTool("list_devices", { per_page: 3 });
  assert.notEqual(page.isError, true, JSON.stringify(page.structuredContent));
  assertMatchesOutputSchema(schemas.get("list_devices"), page.structuredContent, "list_devices");
  assert.equal(page.content?.[0]?.type, "text");
  const devices = page.structuredContent!.devices as { id: string }[];
  assert.equal(devices.length, 3);

  const device = await callTool("get_device", { device_id: devices[0]!.id });
  assert.notEqual(device.isError, true);
  assertMatchesOutputSchema(schemas.get("get_device"), device.structuredContent, "get_device");
  assert.equal(device.structuredContent!.id, devices[0]!.id);

  const missing = await callTool("get_device", { device_id: "00000000-0000-0000-0000-000000000000" });
  assert.equal(missing.isError, true);
  assertMatchesOutputSchema(schemas.get("get_device"), missing.structuredContent, "get_device (error)");
  assert.equal((missing.structuredContent!.error as { code: string }).code, "not_found");
}

Deno.test("legacy SSE: the v1 SDK client's SSE transport initializes, lists tools and calls tools", async () => {
  const server = await startLegacy();
  try {
    const client = new V1Client({ name: "v1-sse-host", version: "1.0.0" });
    await client.connect(new V1SSEClientTransport(new URL(`${server.url}/sse`)));
    assert.equal(client.getServerVersion()?.name, "xyte-mcp");
    assert.ok(client.getInstructions()?.includes("fleet_summary"));
    assert.equal(server.endpoint.size, 1);
    await listAndGetDevice(
      () => client.listTools(),
      (name, args) => client.callTool({ name, arguments: args }) as Promise<ToolResult>,
    );
    await client.close();
    await waitFor(() => server.endpoint.size === 0, "the session to end after the client disconnects");
  } finally {
    await server.close();
  }
});

Deno.test("legacy SSE: a v1 SDK client subscribed to a device hears of its change down the stream", async () => {
  const server = await startLegacy();
  try {
    const client = new V1Client({ name: "v1-sse-host", version: "1.0.0" });
    await client.connect(new V1SSEClientTransport(new URL(`${server.url}/sse`)));
    assert.equal(client.getServerCapabilities()?.resources?.subscribe, true);
    const updated: string[] = [];
    // The v1 SDK types resolve to `any` under Deno: the handler states what it reads.
    client.setNotificationHandler(
      ResourceUpdatedNotificationSchema,
      (n: { params: { uri: string } }) => void updated.push(n.params.uri),
    );
    const deviceId = server.hub.state.organizations[0]!.devices[0]!.id;
    await client.subscribeResource({ uri: `xyte://devices/${deviceId}` });
    const renamed = await client.callTool({
      name: "update_device",
      arguments: { device_id: deviceId, name: "Renamed over legacy SSE" },
    });
    assert.ok(!renamed.isError);
    await waitFor(() => updated.length === 1, "the resource update");
    assert.deepEqual(updated, [`xyte://devices/${deviceId}`]);
    await client.close();
  } finally {
    await server.close();
  }
});

Deno.test("legacy SSE: the v2 client's SSE transport calls tools and answers an elicitation over the stream", async () => {
  const server = await startLegacy();
  try {
    const asked: string[] = [];
    const client = new Client({ name: "v2-sse-host", version: "1.0.0" }, {
      capabilities: { elicitation: { form: {} } },
    });
    client.setRequestHandler("elicitation/create", (request) => {
      asked.push((request.params as { message?: string }).message ?? "");
      return Promise.resolve({ action: "accept" as const, content: { confirm: true } });
    });
    const transport = new SSEClientTransport(new URL(`${server.url}/sse`));
    await client.connect(transport);
    assert.equal(server.endpoint.size, 1);
    await listAndGetDevice(
      () => client.listTools(),
      (name, args) => client.callTool({ name, arguments: args }) as Promise<ToolResult>,
    );

    // A server→client request (elicitation/create) travels down the SSE stream; the answer comes back by POST.
    const org = server.hub.state.organizations[0]!;
    const incident = org.incidents[0]!;
    const result = await client.callTool({
      name: "delete_incident",
      arguments: { incident_id: String(incident.id) },
    }) as ToolResult;
    assert.notEqual(result.isError, true, JSON.stringify(result.structuredContent));
    assert.equal(asked.length, 1, "the user was asked once");
    assert.match(asked[0]!, /incident/i);
    assert.equal(org.incidents.some((i) => i.id === incident.id), false, "the confirmed delete went through");

    await client.close();
    await waitFor(() => server.endpoint.size === 0, "the session to end after the client disconnects");
  } finally {
    await server.close();
  }
});

Deno.test("legacy SSE wire: endpoint event, 202 for POSTs, 2024-11-05 initialize, error statuses", async () => {
  const server = await startLegacy();
  const aborter = new AbortController();
  try {
    const { reader, postUrl } = await openRaw(server.url, aborter.signal);
    const initialize = {
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2024-11-05", capabilities: {}, clientInfo: { name: "raw", version: "0" } },
    };
    const accepted = await postJson(postUrl, initialize);
    assert.equal(accepted.status, 202);
    await accepted.body?.cancel();
    const answer = await reader.nextEvent();
    assert.equal(answer?.event, "message");
    const init = JSON.parse(answer!.data);
    assert.equal(init.id, 1);
    assert.equal(init.result.protocolVersion, "2024-11-05", "a 2024-11-05 client keeps its revision");
    assert.equal(init.result.serverInfo.name, "xyte-mcp");

    const notified = await postJson(postUrl, { jsonrpc: "2.0", method: "notifications/initialized" });
    assert.equal(notified.status, 202);
    await notified.body?.cancel();
    // A batch is accepted too; each answer is its own event.
    const batch = await postJson(postUrl, [
      { jsonrpc: "2.0", id: 2, method: "ping" },
      { jsonrpc: "2.0", id: 3, method: "tools/list" },
    ]);
    assert.equal(batch.status, 202);
    await batch.body?.cancel();
    const answers = [
      JSON.parse((await reader.nextEvent())!.data),
      JSON.parse((await reader.nextEvent())!.data),
    ];
    assert.deepEqual(answers.map((a) => a.id).sort(), [2, 3]);
    assert.ok(answers.find((a) => a.id === 3).result.tools.length > 5);

    const statusOf = async (url: string | URL, body: unknown, headers: Record<string, string> = {}) => {
      const response = await postJson(url, body, headers);
      await response.body?.cancel();
      return response.status;
    };
    const ping = { jsonrpc: "2.0", id: 9, method: "ping" };
    assert.equal(await statusOf(`${server.url}/messages?sessionId=${crypto.randomUUID()}`, ping), 404);
    assert.equal(await statusOf(`${server.url}/messages`, ping), 400, "no sessionId");
    assert.equal(await statusOf(`${server.url}/messages?sessionId=nope`, ping), 400, "malformed sessionId");
    assert.equal(await statusOf(postUrl, { hello: "world" }), 400, "not JSON-RPC");
    assert.equal(await statusOf(postUrl, []), 400, "empty batch");
    assert.equal(await statusOf(postUrl, [ping, 42]), 400, "a bad member rejects the whole batch");
    // Every message of a batch is served at once, so its size is bounded as on /mcp; none of it is served.
    const tooMany = Array.from({ length: MAX_BATCH_MESSAGES + 1 }, (_, i) => ({ ...ping, id: 1000 + i }));
    assert.equal(await statusOf(postUrl, tooMany), 400, "a batch over the limit");
    assert.equal(await statusOf(postUrl, tooMany.slice(1)), 202, "a batch at the limit");
    const served = new Set<number>();
    while (served.size < MAX_BATCH_MESSAGES) served.add(JSON.parse((await reader.nextEvent())!.data).id);
    assert.ok(!served.has(1000), "nothing of the refused batch was served");
    assert.equal(
      await statusOf(postUrl, ping, { "x-test-tenant": "stranger" }),
      403,
      "another key's session",
    );
    assert.equal(server.endpoint.size, 1, "bad requests do not end the session");

    // The client disconnects: the stream is cancelled and the session is gone.
    aborter.abort();
    await reader.cancel();
    await waitFor(() => server.endpoint.size === 0, "the session to end on disconnect");
    assert.equal(server.seats.taken, 0, "its seat is free again");
    await waitFor(() => server.serversClosed() === 1, "the session's server to be closed");
    assert.equal(await statusOf(postUrl, ping), 404, "an ended session is unknown");
  } finally {
    aborter.abort();
    await server.close();
  }
});

Deno.test("legacy SSE: each stream holds a seat (none left: refused); closeAll ends streams, frees seats", async () => {
  const server = await startLegacy({ maxSessions: 2 });
  try {
    const a = await openRaw(server.url);
    const b = await openRaw(server.url);
    assert.equal(server.endpoint.size, 2);
    assert.equal(server.seats.taken, 2);
    const refused = await fetch(`${server.url}/sse`);
    assert.equal(refused.status, 503, "admit's refusal is the answer");
    await refused.body?.cancel();
    assert.equal(server.endpoint.size, 2);

    await server.endpoint.closeAll();
    assert.equal(server.endpoint.size, 0);
    assert.equal(server.seats.taken, 0, "closeAll gives the seats back");
    assert.equal(await a.reader.nextEvent(), undefined, "closeAll ends the first stream");
    assert.equal(await b.reader.nextEvent(), undefined, "closeAll ends the second stream");
    const after = await postJson(a.postUrl, { jsonrpc: "2.0", id: 1, method: "ping" });
    assert.equal(after.status, 404);
    await after.body?.cancel();
    const late = await fetch(`${server.url}/sse`);
    assert.equal(late.status, 503, "no new streams after closeAll (shutdown)");
    await late.body?.cancel();
  } finally {
    await server.close();
  }
});

/** Opens a raw stream and completes the 2024-11-05 handshake. */
async function openInitialized(base: string): Promise<{ reader: SseReader; postUrl: URL }> {
  const opened = await openRaw(base);
  const init = await postJson(opened.postUrl, {
    jsonrpc: "2.0",
    id: 0,
    method: "initialize",
    params: { protocolVersion: "2024-11-05", capabilities: {}, clientInfo: { name: "raw", version: "0" } },
  });
  await init.body?.cancel();
  assert.equal(JSON.parse((await opened.reader.nextEvent())!.data).id, 0);
  const done = await postJson(opened.postUrl, { jsonrpc: "2.0", method: "notifications/initialized" });
  await done.body?.cancel();
  return opened;
}

Deno.test("legacy SSE: closeAll(graceMs) lets a call in progress answer down the stream, then ends it", async () => {
  const server = await startLegacy();
  try {
    const { reader, postUrl } = await openInitialized(server.url);
    const device = server.hub.state.organizations[0]!.devices[0]!;
    server.hub.faults.add({ endpointKey: "organization.devices.getDevice", delayMs: 300 });
    const call = await postJson(postUrl, {
      jsonrpc: "2.0",
      id: 5,
      method: "tools/call",
      params: { name: "get_device", arguments: { device_id: device.id } },
    });
    assert.equal(call.status, 202);
    await call.body?.cancel();
    await waitFor(() => server.endpoint.pendingRequests === 1, "the call to be in progress");

    const closing = server.endpoint.closeAll(5000);
    const refused = await fetch(`${server.url}/sse`);
    assert.equal(refused.status, 503, "no new streams while closing");
    await refused.body?.cancel();
    const answer = JSON.parse((await reader.nextEvent())!.data);
    assert.equal(answer.id, 5);
    assert.equal(answer.result.structuredContent.id, device.id, "the call in progress was answered");
    await closing;
    assert.equal(await reader.nextEvent(), undefined, "then the stream ends");
    assert.equal(server.endpoint.size, 0);
  } finally {
    await server.close();
  }
});

Deno.test("legacy SSE: closeAll(graceMs) does not wait past the grace period for a hung call, and answers it", async () => {
  const server = await startLegacy();
  try {
    const { reader, postUrl } = await openInitialized(server.url);
    const device = server.hub.state.organizations[0]!.devices[1]!;
    server.hub.faults.add({ endpointKey: "organization.devices.getDevice", hang: true });
    const call = await postJson(postUrl, {
      jsonrpc: "2.0",
      id: 6,
      method: "tools/call",
      params: { name: "get_device", arguments: { device_id: device.id } },
    });
    await call.body?.cancel();
    await waitFor(() => server.endpoint.pendingRequests === 1, "the call to be in progress");
    const started = Date.now();
    assert.equal(await server.endpoint.closeAll(150), false, "not every request was answered in time");
    assert.ok(Date.now() - started < 2000);
    const answer = JSON.parse((await reader.nextEvent())!.data);
    assert.equal(answer.id, 6);
    assert.match(answer.error.message, /shut down before this request finished/);
    assert.equal(await reader.nextEvent(), undefined, "then the stream ends");
  } finally {
    await server.close();
  }
});

Deno.test("legacy SSE: idle streams carry keep-alive comments", async () => {
  const server = await startLegacy({ keepAliveMs: 20 });
  try {
    const { reader } = await openRaw(server.url);
    const next = await reader.next();
    assert.equal(next?.comment, "keepalive");
    await reader.cancel();
    await waitFor(() => server.endpoint.size === 0, "the session to end on disconnect");
  } finally {
    await server.close();
  }
});

Deno.test("legacy SSE transport: send after close rejects; close is idempotent and fires onclose once", async () => {
  const transport = new LegacySseTransport({
    messagesPath: "/mcp/messages?x=1",
    sessionId: "s-1",
    keepAliveMs: 0,
  });
  let closes = 0;
  transport.onclose = () => closes++;
  assert.equal(transport.endpointUrl, "/mcp/messages?x=1&sessionId=s-1");
  await transport.start();
  await assert.rejects(transport.start(), /already started/);
  await transport.send({ jsonrpc: "2.0", id: 1, result: {} });
  await transport.close();
  await transport.close();
  assert.equal(closes, 1);
  await assert.rejects(transport.send({ jsonrpc: "2.0", id: 2, result: {} }), /Not connected/);
  const text = await transport.response.text();
  assert.equal(
    text,
    'event: endpoint\ndata: /mcp/messages?x=1&sessionId=s-1\n\nevent: message\ndata: {"jsonrpc":"2.0","id":1,"result":{}}\n\n',
  );
});

Deno.test("legacy SSE transport: counts requests until answered or cancelled", async () => {
  const transport = new LegacySseTransport({ messagesPath: "/messages", keepAliveMs: 0 });
  await transport.start();
  transport.handleMessage({ jsonrpc: "2.0", id: 1, method: "ping" });
  transport.handleMessage({ jsonrpc: "2.0", id: "1", method: "ping" });
  transport.handleMessage({ jsonrpc: "2.0", method: "notifications/initialized" });
  assert.equal(transport.pendingRequests, 2, '1 and "1" are different ids; notifications do not count');
  await transport.send({ jsonrpc: "2.0", id: 1, result: {} });
  assert.equal(transport.pendingRequests, 1);
  transport.handleMessage({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: "1" } });
  assert.equal(transport.pendingRequests, 0, "a cancelled request gets no answer");
  assert.throws(() => transport.handleMessage({ hello: "world" }), /invalid JSON-RPC message/);
  await transport.close();
  await transport.response.body?.cancel();
});

Deno.test("legacy SSE transport: a client that stops reading is cut off instead of buffered without bound", async () => {
  const transport = new LegacySseTransport({
    messagesPath: "/messages",
    keepAliveMs: 0,
    maxBufferedBytes: 1024,
  });
  const errors: string[] = [];
  let closed = false;
  transport.onerror = (error) => errors.push(error.message);
  transport.onclose = () => closed = true;
  await transport.start();
  // Nobody reads `transport.response`: past the stream's 64 KiB high-water mark plus 1 KiB, the session ends.
  await transport.send({ jsonrpc: "2.0", id: 1, result: { text: "x".repeat(32 * 1024) } });
  assert.equal(closed, false);
  await assert.rejects(
    transport.send({ jsonrpc: "2.0", id: 2, result: { text: "y".repeat(40 * 1024) } }),
    /Not connected/,
  );
  assert.equal(closed, true);
  assert.match(errors.join(), /not reading/);
  await transport.response.body?.cancel();
});

Deno.test("SSE framing: fields, multi-line data, ids, retry, comments", () => {
  assert.equal(formatSseEvent({ data: "x" }), "data: x\n\n");
  assert.equal(
    formatSseEvent({ event: "message", id: "42", data: '{"a":1}' }),
    'event: message\nid: 42\ndata: {"a":1}\n\n',
  );
  assert.equal(
    formatSseEvent({ data: "one\ntwo\r\nthree\rfour" }),
    "data: one\ndata: two\ndata: three\ndata: four\n\n",
  );
  assert.equal(formatSseEvent({ data: "" }), "data: \n\n");
  assert.equal(formatSseEvent({ data: "trailing\n" }), "data: trailing\ndata: \n\n");
  assert.equal(formatSseEvent({ retry: 3000, data: "r" }), "retry: 3000\ndata: r\n\n");
  assert.equal(formatSseComment("keepalive"), ": keepalive\n\n");
  assert.throws(() => formatSseEvent({ event: "a\nb", data: "" }), /single line/);
  assert.throws(() => formatSseEvent({ id: "1\r2", data: "" }), /single line/);
  assert.throws(() => formatSseEvent({ id: "1\u00002", data: "" }), /NUL/);
  assert.throws(() => formatSseEvent({ retry: -1, data: "" }), /retry/);
  assert.throws(() => formatSseComment("a\nb"), /single line/);
});

Deno.test("SSE framing: a standard EventSource reads the frames back (multi-line data, ids, event types)", async () => {
  const frames = formatSseComment("hello") +
    formatSseEvent({ event: "endpoint", data: "/messages?sessionId=abc" }) +
    formatSseEvent({ id: "7", data: "line one\nline two\r\nline three" }) +
    formatSseEvent({ event: "message", id: "8", data: '{"jsonrpc":"2.0","method":"x"}' });
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    () => new Response(frames, { headers: { "content-type": "text/event-stream" } }),
  );
  const source = new EventSource(`http://127.0.0.1:${server.addr.port}/`);
  try {
    const received: { type: string; data: string; lastEventId: string }[] = [];
    const { promise, resolve } = Promise.withResolvers<void>();
    const record = (event: MessageEvent) => {
      received.push({ type: event.type, data: event.data, lastEventId: event.lastEventId });
      if (received.length === 3) resolve();
    };
    source.addEventListener("endpoint", record);
    source.addEventListener("message", record);
    await promise;
    assert.deepEqual(received, [
      { type: "endpoint", data: "/messages?sessionId=abc", lastEventId: "" },
      { type: "message", data: "line one\nline two\nline three", lastEventId: "7" },
      { type: "message", data: '{"jsonrpc":"2.0","method":"x"}', lastEventId: "8" },
    ]);
  } finally {
    source.close();
    await server.shutdown();
  }
});
