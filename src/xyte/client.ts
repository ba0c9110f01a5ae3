/**
 * The Xyte API client: one `fetch` path for every endpoint of the catalog.
 *
 * It picks the base URL (hub or entry) and the key (organization, partner or device) from the endpoint's
 * catalog entry, sends JSON, bounds each request by a deadline combined with the caller's AbortSignal,
 * and turns every failure into a typed `XyteError`. Keys are sent raw in `Authorization` (Xyte does not use
 * `Bearer`) and never appear in errors or logs: the client scrubs its own keys from every message it builds.
 *
 * With a response cache, GET calls are served from it for the endpoint group's TTL; the cache belongs to one
 * tenant, and any write through the client invalidates that tenant's entries.
 */
import { readBodyText } from "../body.ts";
import { deadline } from "../deadline.ts";
import { log } from "../observability/log.ts";
import { NO_TELEMETRY, type Telemetry } from "../observability/telemetry.ts";
import { bestEffort, bestEffortAsync } from "../observability/best_effort.ts";
import { isRememberedSecret, rememberSecret, scrubSecrets, type Secret } from "../secret.ts";
import { cacheKey, type CacheStore } from "./cache_store.ts";
import {
  dotSegmentParams,
  type EndpointKey,
  type EndpointSpec,
  fillPath,
  findEndpoint,
  missingPathParams,
} from "./catalog.ts";
import {
  authHint,
  codeForStatus,
  type KeySource,
  missingKey,
  notFoundHint,
  parseRetryAfter,
  XyteError,
} from "./errors.ts";
import {
  backoffDelayMs,
  type CircuitBreaker,
  IDEMPOTENT_METHODS,
  isHostFailure,
  type RetryPolicy,
  sleep,
  type TenantGates,
} from "./resilience.ts";

export type QueryValue = string | number | boolean | readonly (string | number)[];

/** Longest path parameter sent upstream: ids are short, and a huge one only makes a huge URL and error. */
export const MAX_PATH_PARAM_CHARS = 256;
/** Longest request URL sent upstream (common server limits are 8 KiB). */
export const MAX_URL_CHARS = 8192;
/**
 * Largest upstream answer read (bytes). Beyond it the call fails instead of the process: a 300 MB answer,
 * parsed and returned as structured content and text, ran the server out of memory.
 */
export const MAX_ANSWER_BYTES = 32 * 1048576;
/** What fetch accepts in a header value: tabs, printable ASCII and Latin-1, nothing else. */
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

export interface XyteClientOptions {
  hubUrl: string;
  entryUrl: string;
  organizationKey?: Secret;
  partnerKey?: Secret;
  timeoutMs: number;
  /** Replaceable for tests. */
  fetch?: typeof fetch;
  userAgent?: string;
  /**
   * Add the keys to the process-wide scrubber used by every log line (true for the server's configured keys;
   * false for keys clients bring in multi-tenant mode, which must not outlive their session).
   */
  rememberKeys?: boolean;
  /** Where the keys come from, for the hints of errors about them (default: this server's settings). */
  keysFrom?: KeySource;
  telemetry?: Telemetry;
  cache?: ClientCache;
  /** Retries of idempotent requests (GET, HEAD, PUT, DELETE); POST and PATCH are never retried. */
  retry?: RetryPolicy;
  /** Circuit breakers per upstream origin, shared by every client of the process. */
  breakers?: Breakers;
  /** Bounds the requests one tenant has in flight upstream. */
  gates?: { gates: TenantGates; tenant: string };
  /**
   * The ids of the client's keys, each alone (multi-tenant clients). Organization and partner endpoints use
   * one key alone, so their cache entries, concurrency gate and circuit breaker are that key's, shared by
   * every client sending it, whatever other key it sends too. Absent: the tenant's for every endpoint.
   */
  keyIds?: KeyIds;
  /** Absolute time (ms since epoch) after which no request may start or wait; set per tool call. */
  deadlineAt?: number;
  /** Randomness for backoff jitter (replaceable in tests). */
  random?: () => number;
}

/** The ids (hashes) of a client's organization and partner keys, each alone. */
export interface KeyIds {
  organization?: string;
  partner?: string;
}

/** Finds the circuit breaker of an upstream origin; `holder` (default: the client's tenant) is whose it is. */
export interface Breakers {
  for(origin: string, holder?: string): CircuitBreaker;
}

/** A tenant's response cache. */
export interface ClientCache {
  store: CacheStore;
  /** Stable id of the tenant (a hash of its key), part of every cache key (see `keyIds`). */
  tenant: string;
  /** Seconds a GET of this endpoint group stays cached; 0 = not cached. */
  ttlSeconds(group: string): number;
  /** False: reads go upstream and refresh the cache with what they got (writes still invalidate). */
  reads: boolean;
}

export interface CallOptions {
  /** Values for the endpoint's `:param` path segments. */
  path?: Record<string, string | number>;
  query?: Record<string, QueryValue | undefined | null>;
  body?: unknown;
  /** Device access key, for device-scope endpoints. */
  deviceKey?: Secret;
  signal?: AbortSignal;
}

/** The exact request a call sends, with the key masked; used for `dry_run` answers and logs. */
export interface PreparedRequest {
  endpointKey: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: unknown;
}

const MAX_MESSAGE_CHARS = 300;

export class XyteClient {
  readonly #options: XyteClientOptions;
  readonly #fetch: typeof fetch;
  readonly #log = log("xyte");

  /** Stable for a tenant's client and every per-call view of it: key per-tenant caches by this. */
  readonly identity: object;

  constructor(options: XyteClientOptions, identity: object = {}) {
    this.identity = identity;
    this.#options = options;
    this.#fetch = options.fetch ?? fetch;
    this.#telemetry = options.telemetry ?? NO_TELEMETRY;
    if (options.rememberKeys ?? true) {
      for (const key of [options.organizationKey, options.partnerKey]) if (key) rememberSecret(key);
    }
  }

  readonly #telemetry: Telemetry;

  /**
   * The call this view serves (set by `forCall`): the circuit breaker counts the requests of one call as one
   * piece of evidence, however many it sends at once. Absent on a tenant's client, where each request is a
   * call of its own.
   */
  #call: object | undefined;

  /**
   * The same client for one tool call: no request starts or waits after `deadlineAt`, and with
   * `cachedReads: false` (a call with `cache: false`, a subscription's re-read) reads go upstream and leave
   * what they got in the cache for the reads after them (writes still invalidate). `maxRetries` replaces the
   * retry policy's count (0: one attempt). The view's requests are one call for the circuit breaker.
   */
  forCall(options: { deadlineAt?: number; cachedReads?: boolean; maxRetries?: number }): XyteClient {
    const cache = this.#options.cache && options.cachedReads === false
      ? { ...this.#options.cache, reads: false }
      : this.#options.cache;
    const retry = this.#options.retry && options.maxRetries !== undefined
      ? { ...this.#options.retry, maxRetries: options.maxRetries }
      : this.#options.retry;
    const view = new XyteClient({
      ...this.#options,
      rememberKeys: false,
      ...(cache ? { cache } : {}),
      ...(retry ? { retry } : {}),
      ...(options.deadlineAt !== undefined ? { deadlineAt: options.deadlineAt } : {}),
    }, this.identity);
    view.#call = {};
    return view;
  }

  /**
   * The generation `endpoint`'s cached reads are stored under (cache_store.ts); undefined without a cache. It
   * moves on with every write of the tenant that may have landed — through any of its clients, on any replica
   * sharing the cache — so what a caller derives from reads (the connector's search corpus) is stale once it
   * differs from the generation read before those reads.
   */
  async cacheGeneration(endpoint: EndpointKey | EndpointSpec): Promise<number | undefined> {
    const cache = this.#options.cache;
    if (!cache) return undefined;
    return await cache.store.generation(scopedId(cache.tenant, this.#options.keyIds, this.#spec(endpoint)));
  }

  /** Which scopes this client holds a key for. */
  hasKeyFor(scope: "organization" | "partner"): boolean {
    return scope === "organization"
      ? this.#options.organizationKey !== undefined
      : this.#options.partnerKey !== undefined;
  }

  /** The request `call` would send, without sending it. Throws `XyteError` (validation) on missing path params. */
  prepare(endpoint: EndpointKey | EndpointSpec, options: CallOptions = {}): PreparedRequest {
    const spec = this.#spec(endpoint);
    const { url, headers, body } = this.#build(spec, options, false);
    return {
      endpointKey: spec.key,
      method: spec.method,
      url,
      headers,
      ...(body === undefined ? {} : { body }),
    };
  }

  /** Sends one request (or answers from the cache) and returns the parsed JSON body (`null` for empty). */
  async call(endpoint: EndpointKey | EndpointSpec, options: CallOptions = {}): Promise<unknown> {
    const spec = this.#spec(endpoint);
    const cache = this.#options.cache;
    if (!cache) return await this.#sendResilient(spec, options);
    if (spec.method !== "GET") {
      let landed = true;
      try {
        return await this.#sendResilient(spec, options);
      } catch (error) {
        if (error instanceof XyteError && !mayHaveChanged(error)) landed = false;
        throw error;
      } finally {
        // Unless Xyte refused it or it was never sent (a timed-out write may still have landed), the
        // tenant's reads are stale now. (A refused call must not cost a generation: with random keys,
        // each would leave one behind.)
        // A failure to invalidate is logged: it must not turn a write Xyte took into an error.
        if (landed) {
          await bestEffortAsync("invalidating the cache after a write", () =>
            Promise.all(
              namespaces(cache.tenant, this.#options.keyIds).map((n) => cache.store.bumpGeneration(n)),
            ));
        }
      }
    }
    const ttl = cache.ttlSeconds(spec.group);
    if (ttl <= 0) {
      this.#telemetry.cache("bypass", spec.group);
      return await this.#sendResilient(spec, options);
    }
    // Built once: its URL keys the cache, and it is what goes upstream on a miss.
    const request = this.#build(spec, options, true);
    // The generation is read before the request: a write meanwhile moves on to a new one, so what this read
    // stores can never be mistaken for a read made after that write.
    const namespace = scopedId(cache.tenant, this.#options.keyIds, spec);
    const key = await cacheKey({
      tenant: namespace,
      generation: await cache.store.generation(namespace),
      endpointKey: spec.key,
      url: request.url,
      ...(spec.scope === "device" && options.deviceKey ? { callKey: options.deviceKey.reveal() } : {}),
    });
    if (!cache.reads) {
      // A fresh read (`cache: false`, a watched resource read again) refreshes the entry, so the reads after
      // it, e.g. a client re-reading a resource it was just told changed, do not get the older document.
      this.#telemetry.cache("bypass", spec.group);
      const value = await this.#sendResilient(spec, options, request);
      await cache.store.set(key, JSON.stringify(value), ttl);
      return value;
    }
    const cached = await cache.store.get(key);
    if (cached !== undefined) {
      this.#telemetry.cache("hit", spec.group);
      return JSON.parse(cached);
    }
    this.#telemetry.cache("miss", spec.group);
    const value = await this.#sendResilient(spec, options, request);
    await cache.store.set(key, JSON.stringify(value), ttl);
    return value;
  }

  /**
   * Sends with the resilience rules: the tenant's concurrency gate, the host's circuit breaker, and — for
   * idempotent methods only — retries on failures that may pass (5xx, 429, timeouts, no answer) with
   * exponential backoff and full jitter, or after the upstream's `Retry-After`, never past the call's
   * deadline.
   */
  async #sendResilient(spec: EndpointSpec, options: CallOptions, request?: BuiltRequest): Promise<unknown> {
    const policy = this.#options.retry ?? { maxRetries: 0, baseDelayMs: 0, maxDelayMs: 0 };
    const retries = IDEMPOTENT_METHODS.has(spec.method) ? policy.maxRetries : 0;
    const origin = spec.base === "entry" ? this.#options.entryUrl : this.#options.hubUrl;
    const keyIds = this.#options.keyIds;
    // The key's own circuit for endpoints using one key alone; the tenant's (the default) otherwise.
    const breaker = this.#options.breakers?.for(origin, scopedId(undefined, keyIds, spec));
    const call = this.#call ?? {};
    const gates = this.#options.gates;
    for (let attempt = 0;; attempt++) {
      const trial = breaker?.admit(spec.key) ?? false;
      const send = () => this.#send(spec, options, request ?? this.#build(spec, options, true));
      try {
        const value = await (
          gates ? gates.gates.run(scopedId(gates.tenant, keyIds, spec), options.signal, send) : send()
        );
        breaker?.success();
        return value;
      } catch (error) {
        if (!(error instanceof XyteError)) {
          breaker?.abandon(trial);
          // Stopped while waiting at the gate: the gate rejects with the signal's reason, whatever it is.
          if (options.signal?.aborted) throw stoppedCall(spec, options.signal.reason);
          throw error;
        }
        if (isHostFailure(error)) breaker?.failure(call, attempt + 1);
        else if (error.status !== undefined) breaker?.success(); // the host answered: it is up
        else breaker?.abandon(trial); // cancelled, or refused before sending: nothing learnt about the host
        if (attempt >= retries || !error.retriable || error.code === "circuit_open") throw error;
        const delayMs = error.retryAfterSeconds !== undefined
          ? error.retryAfterSeconds * 1000
          : backoffDelayMs(attempt, policy, this.#options.random);
        const deadlineAt = this.#options.deadlineAt;
        if (deadlineAt !== undefined && Date.now() + delayMs >= deadlineAt) throw error;
        this.#telemetry.upstreamRetry(spec.key, error.code);
        this.#log.info("upstream retry", {
          endpointKey: spec.key,
          attempt: attempt + 1,
          of: retries,
          reason: error.code,
          status: error.status,
          delayMs,
        });
        try {
          await sleep(delayMs, options.signal);
        } catch (reason) {
          throw stoppedCall(spec, reason);
        }
      }
    }
  }

  async #send(spec: EndpointSpec, options: CallOptions, request: BuiltRequest): Promise<unknown> {
    const { url, headers, body } = request;
    const deadlineAt = this.#options.deadlineAt;
    const attemptMs = deadlineAt === undefined
      ? this.#options.timeoutMs
      : Math.max(1, Math.min(this.#options.timeoutMs, deadlineAt - Date.now()));
    using attempt = deadline(attemptMs, options.signal);
    const started = performance.now();
    let response: Response;
    try {
      response = await this.#fetch(url, {
        method: spec.method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: attempt.signal,
      });
    } catch (error) {
      throw this.#failed(spec, this.#transportError(spec, error, options, attempt.timedOut), started);
    }
    const answer = await readBodyText(response, MAX_ANSWER_BYTES);
    if ("unreadable" in answer) {
      const error = new Error(answer.unreadable);
      throw this.#failed(spec, this.#transportError(spec, error, options, attempt.timedOut), started);
    }
    if ("tooLarge" in answer) {
      throw this.#failed(
        spec,
        new XyteError({
          code: "invalid_response",
          status: response.status,
          endpointKey: spec.key,
          message: `Xyte's answer to ${spec.key} is larger than ${MAX_ANSWER_BYTES / 1048576} MiB`,
          hint: "Ask for less: a smaller page (per_page), filters, or one object at a time.",
          retriable: false,
          hostFailure: false, // the host answered: one request asked too much
        }),
        started,
      );
    }
    const { text } = answer;
    const ms = Math.round(performance.now() - started);
    // Xyte answered: counting it cannot turn the answer (a write Xyte took) into an error.
    bestEffort("counting the upstream request", () => {
      this.#telemetry.upstreamRequest(spec.key, response.status, ms / 1000);
    });
    this.#log.debug("upstream call", {
      method: spec.method,
      endpointKey: spec.key,
      status: response.status,
      ms,
    });
    return this.#interpret(spec, response, text, options.deviceKey);
  }

  /** Records a request that got no HTTP answer, and returns its error. */
  #failed(spec: EndpointSpec, error: XyteError, started: number): XyteError {
    this.#telemetry.upstreamRequest(spec.key, error.code, (performance.now() - started) / 1000);
    return error;
  }

  /**
   * `text` without any secret: the process's (`scrubSecrets`) and this client's own keys, which a multi-tenant
   * client does not add to the process-wide scrubber (they must not outlive their session there). For what
   * goes back to a client: tool results and errors, resource documents.
   */
  redact(text: string): string {
    const own = [this.#options.organizationKey, this.#options.partnerKey].filter((key) =>
      key !== undefined && !isRememberedSecret(key.reveal())
    );
    return withoutKeys(scrubSecrets(text), own);
  }

  #scrub(text: string, deviceKey?: Secret): string {
    return withoutKeys(text, [this.#options.organizationKey, this.#options.partnerKey, deviceKey]);
  }

  #spec(endpoint: EndpointKey | EndpointSpec): EndpointSpec {
    if (typeof endpoint !== "string") return endpoint;
    const spec = findEndpoint(endpoint);
    if (!spec) throw new XyteError({ code: "validation", message: `unknown endpoint ${endpoint}` });
    return spec;
  }

  #build(spec: EndpointSpec, options: CallOptions, reveal: boolean): BuiltRequest {
    const missing = missingPathParams(spec, options.path ?? {});
    if (missing.length > 0) {
      throw new XyteError({
        code: "validation",
        endpointKey: spec.key,
        message: `missing path parameter(s): ${missing.join(", ")}`,
        hint: `${spec.key} needs ${spec.pathParams.join(", ")}.`,
        retriable: false,
      });
    }
    const tooLong = Object.entries(options.path ?? {}).find(([, v]) =>
      String(v).length > MAX_PATH_PARAM_CHARS
    );
    if (tooLong) {
      throw new XyteError({
        code: "validation",
        endpointKey: spec.key,
        message: `path parameter ${tooLong[0]} is ${String(tooLong[1]).length} characters long`,
        hint: `Xyte ids are short; ${tooLong[0]} may have at most ${MAX_PATH_PARAM_CHARS} characters.`,
        retriable: false,
      });
    }
    const [dotted] = dotSegmentParams(spec, options.path ?? {});
    if (dotted) {
      throw new XyteError({
        code: "validation",
        endpointKey: spec.key,
        message: `path parameter ${dotted} is "${options.path?.[dotted]}", which is not an id`,
        hint: `'.' and '..' would send the request to another endpoint; pass the ${dotted} a list or get ` +
          "call returned.",
        retriable: false,
      });
    }
    const base = spec.base === "entry" ? this.#options.entryUrl : this.#options.hubUrl;
    const url = new URL(base + fillPath(spec, options.path ?? {}));
    for (const [name, value] of Object.entries(options.query ?? {})) {
      if (value === undefined || value === null) continue;
      url.searchParams.set(name, Array.isArray(value) ? value.join(",") : String(value));
    }
    const href = url.toString();
    if (href.length > MAX_URL_CHARS) {
      throw new XyteError({
        code: "validation",
        endpointKey: spec.key,
        message: `the request URL would be ${href.length} characters long`,
        hint: `Shorten the query parameters: the URL may have at most ${MAX_URL_CHARS} characters.`,
        retriable: false,
      });
    }
    const headers: Record<string, string> = {
      "accept": "application/json",
      "user-agent": this.#options.userAgent ?? "xyte-mcp",
    };
    const key = this.#keyFor(spec, options);
    if (key && !HEADER_VALUE.test(key.reveal())) {
      // fetch would refuse it with an error that quotes the whole key.
      throw new XyteError({
        code: "validation",
        endpointKey: spec.key,
        message: `the ${spec.scope} key holds characters an HTTP header cannot carry (line breaks, control ` +
          "or non-Latin-1 characters)",
        hint: "Pass the key exactly as Xyte issued it.",
        retriable: false,
      });
    }
    if (key) headers["authorization"] = reveal ? key.reveal() : "[redacted]";
    const sendsBody = spec.method !== "GET" && options.body !== undefined;
    if (sendsBody) headers["content-type"] = "application/json";
    return { url: href, headers, body: sendsBody ? options.body : undefined };
  }

  #keyFor(spec: EndpointSpec, options: CallOptions): Secret | undefined {
    const key = spec.scope === "organization"
      ? this.#options.organizationKey
      : spec.scope === "partner"
      ? this.#options.partnerKey
      : spec.scope === "device"
      ? options.deviceKey
      : undefined;
    if (!key && spec.scope !== "none") throw missingKey(spec.key, spec.scope, this.#options.keysFrom);
    return key;
  }

  #interpret(spec: EndpointSpec, response: Response, text: string, deviceKey?: Secret): unknown {
    const parsed = parseJson(text);
    if (response.ok) {
      if (text.trim() === "") return null;
      if (parsed.ok) return parsed.value;
      throw new XyteError({
        code: "invalid_response",
        status: response.status,
        endpointKey: spec.key,
        // Scrubbed before it is cut: a key cut in half would no longer be recognised.
        message: `Xyte answered ${spec.key} with a body that is not JSON: ${
          excerpt(this.#scrub(text, deviceKey))
        }`,
      });
    }
    const code = codeForStatus(response.status);
    // Scrubbed before it is cut to length: a key cut in half would no longer be recognised.
    const scrub = (raw: string) => this.#scrub(raw, deviceKey);
    const upstreamMessage = parsed.ok ? messageFrom(parsed.value, scrub) : undefined;
    const message = upstreamMessage ??
      (text.trim() === "" ? `HTTP ${response.status}` : `HTTP ${response.status}: ${excerpt(scrub(text))}`);
    throw new XyteError({
      code,
      status: response.status,
      endpointKey: spec.key,
      message,
      ...(code === "auth" ? { hint: authHint(spec.scope, this.#options.keysFrom) } : {}),
      ...(code === "not_found" ? { hint: notFoundHint(spec) } : {}),
      retryAfterSeconds: parseRetryAfter(response.headers.get("retry-after")),
    });
  }

  #transportError(spec: EndpointSpec, error: unknown, options: CallOptions, timedOut: boolean) {
    const caller = options.signal;
    if (caller?.aborted) return stoppedCall(spec, caller.reason);
    if (timedOut) {
      return new XyteError({
        code: "timeout",
        endpointKey: spec.key,
        message: `Xyte did not answer ${spec.key} in time (request deadline ${this.#options.timeoutMs} ms, ` +
          "bounded by the tool call's deadline)",
      });
    }
    // Runtime errors may quote what was sent, the Authorization header included.
    const reason = this.#scrub(error instanceof Error ? error.message : String(error), options.deviceKey);
    if (error instanceof Deno.errors.NotCapable) {
      return new XyteError({
        code: "host_not_allowed",
        endpointKey: spec.key,
        message: `${spec.key}: ${reason.split(", run again")[0]}`,
      });
    }
    return new XyteError({
      code: "network",
      endpointKey: spec.key,
      message: `cannot reach Xyte for ${spec.key}: ${reason}`,
    });
  }
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

/** `text` with each of `keys` (those of 4 characters or more) replaced by `[redacted]`. */
function withoutKeys(text: string, keys: readonly (Secret | undefined)[]): string {
  let out = text;
  for (const key of keys) {
    const value = key?.reveal();
    if (value && value.length >= 4 && out.includes(value)) out = out.split(value).join("[redacted]");
  }
  return out;
}

/** A request as `#build` makes it: its URL, headers (the key revealed or not) and JSON body. */
interface BuiltRequest {
  url: string;
  headers: Record<string, string>;
  body: unknown;
}

/**
 * Whether a failed write may still have changed something: Xyte answered 5xx, answered 2xx with a body that
 * could not be read (not JSON, too large), or did not answer at all. Not when it refused the call (4xx) or
 * the call was never sent (no key, invalid, host not allowed, circuit open).
 */
function mayHaveChanged(error: XyteError): boolean {
  if (error.status !== undefined) return error.status < 400 || error.status >= 500;
  return !["validation", "auth", "host_not_allowed", "circuit_open"].includes(error.code);
}

/**
 * Whose `spec`'s requests are (cache entries, concurrency gate, circuit breaker): for organization and partner
 * endpoints, which use one key alone, that key's own id when known (`keyIds`); otherwise `tenant`.
 */
function scopedId<T extends string | undefined>(
  tenant: T,
  keyIds: KeyIds | undefined,
  spec: EndpointSpec,
): string | T {
  if (spec.scope === "organization" || spec.scope === "partner") return keyIds?.[spec.scope] ?? tenant;
  return tenant;
}

/** Every namespace a tenant's reads are cached under: what one of its writes may have made stale. */
function namespaces(tenant: string, keyIds: KeyIds | undefined): string[] {
  return [...new Set([tenant, keyIds?.organization, keyIds?.partner])].filter((n): n is string =>
    n !== undefined
  );
}

/** Xyte's error text from `{error}`, `{message}` or `{errors}` bodies, `scrub`bed, then cut to length. */
function messageFrom(body: unknown, scrub: (text: string) => string): string | undefined {
  if (typeof body !== "object" || body === null) return undefined;
  const record = body as Record<string, unknown>;
  for (const field of ["error", "message", "errors"]) {
    const value = record[field];
    if (typeof value === "string" && value.trim() !== "") return scrub(value).slice(0, MAX_MESSAGE_CHARS);
    if (Array.isArray(value) && value.length > 0) {
      return scrub(value.map(String).join("; ")).slice(0, MAX_MESSAGE_CHARS);
    }
  }
  return undefined;
}

/** A short, single-line, tag-free excerpt of a body for error messages. */
function excerpt(text: string): string {
  const flat = text.replace(/<[^>]*>/g, " ").replace(/\s+/g, " ").trim();
  return flat.length > 120 ? `${flat.slice(0, 120)}…` : flat || "(empty)";
}

/** The error of a call its signal stopped: past its deadline (a TimeoutError reason), or cancelled. */
function stoppedCall(spec: EndpointSpec, reason: unknown): XyteError {
  return (reason as { name?: string } | undefined)?.name === "TimeoutError"
    ? new XyteError({
      code: "timeout",
      endpointKey: spec.key,
      message: `the tool call ran past its deadline while waiting for ${spec.key}`,
    })
    : new XyteError({ code: "cancelled", endpointKey: spec.key, message: "the call was cancelled" });
}
