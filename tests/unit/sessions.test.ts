import assert from "node:assert/strict";
import { McpServer } from "@modelcontextprotocol/server";
import { NO_TELEMETRY } from "../../src/observability/telemetry.ts";
import type { Tenant } from "../../src/tenancy.ts";
import { isSeat, type Seat, SessionSeats } from "../../src/transports/session_seats.ts";
import { ReplayBudget } from "../../src/transports/replay_window.ts";
import { LegacySessions, REPLAY_BUDGET_BYTES } from "../../src/transports/sessions.ts";

const HEADERS = { "content-type": "application/json", "accept": "application/json, text/event-stream" };
const initialize = (id = 1) => ({
  jsonrpc: "2.0",
  id,
  method: "initialize",
  params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "1" } },
});

function tenant(id: string): Tenant {
  return { id, quota: [id], deps: {} as Tenant["deps"] };
}

async function open(sessions: LegacySessions, owner: Tenant): Promise<Response> {
  const body = initialize();
  const response = await sessions.handle(
    new Request("http://localhost/mcp", { method: "POST", headers: HEADERS, body: JSON.stringify(body) }),
    body,
    owner,
  );
  await response.body?.cancel();
  return response;
}

/** `admit` as http.ts gives it: a seat under `seats` for the tenant, else a 503. */
function admitUnder(seats: SessionSeats): (request: Request, owner: Tenant) => Seat | Response {
  return (_request, owner) => {
    const seat = seats.take([owner.id]);
    return isSeat(seat) ? seat : new Response(null, { status: 503 });
  };
}

/** Sessions owned by their tenant, as on a server with at most one token. */
const byTenant = (_request: Request, owner: Tenant): string => owner.id;

function listTools(sessionId: string): [Request, unknown] {
  const body = { jsonrpc: "2.0", id: 2, method: "tools/list" };
  return [
    new Request("http://localhost/mcp", {
      method: "POST",
      headers: { ...HEADERS, "mcp-session-id": sessionId, "mcp-protocol-version": "2025-06-18" },
      body: JSON.stringify(body),
    }),
    body,
  ];
}

Deno.test("sessions: idle ones close after the TTL, busy ones stay, and the cap refuses new ones with 503", async () => {
  let now = 0;
  const opened: string[] = [];
  const sessions = new LegacySessions({
    build: () => new McpServer({ name: "t", version: "1" }, { capabilities: { tools: {} } }),
    idleTtlSeconds: 60,
    admit: admitUnder(new SessionSeats({ total: 2, perHolder: 2 })),
    ownerOf: byTenant,
    replaySeconds: 60,
    telemetry: { ...NO_TELEMETRY, sessions: (transport, n) => opened.push(`${transport} ${n}`) },
    now: () => now,
  });
  try {
    const alice = tenant("alice");
    const first = await open(sessions, alice);
    const second = await open(sessions, alice);
    assert.equal(first.status, 200);
    assert.equal(sessions.size, 2);
    const third = await open(sessions, alice);
    assert.equal(third.status, 503, "the cap refuses a third session");
    assert.equal(sessions.size, 2);

    now = 50_000;
    const [request, body] = listTools(second.headers.get("mcp-session-id")!);
    const touched = await sessions.handle(request, body, alice);
    await touched.body?.cancel();
    assert.equal(touched.status, 200);

    now = 70_000; // the first session has been idle 70 s, the second 20 s
    assert.equal(await sessions.sweep(), 1);
    assert.equal(sessions.size, 1);
    const [gone, goneBody] = listTools(first.headers.get("mcp-session-id")!);
    assert.equal((await sessions.handle(gone, goneBody, alice)).status, 404);
    assert.equal((await open(sessions, alice)).status, 200, "the swept session's place is free again");

    const [other, otherBody] = listTools(second.headers.get("mcp-session-id")!);
    assert.equal(
      (await sessions.handle(other, otherBody, tenant("mallory"))).status,
      403,
      "another key is refused",
    );
    assert.deepEqual(
      opened.slice(0, 2),
      ["streamable_http 1", "streamable_http 2"],
      "the open-sessions gauge follows",
    );
  } finally {
    await sessions.closeAll();
  }
  assert.equal(sessions.size, 0);
});

Deno.test("sessions: a session's seat is taken at initialize and given back however it ends", async () => {
  let now = 0;
  const seats = new SessionSeats({ total: 10, perHolder: 10 });
  const sessions = new LegacySessions({
    build: () => new McpServer({ name: "t", version: "1" }, { capabilities: { tools: {} } }),
    idleTtlSeconds: 60,
    admit: admitUnder(seats),
    ownerOf: byTenant,
    replaySeconds: 0,
    telemetry: NO_TELEMETRY,
    now: () => now,
  });
  const alice = tenant("alice");
  try {
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await open(sessions, alice)).headers.get("mcp-session-id")!);
    assert.equal(seats.heldBy("alice"), 3, "one seat per session");

    const deleted = await sessions.handle(
      new Request("http://localhost/mcp", {
        method: "DELETE",
        headers: { ...HEADERS, "mcp-session-id": ids[0]!, "mcp-protocol-version": "2025-06-18" },
      }),
      undefined,
      alice,
    );
    assert.equal(deleted.status, 200);
    assert.equal(seats.heldBy("alice"), 2, "DELETE gives the seat back");

    now = 30_000;
    const [request, body] = listTools(ids[1]!);
    await (await sessions.handle(request, body, alice)).body?.cancel();
    now = 70_000;
    assert.equal(await sessions.sweep(), 1);
    assert.equal(seats.heldBy("alice"), 1, "the idle sweep gives the seat back");

    // Refused by the SDK (it must accept both JSON and SSE answers): no session, so no seat is kept.
    const init = initialize();
    const refused = await sessions.handle(
      new Request("http://localhost/mcp", {
        method: "POST",
        headers: { ...HEADERS, accept: "application/json" },
        body: JSON.stringify(init),
      }),
      init,
      alice,
    );
    await refused.body?.cancel();
    assert.equal(refused.status, 406);
    assert.equal(seats.heldBy("alice"), 1, "a refused initialize keeps no seat");
  } finally {
    await sessions.closeAll();
  }
  assert.equal(seats.taken, 0, "closeAll gives every seat back");
});

Deno.test("sessions: a batch naming one id twice, and a malformed initialize, are refused with a precise 400", async () => {
  const sessions = new LegacySessions({
    build: () => new McpServer({ name: "t", version: "1" }, { capabilities: { tools: {} } }),
    idleTtlSeconds: 60,
    admit: admitUnder(new SessionSeats({ total: 10, perHolder: 10 })),
    ownerOf: byTenant,
    replaySeconds: 0,
    telemetry: NO_TELEMETRY,
  });
  const post = (body: unknown, sessionId?: string) =>
    sessions.handle(
      new Request("http://localhost/mcp", {
        method: "POST",
        headers: { ...HEADERS, ...(sessionId ? { "mcp-session-id": sessionId } : {}) },
        body: JSON.stringify(body),
      }),
      body,
      tenant("alice"),
    );
  try {
    const sessionId = (await open(sessions, tenant("alice"))).headers.get("mcp-session-id")!;
    const twice = await post([
      { jsonrpc: "2.0", id: 60, method: "ping" },
      { jsonrpc: "2.0", id: 60, method: "tools/list" },
    ], sessionId);
    assert.equal(twice.status, 400);
    const error = await twice.json();
    assert.equal(error.id, 60);
    assert.match(error.error.message, /id 60 .*twice in this batch/);

    const malformed = await post({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { capabilities: {} },
    });
    assert.equal(malformed.status, 400);
    const refused = await malformed.json();
    assert.equal(refused.error.code, -32602);
    assert.match(refused.error.message, /initialize needs protocolVersion/);
    assert.equal(sessions.size, 1, "no session opened for it");
  } finally {
    await sessions.closeAll();
  }
});

/** A session server with a `slow` tool that answers when `finish` is called. */
function slowToolSessions(options: { now?: () => number; replayBudget?: ReplayBudget } = {}) {
  let finish = () => {};
  const sessions = new LegacySessions({
    build: () => {
      const server = new McpServer({ name: "t", version: "1" }, { capabilities: { tools: {} } });
      server.registerTool("slow", { description: "Answers when told." }, async () => {
        await new Promise<void>((resolve) => finish = resolve);
        return { content: [{ type: "text", text: "done" }] };
      });
      return server;
    },
    idleTtlSeconds: 60,
    admit: admitUnder(new SessionSeats({ total: 10, perHolder: 10 })),
    ownerOf: byTenant,
    replaySeconds: options.replayBudget ? 60 : 0,
    telemetry: NO_TELEMETRY,
    ...options,
  });
  const post = (sessionId: string, body: unknown) =>
    sessions.handle(
      new Request("http://localhost/mcp", {
        method: "POST",
        headers: { ...HEADERS, "mcp-session-id": sessionId, "mcp-protocol-version": "2025-06-18" },
        body: JSON.stringify(body),
      }),
      body,
      tenant("alice"),
    );
  return { sessions, post, finish: () => finish() };
}

const slowCall = (id: number) => ({
  jsonrpc: "2.0",
  id,
  method: "tools/call",
  params: { name: "slow", arguments: {} },
});

Deno.test("sessions: a session still answering a request is not idle, however long the call takes", async () => {
  let now = 0;
  const { sessions, post, finish } = slowToolSessions({ now: () => now });
  try {
    const sessionId = (await open(sessions, tenant("alice"))).headers.get("mcp-session-id")!;
    const call = await post(sessionId, slowCall(2));
    now = 120_000;
    assert.equal(await sessions.sweep(), 0, "a call running past the TTL keeps its session");
    finish();
    assert.match(await call.text(), /done/);
    assert.equal(await sessions.sweep(), 1, "idle once answered");
  } finally {
    await sessions.closeAll();
  }
});

Deno.test("sessions: an id still being answered cannot be used again until its answer is sent", async () => {
  const { sessions, post, finish } = slowToolSessions();
  try {
    const sessionId = (await open(sessions, tenant("alice"))).headers.get("mcp-session-id")!;
    const first = await post(sessionId, slowCall(5));
    const reused = await post(sessionId, slowCall(5));
    assert.equal(reused.status, 400);
    const answer = await reused.json();
    assert.equal(answer.error.code, -32600);
    assert.equal(answer.id, 5, "the refusal names the id");
    finish();
    assert.match(await first.text(), /done/);
    const again = await post(sessionId, { jsonrpc: "2.0", id: 5, method: "tools/list" });
    assert.equal(again.status, 200, "free again once answered");
    await again.body?.cancel();
  } finally {
    await sessions.closeAll();
  }
});

Deno.test("sessions: an open GET stream keeps a session from the idle sweep; once it closes, the session can go", async () => {
  let now = 0;
  const { sessions } = slowToolSessions({ now: () => now });
  try {
    const sessionId = (await open(sessions, tenant("alice"))).headers.get("mcp-session-id")!;
    const stream = await sessions.handle(
      new Request("http://localhost/mcp", {
        method: "GET",
        headers: {
          accept: "text/event-stream",
          "mcp-session-id": sessionId,
          "mcp-protocol-version": "2025-06-18",
        },
      }),
      undefined,
      tenant("alice"),
    );
    assert.equal(stream.status, 200);
    now = 120_000;
    assert.equal(await sessions.sweep(), 0, "a client listening for notifications keeps its session");
    await stream.body?.cancel();
    now = 240_000;
    assert.equal(await sessions.sweep(), 1, "idle once its stream is gone");
  } finally {
    await sessions.closeAll();
  }
});

Deno.test("sessions: a session's kept events leave the shared replay budget when it ends", async () => {
  const budget = new ReplayBudget(REPLAY_BUDGET_BYTES);
  const { sessions, post, finish } = slowToolSessions({ replayBudget: budget });
  try {
    const sessionId = (await open(sessions, tenant("alice"))).headers.get("mcp-session-id")!;
    const call = await post(sessionId, slowCall(1));
    finish();
    assert.match(await call.text(), /done/);
    assert.ok(budget.usedBytes > 0, "the answer's event is kept for resumption");
    const deleted = await sessions.handle(
      new Request("http://localhost/mcp", {
        method: "DELETE",
        headers: { ...HEADERS, "mcp-session-id": sessionId, "mcp-protocol-version": "2025-06-18" },
      }),
      undefined,
      tenant("alice"),
    );
    assert.equal(deleted.status, 200);
    assert.equal(budget.usedBytes, 0, "an ended session keeps nothing");
  } finally {
    await sessions.closeAll();
  }
});
