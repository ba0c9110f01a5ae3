/**
 * Sessions for 2025-era Streamable HTTP clients: one transport and one server per `Mcp-Session-Id`.
 *
 * A session starts with an `initialize` POST and ends on DELETE, after `idleTtlSeconds` without requests
 * (unless a GET stream is open), on `closeAll()`, or when the server closes. It belongs to the tenant that
 * opened it: another tenant's requests for it are refused. A new session holds a seat (`admit`) while it lasts:
 * the server's session caps, over every transport, refuse it when full.
 */
import {
  isInitializeRequest,
  type McpServer,
  WebStandardStreamableHTTPServerTransport,
} from "@modelcontextprotocol/server";
import { log } from "../observability/log.ts";
import { unrefTimer } from "../timeouts.ts";
import type { Telemetry } from "../observability/telemetry.ts";
import type { Tenant } from "../tenancy.ts";
import { onBodyEnd } from "./body_end.ts";
import { boundedStream } from "./bounded_stream.ts";
import { jsonRpcError, othersSession, shutdownAnswer } from "./jsonrpc.ts";
import { ReplayBudget, ReplayWindow } from "./replay_window.ts";
import type { Seat } from "./session_seats.ts";

/** Most bytes of SSE events one session keeps for resumption (oldest streams are forgotten first). */
export const REPLAY_MAX_BYTES = 4 * 1024 * 1024;
/** Most bytes of SSE events all sessions keep together (past it, events are sent without being kept). */
export const REPLAY_BUDGET_BYTES = 256 * 1024 * 1024;
/** The SSE `retry` hint: how soon a client whose stream dropped should reconnect, in ms. */
const RECONNECT_AFTER_MS = 1000;
/** JSON-RPC error code of a request its client cancelled (MCP defines none; LSP's RequestCancelled). */
const REQUEST_CANCELLED = -32800;

interface Session {
  transport: WebStandardStreamableHTTPServerTransport;
  server: McpServer;
  /** Who may use it: `ownerOf` the request that opened it. */
  owner: string;
  lastActivity: number;
  openStreams: number;
  /** Ids of this session's requests still being answered (JSON-RPC ids must be unique while in flight). */
  pendingIds: Set<string | number>;
  /** The events kept for resumption, when resumable. */
  replay: ReplayWindow | undefined;
  /** Its place under the session caps, given back when it ends. */
  seat: Seat;
}

export interface SessionOptions {
  build: (tenant: Tenant) => McpServer;
  idleTtlSeconds: number;
  /** A seat for one more session of `tenant` under the server's caps, or the response refusing it. */
  admit: (request: Request, tenant: Tenant) => Seat | Response;
  /** Who a request comes from, for a session's ownership (e.g. its tenant, `tenant.id`). */
  ownerOf: (request: Request, tenant: Tenant) => string;
  /** How long SSE events are kept for clients resuming with Last-Event-ID; 0 = not resumable. */
  replaySeconds: number;
  telemetry: Telemetry;
  now?: () => number;
  /** What every session's kept events count against (default: `REPLAY_BUDGET_BYTES` of its own). */
  replayBudget?: ReplayBudget;
}

export class LegacySessions {
  readonly #sessions = new Map<string, Session>();
  readonly #options: SessionOptions;
  readonly #log = log("http", "session");
  readonly #now: () => number;
  readonly #sweeper: ReturnType<typeof setInterval>;
  readonly #replayBudget: ReplayBudget;

  constructor(options: SessionOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#replayBudget = options.replayBudget ?? new ReplayBudget(REPLAY_BUDGET_BYTES);
    const every = Math.min(60_000, Math.max(1000, (options.idleTtlSeconds * 1000) / 4));
    this.#sweeper = setInterval(() => this.sweep(), every);
    unrefTimer(this.#sweeper);
  }

  get size(): number {
    return this.#sessions.size;
  }

  async handle(request: Request, parsedBody: unknown, tenant: Tenant): Promise<Response> {
    const sessionId = request.headers.get("mcp-session-id");
    if (sessionId) {
      const session = this.#sessions.get(sessionId);
      if (!session) return jsonRpcError(404, -32001, "Session not found: start a new one with initialize.");
      if (session.owner !== this.#options.ownerOf(request, tenant)) return othersSession();
      session.lastActivity = this.#now();
      const ids = requestIds(parsedBody);
      const reused = ids.find((id) => session.pendingIds.has(id)) ?? firstRepeated(ids);
      if (reused !== undefined) {
        return jsonRpcError(
          400,
          -32600,
          `Invalid Request: id ${JSON.stringify(reused)} is already in use by a request of this session` +
            " (or appears twice in this batch).",
          {},
          reused,
        );
      }
      for (const id of ids) session.pendingIds.add(id);
      let response: Response;
      try {
        response = await session.transport.handleRequest(request, { parsedBody });
      } catch (error) {
        for (const id of ids) session.pendingIds.delete(id);
        throw error;
      }
      for (const id of cancelledIds(parsedBody)) {
        if (session.pendingIds.has(id)) this.#endCancelled(session, id);
      }
      if (request.method === "GET" && response.ok) return this.#trackStream(session, response);
      return ids.length === 0 ? response : onBodyEnd(response, () => {
        for (const id of ids) session.pendingIds.delete(id);
      });
    }
    if (request.method === "POST" && startsSession(parsedBody)) {
      const seat = this.#options.admit(request, tenant);
      if (seat instanceof Response) return seat;
      return await this.#open(request, parsedBody, tenant, seat);
    }
    if (request.method === "POST" && namesInitialize(parsedBody)) {
      return jsonRpcError(
        400,
        -32602,
        "Invalid params: initialize needs protocolVersion (a string), capabilities (an object) and clientInfo " +
          "(name and version).",
      );
    }
    return jsonRpcError(400, -32000, "Bad Request: Mcp-Session-Id header required (initialize first).");
  }

  /**
   * Closes sessions idle for longer than the TTL (sessions holding a GET stream or a request still being
   * answered are not idle), and forgets SSE events older than the replay window.
   */
  async sweep(): Promise<number> {
    for (const session of this.#sessions.values()) session.replay?.expire();
    const cutoff = this.#now() - this.#options.idleTtlSeconds * 1000;
    const idle = [...this.#sessions].filter(([, s]) =>
      s.openStreams === 0 && s.pendingIds.size === 0 && s.lastActivity < cutoff
    );
    for (const [id] of idle) this.#forget(id);
    await Promise.allSettled(idle.map(([, s]) => s.server.close()));
    if (idle.length > 0) this.#log.info("idle sessions closed", { closed: idle.length, sessions: this.size });
    return idle.length;
  }

  /** Closes every session; requests still unanswered get an error answer first (see `shutdownAnswer`). */
  async closeAll(): Promise<void> {
    clearInterval(this.#sweeper);
    const open = [...this.#sessions.values()];
    this.#sessions.clear();
    for (const session of open) session.seat.release();
    this.#options.telemetry.sessions("streamable_http", 0);
    await Promise.allSettled(
      open.flatMap((s) => [...s.pendingIds].map((id) => s.transport.send(shutdownAnswer(id)))),
    );
    await Promise.allSettled(open.map((s) => s.server.close()));
  }

  /** A new session holding `seat`; the seat is released when the session ends, or now if none opens. */
  async #open(request: Request, parsedBody: unknown, tenant: Tenant, seat: Seat): Promise<Response> {
    let opened = false;
    // Computed here, not in the callback below: a closure naming `request` would keep it (and its body
    // stream) alive as long as the session.
    const owner = this.#options.ownerOf(request, tenant);
    try {
      const server = this.#options.build(tenant);
      const replay = this.#options.replaySeconds > 0
        ? new ReplayWindow({
          windowMs: this.#options.replaySeconds * 1000,
          maxBytes: REPLAY_MAX_BYTES,
          budget: this.#replayBudget,
          now: this.#now,
        })
        : undefined;
      const transport: WebStandardStreamableHTTPServerTransport =
        new WebStandardStreamableHTTPServerTransport({
          sessionIdGenerator: () => crypto.randomUUID(),
          ...(replay ? { eventStore: replay, retryInterval: RECONNECT_AFTER_MS } : {}),
          onsessioninitialized: (id) => {
            this.#sessions.set(id, {
              transport,
              server,
              owner,
              lastActivity: this.#now(),
              openStreams: 0,
              pendingIds: new Set(),
              replay,
              seat,
            });
            opened = true;
            this.#options.telemetry.sessions("streamable_http", this.size);
            this.#log.info("session opened", { tenant: tenant.id, sessions: this.size });
          },
          onsessionclosed: (id) => {
            this.#forget(id);
            this.#log.info("session closed", { sessions: this.size });
          },
        });
      transport.onclose = () => {
        if (transport.sessionId) this.#forget(transport.sessionId);
      };
      await server.connect(transport);
      return await transport.handleRequest(request, { parsedBody });
    } finally {
      // Initialize refused (or it failed): no session holds the seat.
      if (!opened) seat.release();
    }
  }

  #forget(id: string): void {
    const session = this.#sessions.get(id);
    session?.replay?.clear();
    session?.seat.release();
    if (this.#sessions.delete(id)) this.#options.telemetry.sessions("streamable_http", this.size);
  }

  /**
   * Ends the stream of a request its client cancelled. The SDK aborts the handler and, as the protocol asks,
   * sends no answer, so the request's SSE stream would stay open for good: holding its id, counting as in
   * flight (a shutdown waited the whole grace period) and tying up one of a browser's six connections, with
   * clients that keep the POST open after cancelling (the 1.x SDK client). An error answer ends it and
   * frees all of that; a client that cancelled ignores it.
   */
  #endCancelled(session: Session, id: string | number): void {
    const cancelled = {
      jsonrpc: "2.0" as const,
      id,
      error: { code: REQUEST_CANCELLED, message: "Request cancelled." },
    };
    // Already answered meanwhile: nothing left to end.
    session.transport.send(cancelled).catch(() => {});
  }

  /**
   * Counts an open GET stream against idleness until the client or server ends it; a client that stops
   * reading it has it ended instead of buffered without bound.
   */
  #trackStream(session: Session, response: Response): Response {
    session.openStreams++;
    const bounded = boundedStream(
      response,
      () => this.#log.warning("GET stream ended: its client is not reading it", { sessions: this.size }),
    );
    return onBodyEnd(bounded, () => {
      session.openStreams--;
      session.lastActivity = this.#now();
    });
  }
}

/** Ids of the JSON-RPC requests (not notifications or responses) in a POST body. */
function requestIds(body: unknown): (string | number)[] {
  const messages = Array.isArray(body) ? body : [body];
  return messages.flatMap((m) => {
    const message = m as { id?: unknown; method?: unknown } | null;
    const id = message?.id;
    return typeof message?.method === "string" && (typeof id === "string" || typeof id === "number")
      ? [id]
      : [];
  });
}

/** The first id that appears a second time in `ids`, if any. */
function firstRepeated(ids: readonly (string | number)[]): string | number | undefined {
  const seen = new Set<string | number>();
  for (const id of ids) {
    if (seen.has(id)) return id;
    seen.add(id);
  }
  return undefined;
}

/** Ids of the requests a POST body cancels (`notifications/cancelled`). */
function cancelledIds(body: unknown): (string | number)[] {
  const messages = Array.isArray(body) ? body : [body];
  return messages.flatMap((m) => {
    const message = m as { method?: unknown; params?: { requestId?: unknown } } | null;
    const id = message?.params?.requestId;
    return message?.method === "notifications/cancelled" && (typeof id === "string" || typeof id === "number")
      ? [id]
      : [];
  });
}

/** Whether a body holds an `initialize` request, well-formed or not. */
function namesInitialize(body: unknown): boolean {
  const messages = Array.isArray(body) ? body : [body];
  return messages.some((m) => (m as { method?: unknown } | null)?.method === "initialize");
}

function startsSession(body: unknown): boolean {
  return Array.isArray(body) ? body.some((m) => isInitializeRequest(m)) : isInitializeRequest(body);
}
