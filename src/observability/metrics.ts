/**
 * Prometheus metrics for the HTTP service: a `Telemetry` backed by a private prom-client registry (never the
 * global one, so two instances — e.g. two servers in one test process — share nothing).
 *
 * Every label value passes a guard that maps anything outside a known, bounded set to "other": tool names
 * must look like tool names, endpoints must be catalog keys, codes must be documented error codes, groups
 * must be catalog groups. A bug or a hostile client therefore cannot create unbounded series.
 */
import perfHooks from "node:perf_hooks";
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import { ERROR_CODES } from "../mcp/error_codes.ts";
import { ENDPOINTS, findEndpoint } from "../xyte/catalog.ts";
import { VERSION } from "../version.ts";
import { EventLoopDelay, SAMPLE_INTERVAL_MS } from "./event_loop_delay.ts";
import type {
  CacheEvent,
  KeyCheckOutcome,
  OAuthTokenOutcome,
  SessionTransport,
  Telemetry,
  ToolOutcome,
} from "./telemetry.ts";

export interface Metrics extends Telemetry {
  /** The registry in the Prometheus text exposition format. */
  render(): Promise<string>;
  /** The Content-Type to serve `render()` with. */
  readonly contentType: string;
  /** Stops sampling the event-loop delay (its timer would run as long as the process). */
  close(): void;
}

export const METRICS_PREFIX = "xyte_mcp_";

/** The label value that replaces anything outside the bounded set. */
export const OTHER = "other";

/** Seconds, from 1 ms to 30 s. */
const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const TOOL_NAME = /^[a-z0-9_]+$/;
const MAX_TOOL_NAME = 64;
const GROUPS: ReadonlySet<string> = new Set(ENDPOINTS.map((e) => e.group));
const CACHE_EVENTS: ReadonlySet<string> = new Set<CacheEvent>(["hit", "miss", "bypass"]);
const SESSION_TRANSPORTS: readonly SessionTransport[] = ["streamable_http", "sse", "listen"];
const KEY_CHECK_OUTCOMES: ReadonlySet<string> = new Set<KeyCheckOutcome>([
  "valid",
  "forbidden",
  "invalid",
  "unavailable",
  "capped",
]);
const OAUTH_OUTCOMES: ReadonlySet<string> = new Set<OAuthTokenOutcome>([
  "valid",
  "stale",
  "missing",
  "invalid",
  "expired",
  "insufficient_scope",
  "unavailable",
]);
/** The paths the HTTP service answers; any other path is counted as "other". */
const ROUTES: ReadonlySet<string> = new Set(["/mcp", "/sse", "/messages", "/healthz", "/readyz", "/metrics"]);

/** A new, independent set of metrics with default process metrics, all named `xyte_mcp_*`. */
export function createMetrics(): Metrics {
  const registry = new Registry();
  const loopDelay = collectDefaultMetricsOwnLoopDelay(registry);
  const registers = [registry];
  const name = (n: string) => `${METRICS_PREFIX}${n}`;
  replaceProcFsMetrics(registry, name);

  const toolCalls = new Counter({
    name: name("tool_calls_total"),
    help: "Tool calls by tool, outcome and error code (empty when ok).",
    labelNames: ["tool", "outcome", "code"] as const,
    registers,
  });
  const toolDuration = new Histogram({
    name: name("tool_duration_seconds"),
    help: "Duration of tool calls.",
    labelNames: ["tool"] as const,
    buckets: DURATION_BUCKETS,
    registers,
  });
  const toolErrors = new Counter({
    name: name("tool_errors_total"),
    help: "Tool calls that ended in an error, by tool and error code.",
    labelNames: ["tool", "code"] as const,
    registers,
  });
  const upstreamRequests = new Counter({
    name: name("upstream_requests_total"),
    help: "Requests to the Xyte API by catalog endpoint and HTTP status (or error code when none came back).",
    labelNames: ["endpoint", "status"] as const,
    registers,
  });
  const upstreamDuration = new Histogram({
    name: name("upstream_duration_seconds"),
    help: "Duration of requests to the Xyte API.",
    labelNames: ["endpoint"] as const,
    buckets: DURATION_BUCKETS,
    registers,
  });
  const upstreamRetries = new Counter({
    name: name("upstream_retries_total"),
    help:
      "Idempotent requests to the Xyte API tried again, by catalog endpoint and the failed attempt's error code.",
    labelNames: ["endpoint", "reason"] as const,
    registers,
  });
  const circuitOpen = new Gauge({
    name: name("circuit_open"),
    help:
      "Open circuit breakers of an upstream host (its requests fail fast): 1 or 0, or with a multi-tenant " +
      "server (one breaker per tenant) the number of tenants whose circuit is open.",
    labelNames: ["host"] as const,
    registers,
  });
  const cacheEvents = new Counter({
    name: name("cache_events_total"),
    help: "Response cache hits, misses and bypasses by endpoint group.",
    labelNames: ["event", "group"] as const,
    registers,
  });
  const sessionsActive = new Gauge({
    name: name("sessions_active"),
    help: "Open MCP HTTP sessions by transport (streamable_http, sse, or listen: 2026-07-28 " +
      "subscriptions/listen streams); MCP_MAX_SESSIONS caps their sum.",
    labelNames: ["transport"] as const,
    registers,
  });
  // Every series exists from the start, so a dashboard sums them without gaps.
  for (const transport of SESSION_TRANSPORTS) sessionsActive.set({ transport }, 0);
  const resourceWatches = new Gauge({
    name: name("resource_watches"),
    help: "Resources re-read for subscribed clients (one per tenant and URI).",
    registers,
  });
  const httpResponses = new Counter({
    name: name("http_responses_total"),
    help:
      "HTTP requests answered, by path (/mcp, /sse, /messages, /healthz, /readyz, /metrics, other) and status.",
    labelNames: ["route", "status"] as const,
    registers,
  });
  new Gauge({
    name: name("build_info"),
    help: "Always 1; the version of the running server is its label.",
    labelNames: ["version"] as const,
    registers,
  }).set({ version: VERSION }, 1);
  const rateLimited = new Counter({
    name: name("rate_limited_total"),
    help: "Requests refused by the rate limiter.",
    registers,
  });
  const keyChecks = new Counter({
    name: name("tenant_key_checks_total"),
    help: "Client Xyte keys checked with Xyte (MCP_CHECK_TENANT_KEYS) by outcome: valid, forbidden (known, " +
      "403), invalid (401), unavailable (no answer), capped (too many new keys at once).",
    labelNames: ["outcome"],
    registers,
  });
  const oauthTokens = new Counter({
    name: name("oauth_tokens_total"),
    help: "OAuth access tokens checked (MCP_OAUTH_ISSUER) by outcome: valid, stale (accepted on its last " +
      "introspection answer, the endpoint being out of service), missing (none sent), invalid, expired, " +
      "insufficient_scope, unavailable (the authorization server out of reach).",
    labelNames: ["outcome"],
    registers,
  });

  return {
    contentType: registry.contentType,
    render: () => registry.metrics(),
    close: () => void loopDelay?.disable(),
    toolCall(tool: string, outcome: ToolOutcome, code: string | undefined, seconds: number): void {
      const t = toolLabel(tool);
      const failed = outcome !== "ok";
      const c = failed ? codeLabel(code) : "";
      toolCalls.inc({ tool: t, outcome: failed ? "error" : "ok", code: c });
      if (failed) toolErrors.inc({ tool: t, code: c });
      if (validSeconds(seconds)) toolDuration.observe({ tool: t }, seconds);
    },
    upstreamRequest(endpointKey: string, status: number | string, seconds: number): void {
      const endpoint = endpointLabel(endpointKey);
      upstreamRequests.inc({ endpoint, status: statusLabel(status) });
      if (validSeconds(seconds)) upstreamDuration.observe({ endpoint }, seconds);
    },
    upstreamRetry(endpointKey: string, reason: string): void {
      upstreamRetries.inc({ endpoint: endpointLabel(endpointKey), reason: codeLabel(reason) });
    },
    circuit(host: string, open: boolean): void {
      // Hosts are the configured hub and entry URLs: two values at most.
      // Each breaker reports opening and closing once each (or closing when forgotten while open).
      if (open) circuitOpen.inc({ host: hostLabel(host) });
      else circuitOpen.dec({ host: hostLabel(host) });
    },
    cache(event: CacheEvent, group: string): void {
      cacheEvents.inc({
        event: CACHE_EVENTS.has(event) ? event : OTHER,
        group: GROUPS.has(group) ? group : OTHER,
      });
    },
    rateLimited(): void {
      rateLimited.inc();
    },
    keyCheck(outcome: KeyCheckOutcome): void {
      keyChecks.inc({ outcome: KEY_CHECK_OUTCOMES.has(outcome) ? outcome : OTHER });
    },
    oauthToken(outcome: OAuthTokenOutcome): void {
      oauthTokens.inc({ outcome: OAUTH_OUTCOMES.has(outcome) ? outcome : OTHER });
    },
    sessions(transport: SessionTransport, open: number): void {
      if (!SESSION_TRANSPORTS.includes(transport)) return;
      if (Number.isFinite(open) && open >= 0) sessionsActive.set({ transport }, Math.floor(open));
    },
    httpResponse(path: string, status: number): void {
      httpResponses.inc({ route: ROUTES.has(path) ? path : OTHER, status: statusLabel(status) });
    },
    watches(watched: number): void {
      if (Number.isFinite(watched) && watched >= 0) resourceWatches.set(Math.floor(watched));
    },
  };
}

/** A tool name as a label: lower-case letters, digits and underscores, at most 64 characters; else "other". */
export function toolLabel(tool: string): string {
  return tool.length <= MAX_TOOL_NAME && TOOL_NAME.test(tool) ? tool : OTHER;
}

/** A catalog endpoint key as a label; anything the catalog does not know becomes "other". */
export function endpointLabel(key: string): string {
  return findEndpoint(key) ? key : OTHER;
}

/** An upstream origin as a label: its host name only. */
export function hostLabel(origin: string): string {
  try {
    return new URL(origin).hostname || OTHER;
  } catch {
    return OTHER;
  }
}

/** A documented error code (see `ERROR_CODES`) as a label; "unknown" when missing, else "other". */
export function codeLabel(code: string | undefined): string {
  if (code === undefined || code === "") return "unknown";
  return Object.hasOwn(ERROR_CODES, code) ? code : OTHER;
}

/** An HTTP status (100–599) or a documented error code as a label; else "other". */
export function statusLabel(status: number | string): string {
  if (typeof status === "number") {
    return Number.isInteger(status) && status >= 100 && status <= 599 ? String(status) : OTHER;
  }
  return /^[1-5]\d\d$/.test(status) ? status : codeLabel(status);
}

function validSeconds(seconds: number): boolean {
  return Number.isFinite(seconds) && seconds >= 0;
}

/**
 * prom-client's default metrics, the event-loop delay measured by an `EventLoopDelay` rather than Deno's
 * `perf_hooks.monitorEventLoopDelay` (see event_loop_delay.ts: about 11 MiB of RSS more, for figures that miss
 * the loop blocked). prom-client looks that function up while it builds its gauges, so it is replaced for
 * that call alone. Returns the sampler prom-client made (none if it asked for none).
 */
function collectDefaultMetricsOwnLoopDelay(registry: Registry): EventLoopDelay | undefined {
  const denoMonitor = perfHooks.monitorEventLoopDelay;
  let created: EventLoopDelay | undefined;
  // prom-client reads only what EventLoopDelay has of the IntervalHistogram it asks for.
  const ownMonitor = (options?: { resolution?: number }) =>
    (created = new EventLoopDelay(options?.resolution)) as unknown as ReturnType<typeof denoMonitor>;
  Object.defineProperty(perfHooks, "monitorEventLoopDelay", { value: ownMonitor });
  try {
    collectDefaultMetrics({
      register: registry,
      prefix: METRICS_PREFIX,
      // The sampler's interval (prom-client's default, 10 ms, costs an idle server 10 ms of CPU a second).
      eventLoopMonitoringPrecision: SAMPLE_INTERVAL_MS,
    });
  } finally {
    Object.defineProperty(perfHooks, "monitorEventLoopDelay", { value: denoMonitor });
  }
  return created;
}

/**
 * prom-client reads these from /proc/self, which Deno refuses short of --allow-all, so they would report 0
 * under the scoped permissions we ship. Resident memory comes from `Deno.memoryUsage()` (no permission
 * needed); the others have no Deno source and are left out rather than reported wrong.
 */
function replaceProcFsMetrics(registry: Registry, name: (n: string) => string): void {
  for (
    const metric of ["resident_memory_bytes", "virtual_memory_bytes", "heap_bytes", "open_fds", "max_fds"]
  ) {
    registry.removeSingleMetric(name(`process_${metric}`));
  }
  new Gauge({
    name: name("process_resident_memory_bytes"),
    help: "Resident memory size in bytes.",
    registers: [registry],
    collect() {
      this.set(Deno.memoryUsage().rss);
    },
  });
}
