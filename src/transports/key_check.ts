/**
 * Tenant key checks (`MCP_CHECK_TENANT_KEYS`, multi-tenant HTTP only): before a request is served, each Xyte
 * key its client sends must be one Xyte accepts. Without them, a client inventing a new key for each request
 * gets a fresh share of every per-key limit each time; with them, an invented key is refused (401) before it
 * can open a session or count as a tenant, and a mistyped key is told at connect time instead of by every
 * tool call failing.
 *
 * A key is checked with one cheap read (organization info for an organization key, one partner device for a
 * partner key). What Xyte says is remembered by the key's id (its hash, never the key): a key it accepted for
 * `validMs`, one it refused for `invalidMs`, at most `maxKeys` of them (least recently used go first).
 * Concurrent requests with the same unknown key share one check. Checks of keys not remembered are bounded
 * across all clients by one token bucket of the rate limiter (`key-checks`: MCP_RATE_LIMIT_RPM and
 * MCP_RATE_LIMIT_BURST, shared through Redis when configured), so invented keys cannot make the server call
 * Xyte at will; beyond it, 429 with Retry-After. When Xyte does not answer, an unknown key gets 503 with
 * Retry-After; a key accepted before keeps being served while it is checked again.
 */
import type { KeyCheckOutcome } from "../observability/telemetry.ts";
import type { Tenant } from "../tenancy.ts";
import type { XyteClient } from "../xyte/client.ts";
import { XyteError } from "../xyte/errors.ts";
import { jsonRpcError } from "./jsonrpc.ts";
import type { RateLimiter } from "./rate_limit.ts";

export type KeyKind = "organization" | "partner";
/** What Xyte said about a key: accepted, refused (401), or nothing (down, slow, rate limited). */
export type KeyVerdict = Exclude<KeyCheckOutcome, "capped">;

/** The limiter subject of the checks of every key not remembered, server-wide. */
export const KEY_CHECKS_SUBJECT = "key-checks";
/** How long a key Xyte accepted is served without asking again. */
export const KEY_VALID_MS = 10 * 60_000;
/** How long a key Xyte refused is refused without asking again. */
export const KEY_INVALID_MS = 60_000;
/** The most keys remembered. */
export const MAX_REMEMBERED_KEYS = 10_000;
/** The longest a check may take. */
export const KEY_CHECK_TIMEOUT_MS = 5000;

export interface TenantKeyCheckOptions {
  limiter: RateLimiter;
  /** Asks Xyte about the key of `kind` of a tenant's client (default `probeKeyWithXyte`). */
  probe?: (client: XyteClient, kind: KeyKind) => Promise<KeyVerdict>;
  validMs?: number;
  invalidMs?: number;
  maxKeys?: number;
  now?: () => number;
  onCheck?: (outcome: KeyCheckOutcome) => void;
}

/** What a check needs of a tenant: the ids of its keys, and its Xyte client to ask with. */
export type CheckedTenant = Pick<Tenant, "keyIds"> & { deps: Pick<Tenant["deps"], "xyte"> };

interface Remembered {
  verdict: "valid" | "invalid";
  until: number;
}

type Answer = KeyVerdict | { capped: number };

const HEADERS: Record<KeyKind, string> = { organization: "X-Xyte-Api-Key", partner: "X-Xyte-Partner-Key" };

export class TenantKeyCheck {
  readonly #options: TenantKeyCheckOptions;
  readonly #now: () => number;
  /** Least recently used first. */
  readonly #remembered = new Map<string, Remembered>();
  readonly #pending = new Map<string, Promise<Answer>>();

  constructor(options: TenantKeyCheckOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /** Keys remembered (accepted or refused). */
  get size(): number {
    return this.#remembered.size;
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

  #answer(id: string, tenant: CheckedTenant, kind: KeyKind): Promise<Answer> {
    const known = this.#remembered.get(id);
    if (known && known.until > this.#now()) {
      this.#remembered.delete(id);
      this.#remembered.set(id, known);
      return Promise.resolve(known.verdict);
    }
    const pending = this.#pending.get(id);
    if (pending) return pending;
    const check = this.#check(id, tenant, kind, known?.verdict === "valid")
      .finally(() => this.#pending.delete(id));
    this.#pending.set(id, check);
    return check;
  }

  async #check(id: string, tenant: CheckedTenant, kind: KeyKind, acceptedBefore: boolean): Promise<Answer> {
    const decision = await this.#options.limiter.take(KEY_CHECKS_SUBJECT);
    if (!decision.allowed) {
      this.#options.onCheck?.("capped");
      // A key accepted before is not locked out by other clients' new keys; it is checked once there is room.
      return acceptedBefore ? "valid" : { capped: Math.max(1, decision.retryAfterSeconds) };
    }
    const probe = this.#options.probe ?? probeKeyWithXyte;
    const verdict = await probe(tenant.deps.xyte, kind).catch((): KeyVerdict => "unavailable");
    this.#options.onCheck?.(verdict);
    if (verdict === "unavailable") return acceptedBefore ? "valid" : verdict;
    this.#remember(id, {
      verdict,
      until: this.#now() +
        (verdict === "valid"
          ? this.#options.validMs ?? KEY_VALID_MS
          : this.#options.invalidMs ?? KEY_INVALID_MS),
    });
    return verdict;
  }

  #remember(id: string, entry: Remembered): void {
    this.#remembered.delete(id);
    this.#remembered.set(id, entry);
    const max = this.#options.maxKeys ?? MAX_REMEMBERED_KEYS;
    for (const oldest of this.#remembered.keys()) {
      if (this.#remembered.size <= max) break;
      this.#remembered.delete(oldest);
    }
  }
}

/**
 * Asks Xyte about one of a tenant's keys with a cheap read through the tenant's own client (its gate,
 * circuit breaker and cache). 401 (`auth`) means refused; an answer past authentication (forbidden, not
 * found) means accepted; anything else (down, slow, rate limited) says nothing.
 */
export async function probeKeyWithXyte(client: XyteClient, kind: KeyKind): Promise<KeyVerdict> {
  const bounded = client.forCall({ deadlineAt: Date.now() + KEY_CHECK_TIMEOUT_MS });
  try {
    if (kind === "organization") await bounded.call("organization.getOrganizationInfo");
    else await bounded.call("partner.devices.getDevices", { query: { per_page: 1 } });
    return "valid";
  } catch (error) {
    if (!(error instanceof XyteError)) return "unavailable";
    if (error.code === "auth") return "invalid";
    return error.code === "forbidden" || error.code === "not_found" ? "valid" : "unavailable";
  }
}
