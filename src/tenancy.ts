/**
 * Who a request acts for.
 *
 * - Single tenant: the server's configured keys; one tenant for every client.
 * - Multi-tenant (HTTP without a configured key): each client sends its own Xyte key in `X-Xyte-Api-Key`
 *   (and optionally `X-Xyte-Partner-Key`). The key lives only in the Xyte client built for that session or
 *   request — never in a shared map, never in logs. The tenant is identified by a hash of its keys, which is
 *   what rate limits, cache entries and logs see.
 */
import type { ServerDeps } from "./mcp/server.ts";
import type { Tool } from "./mcp/tool.ts";
import type { ResourceWatches } from "./mcp/subscriptions.ts";
import type { DirectoryCache } from "./resources/directory.ts";
import type { Telemetry } from "./observability/telemetry.ts";
import { Secret } from "./secret.ts";
import type { KeyIds, XyteClient } from "./xyte/client.ts";

export const TENANT_KEY_HEADER = "x-xyte-api-key";
export const TENANT_PARTNER_KEY_HEADER = "x-xyte-partner-key";

export interface TenantKeys {
  organization?: Secret;
  partner?: Secret;
}

export interface Tenant {
  /** Hash of the tenant's keys (32 hex chars): safe to log, to key caches and sessions. */
  id: string;
  /**
   * What the tenant's use of per-tenant limits (rate, sessions, watched resources) counts against: in
   * multi-tenant mode the id of each key it sent, alone. The id of the pair would let a client with one real
   * key make up partner keys (or organization keys) and get a fresh share of every limit with each.
   */
  quota: readonly string[];
  /** Multi-tenant mode: the id of each key the client sent, alone (what key checks remember). */
  keyIds?: KeyIds;
  deps: ServerDeps;
}

export interface TenancyOptions {
  tools: readonly Tool[];
  readOnly: boolean;
  telemetry?: Telemetry;
  toolTimeoutMs?: number;
  /** Resource subscriptions of the process (none: not offered). */
  watches?: ResourceWatches;
  /** The process's live directories (completions, resource lists). */
  directories: DirectoryCache;
  /**
   * Builds the Xyte client of a tenant; `keyIds` (multi-tenant) are the ids of its keys, each alone, for what
   * is shared by every client sending that key (see `XyteClientOptions.keyIds`).
   */
  client(
    keys: TenantKeys,
    tenantId: string,
    keyIds?: KeyIds,
  ): XyteClient;
  /** The server's own keys; none = multi-tenant. */
  configured: TenantKeys;
  /**
   * A stable, non-reversible id for a set of keys: a client's (multi-tenant mode), or the server's own. The
   * id keys the response cache, rate limits and write announcements, which may live in a Redis that other
   * deployments share, so two servers with different keys must never have the same id. Injected so stdio
   * (one process, nothing shared) never loads a hash implementation it does not need; without it the single
   * tenant is "configured".
   */
  idOf?: (keys: TenantKeys) => string;
}

export class Tenancy {
  readonly multiTenant: boolean;
  /** The one tenant of a single-tenant server. */
  readonly single: Tenant | undefined;
  readonly #options: TenancyOptions;
  /** The ids of the server's own keys, each alone, to compare a key a client sends with (single tenant). */
  readonly #ownKeyIds: KeyIds;

  constructor(options: TenancyOptions) {
    this.#options = options;
    this.multiTenant = !options.configured.organization && !options.configured.partner;
    this.single = this.multiTenant
      ? undefined
      : this.#tenant(options.configured, options.idOf?.(options.configured) ?? "configured");
    this.#ownKeyIds = this.single && options.idOf ? keyIdsOf(options.configured, options.idOf) : {};
  }

  /**
   * The tenant a request acts for, or why it cannot act: `missing` (multi-tenant mode without a key), or
   * `conflict` (a single-tenant server sent a key other than its own, which would silently act for the
   * server's organization instead of the client's).
   */
  fromRequest(request: Request): Tenant | { missing: string } | { conflict: string } {
    const organization = request.headers.get(TENANT_KEY_HEADER)?.trim();
    const partner = request.headers.get(TENANT_PARTNER_KEY_HEADER)?.trim();
    if (this.single) {
      const other = this.#otherThanConfigured("X-Xyte-Api-Key", organization, "organization") ??
        this.#otherThanConfigured("X-Xyte-Partner-Key", partner, "partner");
      return other ? { conflict: other } : this.single;
    }
    if (!organization && !partner) {
      return { missing: `this server is multi-tenant: send your Xyte API key in the X-Xyte-Api-Key header` };
    }
    const keys = {
      ...(organization ? { organization: new Secret(organization) } : {}),
      ...(partner ? { partner: new Secret(partner) } : {}),
    };
    const idOf = this.#options.idOf;
    if (!idOf) throw new Error("multi-tenant mode needs an idOf function");
    const keyIds = keyIdsOf(keys, idOf);
    const quota = [keyIds.organization, keyIds.partner].filter((id) => id !== undefined).map((id) =>
      `key:${id}`
    );
    return this.#tenant(keys, idOf(keys), quota, keyIds);
  }

  /** Why a key sent in `header` cannot be used by this single-tenant server; undefined when it is its own. */
  #otherThanConfigured(
    header: string,
    sent: string | undefined,
    kind: "organization" | "partner",
  ): string | undefined {
    if (!sent) return undefined;
    const idOf = this.#options.idOf;
    const own = this.#ownKeyIds[kind];
    // Compared by their hashes, so the comparison's timing says nothing about the server's key.
    if (own && idOf && idOf({ [kind]: new Secret(sent) }) === own) return undefined;
    return `this server acts with its own Xyte key (single-tenant), not the one in ${header}: ` +
      `remove the header, or use a server started without a Xyte key (multi-tenant)`;
  }

  #tenant(
    keys: TenantKeys,
    id: string,
    quota: readonly string[] = [`tenant:${id}`],
    keyIds?: KeyIds,
  ): Tenant {
    return {
      id,
      quota,
      ...(keyIds ? { keyIds } : {}),
      deps: {
        xyte: this.#options.client(keys, id, keyIds),
        tenant: id,
        quota,
        tools: this.#options.tools,
        readOnly: this.#options.readOnly,
        ...(this.#options.telemetry ? { telemetry: this.#options.telemetry } : {}),
        ...(this.#options.toolTimeoutMs ? { toolTimeoutMs: this.#options.toolTimeoutMs } : {}),
        ...(this.#options.watches ? { watches: this.#options.watches } : {}),
        directories: this.#options.directories,
      },
    };
  }
}

/** The id of each of `keys`, alone. */
function keyIdsOf(keys: TenantKeys, idOf: (keys: TenantKeys) => string): KeyIds {
  return {
    ...(keys.organization ? { organization: idOf({ organization: keys.organization }) } : {}),
    ...(keys.partner ? { partner: idOf({ partner: keys.partner }) } : {}),
  };
}
