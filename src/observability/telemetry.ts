/**
 * What the server reports about itself, as an interface the code calls without knowing the backend.
 * stdio uses the no-op; the HTTP service installs Prometheus metrics (metrics.ts). Label values are bounded:
 * tool names, endpoint keys, status codes, error codes — never ids, paths or tenants.
 */

export type ToolOutcome = "ok" | "error";
export type CacheEvent = "hit" | "miss" | "bypass";
/**
 * The outcome of a tenant key check: what Xyte said (accepted; known but not allowed to read what the check
 * reads, 403; refused; no answer), or "capped" when the server-wide bucket of checks was empty (429).
 */
export type KeyCheckOutcome = "valid" | "forbidden" | "invalid" | "unavailable" | "capped";
/**
 * The outcome of an OAuth access token check: accepted; accepted on its last introspection answer, the
 * introspection endpoint being out of service; none sent; refused (invalid, or expired); lacking a required
 * scope; or not checkable, the authorization server being out of reach.
 */
export type OAuthTokenOutcome =
  | "valid"
  | "stale"
  | "missing"
  | "invalid"
  | "expired"
  | "insufficient_scope"
  | "unavailable";
/**
 * What HTTP clients hold open: Streamable HTTP sessions (`/mcp`, 2025-era clients), legacy HTTP+SSE sessions
 * (`/sse`), and 2026-07-28 `subscriptions/listen` streams.
 */
export type SessionTransport = "streamable_http" | "sse" | "listen";

export interface Telemetry {
  /** One tool call finished. `code` is the error code when the outcome is "error". */
  toolCall(tool: string, outcome: ToolOutcome, code: string | undefined, seconds: number): void;
  /** One upstream request finished: `status` is the HTTP status, or the error code when none came back. */
  upstreamRequest(endpointKey: string, status: number | string, seconds: number): void;
  /** An idempotent upstream request is tried again; `reason` is the error code of the failed attempt. */
  upstreamRetry(endpointKey: string, reason: string): void;
  /** The circuit breaker of an upstream host opened or closed. */
  circuit(host: string, open: boolean): void;
  /** A read call met the response cache; `group` is the endpoint group (devices, tickets, …). */
  cache(event: CacheEvent, group: string): void;
  /** A request was refused by the rate limiter. */
  rateLimited(): void;
  /** A client's Xyte key was checked with Xyte (`MCP_CHECK_TENANT_KEYS`), or not, the check bucket being empty. */
  keyCheck(outcome: KeyCheckOutcome): void;
  /** A request's OAuth access token was checked (`MCP_OAUTH_ISSUER`). */
  oauthToken(outcome: OAuthTokenOutcome): void;
  /** The number of open HTTP sessions of one transport changed. */
  sessions(transport: SessionTransport, open: number): void;
  /** The number of resources re-read for subscribed clients (one per tenant and URI) changed. */
  watches(watched: number): void;
  /** The HTTP service answered a request for `path` with `status`. */
  httpResponse(path: string, status: number): void;
}

export const NO_TELEMETRY: Telemetry = {
  toolCall: () => {},
  upstreamRequest: () => {},
  upstreamRetry: () => {},
  circuit: () => {},
  cache: () => {},
  rateLimited: () => {},
  keyCheck: () => {},
  oauthToken: () => {},
  sessions: () => {},
  watches: () => {},
  httpResponse: () => {},
};
