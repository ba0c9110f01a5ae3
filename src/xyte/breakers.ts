/**
 * The circuit breakers Xyte clients use, one per upstream origin (hub, entry). A single-tenant server has one
 * set. In multi-tenant mode each tenant has its own: calls failing for one tenant (its slow queries timing
 * out) must not pause every other tenant's calls, while a host that is down opens each tenant's circuit
 * anyway. At most `maxTenants` tenants' breakers are kept (least recently used go first); forgetting one
 * only forgets its failure streak.
 */
import { LRUCache } from "lru-cache";
import { log } from "../observability/log.ts";
import type { Telemetry } from "../observability/telemetry.ts";
import type { Breakers } from "./client.ts";
import { CircuitBreaker } from "./resilience.ts";

export interface CircuitBreakersOptions {
  failureThreshold: number;
  cooldownSeconds: number;
  /** Told of circuits opening and closing (xyte_mcp_circuit_open counts the open ones). */
  telemetry: Telemetry;
  multiTenant: boolean;
  /** Default 10,000. */
  maxTenants?: number;
  now?: () => number;
}

/** The breakers of a tenant's client. */
export function circuitBreakers(options: CircuitBreakersOptions): (tenant: string) => Breakers {
  const { telemetry, multiTenant } = options;
  const logger = log("xyte");
  const kept = new LRUCache<string, { breaker: CircuitBreaker; origin: string }>({
    max: options.maxTenants ?? 10_000,
    // An open circuit forgotten no longer counts as open.
    dispose: ({ breaker, origin }) => {
      if (breaker.isOpen) telemetry.circuit(origin, false);
    },
  });
  return (tenant) => ({
    // `holder`: a multi-tenant client's key, for endpoints that use it alone (see XyteClientOptions.keyIds).
    for(origin, holder = tenant) {
      const key = multiTenant ? `${holder} ${origin}` : origin;
      const found = kept.get(key);
      if (found) return found.breaker;
      const breaker = new CircuitBreaker(new URL(origin).host, {
        failureThreshold: options.failureThreshold,
        cooldownMs: options.cooldownSeconds * 1000,
        ...(options.now ? { now: options.now } : {}),
        onChange: (open) => {
          // A breaker forgotten while a call still held it no longer counts (forgetting it did).
          if (kept.peek(key)?.breaker === breaker) telemetry.circuit(origin, open);
          logger.warning(open ? "circuit opened: Xyte calls fail fast" : "circuit closed", {
            host: new URL(origin).host,
            ...(multiTenant ? { tenant: holder } : {}),
            cooldownSeconds: options.cooldownSeconds,
          });
        },
      });
      kept.set(key, { breaker, origin });
      return breaker;
    },
  });
}
