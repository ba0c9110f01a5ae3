/**
 * Wires a validated `Config` into running parts: the upstream (real Xyte, or the simulated hub in demo
 * mode), tenancy (the server's keys, or each client's own over HTTP), the response cache, and — for the HTTP
 * service — metrics, rate limits, Redis and readiness. Transports receive an `App` and know nothing else.
 */
import type { McpServer } from "@modelcontextprotocol/server";
import { LRUCache } from "lru-cache";
import type { Config } from "./config.ts";
import type { ToolsetSelection } from "./settings.ts";
import { buildServer, type ServeContext } from "./mcp/server.ts";
import type { PeerWrites } from "./mcp/peer_writes.ts";
import { ResourceWatches } from "./mcp/subscriptions.ts";
import { log } from "./observability/log.ts";
import { NO_TELEMETRY, type Telemetry } from "./observability/telemetry.ts";
import { createReadiness, type Readiness } from "./readiness.ts";
import { checkRedis, connectRedis, pubSubNeeds, type Redis, type RedisNeed } from "./redis.ts";
import { exposedTools } from "./registry.ts";
import { DirectoryCache } from "./resources/directory.ts";
import { Secret } from "./secret.ts";
import { Tenancy, type Tenant } from "./tenancy.ts";
import { DEFAULT_TOOLSETS, type Toolset } from "./toolsets.ts";
import { createNoRateLimiter, type RateLimiter } from "./transports/rate_limit.ts";
import { PROGRAM_NAME, VERSION } from "./version.ts";
import { type CacheStore, createMemoryCacheStore, createRedisCacheStore } from "./xyte/cache_store.ts";
import { XyteClient } from "./xyte/client.ts";
import { circuitBreakers } from "./xyte/breakers.ts";
import { DEFAULT_RETRY_POLICY, TenantGates } from "./xyte/resilience.ts";

export interface App {
  tenancy: Tenancy;
  /** A fresh MCP server for a tenant (one per connection, session or request). */
  buildServer(tenant: Tenant, serve: ServeContext): McpServer;
  telemetry: Telemetry;
  metrics?: { render(): Promise<string>; contentType: string };
  limiter: RateLimiter;
  readiness: () => Promise<Readiness>;
  close(): Promise<void>;
}

/** The base URL the demo's in-process simulated hub answers on (never resolved on the network). */
export const DEMO_HUB_URL = "http://simulated-hub.xyte-mcp.invalid";

export async function createApp(config: Config): Promise<App> {
  const logger = log("main");
  const closers: (() => Promise<unknown>)[] = [];
  let { hubUrl, entryUrl, orgApiKey, partnerApiKey } = config.xyte;
  let upstreamFetch: typeof fetch | undefined;
  if (config.demo) {
    // Loaded only in demo mode: production never pays for the simulator. The simulated hub answers in
    // process (no socket to open at start-up); requests still go through the client's whole fetch path.
    const sim = await import("./simulator/mod.ts");
    const hub = sim.createSimulator();
    hubUrl = entryUrl = DEMO_HUB_URL;
    upstreamFetch = (input, init) => hub.handle(new Request(input, init));
    orgApiKey = new Secret(sim.DEMO_ORG_KEY);
    partnerApiKey = new Secret(sim.DEMO_PARTNER_KEY);
    logger.info("demo mode: serving the simulated Xyte organization in process");
  }

  const http = config.transport === "http";
  let telemetry: Telemetry = NO_TELEMETRY;
  let metrics: App["metrics"];
  let redis: Redis | undefined;
  let redisNeeds: RedisNeed[] = [];
  let limiter = createNoRateLimiter();
  let cacheStore: CacheStore = createMemoryCacheStore();
  if (http) {
    const { createMetrics } = await import("./observability/metrics.ts");
    const created = createMetrics();
    telemetry = metrics = created;
    closers.push(() => Promise.resolve(created.close()));
    if (config.redisUrl) {
      redis = await connectRedis(config.redisUrl);
      const live = redis;
      closers.push(() => live.quit());
      // A generation outlives every entry stored under it by a minute, then leaves nothing behind.
      const longestTtl = Math.max(0, ...Object.values(config.cacheTtls));
      cacheStore = createRedisCacheStore(live, { generationTtlSeconds: longestTtl + 60 });
    }
    limiter = await rateLimiter(config, redis);
    if (config.redisUrl && redis) {
      // Start only with a Redis that does what the server needs, not merely answers PING: a user without
      // scripting would switch rate limits off and leave other replicas serving what a write changed.
      redisNeeds = [...cacheStore.redisNeeds ?? [], ...limiter.redisNeeds ?? []];
      const { PEER_WRITES_CHANNEL } = await import("./mcp/peer_writes.ts");
      await checkRedis(redis, config.redisUrl, [...redisNeeds, ...pubSubNeeds(redis, PEER_WRITES_CHANNEL)]);
    }
  }
  closers.push(() => cacheStore.close(), () => limiter.close());

  const configuredKeys = {
    ...(orgApiKey ? { organization: orgApiKey } : {}),
    ...(partnerApiKey ? { partner: partnerApiKey } : {}),
  };
  const multiTenant = !orgApiKey && !partnerApiKey;
  // The demo holds a partner key too (for call_endpoint), but shows the default selection users get.
  const toolsets = resolveToolsets(config.toolsets, {
    organization: multiTenant || !!orgApiKey,
    partner: !!partnerApiKey && !config.demo,
  });
  const tools = await exposedTools({ readOnly: config.readOnly, toolsets });
  const ttlSeconds = (group: string) => config.cacheTtls[group] ?? config.cacheTtls.default ?? 0;
  const retry = { ...DEFAULT_RETRY_POLICY, maxRetries: config.xyte.retryMax };
  const breakersOf = circuitBreakers({
    failureThreshold: config.xyte.breakerFailures,
    cooldownSeconds: config.xyte.breakerCooldownSeconds,
    telemetry,
    multiTenant,
  });
  const gates = new TenantGates(config.xyte.maxConcurrency);
  // The clients of one tenant share an identity, so what is kept per client (completion directories, the
  // connector's search corpus) serves all of the tenant's sessions and requests: multi-tenant mode builds a
  // client per session, or per request when served without one.
  const identities = new LRUCache<string, object>({ max: MAX_TENANT_IDENTITIES });
  const identityOf = (tenant: string): object => {
    let identity = identities.get(tenant);
    if (!identity) identities.set(tenant, identity = {});
    return identity;
  };
  const directories = new DirectoryCache();
  let peers: PeerWrites | undefined;
  const watches = new ResourceWatches({
    pollSeconds: config.subscriptionPollSeconds,
    readTimeoutMs: config.xyte.toolTimeoutMs,
    telemetry,
    announce: (tenant, touched) => peers?.announce(tenant, touched),
  });
  closers.push(() => Promise.resolve(watches.close()));
  if (redis) {
    // Replicas sharing Redis hear of each other's writes, so subscribers everywhere are told at once.
    const { listenForPeerWrites } = await import("./mcp/peer_writes.ts");
    const listening = peers = await listenForPeerWrites(
      redis,
      (tenant, touched) => {
        watches.recheck(tenant, touched);
        // Its completion lists too, as after its writes here (the search corpus follows the shared cache).
        const identity = identities.peek(tenant);
        if (identity) directories.forget({ identity });
      },
    );
    closers.push(() => listening.close());
  }
  const tenancy = new Tenancy({
    tools,
    readOnly: config.readOnly,
    telemetry,
    toolTimeoutMs: config.xyte.toolTimeoutMs,
    watches,
    directories,
    configured: configuredKeys,
    ...(http ? { idOf: (await import("./transports/http_guards.ts")).tenantKeyId } : {}),
    client: (keys, tenant, keyIds) =>
      new XyteClient({
        hubUrl,
        entryUrl,
        organizationKey: keys.organization,
        partnerKey: keys.partner,
        timeoutMs: config.xyte.timeoutMs,
        userAgent: `${PROGRAM_NAME}/${VERSION}`,
        ...(upstreamFetch ? { fetch: upstreamFetch } : {}),
        // Keys clients bring must not outlive their session in a process-wide list.
        rememberKeys: !multiTenant,
        keysFrom: multiTenant ? "headers" : "settings",
        telemetry,
        cache: { store: cacheStore, tenant, ttlSeconds, reads: true },
        retry,
        breakers: breakersOf(tenant),
        gates: { gates, tenant },
        ...(keyIds ? { keyIds } : {}),
      }, identityOf(tenant)),
  });
  logger.info("tools exposed", { toolsets: toolsets.join(","), tools: tools.length, multiTenant });

  return {
    tenancy,
    buildServer: (tenant, serve) => buildServer(tenant.deps, serve),
    telemetry,
    ...(metrics ? { metrics } : {}),
    limiter,
    readiness: createReadiness({
      hubUrl,
      ...(redis ? { redis, redisNeeds } : {}),
      ...(upstreamFetch ? { fetch: upstreamFetch } : {}),
    }),
    async close() {
      for (const close of closers.reverse()) await close().catch(() => {});
    },
  };
}

/** Tenants whose client identity (and with it, per-client caches) is kept (least recently used go first). */
const MAX_TENANT_IDENTITIES = 10_000;

async function rateLimiter(config: Config, redis: Redis | undefined): Promise<RateLimiter> {
  const { rateLimitPerMinute: perMinute, rateLimitBurst: burst } = config.http;
  if (perMinute === 0) return createNoRateLimiter();
  const limits = await import("./transports/rate_limit.ts");
  return redis
    ? limits.createRedisRateLimiter(redis, { perMinute, burst })
    : limits.createMemoryRateLimiter({ perMinute, burst });
}

/**
 * The toolsets to expose. An explicit list is taken as is; the default is the everyday set for an
 * organization key, plus `partner` when a partner key is set (partner and catalog alone for a partner key).
 */
export function resolveToolsets(
  requested: ToolsetSelection,
  keys: { organization: boolean; partner: boolean },
): readonly Toolset[] {
  if (requested !== "default") {
    // `default` in a list stands for the default selection, the others are added to it.
    const named = requested.flatMap((name) => name === "default" ? resolveToolsets("default", keys) : [name]);
    return [...new Set(named)];
  }
  if (!keys.organization && keys.partner) return ["partner", "catalog"];
  return keys.partner ? [...DEFAULT_TOOLSETS, "partner"] : DEFAULT_TOOLSETS;
}
