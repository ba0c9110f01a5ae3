/**
 * `/readyz`: the server can do useful work — configuration valid (it started), the Xyte hub reachable, and
 * Redis answering when configured. The upstream probe is cached briefly so a burst of probes (several
 * replicas, kubelets and load balancers) does not hit Xyte; failures are never cached.
 */
import type { Redis } from "./redis.ts";

export interface ReadinessCheck {
  ok: boolean;
  detail?: string;
}

export interface Readiness {
  ready: boolean;
  checks: Record<string, ReadinessCheck>;
}

export interface ReadinessOptions {
  hubUrl: string;
  redis?: Redis;
  /** How long a successful upstream probe counts (default 2 s). */
  cacheMs?: number;
  timeoutMs?: number;
  fetch?: typeof fetch;
  now?: () => number;
}

export function createReadiness(options: ReadinessOptions): () => Promise<Readiness> {
  const cacheMs = options.cacheMs ?? 2000;
  const timeoutMs = options.timeoutMs ?? 3000;
  const doFetch = options.fetch ?? fetch;
  const now = options.now ?? Date.now;
  let upstreamOkUntil = 0;

  const upstream = async (): Promise<ReadinessCheck> => {
    if (now() < upstreamOkUntil) return { ok: true };
    try {
      // Any answer below 500 means the hub is up (an unauthenticated GET of its root is typically a 404).
      const response = await doFetch(options.hubUrl + "/", { signal: AbortSignal.timeout(timeoutMs) });
      await response.body?.cancel();
      if (response.status >= 500) return { ok: false, detail: `hub answered HTTP ${response.status}` };
      upstreamOkUntil = now() + cacheMs;
      return { ok: true };
    } catch (error) {
      const reason = error instanceof Error ? error.message.split("\n")[0] : String(error);
      return { ok: false, detail: `hub unreachable: ${reason}` };
    }
  };

  const redis = async (): Promise<ReadinessCheck> => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      const answer = await Promise.race([
        options.redis!.ping(),
        new Promise<never>((_, reject) => timer = setTimeout(() => reject(new Error("timeout")), timeoutMs)),
      ]);
      return answer === "PONG" ? { ok: true } : { ok: false, detail: `unexpected answer ${answer}` };
    } catch (error) {
      return { ok: false, detail: `redis: ${error instanceof Error ? error.message : String(error)}` };
    } finally {
      clearTimeout(timer);
    }
  };

  return async () => {
    const checks: Record<string, ReadinessCheck> = { config: { ok: true } };
    const [hub, cache] = await Promise.all([upstream(), options.redis ? redis() : undefined]);
    checks.upstream = hub;
    if (cache) checks.redis = cache;
    return { ready: Object.values(checks).every((c) => c.ok), checks };
  };
}
