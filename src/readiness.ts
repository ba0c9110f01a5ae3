/**
 * `/readyz`: the server can do useful work — configuration valid (it started), the Xyte hub reachable, and
 * Redis answering when configured, and doing what the server needs of it: while Redis refuses a command the
 * rate limiter or the cache sent (a user that lost a permission, a read-only replica…), rate limits are off
 * or replicas may serve what a write changed, as when Redis does not answer. Such a need is tried again at
 * each check (its probe, see `RedisNeed`), so the server turns ready once Redis accepts it even without
 * traffic (an unready replica gets none). Probes arriving together share one check, and its result is kept
 * briefly (2 s when ready, 1 s when not), so a burst of probes does not hit Xyte.
 *
 * A failing check's `detail` (the fetch error, Redis's reply) can name internal hosts and addresses, and
 * `/readyz` answers anyone who reaches the port: it is logged when a check starts failing, fails otherwise,
 * or passes again (once per change, not per probe), and `/readyz` gives it only to a caller with the static
 * token (see `withoutDetails`).
 */
import { log } from "./observability/log.ts";
import { type Redis, type RedisNeed, withinRedisTimeout } from "./redis.ts";

export interface ReadinessCheck {
  ok: boolean;
  detail?: string;
}

export interface Readiness {
  ready: boolean;
  checks: Record<string, ReadinessCheck>;
}

/** What `/readyz` tells a caller without the token: ready or not, and which checks pass, without details. */
export function withoutDetails(readiness: Readiness): Readiness {
  const checks: Record<string, ReadinessCheck> = {};
  for (const [name, check] of Object.entries(readiness.checks)) checks[name] = { ok: check.ok };
  return { ready: readiness.ready, checks };
}

export interface ReadinessOptions {
  hubUrl: string;
  redis?: Redis;
  /** What the server needs of `redis` (the rate limiter's and the cache's `redisNeeds`). */
  redisNeeds?: readonly RedisNeed[];
  /** How long a ready result counts (default 2 s). */
  cacheMs?: number;
  /** How long an unready result counts (default 1 s). */
  failureCacheMs?: number;
  /** Each check's time limit (default 2 s: below the 3 s a Kubernetes probe waits, see deploy/). */
  timeoutMs?: number;
  fetch?: typeof fetch;
  now?: () => number;
}

export function createReadiness(options: ReadinessOptions): () => Promise<Readiness> {
  const cacheMs = options.cacheMs ?? 2000;
  const failureCacheMs = options.failureCacheMs ?? 1000;
  const timeoutMs = options.timeoutMs ?? 2000;
  const doFetch = options.fetch ?? fetch;
  const now = options.now ?? Date.now;

  const upstream = async (): Promise<ReadinessCheck> => {
    try {
      // Any answer below 500 means the hub is up (an unauthenticated GET of its root is typically a 404).
      const response = await doFetch(options.hubUrl + "/", { signal: AbortSignal.timeout(timeoutMs) });
      await response.body?.cancel();
      if (response.status >= 500) return { ok: false, detail: `hub answered HTTP ${response.status}` };
      return { ok: true };
    } catch (error) {
      return { ok: false, detail: `hub unreachable: ${fetchFailure(error)}` };
    }
  };

  const redis = async (): Promise<ReadinessCheck> => {
    try {
      const answer = await withinRedisTimeout(options.redis!.ping(), timeoutMs);
      if (answer !== "PONG") return { ok: false, detail: `unexpected answer ${answer}` };
      for (const need of options.redisNeeds ?? []) {
        if (need.refusal === undefined) continue;
        try {
          await withinRedisTimeout(need.probe(), timeoutMs);
          need.succeeded();
        } catch (error) {
          if (!need.failed(error)) throw error; // not answered: said as for PING
          return { ok: false, detail: `redis refuses to ${need.what}: ${need.refusal}` };
        }
      }
      return { ok: true };
    } catch (error) {
      return { ok: false, detail: `redis: ${error instanceof Error ? error.message : String(error)}` };
    }
  };

  const logChanges = changeLogger();
  const check = async (): Promise<Readiness> => {
    const checks: Record<string, ReadinessCheck> = { config: { ok: true } };
    const [hub, cache] = await Promise.all([upstream(), options.redis ? redis() : undefined]);
    checks.upstream = hub;
    if (cache) checks.redis = cache;
    logChanges(checks);
    return { ready: Object.values(checks).every((c) => c.ok), checks };
  };

  // Probes arriving together share one check, and its result counts a moment (an unready one too): a
  // storm of probes from replicas, kubelets and load balancers asks Xyte about once a second at most, most
  // of all while it is failing.
  let last: { result: Readiness; until: number } | undefined;
  let running: Promise<Readiness> | undefined;
  return () => {
    if (last && now() < last.until) return Promise.resolve(last.result);
    running ??= check().then((result) => {
      last = { result, until: now() + (result.ready ? cacheMs : failureCacheMs) };
      return result;
    }).finally(() => running = undefined);
    return running;
  };
}

/**
 * Logs what changed since the last check, for operators (the details `/readyz` keeps from strangers): a
 * warning with the detail when a check starts failing or fails otherwise (another detail), a line when it
 * passes again. A check seen for the first time counts as passing before, so a server that starts ready logs
 * nothing.
 */
function changeLogger(): (checks: Record<string, ReadinessCheck>) => void {
  const logger = log("readiness");
  const failing = new Map<string, string>();
  return (checks) => {
    for (const [name, check] of Object.entries(checks)) {
      const before = failing.get(name);
      if (check.ok) {
        if (before === undefined) continue;
        failing.delete(name);
        logger.info("readiness check passes again", { check: name });
        continue;
      }
      const detail = check.detail ?? "failed";
      if (detail === before) continue;
      failing.set(name, detail);
      logger.warning("readiness check fails; /readyz answers 503", { check: name, detail });
    }
  };
}

/**
 * What a failed fetch says, with its cause: Deno's fetch throws "fetch failed" and keeps what failed (the DNS
 * lookup, the TCP connection, TLS) in `cause`. First lines only.
 */
function fetchFailure(error: unknown): string {
  const firstLine = (e: unknown) => (e instanceof Error ? e.message : String(e)).split("\n")[0];
  const reason = firstLine(error);
  const cause = error instanceof Error && error.cause !== undefined ? firstLine(error.cause) : "";
  return cause === "" || cause === reason ? reason : `${reason} (${cause})`;
}
