/**
 * The pieces that keep upstream trouble from becoming our trouble: retry timing (exponential backoff with
 * full jitter), a circuit breaker per upstream host, and a concurrency gate per tenant.
 */
import { XyteError } from "./errors.ts";

export interface RetryPolicy {
  /** Retries after the first attempt (0 = never retry). */
  maxRetries: number;
  /** First backoff ceiling; doubles per attempt. */
  baseDelayMs: number;
  /** Upper bound of any one backoff. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxRetries: 5, baseDelayMs: 200, maxDelayMs: 5000 };

/** Methods a retry cannot turn into a second effect. POST and PATCH are never retried. */
export const IDEMPOTENT_METHODS: ReadonlySet<string> = new Set(["GET", "HEAD", "PUT", "DELETE", "OPTIONS"]);

/** Full jitter: a uniformly random wait between 0 and the capped exponential ceiling. */
export function backoffDelayMs(
  attempt: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return Math.floor(random() * ceiling);
}

/** Waits `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

export interface BreakerOptions {
  /** Consecutive failures that open the circuit. */
  failureThreshold: number;
  /** How long an open circuit fails fast before letting one trial request through. */
  cooldownMs: number;
  now?: () => number;
  /** Told when the circuit opens or closes (metrics, logs). */
  onChange?: (open: boolean) => void;
}

/**
 * A circuit breaker for one upstream host. Closed: requests pass; `failureThreshold` consecutive failures
 * (no answer, timeouts, 5xx) open it. Open: requests fail fast with a retriable error naming the cool-down.
 * After the cool-down one trial request passes (half-open): success closes the circuit, failure reopens it.
 *
 * Failures are counted by call (see `failure`): the requests one call sends at once are one piece of
 * evidence, so the circuit opens on the failures of several calls, never on the fan-out of one.
 */
export class CircuitBreaker {
  readonly #options: BreakerOptions;
  readonly #now: () => number;
  /**
   * The calls that failed since the last success, each with the failed attempts of its most-tried request.
   * Cleared by a success and when the circuit opens: it never holds more than `failureThreshold` calls.
   */
  readonly #streak = new Map<object, number>();
  /** The sum of `#streak`: the failures that count toward the threshold. */
  #failures = 0;
  #openedAt: number | undefined;
  #trialInFlight = false;

  constructor(readonly host: string, options: BreakerOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  get isOpen(): boolean {
    return this.#openedAt !== undefined;
  }

  /**
   * Throws a `circuit_open` error when the request must not go out now. Otherwise the request may go; true
   * when it is the half-open trial. Every admitted request must end in `success`, `failure` or `abandon`.
   */
  admit(endpointKey: string): boolean {
    if (this.#openedAt === undefined) return false;
    const remaining = this.#openedAt + this.#options.cooldownMs - this.#now();
    if (remaining <= 0 && !this.#trialInFlight) {
      this.#trialInFlight = true; // half-open: this request is the trial
      return true;
    }
    const seconds = Math.max(1, Math.ceil(Math.max(remaining, 0) / 1000));
    throw new XyteError({
      code: "circuit_open",
      endpointKey,
      message: `${this.host} failed ${this.#options.failureThreshold} times in a row; requests are paused`,
      hint:
        `Xyte looks unavailable. Retry in about ${seconds} s, when one trial request will check it again.`,
      retriable: true,
      retryAfterSeconds: seconds,
    });
  }

  success(): void {
    this.#forgetStreak();
    this.#trialInFlight = false;
    if (this.#openedAt !== undefined) {
      this.#openedAt = undefined;
      this.#options.onChange?.(false);
    }
  }

  /**
   * An admitted request ended without telling anything about the host (cancelled, or never sent). When it
   * was the trial, the next request becomes the trial: otherwise the circuit would stay open for good.
   */
  abandon(trial: boolean): void {
    if (trial) this.#trialInFlight = false;
  }

  /**
   * An admitted request failed because of the host. `call` is the tool call (or resource read) it was sent
   * for, and `failedAttempts` how many times that request has failed so far, its retries included; without
   * them the request is a call of its own that failed once.
   *
   * A call counts with its most-tried request only. Counted request by request, one call sending several
   * at once (fleet_summary's lists, the pages of `all: true`) to a host refusing connections opened the
   * circuit by itself, and got `circuit_open` instead of its real error; a call of one request counts its
   * retries as before, so a host that is down still opens the circuit within a few calls.
   */
  failure(call: object = {}, failedAttempts = 1): void {
    const trialFailed = this.#trialInFlight;
    this.#trialInFlight = false;
    if (trialFailed) return this.#open(); // again, for a full cool-down
    if (this.#openedAt !== undefined) return; // sent before it opened: nothing new about the host
    this.#count(call, failedAttempts);
    if (this.#failures >= this.#options.failureThreshold) this.#open();
  }

  #count(call: object, failedAttempts: number): void {
    const counted = this.#streak.get(call) ?? 0;
    if (failedAttempts <= counted) return; // another request of the call, already counted
    this.#streak.set(call, failedAttempts);
    this.#failures += failedAttempts - counted;
  }

  #open(): void {
    this.#forgetStreak();
    const wasOpen = this.#openedAt !== undefined;
    this.#openedAt = this.#now();
    if (!wasOpen) this.#options.onChange?.(true);
  }

  #forgetStreak(): void {
    this.#streak.clear();
    this.#failures = 0;
  }
}

/**
 * Whether an error says the host itself is in trouble: no answer, a timeout, a gateway error (502, 503,
 * 504) or an answer that is not the API's (an HTML error page). A plain 500 is one request failing, not the
 * host: it must not pause every other endpoint.
 */
export function isHostFailure(error: XyteError): boolean {
  if (error.hostFailure !== undefined) return error.hostFailure;
  if (error.code === "network" || error.code === "timeout" || error.code === "invalid_response") return true;
  return error.code === "upstream" && (error.status === undefined || [502, 503, 504].includes(error.status));
}

/**
 * At most `limit` requests in flight; the rest wait their turn in order. Waiting ends early when the
 * caller's signal aborts.
 */
export class Semaphore {
  #active = 0;
  readonly #waiting: { grant: () => void }[] = [];

  constructor(readonly limit: number) {}

  get active(): number {
    return this.#active;
  }

  async acquire(signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    if (this.#active < this.limit) {
      this.#active++;
      return;
    }
    await new Promise<void>((resolve, reject) => {
      const entry = {
        grant: () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        const index = this.#waiting.indexOf(entry);
        if (index >= 0) this.#waiting.splice(index, 1);
        reject(signal!.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#waiting.push(entry);
    });
  }

  release(): void {
    const next = this.#waiting.shift();
    if (next) next.grant(); // the slot passes straight to the next waiter
    else this.#active--;
  }
}

/** One semaphore per tenant, forgotten when idle (bounded memory whatever the number of tenants). */
export class TenantGates {
  readonly #gates = new Map<string, Semaphore>();

  constructor(readonly limit: number) {}

  /** Tenants with a gate kept (one with calls in flight or waiting). */
  get size(): number {
    return this.#gates.size;
  }

  /** Runs `work` inside the tenant's gate. */
  async run<T>(tenant: string, signal: AbortSignal | undefined, work: () => Promise<T>): Promise<T> {
    let gate = this.#gates.get(tenant);
    if (!gate) this.#gates.set(tenant, gate = new Semaphore(this.limit));
    try {
      await gate.acquire(signal);
    } catch (error) {
      // Refused at once (an aborted caller) on a gate nobody else uses: it must not stay behind. (Only this
      // gate: another may have replaced it meanwhile for a call in flight.)
      if (gate.active === 0 && this.#gates.get(tenant) === gate) this.#gates.delete(tenant);
      throw error;
    }
    try {
      return await work();
    } finally {
      gate.release();
      if (gate.active === 0 && this.#gates.get(tenant) === gate) this.#gates.delete(tenant);
    }
  }
}
