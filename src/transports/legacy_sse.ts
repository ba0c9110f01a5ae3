/**
 * The deprecated HTTP+SSE transport (protocol revision 2024-11-05) for older MCP hosts, on web-standard
 * `Request`/`Response` (`Deno.serve`, Hono). The SDK ships it only for Node (`server-legacy`).
 *
 * A client opens `GET /sse`; the first event is `event: endpoint` with `data: <messagesPath>?sessionId=<id>`.
 * The client POSTs each JSON-RPC message there (answered `202 Accepted`); everything the server sends —
 * responses, notifications, server→client requests such as elicitation — goes down the SSE stream as
 * `event: message`. A session lives exactly as long as its stream: when the client disconnects (the body
 * stream is cancelled) or on `closeAll()`, its server is closed and the session forgotten.
 *
 * Nothing here checks Host, Origin or credentials: the HTTP app wraps both routes with those checks.
 */
import {
  isJSONRPCErrorResponse,
  isJSONRPCNotification,
  isJSONRPCRequest,
  isJSONRPCResultResponse,
  type JSONRPCMessage,
  type McpServer,
  type MessageExtraInfo,
  parseJSONRPCMessage,
  type Transport,
} from "@modelcontextprotocol/server";
import { log } from "../observability/log.ts";
import type { Telemetry } from "../observability/telemetry.ts";
import type { Tenant } from "../tenancy.ts";
import { jsonRpcError, othersSession, shutdownAnswer } from "./jsonrpc.ts";
import type { Seat } from "./session_seats.ts";

/** One server-sent event. */
export interface SseEvent {
  /** Event type (`endpoint`, `message`); omitted = the default `message` type. */
  event?: string;
  /** Payload; line breaks (`\n`, `\r\n`, `\r`) become one `data:` line each, as the SSE format requires. */
  data: string;
  /** Sets the client's last event id. */
  id?: string;
  /** Reconnection delay the client should use, in ms. */
  retry?: number;
}

/** Frames one event in the `text/event-stream` format (terminated by a blank line). */
export function formatSseEvent(event: SseEvent): string {
  let frame = "";
  if (event.event !== undefined) frame += `event: ${singleLine(event.event, "event type")}\n`;
  if (event.id !== undefined) {
    if (event.id.includes("\0")) throw new TypeError("SSE event id must not contain NUL");
    frame += `id: ${singleLine(event.id, "event id")}\n`;
  }
  if (event.retry !== undefined) {
    if (!Number.isInteger(event.retry) || event.retry < 0) {
      throw new TypeError("SSE retry must be a non-negative integer");
    }
    frame += `retry: ${event.retry}\n`;
  }
  for (const line of event.data.split(/\r\n|\r|\n/)) frame += `data: ${line}\n`;
  return `${frame}\n`;
}

/** An SSE comment line (ignored by clients; keeps idle connections open through proxies). */
export function formatSseComment(text: string): string {
  return `: ${singleLine(text, "comment")}\n\n`;
}

function singleLine(value: string, what: string): string {
  if (/[\r\n]/.test(value)) throw new TypeError(`SSE ${what} must be a single line`);
  return value;
}

/** Default interval of keep-alive comments on idle streams. */
export const DEFAULT_KEEP_ALIVE_MS = 15_000;
/** Default bound on bytes queued for a client that does not read its stream; past it the session ends. */
export const DEFAULT_MAX_BUFFERED_BYTES = 16 * 1024 * 1024;

export interface LegacySseTransportOptions {
  /** Path (with any mount prefix) the client POSTs to; the `endpoint` event adds `?sessionId=…`. */
  messagesPath: string;
  /** Defaults to a random UUID. */
  sessionId?: string;
  /** Keep-alive comment interval; 0 = none. */
  keepAliveMs?: number;
  maxBufferedBytes?: number;
}

const SSE_HEADERS = {
  "content-type": "text/event-stream",
  "cache-control": "no-cache, no-transform",
  // Tells nginx-style proxies not to buffer the stream.
  "x-accel-buffering": "no",
};

/**
 * An SDK `Transport` whose outbound side is one SSE response body. Create it, `server.connect()` it (that
 * calls `start()`, which queues the `endpoint` event), then return `response` to the client. Feed POSTed
 * messages in with `handleMessage`.
 */
export class LegacySseTransport implements Transport {
  readonly sessionId: string;
  /** The `text/event-stream` response to return for the `GET`. */
  readonly response: Response;
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage, extra?: MessageExtraInfo) => void;

  readonly #messagesPath: string;
  readonly #keepAliveMs: number;
  readonly #maxBufferedBytes: number;
  readonly #encoder = new TextEncoder();
  #controller!: ReadableStreamDefaultController<Uint8Array>;
  #keepAlive: ReturnType<typeof setInterval> | undefined;
  /** Ids of client requests not answered yet. */
  readonly #pending = new Set<string | number>();
  #started = false;
  #closed = false;

  constructor(options: LegacySseTransportOptions) {
    this.sessionId = options.sessionId ?? crypto.randomUUID();
    this.#messagesPath = options.messagesPath;
    this.#keepAliveMs = options.keepAliveMs ?? DEFAULT_KEEP_ALIVE_MS;
    this.#maxBufferedBytes = options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES;
    const body = new ReadableStream<Uint8Array>({
      start: (controller) => {
        this.#controller = controller;
      },
      // The client went away (or the HTTP server dropped the response).
      cancel: () => this.#finish(false),
    }, new ByteLengthQueuingStrategy({ highWaterMark: 64 * 1024 }));
    this.response = new Response(body, { status: 200, headers: SSE_HEADERS });
  }

  /** Whether the stream is still open. */
  get open(): boolean {
    return this.#started && !this.#closed;
  }

  /** The relative URL sent in the `endpoint` event. */
  get endpointUrl(): string {
    const url = new URL(this.#messagesPath, "http://localhost");
    url.searchParams.set("sessionId", this.sessionId);
    return url.pathname + url.search;
  }

  start(): Promise<void> {
    if (this.#started) {
      return Promise.reject(new Error("LegacySseTransport already started (McpServer.connect starts it)"));
    }
    if (this.#closed) return Promise.reject(new Error("LegacySseTransport is closed"));
    this.#started = true;
    this.#write(formatSseEvent({ event: "endpoint", data: this.endpointUrl }));
    if (this.#keepAliveMs > 0) {
      this.#keepAlive = setInterval(() => this.#write(formatSseComment("keepalive")), this.#keepAliveMs);
    }
    return Promise.resolve();
  }

  /** Client requests received and not answered yet (for a graceful shutdown). */
  get pendingRequests(): number {
    return this.#pending.size;
  }

  /** Answers every request still unanswered with `shutdownAnswer` (the shutdown grace period is over). */
  answerPendingForShutdown(): void {
    for (const id of [...this.#pending]) this.send(shutdownAnswer(id)).catch(() => {});
  }

  send(message: JSONRPCMessage): Promise<void> {
    if (!this.open) return Promise.reject(new Error("Not connected: the SSE stream is closed"));
    if (!this.#write(formatSseEvent({ event: "message", data: JSON.stringify(message) }))) {
      return Promise.reject(new Error("Not connected: the SSE stream is closed"));
    }
    if (isJSONRPCResultResponse(message) || isJSONRPCErrorResponse(message)) {
      if (message.id !== undefined) this.#pending.delete(message.id);
    }
    return Promise.resolve();
  }

  /**
   * Validates one POSTed message and hands it to the server. Throws (after reporting to `onerror`) when it
   * is not a JSON-RPC message.
   */
  handleMessage(message: unknown, extra?: MessageExtraInfo): void {
    let parsed: JSONRPCMessage;
    try {
      parsed = parseJSONRPCMessage(message);
    } catch (error) {
      const reported = new Error("invalid JSON-RPC message", { cause: error });
      this.onerror?.(reported);
      throw reported;
    }
    if (isJSONRPCRequest(parsed)) this.#pending.add(parsed.id);
    // A cancelled request gets no answer.
    if (isJSONRPCNotification(parsed) && parsed.method === "notifications/cancelled") {
      const requestId = (parsed.params as { requestId?: unknown } | undefined)?.requestId;
      if (typeof requestId === "string" || typeof requestId === "number") this.#pending.delete(requestId);
    }
    this.onmessage?.(parsed, extra);
  }

  close(): Promise<void> {
    this.#finish(true);
    return Promise.resolve();
  }

  /** Queues bytes; false when the stream is gone (the session is then closed). */
  #write(text: string): boolean {
    if (this.#closed) return false;
    try {
      this.#controller.enqueue(this.#encoder.encode(text));
    } catch {
      this.#finish(false);
      return false;
    }
    const queued = -(this.#controller.desiredSize ?? 0);
    if (queued > this.#maxBufferedBytes) {
      // A client that stopped reading must not make the server buffer without bound.
      this.onerror?.(new Error("SSE client is not reading its stream; closing the session"));
      this.#finish(true);
      return false;
    }
    return true;
  }

  #finish(closeStream: boolean): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#keepAlive !== undefined) clearInterval(this.#keepAlive);
    this.#keepAlive = undefined;
    if (closeStream) {
      try {
        this.#controller.close();
      } catch {
        // already closed or cancelled
      }
    }
    this.onclose?.();
  }
}

export interface LegacySseEndpointOptions {
  /** A fresh server per session, e.g. `(tenant) => app.buildServer(tenant, { era: "legacy", serverToClient: true })`. */
  build: (tenant: Tenant) => McpServer;
  /** Path (with any mount prefix) of the POST route, e.g. `/messages`. */
  messagesPath: string;
  /** A seat for one more session of `tenant` under the server's caps, or the response refusing it. */
  admit: (request: Request, tenant: Tenant) => Seat | Response;
  /** Who a request comes from, for a session's ownership (e.g. its tenant, `tenant.id`). */
  ownerOf: (request: Request, tenant: Tenant) => string;
  /** Told the number of open sessions whenever it changes (default: nothing). */
  telemetry?: Telemetry;
  /** Keep-alive comment interval (default 15 s); 0 = none. */
  keepAliveMs?: number;
  /** Bytes queued for a non-reading client before its session is closed (default 16 MiB). */
  maxBufferedBytes?: number;
}

interface Session {
  transport: LegacySseTransport;
  server: McpServer;
  /** Who may POST to it: `ownerOf` the request that opened it. */
  owner: string;
  /** Its place under the session caps, given back when it ends. */
  seat: Seat;
}

const SESSION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Most messages in one POSTed batch, as the SDK's Streamable HTTP transport allows on `/mcp`. Every message is
 * served at once, and a batch costs at most a bucket of the rate limit: without a bound, one 1 MB POST of
 * 10,000 tool calls took 13 s of CPU and 650 MB of memory.
 */
export const MAX_BATCH_MESSAGES = 100;

/**
 * The two routes of the HTTP+SSE transport and the sessions behind them. Mount `open` on `GET /sse` and
 * `post` on `POST <messagesPath>`, behind Host/Origin checks, authentication, tenant resolution and body
 * parsing.
 */
export class LegacySseEndpoint {
  readonly #sessions = new Map<string, Session>();
  readonly #options: LegacySseEndpointOptions;
  readonly #log = log("http", "legacy-sse");
  #closed = false;

  constructor(options: LegacySseEndpointOptions) {
    if (!options.messagesPath.startsWith("/")) throw new TypeError("messagesPath must start with /");
    this.#options = options;
  }

  /** Open sessions (= open SSE streams). */
  get size(): number {
    return this.#sessions.size;
  }

  /**
   * `GET /sse`: a new session for `tenant` and its event stream, whose first event is `endpoint`. Refused
   * when `admit` gives no seat, and with 503 after `closeAll()` (shutdown).
   */
  async open(request: Request, tenant: Tenant): Promise<Response> {
    if (this.#closed) {
      return jsonRpcError(503, -32000, "The server is shutting down.", { "retry-after": "1" });
    }
    // Refusals are logged with the others, at most once a minute (http.ts).
    const seat = this.#options.admit(request, tenant);
    if (seat instanceof Response) return seat;
    const transport = new LegacySseTransport({
      messagesPath: this.#options.messagesPath,
      keepAliveMs: this.#options.keepAliveMs,
      maxBufferedBytes: this.#options.maxBufferedBytes,
    });
    let server: McpServer;
    try {
      server = this.#options.build(tenant);
    } catch (error) {
      seat.release();
      throw error;
    }
    const id = transport.sessionId;
    transport.onclose = () => {
      if (this.#sessions.get(id)?.transport !== transport) return;
      this.#forget(id);
      this.#log.info("legacy SSE session closed", { sessions: this.#sessions.size });
      // The protocol layer has already aborted in-flight handlers; this releases the server itself.
      void server.close().catch(() => {});
    };
    this.#sessions.set(id, { transport, server, owner: this.#options.ownerOf(request, tenant), seat });
    this.#options.telemetry?.sessions("sse", this.#sessions.size);
    try {
      await server.connect(transport);
    } catch (error) {
      this.#forget(id);
      await transport.close();
      throw error;
    }
    this.#log.info("legacy SSE session opened", { sessions: this.#sessions.size });
    return transport.response;
  }

  /**
   * `POST <messagesPath>?sessionId=…` with the parsed JSON body (one message, or an array of them):
   * 202 when accepted (answers go down the stream), 400 for a missing or malformed id or body, 404 for an
   * unknown or ended session, 403 when `tenant` is not the one that opened the session.
   */
  post(request: Request, parsedBody: unknown, tenant: Tenant): Promise<Response> {
    return Promise.resolve(this.#accept(request, parsedBody, tenant));
  }

  #accept(request: Request, parsedBody: unknown, tenant: Tenant): Response {
    const id = new URL(request.url).searchParams.get("sessionId");
    if (!id) return jsonRpcError(400, -32000, "Bad Request: sessionId query parameter required.");
    if (!SESSION_ID.test(id)) {
      return jsonRpcError(400, -32000, "Bad Request: sessionId is not a valid session id.");
    }
    const session = this.#sessions.get(id);
    if (!session || !session.transport.open) {
      return jsonRpcError(404, -32001, "Session not found: open a new SSE stream (GET /sse).");
    }
    if (session.owner !== this.#options.ownerOf(request, tenant)) {
      return othersSession();
    }
    const messages = Array.isArray(parsedBody) ? parsedBody : [parsedBody];
    let parsed: JSONRPCMessage[];
    try {
      // The whole body is validated before any of it is delivered.
      if (messages.length === 0) throw new Error("empty batch");
      if (messages.length > MAX_BATCH_MESSAGES) {
        return jsonRpcError(
          400,
          -32600,
          `Invalid Request: a batch carries at most ${MAX_BATCH_MESSAGES} messages; send the rest in more POSTs.`,
        );
      }
      parsed = messages.map((m) => parseJSONRPCMessage(m));
    } catch {
      return jsonRpcError(400, -32600, "Invalid Request: the body is not a JSON-RPC message.");
    }
    for (const message of parsed) session.transport.handleMessage(message, { request });
    return new Response("Accepted", { status: 202, headers: { "content-type": "text/plain" } });
  }

  /** Client requests received over every session and not answered yet. */
  get pendingRequests(): number {
    let pending = 0;
    for (const session of this.#sessions.values()) pending += session.transport.pendingRequests;
    return pending;
  }

  /**
   * Ends every stream and closes every server; `open` is refused (503) from the start (for shutdown).
   * With `graceMs`, first waits up to that long for requests in progress to be answered: their answers
   * travel down the streams, so POSTs (e.g. elicitation answers) must still reach `post` meanwhile. Requests
   * still unanswered then get an error answer. True when every request was answered in time.
   */
  async closeAll(graceMs = 0): Promise<boolean> {
    this.#closed = true;
    const deadline = Date.now() + graceMs;
    while (this.pendingRequests > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(25, Math.max(1, deadline - Date.now()))));
    }
    const answered = this.pendingRequests === 0;
    const open = [...this.#sessions.values()];
    for (const s of open) {
      s.transport.answerPendingForShutdown();
      s.seat.release();
    }
    this.#sessions.clear();
    this.#options.telemetry?.sessions("sse", 0);
    await Promise.allSettled(open.map(async (s) => {
      await s.transport.close();
      await s.server.close();
    }));
    if (open.length > 0) this.#log.info("legacy SSE sessions closed", { closed: open.length });
    return answered;
  }

  #forget(id: string): void {
    this.#sessions.get(id)?.seat.release();
    if (this.#sessions.delete(id)) this.#options.telemetry?.sessions("sse", this.#sessions.size);
  }
}
