/**
 * OAuth 2.1 resource server, as the MCP authorization spec describes it: clients sign their users in at the
 * operator's authorization server (Okta, Entra ID, Auth0, Keycloak, …) and send its access tokens as
 * `Authorization: Bearer`. This module
 * - serves the Protected Resource Metadata (RFC 9728) that tells clients where to sign in, and for clients of
 *   the 2025-03-26 MCP revision, which read none, the issuer's own metadata (oauth_metadata.ts);
 * - has each token checked: a JWT locally, against the issuer's keys (jwt_verifier.ts); any other token, when
 *   introspection is configured, by asking the issuer (opaque_token_verifier.ts); then the required scopes;
 * - answers refusals with the `WWW-Authenticate` challenge clients start their sign-in from.
 * Tokens are never logged or echoed; a user is known to the rest of the server by a hash of issuer and subject.
 */
import { createHash } from "node:crypto";
import {
  type AuthInfo,
  getOAuthProtectedResourceMetadataUrl,
  OAuthError,
  OAuthErrorCode,
  type OAuthProtectedResourceMetadata,
  verifyBearerToken,
} from "@modelcontextprotocol/server";
import type { OAuthSettings } from "../config.ts";
import { log } from "../observability/log.ts";
import type { Telemetry } from "../observability/telemetry.ts";
import { ThrottledLog } from "../observability/throttled_log.ts";
import { bearerToken } from "./http_guards.ts";
import { jsonRpcError } from "./jsonrpc.ts";
import { isJwt, JwtVerifier, UnusableSigningKey } from "./jwt_verifier.ts";
import { CachedIssuerMetadata, LEGACY_METADATA_PATH, servesIssuerMetadata } from "./oauth_metadata.ts";
import { IssuerUnavailable, type OAuthOptions, type TokenVerifier } from "./oauth_tokens.ts";
import { OpaqueTokenVerifier } from "./opaque_token_verifier.ts";

/**
 * Who a request comes from (`principal`: see `verify`; `user`: the token's subject, for logs), or the answer
 * refusing it.
 */
export type OAuthVerdict = { principal: string; user: string; authInfo: AuthInfo } | { refused: Response };

export class OAuthResourceServer {
  readonly #settings: OAuthSettings;
  readonly #telemetry: Telemetry;
  readonly #jwts: JwtVerifier;
  readonly #opaque: OpaqueTokenVerifier | undefined;
  /** Where the metadata is served: the RFC 9728 location for the resource URL's path, and the bare one. */
  readonly metadataPaths: readonly string[];
  readonly #metadataUrl: string;
  readonly #metadata: OAuthProtectedResourceMetadata;
  /** Where the issuer's metadata is served for 2025-03-26 clients, unless the issuer itself publishes it there. */
  readonly issuerMetadataPath: string | undefined;
  readonly #issuerMetadata: CachedIssuerMetadata;
  readonly #logger = log("oauth");
  readonly #unavailableLines = new ThrottledLog();

  constructor(settings: OAuthSettings, telemetry: Telemetry, options: OAuthOptions = {}) {
    this.#settings = settings;
    this.#telemetry = telemetry;
    this.#jwts = new JwtVerifier(settings, options);
    this.#opaque = settings.introspection
      ? new OpaqueTokenVerifier(settings, settings.introspection, options)
      : undefined;
    this.#metadataUrl = getOAuthProtectedResourceMetadataUrl(new URL(settings.resource));
    const path = new URL(this.#metadataUrl).pathname;
    this.metadataPaths = [...new Set([path, "/.well-known/oauth-protected-resource"])];
    this.#metadata = {
      resource: settings.resource,
      authorization_servers: [settings.issuer],
      bearer_methods_supported: ["header"],
      resource_name: "Xyte MCP server",
      ...(settings.requiredScopes.length > 0 ? { scopes_supported: [...settings.requiredScopes] } : {}),
    };
    this.issuerMetadataPath = servesIssuerMetadata(settings.issuer, settings.resource)
      ? LEGACY_METADATA_PATH
      : undefined;
    this.#issuerMetadata = new CachedIssuerMetadata(settings.issuer, options);
  }

  /** The Protected Resource Metadata document (public: no token needed, any origin may read it). */
  metadataResponse(): Response {
    return Response.json(this.#metadata, {
      headers: { "cache-control": "max-age=300", "access-control-allow-origin": "*" },
    });
  }

  /** The issuer's metadata, for clients of the 2025-03-26 revision (public, like `metadataResponse`). */
  issuerMetadataResponse(): Promise<Response> {
    return this.#issuerMetadata.response();
  }

  /**
   * Verifies the bearer token of an `Authorization` header. `principal` is `oauth:` and a hash of issuer and
   * subject, so a user keeps their sessions when their client refreshes its token.
   */
  async verify(authorization: string | null): Promise<OAuthVerdict> {
    const token = bearerToken(authorization);
    if (token === undefined && /^DPoP\s/i.test(authorization ?? "")) {
      // RFC 9449: the host holds a DPoP-bound token; this server checks no proof (see checkClaims).
      this.#telemetry.oauthToken("invalid");
      return {
        refused: this.#refusal(
          401,
          "Unauthorized: this server accepts Bearer access tokens only, not DPoP-bound ones (Authorization: DPoP).",
          { error: "invalid_token", description: "DPoP-bound access tokens are not accepted here." },
        ),
      };
    }
    if (token === undefined) {
      this.#telemetry.oauthToken("missing");
      return {
        refused: this.#refusal(401, "Unauthorized: sign in (OAuth) and send Authorization: Bearer <token>."),
      };
    }
    try {
      const authInfo = await verifyBearerToken(`Bearer ${token}`, {
        verifier: { verifyAccessToken: (token) => this.#verifyToken(token) },
        requiredScopes: [...this.#settings.requiredScopes],
        resourceMetadataUrl: this.#metadataUrl,
      });
      this.#telemetry.oauthToken(authInfo.extra?.stale === true ? "stale" : "valid");
      const subject = String(authInfo.extra?.subject ?? "");
      return { principal: `oauth:${principalHash(this.#settings.issuer, subject)}`, user: subject, authInfo };
    } catch (error) {
      return { refused: this.#refuse(error) };
    }
  }

  /** A JWT is verified here; any other token is introspected, when that is configured. */
  async #verifyToken(token: string): Promise<AuthInfo> {
    const id = createHash("sha256").update(token).digest("base64url");
    const verifier: TokenVerifier = this.#opaque && !isJwt(token) ? this.#opaque : this.#jwts;
    return { ...await verifier.verify(id, token), token };
  }

  /** 401 invalid token, 403 missing scope, 503 when tokens cannot be checked now (or with the key they name). */
  #refuse(error: unknown): Response {
    if (error instanceof OAuthError && error.code === OAuthErrorCode.InsufficientScope) {
      this.#telemetry.oauthToken("insufficient_scope");
      return this.#refusal(
        403,
        `Forbidden: the access token lacks a required scope (${this.#settings.requiredScopes.join(" ")}).`,
        { error: "insufficient_scope", description: "The access token lacks a required scope." },
      );
    }
    if (error instanceof OAuthError && error.code === OAuthErrorCode.InvalidToken) {
      const expired = /expired/i.test(error.message);
      this.#telemetry.oauthToken(expired ? "expired" : "invalid");
      return this.#refusal(401, `Unauthorized: ${error.message}`, {
        error: "invalid_token",
        description: error.message,
      });
    }
    this.#telemetry.oauthToken("unavailable");
    if (error instanceof UnusableSigningKey) return this.#unusableKey(error);
    const reason = error instanceof Error ? error.message : String(error);
    const held = this.#unavailableLines.take("unavailable");
    if (held !== undefined) {
      this.#logger.warning("cannot verify access tokens right now", {
        reason: reason.slice(0, 300),
        ...(held > 0 ? { more_since_last_line: held } : {}),
      });
    }
    return jsonRpcError(
      503,
      -32000,
      "Service Unavailable: access tokens cannot be verified right now; retry shortly.",
      { "retry-after": String(error instanceof IssuerUnavailable ? error.retryAfterS : 5) },
    );
  }

  /**
   * 503 for a token naming a key of the issuer this server cannot use: the operator's problem (an error line
   * per key id, at most one a minute), not the client's, who would sign in again for another such token.
   */
  #unusableKey(error: UnusableSigningKey): Response {
    const keyId = error.keyId?.slice(0, 128) ?? "(none)";
    const held = this.#unavailableLines.take(`key ${keyId}`);
    if (held !== undefined) {
      this.#logger.error("the authorization server signs access tokens with a key this server cannot use", {
        key_id: keyId,
        reason: error.message.slice(0, 300),
        ...(held > 0 ? { more_since_last_line: held } : {}),
      });
    }
    return jsonRpcError(
      503,
      -32000,
      "Service Unavailable: the access token is signed with a key of the authorization server that this " +
        "server cannot use (a server-side problem, logged for the operator; not the token's); retry later.",
      { "retry-after": String(error.retryAfterS) },
    );
  }

  #refusal(
    status: 401 | 403,
    message: string,
    problem?: { error: string; description: string },
  ): Response {
    return jsonRpcError(status, -32001, message, { "www-authenticate": this.#challenge(problem) });
  }

  /** `WWW-Authenticate: Bearer …` (RFC 6750, RFC 9728): where to sign in, and what was wrong if anything. */
  #challenge(problem?: { error: string; description: string }): string {
    const params: [string, string][] = [["realm", "xyte-mcp"]];
    if (problem) params.push(["error", problem.error], ["error_description", problem.description]);
    if (this.#settings.requiredScopes.length > 0) {
      params.push(["scope", this.#settings.requiredScopes.join(" ")]);
    }
    params.push(["resource_metadata", this.#metadataUrl]);
    return `Bearer ${params.map(([k, v]) => `${k}="${quoted(v)}"`).join(", ")}`;
  }
}

function principalHash(issuer: string, subject: string): string {
  return createHash("sha256").update(`${issuer}\n${subject}`).digest("hex").slice(0, 32);
}

function quoted(value: string): string {
  return value.replace(/[\\"]/g, "\\$&").replace(/[^\x20-\x7e]/g, " ");
}
