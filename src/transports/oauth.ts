/**
 * OAuth 2.1 resource server, as the MCP authorization spec describes it: clients sign their users in at the
 * operator's authorization server (Okta, Entra ID, Auth0, Keycloak, …) and send its access tokens, JWTs, as
 * `Authorization: Bearer`. This module
 * - serves the Protected Resource Metadata (RFC 9728) that tells clients where to sign in;
 * - verifies each token locally: signature against the issuer's published keys (JWKS, found through its
 *   metadata unless configured), issuer, audience (this server, RFC 8707), expiry, and the required scopes;
 *   or, for opaque tokens when configured, by asking the issuer (introspection, see oauth_introspection.ts);
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
import {
  createRemoteJWKSet,
  customFetch,
  decodeJwt,
  decodeProtectedHeader,
  errors as jose,
  type JWTPayload,
  jwtVerify,
} from "jose";
import { LRUCache } from "lru-cache";
import { isSecureUrl, type OAuthSettings } from "../config.ts";
import { deadline } from "../deadline.ts";
import { log } from "../observability/log.ts";
import type { Telemetry } from "../observability/telemetry.ts";
import { ThrottledLog } from "../observability/throttled_log.ts";
import { rememberSecret } from "../secret.ts";
import { bearerToken } from "./http_guards.ts";
import { jsonRpcError } from "./jsonrpc.ts";
import {
  type IntrospectionAnswer,
  IntrospectionUnavailable,
  introspectToken,
} from "./oauth_introspection.ts";
import { createMemoryRateLimiter } from "./rate_limit.ts";

/** Signature algorithms accepted: asymmetric only (this server holds no shared secret; `none` never). */
const ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"];
/** Clock difference tolerated between this server and the authorization server. */
const CLOCK_TOLERANCE_S = 30;
/** Bound on finding the issuer's keys (metadata and key set), and so on a request waiting for them. */
const FETCH_TIMEOUT_MS = 5000;
/**
 * After the issuer's metadata or keys could not be fetched, tokens needing them get 503 at once this long;
 * as long, a token whose introspection this server's set-up made fail (credentials, URL) is not asked about.
 */
const OUTAGE_HOLD_MS = 5000;
/** Longest `sub` accepted (it names the user in logs and sessions). */
const MAX_SUBJECT = 256;
/** `typ` header values of access tokens (RFC 9068 `at+jwt`, or the generic ones); absent is accepted too. */
const ACCESS_TOKEN_TYPES = new Set(["jwt", "at+jwt"]);
/** How long fetched keys are used before they are fetched again; a token with an unknown key id asks sooner. */
const KEYS_MAX_AGE_MS = 10 * 60_000;
/** Shortest time between two fetches of the keys caused by unknown key ids (invented ones included). */
const KEYS_COOLDOWN_MS = 30_000;
/**
 * Verified tokens are remembered (by hash) for at most this long, and never past their expiry: checking a
 * signature costs more CPU than the rest of a call (about 0.6 ms for RS256 here), and clients send the same
 * token with every request. A key the issuer withdraws is noticed at the next fetch of its keys anyway
 * (`KEYS_MAX_AGE_MS`), so this adds at most five minutes to that.
 */
const VERIFIED_TTL_MS = 5 * 60_000;
const VERIFIED_MAX = 10_000;
/**
 * An introspected token's answer is used this long (never past its expiry), as is a refusal of one: a token
 * the issuer revokes is refused within this time (within `KNOWN_ACTIVE_MS` during an outage of the endpoint),
 * and a client retrying with a dead token does not make this server ask the issuer on each request.
 */
const INTROSPECTED_TTL_MS = 60_000;
/** Introspections of new tokens in flight at most; more get 503 (a flood of invented ones). */
const INTROSPECTION_MAX_IN_FLIGHT = 64;
/** New tokens introspected per second on average, in bursts of up to `INTROSPECTION_BURST`. */
const INTROSPECTIONS_PER_SECOND = 50;
const INTROSPECTION_BURST = 100;
/**
 * How long after its last answer a token found active is still accepted when it cannot be asked about again
 * (the endpoint fails, pauses, or is saturated by other tokens), never past its `exp`.
 */
const KNOWN_ACTIVE_MS = 10 * 60_000;
/** Introspections of tokens found active in flight at most; beyond, they keep their last answer. */
const KNOWN_MAX_IN_FLIGHT = 256;
/** Longest opaque token sent to the issuer; longer ones are refused as they are. */
const MAX_OPAQUE_TOKEN = 4096;
/** `typ` / `token_type` / `token_use` values of an introspected access token (when the issuer says). */
const INTROSPECTED_ACCESS_TYPES = new Set(["bearer", "access_token", "at+jwt", "jwt"]);

/**
 * Who a request comes from (`principal`: see `verify`; `user`: the token's subject, for logs), or the answer
 * refusing it.
 */
export type OAuthVerdict = { principal: string; user: string; authInfo: AuthInfo } | { refused: Response };

/**
 * Test seams: the fetch used for the issuer's metadata, keys and introspection endpoint; the bound on waiting
 * for them; the pause after a failure; how long an introspection answer is used.
 */
export interface OAuthOptions {
  fetch?: typeof fetch;
  timeoutMs?: number;
  outageHoldMs?: number;
  introspectedTtlMs?: number;
}

/**
 * Raised when tokens cannot be checked right now: the issuer's metadata, keys or introspection endpoint do
 * not answer usably, or too many tokens wait for introspection.
 */
class IssuerUnavailable extends Error {
  override readonly name = "IssuerUnavailable";
  /** Not known to come from fetching the keys: it may be the token's doing. */
  readonly maybeToken: boolean;
  /** When to try again, for the 503's `Retry-After`. */
  readonly retryAfterS: number;

  constructor(message: string, options: { maybeToken?: boolean; retryAfterS?: number } = {}) {
    super(message);
    this.maybeToken = options.maybeToken ?? false;
    this.retryAfterS = Math.max(1, options.retryAfterS ?? OUTAGE_HOLD_MS / 1000);
  }
}

/** A refusal for an `nbf` still ahead: the same token may be accepted soon, so it is not remembered. */
class NotYetValid extends OAuthError {
  constructor() {
    super(OAuthErrorCode.InvalidToken, `the access token's "nbf" claim is not accepted here`);
  }
}

export class OAuthResourceServer {
  readonly #settings: OAuthSettings;
  readonly #telemetry: Telemetry;
  readonly #fetch: typeof fetch;
  readonly #keysFetch: typeof fetch;
  readonly #timeoutMs: number;
  readonly #outageHoldMs: number;
  readonly #introspectedTtlMs: number;
  /** Until when JWTs needing the issuer's keys get 503 at once, after they could not be fetched. */
  #outageUntil = 0;
  #outageReason = "";
  #fetchFailures = 0;
  /** Where the metadata is served: the RFC 9728 location for the resource URL's path, and the bare one. */
  readonly metadataPaths: readonly string[];
  readonly #metadataUrl: string;
  readonly #metadata: OAuthProtectedResourceMetadata;
  #keys: ReturnType<typeof createRemoteJWKSet> | undefined;
  #discovering: Promise<ReturnType<typeof createRemoteJWKSet>> | undefined;
  readonly #verified = new LRUCache<string, Omit<AuthInfo, "token">>({ max: VERIFIED_MAX });
  /** Introspected tokens refused, by hash, with the reason (see `INTROSPECTED_TTL_MS`). */
  readonly #refusedOpaque = new LRUCache<string, OAuthError>({ max: VERIFIED_MAX });
  /** Introspections in flight by token hash: concurrent requests with one new token ask once. */
  readonly #introspecting = new Map<string, Promise<Omit<AuthInfo, "token">>>();
  readonly #introspectionRate = createMemoryRateLimiter({
    perMinute: INTROSPECTIONS_PER_SECOND * 60,
    burst: INTROSPECTION_BURST,
  });
  /** Introspections in flight: of tokens found active before, and of new ones (see `#introspect`). */
  readonly #inFlight = { known: 0, fresh: 0 };
  /**
   * Tokens whose introspection this server's set-up made fail (credentials refused, a wrong URL), by hash,
   * with the reason:
   * they get 503 without asking for a few seconds, so that their users' requests do not each reach the
   * endpoint. Per token, so that no token can turn others away.
   */
  readonly #failedOpaque = new LRUCache<string, string>({ max: VERIFIED_MAX });
  /** Tokens found active, by hash, with their last answer (`expiresAt`: their `exp`, if any). */
  readonly #knownActive = new LRUCache<string, Omit<AuthInfo, "token">>({ max: VERIFIED_MAX });
  /**
   * Until when new opaque tokens get 503 at once, after the introspection endpoint answered 429; apart from
   * the keys' pause, so that JWTs never wait for it.
   */
  #introspectionPause = { until: 0, reason: "" };
  readonly #logger = log("oauth");
  readonly #outages = new ThrottledLog();

  constructor(settings: OAuthSettings, telemetry: Telemetry, options: OAuthOptions = {}) {
    this.#settings = settings;
    this.#telemetry = telemetry;
    if (settings.introspection) rememberSecret(settings.introspection.clientSecret);
    this.#fetch = options.fetch ?? fetch;
    // The key set's fetch counts its failures (no answer, not 200, not JSON), to tell an outage of the issuer
    // from a token's fault when jose reports something it does not name.
    this.#keysFetch = async (input, init) => {
      try {
        const response = await this.#fetch(input, init);
        if (response.status !== 200) {
          this.#fetchFailures++;
          return response;
        }
        const text = await response.text();
        try {
          JSON.parse(text);
        } catch {
          this.#fetchFailures++;
        }
        return new Response(text, { status: response.status, headers: response.headers });
      } catch (error) {
        this.#fetchFailures++;
        throw error;
      }
    };
    this.#timeoutMs = options.timeoutMs ?? FETCH_TIMEOUT_MS;
    this.#outageHoldMs = options.outageHoldMs ?? OUTAGE_HOLD_MS;
    this.#introspectedTtlMs = options.introspectedTtlMs ?? INTROSPECTED_TTL_MS;
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
  }

  /** The Protected Resource Metadata document (public: no token needed, any origin may read it). */
  metadataResponse(): Response {
    return Response.json(this.#metadata, {
      headers: { "cache-control": "max-age=300", "access-control-allow-origin": "*" },
    });
  }

  /**
   * Verifies the bearer token of an `Authorization` header. `principal` is `oauth:` and a hash of issuer and
   * subject, so a user keeps their sessions when their client refreshes its token.
   */
  async verify(authorization: string | null): Promise<OAuthVerdict> {
    const token = bearerToken(authorization);
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
    const known = this.#verified.get(id);
    // Expiry and scopes are checked again by the caller on every request, remembered or not.
    if (known) return { ...known, token };
    const info = this.#settings.introspection && !isJwt(token)
      ? await this.#introspect(id, token)
      : await this.#verifyJwt(id, token);
    return { ...info, token };
  }

  async #verifyJwt(id: string, token: string): Promise<Omit<AuthInfo, "token">> {
    // What can be told without the issuer's keys is told first, so that garbage never makes this server
    // call the issuer, nor waits for it.
    screenToken(token, this.#settings.issuer);
    if (Date.now() < this.#outageUntil) throw new IssuerUnavailable(this.#outageReason);
    let payload: JWTPayload;
    const failuresBefore = this.#fetchFailures;
    try {
      // Waiting for the issuer (metadata, key set) is bounded as a whole, so a request never waits longer;
      // the signature check itself is not timed: a busy server is no outage of the issuer.
      const until = Date.now() + this.#timeoutMs;
      const keys = await withDeadline(this.#keySet(), until);
      ({ payload } = await jwtVerify(
        token,
        (header, jws) => withDeadline(Promise.resolve(keys(header, jws)), until),
        {
          issuer: this.#settings.issuer,
          audience: this.#settings.audience,
          algorithms: ALGORITHMS,
          clockTolerance: CLOCK_TOLERANCE_S,
          requiredClaims: ["exp", "sub"],
        },
      ));
    } catch (error) {
      const refusal = toTokenError(error);
      if (!(refusal instanceof IssuerUnavailable)) throw refusal;
      if (refusal.maybeToken && this.#fetchFailures === failuresBefore) {
        // No fetch failed: this token is what went wrong. Refusing it alone keeps one crafted token from
        // turning every user away for OUTAGE_HOLD_MS.
        this.#logger.warning("an access token could not be verified", {
          reason: refusal.message.slice(0, 300),
        });
        throw new OAuthError(OAuthErrorCode.InvalidToken, "the access token could not be verified");
      }
      this.#outageUntil = Date.now() + this.#outageHoldMs;
      this.#outageReason = refusal.message;
      throw refusal;
    }
    checkClaims(payload);
    const info = {
      clientId: String(payload.client_id ?? payload.azp ?? payload.sub),
      scopes: scopesOf(payload),
      expiresAt: payload.exp,
      extra: { subject: payload.sub, issuer: payload.iss },
    };
    const ttl = Math.min(VERIFIED_TTL_MS, (payload.exp ?? 0) * 1000 - Date.now());
    if (ttl > 0) this.#verified.set(id, info, { ttl });
    return info;
  }

  /**
   * Asks the issuer about an opaque token (RFC 7662), once for concurrent requests with the same token, and
   * remembers the verdict for `INTROSPECTED_TTL_MS`. New tokens are introspected at a bounded rate and
   * concurrency, and not at all while the endpoint asked (429) to be left alone: a flood of invented tokens
   * costs the authorization server little. A token found active before is served its last answer when it
   * cannot be asked about now (see `KNOWN_ACTIVE_MS`), so such a flood or an outage does not lock its user out.
   */
  #introspect(id: string, token: string): Promise<Omit<AuthInfo, "token">> {
    const refused = this.#refusedOpaque.get(id);
    if (refused) return Promise.reject(refused);
    const failed = this.#failedOpaque.get(id);
    if (failed !== undefined) {
      const retryAfterS = Math.ceil(this.#failedOpaque.getRemainingTTL(id) / 1000);
      return Promise.reject(new IssuerUnavailable(failed, { retryAfterS }));
    }
    // RFC 6750's b64token, and a bound: only what can be a token is sent to the issuer.
    if (token.length > MAX_OPAQUE_TOKEN || !/^[\w.~+/-]+=*$/.test(token)) {
      return Promise.reject(new OAuthError(OAuthErrorCode.InvalidToken, "the access token is malformed"));
    }
    const pending = this.#introspecting.get(id);
    if (pending) return pending;
    const wait = this.#introspectionPause.until - Date.now();
    if (wait > 0) {
      const paused = new IssuerUnavailable(this.#introspectionPause.reason, {
        retryAfterS: Math.ceil(wait / 1000),
      });
      return Promise.resolve(this.#lastAnswer(id, paused.message) ?? Promise.reject(paused));
    }
    // A token found active before is asked about again outside the limits on new tokens (it is asked at most
    // once per remembered answer, and there are at most VERIFIED_MAX such tokens), so that nobody can keep it
    // from being asked, its holder after a revocation included, by spending those limits on junk.
    let known = this.#knownActive.has(id);
    if (known && this.#inFlight.known >= KNOWN_MAX_IN_FLIGHT) {
      const last = this.#lastAnswer(id, "too many known access tokens wait for introspection");
      if (last) return Promise.resolve(last);
      known = false; // its last answer ran out meanwhile: a new token again
    }
    if (!known && this.#inFlight.fresh >= INTROSPECTION_MAX_IN_FLIGHT) {
      return Promise.reject(
        new IssuerUnavailable("too many access tokens wait for introspection", { retryAfterS: 1 }),
      );
    }
    const kind = known ? "known" : "fresh";
    this.#inFlight[kind]++;
    // Registered before the bucket is awaited, so that concurrent requests with this token join it.
    const asking = (async () => {
      if (!known && !(await this.#introspectionRate.take("introspection")).allowed) {
        throw new IssuerUnavailable(
          `more than ${INTROSPECTIONS_PER_SECOND} new access tokens a second to introspect`,
          { retryAfterS: 1 },
        );
      }
      return await this.#askIssuer(id, token);
    })().finally(() => {
      this.#introspecting.delete(id);
      this.#inFlight[kind]--;
    });
    this.#introspecting.set(id, asking);
    return asking;
  }

  /**
   * The last answer of a token found active before, when it still stands (see `KNOWN_ACTIVE_MS`), served
   * because it cannot be asked about now (`reason`, logged). It is remembered like an answer, so that its
   * user's next requests do not each wait for an endpoint that hangs.
   */
  #lastAnswer(id: string, reason: string): Omit<AuthInfo, "token"> | undefined {
    const known = this.#knownActive.get(id);
    if (!known) return undefined;
    const held = this.#outages.take("last-answer");
    if (held !== undefined) {
      this.#logger.warning("serving the last introspection answers of known access tokens", {
        reason: reason.slice(0, 300),
        ...(held > 0 ? { more_since_last_line: held } : {}),
      });
    }
    // Without `exp`, the answer is good for another remembered period from now.
    const answer = {
      ...known,
      extra: { ...known.extra, stale: true },
      expiresAt: known.expiresAt ?? Math.ceil((Date.now() + this.#introspectedTtlMs) / 1000),
    };
    const hold = Math.min(this.#introspectedTtlMs, this.#knownActive.getRemainingTTL(id));
    if (hold > 0) this.#verified.set(id, answer, { ttl: hold });
    return answer;
  }

  async #askIssuer(id: string, token: string): Promise<Omit<AuthInfo, "token">> {
    let answer: IntrospectionAnswer;
    try {
      // The project's cancellable deadline: up to 50 new tokens a second would otherwise each leave a 5 s timer.
      using limit = deadline(this.#timeoutMs);
      answer = await introspectToken(token, this.#settings.introspection!, {
        fetch: this.#fetch,
        signal: limit.signal,
      });
    } catch (error) {
      // No usable answer: 503 for this token, and nothing remembered against it. Only a 429 pauses
      // introspection for everyone, for as long as it asks: any other failure could be one crafted token's
      // doing, and the rate limit already spares the endpoint. A token found active before keeps its last
      // answer through an outage, not through a failure about it or about this server's set-up.
      const reason = error instanceof Error ? error.message : String(error);
      const failure = error instanceof IntrospectionUnavailable ? error.failure : "outage";
      const hold = error instanceof IntrospectionUnavailable ? error.retryAfterMs : undefined;
      if (hold !== undefined && Date.now() + hold > this.#introspectionPause.until) {
        this.#introspectionPause = { until: Date.now() + hold, reason };
      }
      if (failure === "token") this.#knownActive.delete(id);
      const last = failure === "outage" ? this.#lastAnswer(id, reason) : undefined;
      if (last) return last;
      const wait = this.#introspectionPause.until - Date.now();
      const refusal = new IssuerUnavailable(reason, wait > 0 ? { retryAfterS: Math.ceil(wait / 1000) } : {});
      if (failure === "setup") {
        this.#failedOpaque.set(id, reason, { ttl: this.#outageHoldMs });
      }
      throw refusal;
    }
    try {
      const claims = checkIntrospected(answer, this.#settings);
      checkClaims(claims);
      // Without `exp` (RFC 7662 makes it optional) the token is asked about again once the answer is old.
      const until = Math.min(
        Date.now() + this.#introspectedTtlMs,
        claims.exp === undefined ? Infinity : claims.exp * 1000,
      );
      const info = {
        clientId: claims.client_id ?? claims.sub!,
        scopes: claims.scope === undefined ? [] : scopesOf({ scope: claims.scope }),
        expiresAt: claims.exp ?? Math.ceil(until / 1000),
        extra: { subject: claims.sub, issuer: this.#settings.issuer },
      };
      const ttl = until - Date.now();
      if (ttl > 0) this.#verified.set(id, info, { ttl });
      const known = Math.min(
        KNOWN_ACTIVE_MS,
        claims.exp === undefined ? Infinity : claims.exp * 1000 - Date.now(),
      );
      if (known > 0) this.#knownActive.set(id, { ...info, expiresAt: claims.exp }, { ttl: known });
      return info;
    } catch (error) {
      this.#knownActive.delete(id);
      // A token not valid yet may be soon: that refusal is not remembered.
      if (error instanceof OAuthError && !(error instanceof NotYetValid)) {
        this.#refusedOpaque.set(id, error, { ttl: this.#introspectedTtlMs });
      }
      throw error;
    }
  }

  /** The issuer's keys: from MCP_OAUTH_JWKS_URL, or its metadata's `jwks_uri` (looked up once it works). */
  #keySet(): Promise<ReturnType<typeof createRemoteJWKSet>> {
    if (this.#keys) return Promise.resolve(this.#keys);
    this.#discovering ??= (async () => {
      const url = this.#settings.jwksUrl ??
        await discoverJwksUrl(this.#settings.issuer, this.#fetch, this.#timeoutMs);
      this.#keys = createRemoteJWKSet(new URL(url), {
        timeoutDuration: this.#timeoutMs,
        cacheMaxAge: KEYS_MAX_AGE_MS,
        cooldownDuration: KEYS_COOLDOWN_MS,
        [customFetch]: this.#keysFetch,
      });
      return this.#keys;
    })().finally(() => this.#discovering = undefined);
    return this.#discovering;
  }

  /** 401 invalid token, 403 missing scope, 503 when tokens cannot be checked now. */
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
    const reason = error instanceof Error ? error.message : String(error);
    const held = this.#outages.take("keys");
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

/**
 * The issuer's `jwks_uri`, from its metadata: RFC 8414 first, then OpenID Connect discovery. The metadata
 * must name the same issuer (RFC 8414 §3.3), so a misconfigured or spoofed document is not trusted.
 */
export async function discoverJwksUrl(
  issuer: string,
  fetchImpl: typeof fetch = fetch,
  timeoutMs = FETCH_TIMEOUT_MS,
): Promise<string> {
  const base = new URL(issuer);
  const path = base.pathname.replace(/\/+$/, "");
  const candidates = [
    `${base.origin}/.well-known/oauth-authorization-server${path}`,
    `${issuer.replace(/\/+$/, "")}/.well-known/openid-configuration`,
  ];
  const problems: string[] = [];
  // One deadline for both places: a request waiting for the keys waits this long at most.
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
      const metadata = await response.json() as { issuer?: unknown; jwks_uri?: unknown };
      // RFC 8414 §3.3 and OpenID Connect Discovery §4.3: exactly the issuer asked for.
      if (metadata.issuer !== issuer) {
        problems.push(`${url}: names another issuer`);
        continue;
      }
      if (typeof metadata.jwks_uri !== "string" || !isSecureUrl(metadata.jwks_uri)) {
        problems.push(`${url}: no https jwks_uri`);
        continue;
      }
      return metadata.jwks_uri;
    } catch (error) {
      problems.push(`${url}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  throw new IssuerUnavailable(`no usable authorization server metadata (${problems.join("; ")})`);
}

/**
 * Refuses, before any key is needed, what cannot be a signed access token of this issuer: not a JWS, an
 * algorithm not accepted, an ID token (a `typ` header other than JWT or at+jwt, or Keycloak's `typ: "ID"`
 * claim; a `nonce` is no sign, as Keycloak puts it in access tokens too), or another issuer. The signature
 * check that follows still decides for everything else.
 */
function screenToken(token: string, issuer: string): void {
  let header: ReturnType<typeof decodeProtectedHeader>;
  let claims: JWTPayload;
  try {
    header = decodeProtectedHeader(token);
    claims = decodeJwt(token);
  } catch {
    throw new OAuthError(OAuthErrorCode.InvalidToken, "the access token is not a valid signed JWT");
  }
  if (typeof header.alg !== "string" || !ALGORITHMS.includes(header.alg)) {
    throw new OAuthError(OAuthErrorCode.InvalidToken, "the access token is not a valid signed JWT");
  }
  const typ = header.typ === undefined
    ? undefined
    : String(header.typ).toLowerCase().replace(/^application\//, "");
  if ((typ !== undefined && !ACCESS_TOKEN_TYPES.has(typ)) || claims.typ === "ID") {
    throw new OAuthError(OAuthErrorCode.InvalidToken, "an ID token is not an access token");
  }
  if (claims.iss !== issuer) throw issuerRefusal(claims.iss, issuer);
}

/** The refusal of a token of another issuer, naming the usual mistake when it is that. */
function issuerRefusal(iss: unknown, issuer: string): OAuthError {
  // MCP_OAUTH_ISSUER without the trailing slash the issuer puts in `iss` (or with one).
  const slash = typeof iss === "string" && iss.replace(/\/+$/, "") === issuer.replace(/\/+$/, "");
  return new OAuthError(
    OAuthErrorCode.InvalidToken,
    `the access token's "iss" claim is not accepted here${
      slash ? " (it differs from MCP_OAUTH_ISSUER by a trailing slash)" : ""
    }`,
  );
}

/** Whether a token is a JWT (three base64url parts, the first a JSON header with `alg`), however signed. */
function isJwt(token: string): boolean {
  if (!/^[\w-]+\.[\w-]+\.[\w-]*$/.test(token)) return false;
  try {
    return typeof decodeProtectedHeader(token).alg === "string";
  } catch {
    return false;
  }
}

/**
 * What an introspection answer must say for its token to be accepted: active; for this issuer (when it names
 * one) and this server's audience; within its validity (30 s skew); an access token (when it says which
 * kind). `undefined`: the endpoint could not read the token.
 */
function checkIntrospected(answer: IntrospectionAnswer, settings: OAuthSettings): IntrospectionAnswer {
  const invalid = (why: string) => new OAuthError(OAuthErrorCode.InvalidToken, why);
  if (!answer.active) {
    throw invalid(
      "the access token is not active: the issuer revoked it, it ran out, or it was never issued",
    );
  }
  if (answer.iss !== undefined && answer.iss !== settings.issuer) {
    throw issuerRefusal(answer.iss, settings.issuer);
  }
  const audiences = typeof answer.aud === "string" ? [answer.aud] : answer.aud ?? [];
  if (!audiences.includes(settings.audience)) {
    throw invalid(`the access token's "aud" claim is not accepted here`);
  }
  const now = Date.now() / 1000;
  if (answer.exp !== undefined && answer.exp <= now) throw invalid("the access token has expired");
  if (answer.nbf !== undefined && answer.nbf > now + CLOCK_TOLERANCE_S) throw new NotYetValid();
  for (const kind of [answer.token_type, answer.token_use, answer.typ]) {
    if (kind !== undefined && !INTROSPECTED_ACCESS_TYPES.has(kind.toLowerCase())) {
      throw invalid("the token is not an access token");
    }
  }
  return answer;
}

/** `sub` names the user in sessions and logs: a non-empty string of bounded length, nothing else. */
function checkClaims(payload: { sub?: unknown }): void {
  const subject: unknown = payload.sub;
  if (typeof subject !== "string" || subject === "" || subject.length > MAX_SUBJECT) {
    throw new OAuthError(OAuthErrorCode.InvalidToken, `the access token's "sub" claim is not accepted here`);
  }
}

/** `work`, or an `IssuerUnavailable` at `until` (the work itself is bounded by its own timeouts). */
function withDeadline<T>(work: Promise<T>, until: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new IssuerUnavailable("the issuer's metadata or keys did not arrive in time")),
      Math.max(0, until - Date.now()),
    );
  });
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
}

/** Scopes of a token: `scope` (RFC 9068, space-separated) and `scp` (Entra ID, Okta: a list or a string). */
export function scopesOf(payload: JWTPayload): string[] {
  const scopes = new Set<string>();
  for (const claim of [payload.scope, payload.scp]) {
    const items = typeof claim === "string" ? claim.split(" ") : Array.isArray(claim) ? claim : [];
    for (const item of items) if (typeof item === "string" && item !== "") scopes.add(item);
  }
  return [...scopes];
}

/**
 * A token jose refuses is invalid (401); a failure to fetch or read the keys is not the token's fault and
 * stays a `IssuerUnavailable` (503).
 */
function toTokenError(error: unknown): Error {
  if (error instanceof jose.JWTExpired) {
    return new OAuthError(OAuthErrorCode.InvalidToken, "the access token has expired");
  }
  if (error instanceof jose.JWTClaimValidationFailed) {
    return new OAuthError(
      OAuthErrorCode.InvalidToken,
      `the access token's "${error.claim}" claim is not accepted here`,
    );
  }
  if (error instanceof jose.JWSSignatureVerificationFailed || error instanceof jose.JWKSNoMatchingKey) {
    return new OAuthError(
      OAuthErrorCode.InvalidToken,
      "the access token is not signed by a key of the configured issuer",
    );
  }
  if (
    error instanceof jose.JWTInvalid || error instanceof jose.JWSInvalid ||
    error instanceof jose.JOSEAlgNotAllowed || error instanceof jose.JOSENotSupported ||
    error instanceof jose.JWKSMultipleMatchingKeys
  ) {
    return new OAuthError(OAuthErrorCode.InvalidToken, "the access token is not a valid signed JWT");
  }
  if (error instanceof IssuerUnavailable) return error;
  // The key set's own failures: no answer in time, or not a key set.
  if (error instanceof jose.JWKSTimeout || error instanceof jose.JWKSInvalid) {
    return new IssuerUnavailable(error.message);
  }
  // Anything else (a fetch that failed, checked by the caller, or a token jose chokes on) is told apart there.
  return new IssuerUnavailable(error instanceof Error ? error.message : String(error), { maybeToken: true });
}

function principalHash(issuer: string, subject: string): string {
  return createHash("sha256").update(`${issuer}\n${subject}`).digest("hex").slice(0, 32);
}

function quoted(value: string): string {
  return value.replace(/[\\"]/g, "\\$&").replace(/[^\x20-\x7e]/g, " ");
}
