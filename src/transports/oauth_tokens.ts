/**
 * What the two ways of checking an access token share (a JWT verified with the issuer's keys, see
 * jwt_verifier.ts; an opaque token asked about, see opaque_token_verifier.ts): what a checked token yields,
 * the claims both must carry, and the failure that is nobody's token's fault (503, not 401).
 */
import { type AuthInfo, OAuthError, OAuthErrorCode } from "@modelcontextprotocol/server";
import type { JWTPayload } from "jose";

/** A checked token's grant, without the token itself (what is remembered, by the token's hash). */
export type TokenInfo = Omit<AuthInfo, "token">;

/** Checks one token; `id` is the token's hash, under which answers are remembered. */
export interface TokenVerifier {
  verify(id: string, token: string): Promise<TokenInfo>;
}

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

/** Clock difference tolerated between this server and the authorization server. */
export const CLOCK_TOLERANCE_S = 30;
/** Bound on waiting for the issuer (metadata, key set, introspection), and so on a request waiting for it. */
export const FETCH_TIMEOUT_MS = 5000;
/**
 * After the issuer's metadata or keys could not be fetched, tokens needing them get 503 at once this long;
 * as long, a token whose introspection this server's set-up made fail (credentials, URL) is not asked about.
 */
export const OUTAGE_HOLD_MS = 5000;
/**
 * Largest answer read from the issuer: a metadata document or an introspection answer (a few KB; some carry
 * long group lists), and a key set (Entra ID's is about 10 KB). A misbehaving endpoint, or a compressed one,
 * cannot make this server hold more.
 */
export const MAX_ISSUER_ANSWER_BYTES = 256 * 1024;
export const MAX_KEY_SET_BYTES = 1024 * 1024;
/** Longest `sub` accepted (it names the user in logs and sessions). */
const MAX_SUBJECT = 256;

/**
 * Raised when tokens cannot be checked right now: the issuer's metadata, keys or introspection endpoint do
 * not answer usably, or too many tokens wait for introspection.
 */
export class IssuerUnavailable extends Error {
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
export class NotYetValid extends OAuthError {
  constructor() {
    super(OAuthErrorCode.InvalidToken, `the access token's "nbf" claim is not accepted here`);
  }
}

/** An invalid token's refusal (401 `invalid_token`), saying why. */
export function invalidToken(why: string): OAuthError {
  return new OAuthError(OAuthErrorCode.InvalidToken, why);
}

/**
 * What both kinds of token must say besides issuer, audience and validity:
 * - `sub` names the user in sessions and logs: a non-empty string of bounded length, nothing else;
 * - no `cnf`: a token bound to its client's key (DPoP, RFC 9449) or certificate (mutual TLS, RFC 8705) is
 *   meant to be worthless without that proof, which this server does not check; accepting it as a plain bearer
 *   token would let whoever copied it use it.
 */
export function checkClaims(payload: { sub?: unknown; cnf?: unknown }): void {
  const subject: unknown = payload.sub;
  if (typeof subject !== "string" || subject === "" || subject.length > MAX_SUBJECT) {
    throw invalidToken(`the access token's "sub" claim is not accepted here`);
  }
  if (payload.cnf !== undefined) {
    throw invalidToken(
      "the access token is bound to a key or certificate (cnf: DPoP or mutual TLS); this server accepts " +
        "bearer tokens only",
    );
  }
}

/** The refusal of a token of another issuer, naming the usual mistake when it is that. */
export function issuerRefusal(iss: unknown, issuer: string): OAuthError {
  // MCP_OAUTH_ISSUER without the trailing slash the issuer puts in `iss` (or with one).
  const slash = typeof iss === "string" && iss.replace(/\/+$/, "") === issuer.replace(/\/+$/, "");
  return invalidToken(
    `the access token's "iss" claim is not accepted here${
      slash ? " (it differs from MCP_OAUTH_ISSUER by a trailing slash)" : ""
    }`,
  );
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
