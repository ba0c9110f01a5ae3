/**
 * The HTTP service on `Deno.serve` + Hono.
 *
 * Routes: `POST|GET|DELETE /mcp` (Streamable HTTP), `GET /sse` + `POST /messages` (the legacy HTTP+SSE
 * transport of 2024-11-05 clients), `GET /healthz` (liveness), `GET /readyz` (readiness; why a check fails
 * only with the static token), `GET /metrics`, and with OAuth `GET /.well-known/oauth-protected-resource[/mcp]`
 * (where clients sign in) and `GET /.well-known/oauth-authorization-server` (the issuer's metadata, for
 * 2025-03-26 clients).
 *
 * Every MCP request passes, in order: security headers, CORS (when configured), draining (503 during
 * shutdown), Host/Origin allow-lists (403), bearer token (401; with OAuth an access token: 401, 403 without a
 * required scope, 503 when the issuer's keys are out of reach), tenant (401 without a key in multi-tenant
 * mode, 400 for another key in single-tenant mode), with MCP_CHECK_TENANT_KEYS the keys' check (401 for a
 * key Xyte refuses, 503 while it does not answer, 429 when too many new keys wait), then for a POST: content
 * type (415), body size (413), body time (408), JSON with no object of more than 1,000 members (400), rate
 * limit (429 with Retry-After; a batch costs a token per message).
 * Refusals are logged once per route, status and minute. Then:
 * - stateful (default): 2025-era clients get sessions (`Mcp-Session-Id`), so server→client requests and
 *   cancellation work; 2026-07-28 clients are served per request (that revision has no sessions);
 * - stateless (`--stateless`): every request stands alone, for horizontally scaled deployments.
 */
import {
  createMcpHandler,
  isJsonContentType,
  isLegacyRequest,
  type McpServer,
  type McpServerFactory,
} from "@modelcontextprotocol/server";
import { type Context, Hono } from "hono";
import { cors } from "hono/cors";
import { secureHeaders } from "hono/secure-headers";
import { type HttpSettings } from "../config.ts";
import { isLoopbackAddress } from "../settings.ts";
import { listenedResourceUris, ListenEventBus } from "../mcp/listen.ts";
import { resourceWatcher } from "../mcp/register_subscriptions.ts";
import type { ServeContext } from "../mcp/server.ts";
import { log, withRequestContext } from "../observability/log.ts";
import { ThrottledLog } from "../observability/throttled_log.ts";
import type { Telemetry } from "../observability/telemetry.ts";
import { type Readiness, withoutDetails } from "../readiness.ts";
import { type Tenancy, type Tenant, TENANT_KEY_HEADER, TENANT_PARTNER_KEY_HEADER } from "../tenancy.ts";
import {
  bearerToken,
  hostAllowed,
  LOOPBACK_HOSTNAMES,
  originAllowed,
  tokenId,
  tokenMatches,
} from "./http_guards.ts";
import { readBodyText } from "../body.ts";
import { onBodyEnd } from "./body_end.ts";
import { boundedStream } from "./bounded_stream.ts";
import { streamIfSlow } from "./early_stream.ts";
import { InFlight } from "./inflight.ts";
import { ShutdownAnswers } from "./shutdown_answer.ts";
import { jsonRpcError } from "./jsonrpc.ts";
import { hasWideObject, MAX_OBJECT_MEMBERS } from "./json_shape.ts";
import { LegacySseEndpoint } from "./legacy_sse.ts";
import type { RateLimiter } from "./rate_limit.ts";
import { isSeat, type Seat, SessionSeats } from "./session_seats.ts";
import { TenantKeyCheck } from "./key_check.ts";
import type { OAuthResourceServer } from "./oauth.ts";
import { LegacySessions } from "./sessions.ts";

export interface HttpOptions {
  host: string;
  port: number;
  stateless: boolean;
  settings: HttpSettings;
  tenancy: Tenancy;
  build: (tenant: Tenant, serve: ServeContext) => McpServer;
  limiter: RateLimiter;
  telemetry: Telemetry;
  metrics?: { render(): Promise<string>; contentType: string };
  readiness: () => Promise<Readiness>;
  /** How long a request body may take to arrive (default `BODY_TIMEOUT_MS`). */
  bodyTimeoutMs?: number;
  /**
   * With `settings.oauth`: its resource server (built by the caller, so that a server without OAuth never
   * loads the JWT library: about 3 MB of resident memory).
   */
  oauth?: OAuthResourceServer;
}

/**
 * How long a request body may take to arrive: a client trickling its body a byte at a time would otherwise
 * hold its connection and a request slot for as long as it likes. 408 beyond.
 */
export const BODY_TIMEOUT_MS = 30_000;

export interface HttpApp {
  fetch: (request: Request) => Promise<Response>;
  /** Open 2025-era sessions (Streamable HTTP and legacy SSE). */
  sessionCount(): number;
  /** Stops accepting MCP requests, lets in-flight ones finish within `graceMs`, closes every session. */
  drain(graceMs: number): Promise<{ drained: boolean }>;
}

export interface HttpHandle {
  /** The MCP endpoint, e.g. http://127.0.0.1:8080/mcp */
  url: string;
  port: number;
  /** Graceful stop: drain, then close the listener. */
  close(graceMs?: number): Promise<{ drained: boolean }>;
}

const MCP_PATHS = ["/mcp", "/sse", "/messages"];
const CORS_ALLOW_HEADERS = [
  "content-type",
  "authorization",
  "accept",
  "mcp-session-id",
  "mcp-protocol-version",
  "mcp-method",
  "mcp-name",
  "last-event-id",
  TENANT_KEY_HEADER,
  TENANT_PARTNER_KEY_HEADER,
];

type Env = {
  Variables: {
    tenant: Tenant;
    parsedBody: unknown;
    /** The resource URIs of a `subscriptions/listen` request; undefined for any other body. */
    listened: string[] | undefined;
  };
};

/** The HTTP application, testable without a socket. */
export function createHttpApp(options: HttpOptions): HttpApp {
  const logger = log("http");
  const { settings } = options;
  const loopback = isLoopbackAddress(options.host);
  const allowedHosts = settings.allowedHosts.length > 0
    ? settings.allowedHosts
    : loopback
    ? LOOPBACK_HOSTNAMES
    : [];
  const allowedOrigins = [...settings.allowedOrigins, ...settings.corsOrigins];
  const inFlight = new InFlight();
  const inFlightRequests = new WeakMap<Request, ReturnType<InFlight["begin"]>>();
  let draining = false;

  // The modern handler builds a server per request; it finds the request's tenant here.
  const tenantOf = new WeakMap<Request, Tenant>();
  const factory: McpServerFactory = (ctx) => {
    const tenant = ctx.requestInfo ? tenantOf.get(ctx.requestInfo) : undefined;
    if (!tenant) throw new Error("request reached the MCP handler without a tenant");
    // Per-request instances: a 2025-era client here (stateless mode) cannot receive server→client requests.
    // 2026-07-28 clients listen for resource changes through the handler's bus.
    return options.build(tenant, { era: ctx.era, serverToClient: false, listens: ctx.era === "modern" });
  };
  const listenBus = new ListenEventBus();
  const shutdownAnswers = new ShutdownAnswers(() => draining);
  const perRequest = createMcpHandler(factory, {
    bus: listenBus,
    legacy: options.stateless ? "stateless" : "reject",
    onerror: (error) => logger.debug("mcp handler reported an error", { error: error.message }),
  });
  const bodyTimeoutMs = options.bodyTimeoutMs ?? BODY_TIMEOUT_MS;
  const keyCheck = options.tenancy.multiTenant && settings.checkTenantKeys
    ? new TenantKeyCheck({
      limiter: options.limiter,
      onCheck: (outcome) => options.telemetry.keyCheck(outcome),
    })
    : undefined;
  const oauth = options.oauth;
  if (settings.oauth && !oauth) throw new Error("HttpOptions.oauth is required with settings.oauth");
  /**
   * Who sent a request, once authenticated (see `authenticate`): `principal` is a token's id or an OAuth
   * user's; `user`, with an access token, its subject (`sub`) for logs.
   */
  const callers = new WeakMap<Request, { principal: string; user?: string }>();
  /** Whether requests must authenticate: with a static token, or with OAuth an access token. */
  const authenticates = settings.tokens.length > 0 || oauth !== undefined;
  /** Whether clients of one tenant can be told apart: by one of several tokens, or by OAuth user. */
  const severalClients = settings.tokens.length > 1 || oauth !== undefined;
  const openSessions = (): number => (sessions?.size ?? 0) + (legacySse?.size ?? 0);
  // MCP_MAX_SESSIONS over what clients hold open (sessions of both transports, listen streams), and
  // MCP_MAX_SESSIONS_PER_TENANT per holder where there can be more than one.
  const perHolder = options.tenancy.multiTenant || severalClients;
  const seats = new SessionSeats({
    total: settings.maxSessions,
    perHolder: perHolder ? settings.maxSessionsPerTenant : settings.maxSessions,
  });
  const admit = (request: Request, tenant: Tenant): Seat | Response => {
    const seat = seats.take(subjectsOf(request, tenant));
    if (isSeat(seat)) return seat;
    if (seat.full === "server") {
      return jsonRpcError(503, -32000, "Too many open sessions; try again later.", { "retry-after": "30" });
    }
    const holder = options.tenancy.multiTenant ? "Xyte key" : oauth ? "user or token" : "token";
    return jsonRpcError(
      429,
      -32000,
      `Too many open sessions for this ${holder}: at most ${seat.limit} at once, listen streams included. ` +
        "End unused ones (DELETE the session, close the stream) or wait for idle ones to expire.",
      { "retry-after": "30" },
    );
  };
  /**
   * Who owns a session: the tenant that opened it, and with several tokens or OAuth also the token or user (on
   * a single-tenant server every client acts with the same Xyte key, so that is what tells clients apart).
   * An OAuth user keeps their sessions across token refreshes.
   */
  const ownerOf = (request: Request, tenant: Tenant): string =>
    severalClients ? `${tenant.id}:${principalOf(request)}` : tenant.id;
  let listens = 0;
  /** Serves a `subscriptions/listen` request, holding a seat for as long as its stream is open. */
  async function serveListen(
    request: Request,
    tenant: Tenant,
    serve: () => Promise<Response>,
  ): Promise<Response> {
    const seat = admit(request, tenant);
    if (seat instanceof Response) return seat;
    options.telemetry.sessions("listen", ++listens);
    const release = () => {
      seat.release();
      options.telemetry.sessions("listen", --listens);
    };
    let response: Response;
    try {
      response = await serve();
    } catch (error) {
      release();
      throw error;
    }
    const bounded = boundedStream(
      response,
      () => logger.warning("listen stream ended: its client is not reading it", { listens }),
    );
    return onBodyEnd(bounded, release);
  }
  const sessions = options.stateless ? undefined : new LegacySessions({
    build: (tenant) => options.build(tenant, { era: "legacy", serverToClient: true }),
    idleTtlSeconds: settings.sessionIdleTtlSeconds,
    admit,
    ownerOf,
    replaySeconds: settings.sseReplaySeconds,
    telemetry: options.telemetry,
  });
  // The legacy HTTP+SSE transport keeps each client's session on the replica holding its stream, which
  // `--stateless` (any replica serves any request) rules out.
  const legacySse = options.stateless ? undefined : new LegacySseEndpoint({
    build: (tenant) => options.build(tenant, { era: "legacy", serverToClient: true }),
    messagesPath: "/messages",
    admit,
    ownerOf,
    telemetry: options.telemetry,
  });

  const app = new Hono<Env>();
  const refusals = new ThrottledLog();
  app.use("*", async (c, next) => {
    await next();
    const status = c.res.status;
    options.telemetry.httpResponse(c.req.path, status);
    if (status >= 400 && MCP_PATHS.includes(c.req.path)) await logRefusal(c.req.path, c.res);
  });

  /**
   * One line per kind of refused request (route and status) and minute, with the reason the client was told
   * and how many more were refused meanwhile: enough to tell a misconfigured client from an attack, without
   * a line per request. Refusal messages name headers and limits, never a key or token.
   */
  async function logRefusal(route: string, response: Response): Promise<void> {
    const held = refusals.take(`${route} ${response.status}`);
    if (held === undefined) return;
    let reason: unknown;
    try {
      reason = (await response.clone().json())?.error?.message;
    } catch {
      reason = undefined;
    }
    const fields = {
      route,
      status: response.status,
      reason: typeof reason === "string" ? reason.slice(0, 200) : undefined,
      ...(held > 0 ? { more_refused_since_last_line: held } : {}),
    };
    if ([401, 403, 429, 503].includes(response.status)) logger.warning("request refused", fields);
    else logger.info("request refused", fields);
  }
  app.use(
    "*",
    secureHeaders({ contentSecurityPolicy: { defaultSrc: ["'none'"] }, crossOriginEmbedderPolicy: false }),
  );
  // Liveness, for probes that send no token: the status alone. What the server is and holds (its version,
  // open sessions) is for those /metrics admits (xyte_mcp_build_info, xyte_mcp_sessions_active); draining
  // shows on /readyz.
  app.get("/healthz", (c) => c.json({ status: "ok" }));
  // Readiness, for probes and load balancers that send no token: ready or not (200/503) and which checks pass.
  // Why a check fails (a fetch error naming an internal host, Redis's reply) is logged when it changes, and
  // answered to a caller with a static token (MCP_HTTP_TOKEN): compared locally, so a probe costs no call to
  // an authorization server. An OAuth access token, open to every user of the organization, does not show
  // them (as with /metrics); a missing or wrong token gets the probe's answer, never a 401.
  app.get("/readyz", async (c) => {
    if (draining) return c.json({ ready: false, checks: { draining: { ok: false } } }, 503);
    const readiness = await options.readiness();
    const body = hasStaticToken(c.req.raw) ? readiness : withoutDetails(readiness);
    return c.json(body, readiness.ready ? 200 : 503);
  });
  /** The public OAuth documents: RFC 9728 metadata, and the issuer's metadata for 2025-03-26 clients. */
  const oauthDocuments = new Map<string, () => Response | Promise<Response>>();
  for (const path of oauth?.metadataPaths ?? []) oauthDocuments.set(path, () => oauth!.metadataResponse());
  if (oauth?.issuerMetadataPath) {
    oauthDocuments.set(oauth.issuerMetadataPath, () => oauth.issuerMetadataResponse());
  }
  for (const [path, answer] of oauthDocuments) {
    // Public, like /healthz: clients read them before they have a token, browser-based ones from any origin.
    app.get(path, answer);
    app.options(path, () =>
      new Response(null, {
        status: 204,
        headers: {
          "access-control-allow-origin": "*",
          "access-control-allow-methods": "GET",
          "access-control-allow-headers": "*",
          "access-control-max-age": "600",
        },
      }));
  }
  app.get("/metrics", async (c) => {
    // With static tokens configured, they alone open /metrics: it shows what every user and tenant does, and
    // signing in (OAuth) is open to all of an organization's users.
    const refused = await authenticate(c.req.raw, { staticOnly: settings.tokens.length > 0 });
    if (refused) return refused;
    if (!options.metrics) return c.json({ error: "metrics are not enabled" }, 404);
    return c.body(await options.metrics.render(), 200, { "content-type": options.metrics.contentType });
  });

  for (const path of MCP_PATHS) {
    if (settings.corsOrigins.length > 0) {
      app.use(
        path,
        cors({
          origin: [...settings.corsOrigins],
          allowMethods: ["GET", "POST", "DELETE", "OPTIONS"],
          allowHeaders: CORS_ALLOW_HEADERS,
          exposeHeaders: ["mcp-session-id", "mcp-protocol-version", "www-authenticate", "retry-after"],
          maxAge: 600,
        }),
      );
    }
    app.use(path, admission);
    app.use(path, identify);
  }
  app.all("/mcp", async (c) => {
    const request = c.req.raw;
    if (!["GET", "POST", "DELETE"].includes(request.method)) {
      // Without sessions there is no stream to GET and nothing to DELETE (the SDK answers those 405 too).
      return jsonRpcError(405, -32000, "Method not allowed.", {
        allow: options.stateless ? "POST" : "GET, POST, DELETE",
      });
    }
    const tenant = c.get("tenant");
    let parsedBody = c.get("parsedBody");
    if (sessions && await isLegacyRequest(request, parsedBody)) {
      return await sessions.handle(request, parsedBody, tenant);
    }
    tenantOf.set(request, tenant);
    // Served per request: a request cancelled in its own batch would get no answer, and its stream would stay
    // open for good (nothing else can reach that server instance). Such cancellations are dropped.
    if (Array.isArray(parsedBody)) parsedBody = withoutSelfCancellations(parsedBody);
    const listened = c.get("listened");
    if (listened === undefined) {
      const answer = perRequest.fetch(request, { parsedBody });
      // A slow answer starts as a stream, so that a 2026-07-28 client closing its connection stops the call.
      const response = acceptsEventStream(request) ? await streamIfSlow(answer) : await answer;
      const id = (parsedBody as { id?: unknown } | null)?.id;
      if (typeof id !== "string" && typeof id !== "number") return response;
      // A call the end of the shutdown grace period cuts is told so, as session clients are.
      return shutdownAnswers.track(response, id);
    }
    return await serveListen(request, tenant, () => {
      if (listened.length === 0 || !tenant.deps.watches) return perRequest.fetch(request, { parsedBody });
      const scope = { uris: listened, watch: resourceWatcher(tenant.deps, tenant.deps.watches) };
      return listenBus.serve(scope, () => perRequest.fetch(request, { parsedBody }));
    });
  });
  app.get("/sse", (c) => {
    if (!legacySse) return legacySseOff();
    // Hono routes HEAD to GET handlers and drops the body unread: a stream opened for it would never end and
    // would hold a place under MCP_MAX_SESSIONS for good (uptime monitors HEAD every URL).
    if (c.req.raw.method === "HEAD") {
      return jsonRpcError(405, -32000, "Method not allowed.", { allow: "GET" });
    }
    return legacySse.open(c.req.raw, c.get("tenant"));
  });
  app.post(
    "/messages",
    (c) => legacySse?.post(c.req.raw, c.get("parsedBody"), c.get("tenant")) ?? legacySseOff(),
  );
  app.notFound((c) =>
    c.json({
      error: "not found",
      endpoints: [
        "/mcp",
        ...(legacySse ? ["/sse"] : []),
        "/healthz",
        "/readyz",
        "/metrics",
        ...oauthDocuments.keys(),
      ],
    }, 404)
  );
  app.onError((error, c) => {
    logger.error("http handler failed", { error: error.message });
    return c.json({ error: "internal error" }, 500);
  });

  /** Draining, Host and Origin: cheap checks before the body is read. */
  async function admission(c: Context<Env>, next: () => Promise<void>): Promise<Response | void> {
    const request = c.req.raw;
    if (request.method === "OPTIONS") return await next();
    if (draining) {
      return jsonRpcError(503, -32000, "The server is shutting down.", {
        "retry-after": "1",
        connection: "close",
      });
    }
    if (!hostAllowed(request.headers.get("host"), allowedHosts)) {
      return jsonRpcError(403, -32000, `Host not allowed: ${request.headers.get("host") ?? "(none)"}`);
    }
    if (
      !originAllowed(
        request.headers.get("origin"),
        allowedOrigins,
        loopback && settings.allowedOrigins.length === 0,
      )
    ) {
      return jsonRpcError(403, -32000, `Origin not allowed: ${request.headers.get("origin")}`);
    }
    await next();
  }

  /** Token, tenant, rate limit and body: who is asking, whether they may, and what they sent. */
  async function identify(c: Context<Env>, next: () => Promise<void>): Promise<Response | void> {
    const request = c.req.raw;
    if (request.method === "OPTIONS") return await next();
    const refused = await authenticate(request);
    if (refused) return refused;
    // An OAuth user is named on every line logged for the request (tool calls included), for audit.
    const user = callers.get(request)?.user;
    return user === undefined
      ? await admitAuthenticated(c, next)
      : await withRequestContext({ user }, () => admitAuthenticated(c, next));
  }

  /** Tenant, key check, then for a POST the body and the rate limit. */
  async function admitAuthenticated(c: Context<Env>, next: () => Promise<void>): Promise<Response | void> {
    const request = c.req.raw;
    const tenant = options.tenancy.fromRequest(request);
    if ("missing" in tenant) return jsonRpcError(401, -32001, tenant.missing);
    if ("conflict" in tenant) return jsonRpcError(400, -32600, `Bad Request: ${tenant.conflict}.`);
    const unchecked = await keyCheck?.admit(tenant);
    if (unchecked) return unchecked;
    c.set("tenant", tenant);
    if (request.method === "POST") {
      if (!isJsonContentType(request.headers.get("content-type"))) {
        return jsonRpcError(415, -32000, "Unsupported Media Type: Content-Type must be application/json.");
      }
      const body = await readBodyText(request, settings.maxBodyBytes, bodyTimeoutMs);
      if ("timedOut" in body) {
        const seconds = bodyTimeoutMs / 1000;
        return jsonRpcError(408, -32000, `Request Timeout: the body did not arrive within ${seconds} s.`, {
          connection: "close",
        });
      }
      if ("tooLarge" in body) {
        return jsonRpcError(413, -32600, `Request body larger than ${settings.maxBodyBytes} bytes.`);
      }
      if ("unreadable" in body) {
        return jsonRpcError(
          400,
          -32700,
          "Parse error: the request body could not be read (cut short or aborted).",
        );
      }
      let parsedBody: unknown;
      try {
        parsedBody = JSON.parse(body.text);
      } catch {
        return jsonRpcError(400, -32700, "Parse error: the body is not valid JSON.");
      }
      if (hasWideObject(parsedBody)) {
        return jsonRpcError(
          400,
          -32600,
          `Invalid Request: an object in the body has more than ${MAX_OBJECT_MEMBERS} members.`,
        );
      }
      // Charged once the body is known: a batch costs a token per message (at most the whole bucket), from
      // the bucket of each subject or, when one is short, from none.
      const cost = Array.isArray(parsedBody) ? Math.max(1, messageCount(parsedBody)) : 1;
      const decision = await options.limiter.take(subjectsOf(request, tenant), cost);
      if (!decision.allowed) {
        options.telemetry.rateLimited();
        return jsonRpcError(429, -32000, `Rate limit exceeded; retry in ${decision.retryAfterSeconds} s.`, {
          "retry-after": String(decision.retryAfterSeconds),
        });
      }
      const listened = listenedResourceUris(parsedBody);
      c.set("parsedBody", parsedBody);
      c.set("listened", listened);
      // Counted from here until the answer's body has been sent; `fetch` below ends the count. (Setting
      // `c.res` here would make Hono copy the response and its headers once more.) A listen stream stays
      // open until its client or the shutdown ends it: it is not a call a drain waits for.
      if (listened === undefined) inFlightRequests.set(request, inFlight.begin());
      await next();
      return;
    }
    await next();
  }

  /**
   * 401 unless the request carries one of the configured tokens or, with OAuth, a valid access token (403
   * when it lacks a scope, 503 when it cannot be checked now); nothing to check when neither is configured.
   */
  async function authenticate(
    request: Request,
    { staticOnly = false } = {},
  ): Promise<Response | undefined> {
    if (!authenticates) return undefined;
    const header = request.headers.get("authorization");
    const token = bearerToken(header);
    if (token !== undefined && settings.tokens.length > 0 && tokenMatches(token, settings.tokens)) {
      callers.set(request, { principal: tokenId(token) });
      return undefined;
    }
    if (oauth && !staticOnly) {
      const verdict = await oauth.verify(header);
      if ("refused" in verdict) return verdict.refused;
      callers.set(request, { principal: verdict.principal, user: verdict.user });
      return undefined;
    }
    return jsonRpcError(401, -32001, "Unauthorized: send Authorization: Bearer <token>.", {
      "www-authenticate": 'Bearer realm="xyte-mcp"',
    });
  }

  /** Whether `request` carries one of the configured static tokens (`MCP_HTTP_TOKEN`). */
  function hasStaticToken(request: Request): boolean {
    if (settings.tokens.length === 0) return false;
    const token = bearerToken(request.headers.get("authorization"));
    return token !== undefined && tokenMatches(token, settings.tokens);
  }

  /** The id of who sent an authenticated request (see `authenticate`). */
  function principalOf(request: Request): string {
    return callers.get(request)?.principal ??
      tokenId(bearerToken(request.headers.get("authorization")) ?? "");
  }

  /**
   * Who rate limits and session caps count: in multi-tenant mode each key the client sent, alone (see
   * `Tenant.quota`); in single-tenant mode the client's token, or its OAuth user, when either is configured (and
   * still the tenant, so deployments with different keys sharing a Redis and a token share no bucket), else
   * the tenant.
   */
  function subjectsOf(request: Request, tenant: Tenant): readonly string[] {
    if (options.tenancy.multiTenant || !authenticates) return tenant.quota;
    return [`token:${tenant.id}:${principalOf(request)}`];
  }

  return {
    async fetch(request) {
      let response: Response;
      try {
        response = await app.fetch(request);
      } catch (error) {
        inFlightRequests.get(request)?.abandon();
        throw error;
      }
      return inFlightRequests.get(request)?.end(response) ?? response;
    },
    sessionCount: openSessions,
    async drain(graceMs) {
      draining = true;
      // Streamable HTTP calls answer on their own POST; legacy-SSE calls answer on the stream later.
      const [calls, legacy] = await Promise.all([inFlight.waitIdle(graceMs), legacySse?.closeAll(graceMs)]);
      const drained = calls && legacy !== false;
      // Not drained: calls were cut (they got an error answer), which an operator should see.
      const drainFields = { drained, inFlight: inFlight.count };
      if (drained) logger.info("draining done", drainFields);
      else logger.warning("draining done", drainFields);
      await Promise.allSettled([sessions?.closeAll(), perRequest.close()]);
      // Per-request answers still open (a stateless server's 2025-era calls are not ended by the handler).
      shutdownAnswers.cutAll();
      return { drained };
    },
  };
}

/** Whether the client takes an SSE answer (`Accept` names text/event-stream). */
function acceptsEventStream(request: Request): boolean {
  return request.headers.get("accept")?.toLowerCase().includes("text/event-stream") ?? false;
}

/** The requests and notifications of a JSON-RPC batch (answers to the server's own requests cost nothing). */
function messageCount(batch: readonly unknown[]): number {
  return batch.filter((m) => typeof (m as { method?: unknown } | null)?.method === "string").length;
}

/** Serves the app on `Deno.serve`. `close()` drains, then stops the listener. */
export function serveHttp(options: HttpOptions): Promise<HttpHandle> {
  const logger = log("http");
  const app = createHttpApp(options);
  const { promise, resolve, reject } = Promise.withResolvers<HttpHandle>();
  try {
    const server = Deno.serve({
      hostname: options.host,
      port: options.port,
      onListen: ({ port }) => {
        const shownHost = options.host.includes(":") && !options.host.startsWith("[")
          ? `[${options.host}]`
          : options.host;
        const url = `http://${shownHost}:${port}/mcp`;
        logger.info("serving MCP over HTTP", { url, stateless: options.stateless });
        resolve({
          url,
          port,
          async close(graceMs = options.settings.shutdownGraceMs) {
            const result = await app.drain(graceMs);
            // Everything is drained or cut: the listener closes at once, or within a second at worst.
            await Promise.race([server.shutdown(), new Promise((r) => setTimeout(r, 1000))]);
            return result;
          },
        });
      },
    }, (request) => app.fetch(request));
  } catch (error) {
    // Say what to change: the address comes from --host/MCP_HOST and --port/MCP_PORT.
    const reason = error instanceof Error ? error.message : String(error);
    reject(
      new Error(
        `cannot listen on ${options.host}:${options.port} (--host/MCP_HOST, --port/MCP_PORT): ${reason}`,
      ),
    );
  }
  return promise;
}

/** The answer on `/sse` and `/messages` with `--stateless`. */
function legacySseOff(): Response {
  return jsonRpcError(
    404,
    -32000,
    "The legacy HTTP+SSE transport is off with --stateless, because its sessions live on one server: " +
      "connect to /mcp (Streamable HTTP), or run the server without --stateless.",
  );
}

/** A batch without the `notifications/cancelled` messages that name a request of the same batch. */
function withoutSelfCancellations(batch: unknown[]): unknown[] {
  const ids = new Set<unknown>();
  for (const m of batch) {
    const message = m as { id?: unknown; method?: unknown } | null;
    if (typeof message?.method === "string" && message.id !== undefined) ids.add(message.id);
  }
  return batch.filter((m) => {
    const message = m as { method?: unknown; params?: { requestId?: unknown } } | null;
    return !(message?.method === "notifications/cancelled" && ids.has(message.params?.requestId));
  });
}
