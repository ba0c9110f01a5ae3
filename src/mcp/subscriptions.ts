/**
 * The watches behind resource subscriptions: a client that subscribed to a resource URI (2025-era
 * `resources/subscribe`, register_subscriptions.ts; 2026-07-28 `subscriptions/listen`, listen.ts) gets
 * `notifications/resources/updated` when the document a read would return has changed.
 *
 * Xyte does not push changes, so a watched resource is re-read, past the response cache, every poll interval
 * and right after a tool call of the same tenant that may write and names it: a write re-reads the resources
 * whose URI holds an id in its arguments (touched.ts) and the organization-wide ones, so a write costs a few
 * reads however many resources the tenant watches; its indirect effects show at the next poll. A
 * notification goes out only when the document differs from the last one read (compared by SHA-256, the
 * document itself is not kept), leaving out what moves when nothing changed: heartbeat fields, and the fields
 * a resource computes from the clock (`clockFields`, e.g. a rolling window's bounds). One watch serves every
 * session and listen stream of a tenant subscribed to the same URI: ten sessions watching one device cost one
 * upstream read per interval. Watches are kept per tenant, so tenants never share one, and a write rechecks
 * what every session of its tenant watches, on this replica and (through Redis, peer_writes.ts) on the others.
 */
import { type Deadline, deadline } from "../deadline.ts";
import { sha256Hex } from "../digest.ts";
import { log } from "../observability/log.ts";
import { unrefTimer } from "../timeouts.ts";
import { NO_TELEMETRY, type Telemetry } from "../observability/telemetry.ts";
import { toErrorPayload } from "./results.ts";

const subscriptionLog = log("subscription");

/** Who a watch belongs to: the tenant's id (a hash of its keys), or its Xyte client's identity. */
export type TenantKey = string | object;

/** Reads a resource document afresh (never from the response cache) within `limit`. */
export type DocumentReader = (limit: Deadline) => Promise<unknown>;

export interface ResourceWatchesOptions {
  /** Seconds between two reads of a watched resource; 0 = read again only after the tenant's writes. */
  pollSeconds: number;
  /** Deadline of one read, retries included. */
  readTimeoutMs: number;
  /** Where the number of watched resources goes (none by default). */
  telemetry?: Telemetry;
  /**
   * Most resources one tenant may have watched at once (default 500): bounds the upstream reads it causes. A
   * tenant with quota keys (`watch`) is held to it per key.
   */
  maxPerTenant?: number;
  /** Where in the first interval a watch first polls, in [0, 1); replaceable for tests. */
  random?: () => number;
  /** Tells the other replicas of a tenant's writes and the ids they named (peer_writes.ts; none by default). */
  announce?: (tenant: string, touched?: readonly string[]) => void;
  /**
   * After every resource of a tenant is read again (`recheckAll`), further such rechecks within this many ms
   * happen once, at its end (default 1000; 0 = each at once): a burst costs each resource two reads, not one
   * per write.
   */
  recheckWindowMs?: number;
}

export const DEFAULT_RECHECK_WINDOW_MS = 1000;

export const DEFAULT_MAX_WATCHES_PER_TENANT = 500;

/** A tenant already watches as many resources as it may. */
export class WatchLimitError extends Error {
  override readonly name = "WatchLimitError";
}

/**
 * Fields that move with every report a device sends: a document whose only difference is one of them has not
 * changed for a subscriber (a fleet reporting every minute would otherwise notify every minute).
 */
const HEARTBEAT_FIELDS: ReadonlySet<string> = new Set(["last_seen_at"]);

/** A `JSON.stringify` replacer that leaves heartbeat fields out of a fingerprint. */
function withoutHeartbeats(key: string, value: unknown): unknown {
  return HEARTBEAT_FIELDS.has(key) ? undefined : value;
}

/**
 * The document less its clock fields. Only at the top level, where the resource declared them: the same
 * name deeper down may be data (a ticket message's `from` says who wrote it).
 */
function withoutClockFields(document: unknown, clockFields: ReadonlySet<string>): unknown {
  if (clockFields.size === 0 || !isRecord(document)) return document;
  return Object.fromEntries(Object.entries(document).filter(([key]) => !clockFields.has(key)));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** What two reads of a resource are compared by: its document less heartbeat and clock fields, hashed. */
async function fingerprintOf(document: unknown, clockFields: ReadonlySet<string>): Promise<string> {
  return await sha256Hex(JSON.stringify(withoutClockFields(document, clockFields), withoutHeartbeats));
}

/** What a resource looks like when it is gone: a change like any other (a read now fails as not found). */
const GONE = "not_found";

/** One resource of one tenant, read on an interval and after writes. */
class Watch {
  readonly listeners = new Set<() => void>();
  /** What this watch counts against under `maxPerTenant` (see `watch`). */
  quota: readonly TenantKey[] = [];
  /** Subscribers waiting for the first read; the watch is not dropped while there are any. */
  pending = 0;
  /** Resolves after the first read, or rejects with why the resource cannot be read. */
  ready: Promise<void> | undefined;
  #fingerprint: string | undefined;
  #reading: Promise<void> | undefined;
  #readAgain = false;
  #timer: { id: number; repeats: boolean } | undefined;
  #stopped = false;
  #problem: string | undefined;

  /** The ids in the URI's path (`xyte://devices/d1/commands` → d1, commands); none for organization-wide ones. */
  readonly #segments: readonly string[];
  /** Top-level fields of the document that follow the clock, not the data: not compared. */
  readonly #clockFields: ReadonlySet<string>;

  constructor(
    readonly uri: string,
    readonly read: DocumentReader,
    readonly options: ResourceWatchesOptions,
    clockFields: readonly string[],
  ) {
    this.#segments = pathSegments(uri);
    this.#clockFields = new Set(clockFields);
  }

  /** Whether a write naming `ids` may have changed this resource: it names one of them, or it is org-wide. */
  concerns(ids: ReadonlySet<string>): boolean {
    return this.#segments.length === 0 || this.#segments.some((segment) => ids.has(segment));
  }

  /**
   * The first read: what later reads are compared with. Throws when the resource cannot be read. A recheck
   * asked for meanwhile (a write landing while it was under way, which it may have read before) is one more
   * read once it is done.
   */
  async start(): Promise<void> {
    this.#fingerprint = await this.#fingerprintNow();
    if (this.#readAgain) {
      this.#readAgain = false;
      this.recheck();
    }
    if (this.options.pollSeconds <= 0 || this.#stopped) return;
    const every = this.options.pollSeconds * 1000;
    // Watches made together (a client subscribing to many resources at once) would otherwise read together
    // on every interval, and the tenant's tool calls would queue behind them: each watch first polls at a
    // random point of the interval, then every interval from there.
    this.#arm(
      () => {
        this.recheck();
        this.#arm(() => this.recheck(), every, true);
      },
      (this.options.random ?? Math.random)() * every,
      false,
    );
  }

  /** Reads the resource again soon; a read already under way (the first too) is followed by exactly one more. */
  recheck(): void {
    if (this.#stopped) return;
    if (this.#fingerprint === undefined || this.#reading) {
      this.#readAgain = true;
      return;
    }
    this.#reading = this.#compare().finally(() => {
      this.#reading = undefined;
      if (this.#readAgain) {
        this.#readAgain = false;
        this.recheck();
      }
    });
  }

  /** The read under way, with the one more it may be followed by; undefined when none is. */
  get reading(): Promise<void> | undefined {
    return this.#reading;
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer?.repeats) clearInterval(this.#timer.id);
    else if (this.#timer) clearTimeout(this.#timer.id);
    this.#timer = undefined;
  }

  #arm(run: () => void, ms: number, repeats: boolean): void {
    const timer = repeats ? setInterval(run, ms) : setTimeout(run, ms);
    unrefTimer(timer);
    this.#timer = { id: Number(timer), repeats };
  }

  async #compare(): Promise<void> {
    let next: string;
    try {
      next = await this.#fingerprintNow();
    } catch (error) {
      const { code } = toErrorPayload(error);
      if (code !== "not_found") {
        // Nothing is known to have changed; say so once per kind of failure, not on every interval.
        if (this.#problem !== code) {
          subscriptionLog.warning("watched resource unreadable", { uri: this.uri, code });
        }
        this.#problem = code;
        return;
      }
      next = GONE;
    }
    this.#problem = undefined;
    if (next === this.#fingerprint) return;
    this.#fingerprint = next;
    subscriptionLog.info("watched resource changed", { uri: this.uri, subscribers: this.listeners.size });
    for (const listener of [...this.listeners]) listener();
  }

  async #fingerprintNow(): Promise<string> {
    using limit = deadline(this.options.readTimeoutMs);
    return await fingerprintOf(await this.read(limit), this.#clockFields);
  }
}

/** Every watched resource of the process, by tenant and URI. */
export class ResourceWatches {
  readonly #byTenant = new Map<TenantKey, Map<string, Watch>>();
  /** Watches counted against each quota key (`watch`). */
  readonly #quotaUse = new Map<TenantKey, number>();
  readonly #all = new Set<Watch>();
  readonly #options: ResourceWatchesOptions;
  /** Tenants whose watches were rechecked within the last `recheckWindowMs`, and whether writes came since. */
  readonly #windows = new Map<TenantKey, { again: boolean; timer: number }>();

  constructor(options: ResourceWatchesOptions) {
    this.#options = options;
  }

  /** Resources watched right now (all tenants). */
  get size(): number {
    return this.#all.size;
  }

  /**
   * Calls `listener` whenever the resource at `uri` changes for `tenant`, until the returned function is
   * called. Reads the resource first when nobody watches it yet, and throws (the read's error) when it
   * cannot be read. A new watch counts against each of `quota` (default: the tenant) under `maxPerTenant`:
   * a multi-tenant client's keys, each alone, so that varying one key does not make a fresh allowance.
   * `clockFields` are top-level fields of the document computed from the clock at each read (a rolling
   * window's bounds): a document that differs only in them has not changed.
   */
  async watch(
    tenant: TenantKey,
    uri: string,
    read: DocumentReader,
    listener: () => void,
    quota: readonly TenantKey[] = [tenant],
    clockFields: readonly string[] = [],
  ): Promise<() => void> {
    let watches = this.#byTenant.get(tenant);
    let watch = watches?.get(uri);
    const limit = this.#options.maxPerTenant ?? DEFAULT_MAX_WATCHES_PER_TENANT;
    if (!watch && quota.some((key) => (this.#quotaUse.get(key) ?? 0) >= limit)) {
      throw new WatchLimitError(
        `the ${limit} resources this tenant may watch at once are all watched; unsubscribe from some first`,
      );
    }
    if (!watches) this.#byTenant.set(tenant, watches = new Map());
    if (!watch) {
      const created = watch = new Watch(uri, read, this.#options, clockFields);
      created.quota = quota;
      for (const key of quota) this.#quotaUse.set(key, (this.#quotaUse.get(key) ?? 0) + 1);
      watches.set(uri, created);
      this.#all.add(created);
      this.#counted();
      created.ready = created.start().catch((error) => {
        this.#drop(tenant, created);
        throw error;
      });
    }
    watch.pending++;
    try {
      await watch.ready;
    } finally {
      watch.pending--;
    }
    watch.listeners.add(listener);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      watch.listeners.delete(listener);
      if (watch.listeners.size === 0 && watch.pending === 0) this.#drop(tenant, watch);
    };
  }

  /**
   * After a tool call of `tenant` that may have written, naming the records `touched` (touched.ts; undefined:
   * it cannot tell): reads again what it may have changed here, and tells the other replicas to do the same.
   */
  written(tenant: TenantKey, touched?: readonly string[]): void {
    this.recheck(tenant, touched);
    if (typeof tenant === "string") this.#options.announce?.(tenant, touched);
  }

  /**
   * Reads again, at once, the resources of `tenant` a write naming `touched` may have changed: those whose URI
   * holds one of the ids, and the organization-wide ones. Other effects of the write show at the next poll.
   * Without `touched`, every resource of the tenant (see `recheckAll`).
   */
  recheck(tenant: TenantKey, touched?: readonly string[]): void {
    if (touched === undefined) return this.recheckAll(tenant);
    const ids = new Set(touched);
    for (const watch of this.#byTenant.get(tenant)?.values() ?? []) {
      if (watch.concerns(ids)) watch.recheck();
    }
  }

  /**
   * Reads every resource `tenant` watches again: at once, unless that was done less than `recheckWindowMs`
   * ago; then once when the window ends.
   */
  recheckAll(tenant: TenantKey): void {
    const window = this.#windows.get(tenant);
    if (window) {
      window.again = true;
      return;
    }
    if (!this.#byTenant.has(tenant)) return;
    for (const watch of this.#byTenant.get(tenant)?.values() ?? []) watch.recheck();
    const windowMs = this.#options.recheckWindowMs ?? DEFAULT_RECHECK_WINDOW_MS;
    if (windowMs <= 0) return;
    const opened = { again: false, timer: 0 };
    const timer = setTimeout(() => {
      this.#windows.delete(tenant);
      if (opened.again) this.recheckAll(tenant);
    }, windowMs);
    unrefTimer(timer);
    opened.timer = Number(timer);
    this.#windows.set(tenant, opened);
  }

  /** Resolves once no watch is reading: the rechecks asked for so far have compared and notified. */
  async settled(): Promise<void> {
    for (;;) {
      const reads = [...this.#all].flatMap((watch) => watch.reading ?? []);
      if (reads.length === 0) return;
      await Promise.allSettled(reads);
    }
  }

  /** Stops every watch (shutdown). */
  close(): void {
    for (const { timer } of this.#windows.values()) clearTimeout(timer);
    this.#windows.clear();
    for (const watch of this.#all) watch.stop();
    this.#all.clear();
    this.#counted();
  }

  #counted(): void {
    (this.#options.telemetry ?? NO_TELEMETRY).watches(this.#all.size);
  }

  #drop(tenant: TenantKey, watch: Watch): void {
    watch.stop();
    if (!this.#all.delete(watch)) return;
    this.#counted();
    const watches = this.#byTenant.get(tenant);
    if (watches?.get(watch.uri) === watch) watches.delete(watch.uri);
    if (watches?.size === 0) this.#byTenant.delete(tenant);
    for (const key of watch.quota) {
      const left = (this.#quotaUse.get(key) ?? 1) - 1;
      if (left > 0) this.#quotaUse.set(key, left);
      else this.#quotaUse.delete(key);
    }
  }
}

/** The decoded path segments of a resource URI (`xyte://devices/d%201/commands` → ["d 1", "commands"]). */
function pathSegments(uri: string): string[] {
  try {
    return new URL(uri).pathname.split("/").filter(Boolean).map((segment) => decodeURIComponent(segment));
  } catch {
    return [];
  }
}
