/**
 * Tenant key checks (`MCP_CHECK_TENANT_KEYS`, multi-tenant HTTP only): before a request is served, each Xyte
 * key its client sends must be one Xyte accepts. Without them, a client inventing a new key for each request
 * gets a fresh share of every per-key limit each time; with them, an invented key is refused (401) before it
 * can open a session or count as a tenant, and a mistyped key is told at connect time instead of by every
 * tool call failing.
 *
 * A key is checked with one cheap read (organization info for an organization key, one partner device for a
 * partner key), without retries and never answered from the response cache, within `KEY_CHECK_TIMEOUT_MS`.
 * What Xyte says is remembered by the key's id (its hash, never the key), accepted and refused keys apart, so
 * that a flood of invented keys never pushes a real one out (unless everything gets 403, see below):
 * - an accepted key is served at once from then on. Once `validMs` has passed, its next request starts a
 *   check in the background and is served meanwhile; if Xyte then refuses it, the requests after are
 *   refused; if Xyte does not answer, it is asked again `RECHECK_AFTER_UNANSWERED_MS` later. A key Xyte
 *   knows but will not show its organization (403) is accepted for `invalidMs` only, so a proxy refusing
 *   everything in front of Xyte cannot open the door for long;
 * - a refused key (401) is refused for `invalidMs` without asking again;
 * - a key Xyte did not answer for (down, slow, rate limited, 404) is not remembered: 503 with Retry-After.
 *
 * Concurrent requests with the same unknown key share one check. Checks of keys not remembered are bounded
 * across all clients by one token bucket of the rate limiter (`key-checks`: MCP_RATE_LIMIT_RPM and
 * MCP_RATE_LIMIT_BURST, one bucket for every server using the same Redis), so invented keys cannot make the
 * server call Xyte at will; beyond it, 429 with Retry-After. (With the rate limit off, or while Redis does not
 * answer, the bucket lets every check through, as it does requests.) Re-checks of accepted keys do not take
 * from it: there are no more of them than real keys, each at most once per `validMs`.
 */
import type { KeyCheckOutcome } from "../observability/telemetry.ts";
import type { Tenant } from "../tenancy.ts";
import type { XyteClient } from "../xyte/client.ts";
import { XyteError } from "../xyte/errors.ts";
import { jsonRpcError } from "./jsonrpc.ts";
import type { RateLimiter } from "./rate_limit.ts";

export type KeyKind = "organization" | "partner";
/**
 * What Xyte said about a key: accepted, known but not allowed to read what the check reads (403), refused
 * (401), or nothing (down, slow, rate limited, not found).
 */
export type KeyVerdict = Exclude<KeyCheckOutcome, "capped">;

/** The limiter subject of the checks of every key not remembered, server-wide. */
export const KEY_CHECKS_SUBJECT = "key-checks";
/** How long a key Xyte accepted is served before it is checked again (in the background). */
export const KEY_VALID_MS = 10 * 60_000;
/** How long a key Xyte refused is refused without asking again (and a 403 key accepted). */
export const KEY_INVALID_MS = 60_000;
/** How long after an unanswered re-check an accepted key is checked again. */
export const RECHECK_AFTER_UNANSWERED_MS = 30_000;
/** The most keys remembered, accepted and refused each. */
export const MAX_REMEMBERED_KEYS = 10_000;
/** The longest a check may take, waiting for the key's turn upstream included. */
export const KEY_CHECK_TIMEOUT_MS = 5000;

export interface TenantKeyCheckOptions {
  limiter: RateLimiter;
  /** Asks Xyte about the key of `kind` of a tenant's client (default `probeKeyWithXyte`). */
  probe?: (client: XyteClient, kind: KeyKind) => Promise<KeyVerdict>;
  validMs?: number;
  invalidMs?: number;
  recheckAfterUnansweredMs?: number;
  maxKeys?: number;
  now?: () => number;
  onCheck?: (outcome: KeyCheckOutcome) => void;
}

/** What a check needs of a tenant: the ids of its keys, and its Xyte client to ask with. */
export type CheckedTenant = Pick<Tenant, "keyIds"> & { deps: Pick<Tenant["deps"], "xyte"> };

type Answer = "valid" | "invalid" | "unavailable" | { capped: number };

const HEADERS: Record<KeyKind, string> = { organization: "X-Xyte-Api-Key", partner: "X-Xyte-Partner-Key" };

export class TenantKeyCheck {
  readonly #options: TenantKeyCheckOptions;
  readonly #now: () => number;
  /** Accepted keys: when each is due to be checked again. Least recently used first. */
  readonly #accepted = new Map<string, number>();
  /** Refused keys: until when each stays refused. Least recently refused first. */
  readonly #refused = new Map<string, number>();
  /** Checks of keys not accepted yet, shared by concurrent requests. */
  readonly #pending = new Map<string, Promise<Answer>>();
  /** Accepted keys being checked again in the background. */
  readonly #rechecking = new Set<string>();

  constructor(options: TenantKeyCheckOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /** Keys remembered, accepted and refused. */
  get size(): { accepted: number; refused: number } {
    return { accepted: this.#accepted.size, refused: this.#refused.size };
  }

  /** Undefined when every key the tenant sent is one Xyte accepts; otherwise the answer to send. */
  async admit(tenant: CheckedTenant): Promise<Response | undefined> {
    for (const kind of ["organization", "partner"] as const) {
      const id = tenant.keyIds?.[kind];
      if (id === undefined) continue;
      const answer = await this.#answer(id, tenant, kind);
      if (answer === "valid") continue;
      const header = HEADERS[kind];
      if (answer === "invalid") {
        return jsonRpcError(
          401,
          -32001,
          `Unauthorized: Xyte does not accept the key in ${header}. Check it; organization keys go in ` +
            "X-Xyte-Api-Key, partner keys in X-Xyte-Partner-Key.",
        );
      }
      if (answer === "unavailable") {
        return jsonRpcError(
          503,
          -32000,
          `The key in ${header} could not be checked: Xyte did not answer. Try again shortly.`,
          { "retry-after": "5" },
        );
      }
      return jsonRpcError(
        429,
        -32000,
        `Too many new Xyte keys to check right now; retry in ${answer.capped} s.`,
        { "retry-after": String(answer.capped) },
      );
    }
    return undefined;
  }

  #answer(id: string, tenant: CheckedTenant, kind: KeyKind): Answer | Promise<Answer> {
    const now = this.#now();
    const due = this.#accepted.get(id);
    if (due !== undefined) {
      this.#accepted.delete(id);
      this.#accepted.set(id, due);
      if (now >= due && !this.#rechecking.has(id)) void this.#recheck(id, tenant, kind);
      return "valid";
    }
    const refusedUntil = this.#refused.get(id);
    if (refusedUntil !== undefined) {
      if (refusedUntil > now) return "invalid";
      this.#refused.delete(id);
    }
    const pending = this.#pending.get(id);
    if (pending) return pending;
    const check = this.#check(id, tenant, kind).finally(() => this.#pending.delete(id));
    this.#pending.set(id, check);
    return check;
  }

  /** The first check of a key: takes a place in the server-wide bucket. */
  async #check(id: string, tenant: CheckedTenant, kind: KeyKind): Promise<Answer> {
    // The limiters never reject (Redis fails open); were one to, the check is unanswered, not a crash.
    const decision = await this.#options.limiter.take(KEY_CHECKS_SUBJECT).catch(() => undefined);
    if (!decision) return "unavailable";
    if (!decision.allowed) {
      this.#options.onCheck?.("capped");
      return { capped: Math.max(1, decision.retryAfterSeconds) };
    }
    const verdict = await this.#ask(tenant, kind);
    if (verdict === "unavailable") return verdict;
    this.#remember(id, verdict);
    return verdict === "invalid" ? "invalid" : "valid";
  }

  /** A check of an accepted key whose time is up; its requests are served meanwhile. */
  async #recheck(id: string, tenant: CheckedTenant, kind: KeyKind): Promise<void> {
    this.#rechecking.add(id);
    try {
      const verdict = await this.#ask(tenant, kind);
      if (!this.#accepted.has(id)) return; // forgotten meanwhile (pushed out by other accepted keys)
      if (verdict === "unavailable") {
        this.#accepted.set(
          id,
          this.#now() + (this.#options.recheckAfterUnansweredMs ?? RECHECK_AFTER_UNANSWERED_MS),
        );
      } else {
        this.#remember(id, verdict);
      }
    } finally {
      this.#rechecking.delete(id);
    }
  }

  async #ask(tenant: CheckedTenant, kind: KeyKind): Promise<KeyVerdict> {
    const probe = this.#options.probe ?? probeKeyWithXyte;
    // Called inside a promise, so that a probe throwing at once is an unanswered check too.
    const verdict = await Promise.resolve()
      .then(() => probe(tenant.deps.xyte, kind))
      .catch((): KeyVerdict => "unavailable");
    this.#options.onCheck?.(verdict);
    return verdict;
  }

  #remember(id: string, verdict: "valid" | "forbidden" | "invalid"): void {
    const now = this.#now();
    const invalidMs = this.#options.invalidMs ?? KEY_INVALID_MS;
    if (verdict === "invalid") {
      this.#accepted.delete(id);
      this.#refused.delete(id);
      bounded(this.#refused.set(id, now + invalidMs), this.#options.maxKeys);
      return;
    }
    this.#refused.delete(id);
    this.#accepted.delete(id);
    const validMs = verdict === "valid" ? this.#options.validMs ?? KEY_VALID_MS : invalidMs;
    bounded(this.#accepted.set(id, now + validMs), this.#options.maxKeys);
  }
}

/** Drops the oldest entries of `map` beyond `max`. */
function bounded(map: Map<string, number>, max = MAX_REMEMBERED_KEYS): void {
  for (const oldest of map.keys()) {
    if (map.size <= max) break;
    map.delete(oldest);
  }
}

/**
 * Asks Xyte about one of a tenant's keys with a cheap read through the tenant's own client (its gate and
 * circuit breaker), once (no retries), past the response cache, within `KEY_CHECK_TIMEOUT_MS` all told.
 * 401 (`auth`) means refused; 403 (`forbidden`) known but not allowed to read it; any other answer or none
 * (down, slow, rate limited, not found: not what Xyte answers a key) says nothing.
 */
export async function probeKeyWithXyte(client: XyteClient, kind: KeyKind): Promise<KeyVerdict> {
  const once = client.forCall({
    deadlineAt: Date.now() + KEY_CHECK_TIMEOUT_MS,
    cachedReads: false,
    maxRetries: 0,
  });
  const signal = AbortSignal.timeout(KEY_CHECK_TIMEOUT_MS);
  try {
    if (kind === "organization") await once.call("organization.getOrganizationInfo", { signal });
    else await once.call("partner.devices.getDevices", { query: { per_page: 1 }, signal });
    return "valid";
  } catch (error) {
    if (!(error instanceof XyteError)) return "unavailable";
    if (error.code === "auth") return "invalid";
    return error.code === "forbidden" ? "forbidden" : "unavailable";
  }
}
