/**
 * Live directories of what an organization holds (devices, spaces, open tickets), for completions and for
 * the list callbacks of resource templates. Each is fetched with bounded cost and kept briefly, per
 * `XyteClient`: a client is one API key, so two tenants served by one process never share an entry
 * (the cache is a WeakMap keyed by the client object). Concurrent requests for the same directory share
 * one fetch; a failed fetch is not kept.
 */
import { fetchDevicePage } from "../tools/devices.ts";
import { fetchOpenTickets } from "../tools/tickets.ts";
import type { XyteClient } from "../xyte/client.ts";
import { fetchAllPages } from "../xyte/paginate.ts";
import { readWirePage, WireSpace } from "../xyte/wire.ts";

export type DirectoryKind = "devices" | "spaces" | "open_tickets";

/** One object of a directory: its id, the label it is found by, and a one-line description. */
export interface DirectoryEntry {
  id: string;
  /** Device name, space path or ticket title. */
  label: string | null;
  description: string;
}

const PER_PAGE = 100;
/** Upper bounds on what one directory fetch reads. */
export const DIRECTORY_LIMITS = { devices: 500, spaces: 300 } as const;
export const DIRECTORY_TTL_MS = 30_000;

const GET_SPACES = "organization.spaces.getSpaces";

/**
 * Fetches one directory from Xyte, uncached. No caller can cancel it: the fetch is shared by every request
 * waiting for it, and the client's own deadline bounds each upstream call.
 */
export function fetchDirectory(xyte: XyteClient, kind: DirectoryKind): Promise<DirectoryEntry[]> {
  switch (kind) {
    case "devices":
      return fetchDeviceDirectory(xyte);
    case "spaces":
      return fetchSpaceDirectory(xyte);
    case "open_tickets":
      return fetchTicketDirectory(xyte);
  }
}

async function fetchDeviceDirectory(xyte: XyteClient): Promise<DirectoryEntry[]> {
  const { rows } = await fetchAllPages(
    (page, pageSignal) => fetchDevicePage({ xyte }, page, PER_PAGE, undefined, pageSignal),
    PER_PAGE,
    { limit: DIRECTORY_LIMITS.devices, maxPages: DIRECTORY_LIMITS.devices / PER_PAGE },
  );
  return rows.map((d) => ({
    id: d.id,
    label: d.name,
    description: [d.model?.name, d.effective_status ?? d.status, d.space?.full_path]
      .filter((part) => part).join(" · "),
  }));
}

async function fetchSpaceDirectory(xyte: XyteClient): Promise<DirectoryEntry[]> {
  const { rows } = await fetchAllPages(
    async (page, pageSignal) => {
      const body = await xyte.call(GET_SPACES, { query: { page, per_page: PER_PAGE }, signal: pageSignal });
      return readWirePage(body, "items", WireSpace, GET_SPACES);
    },
    PER_PAGE,
    { limit: DIRECTORY_LIMITS.spaces, maxPages: DIRECTORY_LIMITS.spaces / PER_PAGE },
  );
  return rows.map((s) => ({
    id: s.id,
    label: s.full_path ?? s.name,
    description: [s.space_type, s.full_path ?? s.name].filter((part) => part).join(" · "),
  }));
}

async function fetchTicketDirectory(xyte: XyteClient): Promise<DirectoryEntry[]> {
  const tickets = await fetchOpenTickets({ xyte, signal: new AbortController().signal });
  return tickets.map((t) => ({
    id: t.id,
    label: t.title,
    description: [t.status, t.created_at ? `opened ${t.created_at}` : null, t.user_name ?? t.user_email]
      .filter((part) => part).join(" · "),
  }));
}

export interface DirectoryCacheOptions {
  ttlMs?: number;
  /** Clock in epoch milliseconds; replaceable for tests. */
  now?: () => number;
  /** Replaceable for tests. */
  fetch?: (xyte: XyteClient, kind: DirectoryKind) => Promise<DirectoryEntry[]>;
}

interface CachedDirectory {
  expiresAt: number;
  entries: Promise<DirectoryEntry[]>;
}

/** Directories per Xyte client, each kept for `ttlMs` after it was fetched. */
export class DirectoryCache {
  readonly #byClient = new WeakMap<object, Map<DirectoryKind, CachedDirectory>>();
  readonly #ttlMs: number;
  readonly #now: () => number;
  readonly #fetch: (xyte: XyteClient, kind: DirectoryKind) => Promise<DirectoryEntry[]>;

  constructor(options: DirectoryCacheOptions = {}) {
    this.#ttlMs = options.ttlMs ?? DIRECTORY_TTL_MS;
    this.#now = options.now ?? Date.now;
    this.#fetch = options.fetch ?? ((xyte, kind) => fetchDirectory(xyte, kind));
  }

  /** The directory of `kind` for this client: cached when fresh, fetched otherwise. */
  get(xyte: XyteClient, kind: DirectoryKind): Promise<DirectoryEntry[]> {
    let perClient = this.#byClient.get(xyte.identity);
    if (!perClient) {
      perClient = new Map();
      this.#byClient.set(xyte.identity, perClient);
    }
    const now = this.#now();
    const cached = perClient.get(kind);
    if (cached && cached.expiresAt > now) return cached.entries;
    const entries = this.#fetch(xyte, kind);
    const entry: CachedDirectory = { expiresAt: now + this.#ttlMs, entries };
    perClient.set(kind, entry);
    // A failure is not cached: the next caller tries again.
    entries.catch(() => {
      if (perClient.get(kind) === entry) perClient.delete(kind);
    });
    return entries;
  }

  /**
   * Forgets the directories of this client (a tenant's clients share its `identity`), after its writes here or
   * through another replica: a new space or a renamed device shows at once.
   */
  forget(client: { readonly identity: object }): void {
    this.#byClient.delete(client.identity);
  }
}
