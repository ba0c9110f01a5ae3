/**
 * The authorization server's metadata (RFC 8414, or OpenID Connect discovery): fetched, bounded, and checked
 * to name exactly the configured issuer. The JWT verifier reads its `jwks_uri` from it; and the document is
 * served, as the issuer publishes it, at `/.well-known/oauth-authorization-server` on this server's origin,
 * where clients of the 2025-03-26 MCP revision look for it (they read no RFC 9728 metadata and take the MCP
 * server's origin for the authorization server; on a 404 they would send their users and credentials to
 * `/authorize`, `/token` and `/register` here, which this server does not have).
 */
import { readBodyText } from "../body.ts";
import { log } from "../observability/log.ts";
import { ThrottledLog } from "../observability/throttled_log.ts";
import { isSecureUrl } from "../settings.ts";
import {
  FETCH_TIMEOUT_MS,
  IssuerUnavailable,
  MAX_ISSUER_ANSWER_BYTES,
  type OAuthOptions,
  OUTAGE_HOLD_MS,
} from "./oauth_tokens.ts";

/** Where the 2025-03-26 revision has clients read the authorization server's metadata: the origin's root. */
export const LEGACY_METADATA_PATH = "/.well-known/oauth-authorization-server";
/** How long a fetched copy of the issuer's metadata is served before it is fetched again. */
const METADATA_MAX_AGE_MS = 10 * 60_000;

/** A metadata document of the issuer: a JSON object naming it as `issuer`. */
export type IssuerMetadata = Readonly<Record<string, unknown>> & { issuer: string };

/**
 * The issuer's metadata: RFC 8414 first, then OpenID Connect discovery, both within one `timeoutMs`, no
 * redirects followed, at most MAX_ISSUER_ANSWER_BYTES read. A document must name exactly the issuer asked for
 * (RFC 8414 §3.3, OpenID Connect Discovery §4.3), so a misconfigured or spoofed one is not trusted; `problem`
 * may refuse one for what it lacks (the next place is then tried). Throws `IssuerUnavailable` saying why.
 */
export async function fetchIssuerMetadata(
  issuer: string,
  fetchImpl: typeof fetch = fetch,
  timeoutMs = FETCH_TIMEOUT_MS,
  problem: (metadata: IssuerMetadata) => string | undefined = () => undefined,
): Promise<IssuerMetadata> {
  const base = new URL(issuer);
  const path = base.pathname.replace(/\/+$/, "");
  const candidates = [
    `${base.origin}${LEGACY_METADATA_PATH}${path}`,
    `${issuer.replace(/\/+$/, "")}/.well-known/openid-configuration`,
  ];
  const problems: string[] = [];
  // One deadline for both places: a request waiting for the metadata waits this long at most.
  const signal = AbortSignal.timeout(timeoutMs);
  for (const url of candidates) {
    try {
      const response = await fetchImpl(url, {
        headers: { accept: "application/json" },
        signal,
        redirect: "error",
      });
      if (!response.ok) {
        await response.body?.cancel();
        problems.push(`${url}: HTTP ${response.status}`);
        continue;
      }
      const read = await readBodyText(response, MAX_ISSUER_ANSWER_BYTES);
      if (!("text" in read)) {
        problems.push(
          `${url}: ${
            "tooLarge" in read ? `larger than ${MAX_ISSUER_ANSWER_BYTES / 1024} KiB` : read.unreadable
          }`,
        );
        continue;
      }
      const metadata: unknown = JSON.parse(read.text);
      if (typeof metadata !== "object" || metadata === null || Array.isArray(metadata)) {
        problems.push(`${url}: not a JSON object`);
        continue;
      }
      if ((metadata as { issuer?: unknown }).issuer !== issuer) {
        problems.push(`${url}: names another issuer`);
        continue;
      }
      const lacking = problem(metadata as IssuerMetadata);
      if (lacking !== undefined) {
        problems.push(`${url}: ${lacking}`);
        continue;
      }
      return metadata as IssuerMetadata;
    } catch (error) {
      problems.push(`${url}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  throw new IssuerUnavailable(`no usable authorization server metadata (${problems.join("; ")})`);
}

/** The issuer's `jwks_uri`, from the first of its metadata documents that has an https one. */
export async function discoverJwksUrl(
  issuer: string,
  fetchImpl: typeof fetch = fetch,
  timeoutMs = FETCH_TIMEOUT_MS,
): Promise<string> {
  const metadata = await fetchIssuerMetadata(
    issuer,
    fetchImpl,
    timeoutMs,
    ({ jwks_uri }) => typeof jwks_uri === "string" && isSecureUrl(jwks_uri) ? undefined : "no https jwks_uri",
  );
  return metadata.jwks_uri as string;
}

/**
 * Whether this server answers LEGACY_METADATA_PATH for `issuer`: not when that is where the issuer itself
 * publishes its metadata (an issuer without a path on this server's origin), which this server would then
 * ask itself for.
 */
export function servesIssuerMetadata(issuer: string, resource: string): boolean {
  const issuerUrl = new URL(issuer);
  return issuerUrl.origin !== new URL(resource).origin || issuerUrl.pathname.replace(/\/+$/, "") !== "";
}

/**
 * The issuer's metadata as this server serves it (see the module's comment): fetched when first asked for,
 * then kept for METADATA_MAX_AGE_MS; concurrent requests share one fetch; after a failed fetch the issuer is
 * not asked again for `outageHoldMs`, meanwhile the last copy (if any) is served, else 503. Nothing but this
 * one document, from these two fixed places, is ever fetched for a client.
 */
export class CachedIssuerMetadata {
  readonly #issuer: string;
  readonly #fetch: typeof fetch;
  readonly #timeoutMs: number;
  readonly #outageHoldMs: number;
  #copy: { body: string; fetchedAt: number } | undefined;
  #refreshing: Promise<void> | undefined;
  #failedUntil = 0;
  readonly #logger = log("oauth");
  readonly #failureLines = new ThrottledLog();

  constructor(issuer: string, options: OAuthOptions = {}) {
    this.#issuer = issuer;
    this.#fetch = options.fetch ?? fetch;
    this.#timeoutMs = options.timeoutMs ?? FETCH_TIMEOUT_MS;
    this.#outageHoldMs = options.outageHoldMs ?? OUTAGE_HOLD_MS;
  }

  /** 200 with the issuer's metadata, or 503 with `Retry-After` when none could be fetched. */
  async response(): Promise<Response> {
    const stale = this.#copy === undefined || Date.now() - this.#copy.fetchedAt >= METADATA_MAX_AGE_MS;
    if (stale && Date.now() >= this.#failedUntil) {
      this.#refreshing ??= this.#refresh().finally(() => this.#refreshing = undefined);
      await this.#refreshing;
    }
    const headers = { "access-control-allow-origin": "*" };
    if (this.#copy) {
      return new Response(this.#copy.body, {
        headers: { ...headers, "content-type": "application/json", "cache-control": "max-age=300" },
      });
    }
    const retryAfterS = Math.max(1, Math.ceil((this.#failedUntil - Date.now()) / 1000));
    return Response.json({
      error: "temporarily_unavailable",
      error_description: "the authorization server's metadata cannot be fetched right now; retry shortly",
    }, { status: 503, headers: { ...headers, "retry-after": String(retryAfterS) } });
  }

  async #refresh(): Promise<void> {
    try {
      const metadata = await fetchIssuerMetadata(this.#issuer, this.#fetch, this.#timeoutMs);
      this.#copy = { body: JSON.stringify(metadata), fetchedAt: Date.now() };
    } catch (error) {
      this.#failedUntil = Date.now() + this.#outageHoldMs;
      const held = this.#failureLines.take("metadata");
      if (held !== undefined) {
        this.#logger.warning(`cannot fetch the authorization server's metadata for ${LEGACY_METADATA_PATH}`, {
          reason: (error instanceof Error ? error.message : String(error)).slice(0, 300),
          serving: this.#copy ? "the last copy" : "503",
          ...(held > 0 ? { more_since_last_line: held } : {}),
        });
      }
    }
  }
}
