/**
 * JWT access tokens, verified locally: the signature against the issuer's published keys (JWKS, found through
 * its metadata unless configured), then issuer, audience (this server, RFC 8707), expiry and subject. What can
 * be told without the keys is told first, so that garbage never makes this server call the issuer; verified
 * tokens are remembered by hash, as checking a signature costs more than the rest of a call.
 */
import {
  createRemoteJWKSet,
  customFetch,
  decodeJwt,
  decodeProtectedHeader,
  errors as jose,
  type FlattenedJWSInput,
  type JWSHeaderParameters,
  type JWTPayload,
  jwtVerify,
} from "jose";
import { LRUCache } from "lru-cache";
import { readBodyText } from "../body.ts";
import { type OAuthSettings } from "../config.ts";
import { log } from "../observability/log.ts";
import { afterTimeout } from "../timeouts.ts";
import {
  checkClaims,
  CLOCK_TOLERANCE_S,
  FETCH_TIMEOUT_MS,
  invalidToken,
  issuerRefusal,
  IssuerUnavailable,
  MAX_KEY_SET_BYTES,
  type OAuthOptions,
  OUTAGE_HOLD_MS,
  scopesOf,
  type TokenInfo,
  type TokenVerifier,
} from "./oauth_tokens.ts";
import { discoverJwksUrl } from "./oauth_metadata.ts";

/** Signature algorithms accepted: asymmetric only (this server holds no shared secret; `none` never). */
const ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"];
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

type KeySet = ReturnType<typeof createRemoteJWKSet>;

/**
 * A key the issuer publishes, named by the token (its `kid`), that this server cannot use: malformed, of a
 * curve it cannot verify (Ed448), an RSA key under 2048 bits, a private key. Nothing is known about the token,
 * which is not refused for it (503, not 401: its client would only sign in again for a token of that key),
 * and other keys' tokens go on being accepted.
 */
export class UnusableSigningKey extends IssuerUnavailable {
  /** The key's id (`kid`), or undefined when the token names none. */
  readonly keyId: string | undefined;

  constructor(keyId: string | undefined, problem: string) {
    const named = keyId === undefined ? "(the token names none)" : `"${keyId}"`;
    super(`the issuer's signing key ${named} cannot be used: ${problem}`, {
      retryAfterS: KEYS_COOLDOWN_MS / 1000,
    });
    this.keyId = keyId;
  }
}

export class JwtVerifier implements TokenVerifier {
  readonly #settings: OAuthSettings;
  readonly #fetch: typeof fetch;
  readonly #keysFetch: typeof fetch;
  readonly #timeoutMs: number;
  readonly #outageHoldMs: number;
  /** Until when tokens get 503 at once, after the issuer's metadata or keys could not be fetched. */
  #outageUntil = 0;
  #outageReason = "";
  #fetchFailures = 0;
  #keys: KeySet | undefined;
  #discovering: Promise<KeySet> | undefined;
  readonly #verified = new LRUCache<string, TokenInfo>({ max: VERIFIED_MAX });
  readonly #logger = log("oauth");

  constructor(settings: OAuthSettings, options: OAuthOptions = {}) {
    this.#settings = settings;
    this.#fetch = options.fetch ?? fetch;
    this.#timeoutMs = options.timeoutMs ?? FETCH_TIMEOUT_MS;
    this.#outageHoldMs = options.outageHoldMs ?? OUTAGE_HOLD_MS;
    // The key set's fetch counts its failures (no answer, not 200, too large, not a key set), to tell an outage
    // of the issuer from a token's fault, or a key's, when jose reports something it does not name.
    this.#keysFetch = async (input, init) => {
      try {
        const response = await this.#fetch(input, init);
        if (response.status !== 200) {
          this.#fetchFailures++;
          // jose looks at the status only: the body is let go rather than left to the garbage collector.
          await response.body?.cancel();
          return new Response(null, { status: response.status, headers: response.headers });
        }
        const read = await readBodyText(response, MAX_KEY_SET_BYTES);
        if (!("text" in read)) {
          throw new Error(
            "tooLarge" in read
              ? `the key set is larger than ${MAX_KEY_SET_BYTES / 1024} KiB`
              : `the key set was cut short (${read.unreadable})`,
          );
        }
        try {
          if (!isKeySet(JSON.parse(read.text))) this.#fetchFailures++;
        } catch {
          this.#fetchFailures++;
        }
        return new Response(read.text, { status: response.status, headers: response.headers });
      } catch (error) {
        this.#fetchFailures++;
        throw error;
      }
    };
  }

  async verify(id: string, token: string): Promise<TokenInfo> {
    // Expiry and scopes are checked again by the caller on every request, remembered or not.
    const known = this.#verified.get(id);
    if (known) return known;
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
        (header, jws) => withDeadline(this.#signingKey(keys, header, jws), until),
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
      // One key's problem: tokens of the others go on (a token naming it must not pause everyone).
      if (!(refusal instanceof IssuerUnavailable) || refusal instanceof UnusableSigningKey) throw refusal;
      if (refusal.maybeToken && this.#fetchFailures === failuresBefore) {
        // No fetch failed: this token is what went wrong. Refusing it alone keeps one crafted token from
        // turning every user away for OUTAGE_HOLD_MS.
        this.#logger.warning("an access token could not be verified", {
          reason: refusal.message.slice(0, 300),
        });
        throw invalidToken("the access token could not be verified");
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
   * The published key a token names. A key that cannot be used is an `UnusableSigningKey`; the keys are then
   * fetched again at once (at most every 30 s, as for an unknown key id), so that a key the issuer fixes is
   * used without waiting for the next scheduled fetch.
   */
  async #signingKey(
    keys: KeySet,
    header: JWSHeaderParameters,
    jws: FlattenedJWSInput,
    refetched = false,
  ): Promise<CryptoKey> {
    const failuresBefore = this.#fetchFailures;
    let problem: string | undefined;
    try {
      const key = await keys(header, jws);
      problem = weakness(key);
      if (problem === undefined) return key;
    } catch (error) {
      // A failed fetch of the keys is an outage, told apart by the caller; anything else here is the key.
      if (this.#fetchFailures !== failuresBefore) throw error;
      problem = unusableKeyProblem(error, header, keys);
      if (problem === undefined) throw error;
    }
    const keyId = typeof header.kid === "string" ? header.kid : undefined;
    if (refetched || keys.coolingDown) throw new UnusableSigningKey(keyId, problem);
    await keys.reload();
    return await this.#signingKey(keys, header, jws, true);
  }

  /** The issuer's keys: from MCP_OAUTH_JWKS_URL, or its metadata's `jwks_uri` (looked up once it works). */
  #keySet(): Promise<KeySet> {
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
}

/** Whether a token is a JWT (three base64url parts, the first a JSON header with `alg`), however signed. */
export function isJwt(token: string): boolean {
  if (!/^[\w-]+\.[\w-]+\.[\w-]*$/.test(token)) return false;
  try {
    return typeof decodeProtectedHeader(token).alg === "string";
  } catch {
    return false;
  }
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
    throw invalidToken("the access token is not a valid signed JWT");
  }
  if (typeof header.alg !== "string" || !ALGORITHMS.includes(header.alg)) {
    throw invalidToken("the access token is not a valid signed JWT");
  }
  const typ = header.typ === undefined
    ? undefined
    : String(header.typ).toLowerCase().replace(/^application\//, "");
  if ((typ !== undefined && !ACCESS_TOKEN_TYPES.has(typ)) || claims.typ === "ID") {
    throw invalidToken("an ID token is not an access token");
  }
  if (claims.iss !== issuer) throw issuerRefusal(claims.iss, issuer);
}

/** Whether a JSON value is a key set as jose takes one: an object whose `keys` are objects. */
function isKeySet(value: unknown): boolean {
  const isObject = (item: unknown) => typeof item === "object" && item !== null && !Array.isArray(item);
  const keys = isObject(value) ? (value as { keys?: unknown }).keys : undefined;
  return Array.isArray(keys) && keys.every(isObject);
}

/**
 * Why the published key a token names cannot be used, or undefined when the fault is the token's (no key of
 * that id, or none fitting its algorithm: 401) or is unclear (several keys fit). Any other failure to get the
 * key is its import: malformed, or private (the key set itself was fetched and read).
 */
function unusableKeyProblem(error: unknown, header: JWSHeaderParameters, keys: KeySet): string | undefined {
  if (error instanceof jose.JWKSMultipleMatchingKeys) return undefined;
  if (error instanceof jose.JWKSNoMatchingKey) {
    // RFC 8037: an EdDSA signature is Ed25519 or Ed448; WebCrypto verifies only the first.
    const named = keys.jwks()?.keys.find((key) => typeof header.kid === "string" && key.kid === header.kid);
    const ed448 = header.alg === "EdDSA" && named?.kty === "OKP" && named.crv === "Ed448";
    return ed448 ? "the curve Ed448 is not supported" : undefined;
  }
  const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return `it cannot be imported (${reason.slice(0, 200)})`;
}

/** What makes a key jose imported unfit to verify with (jose refuses RSA keys under 2048 bits), if anything. */
function weakness(key: CryptoKey): string | undefined {
  const bits = (key.algorithm as Partial<RsaHashedKeyAlgorithm>).modulusLength;
  return bits !== undefined && bits < 2048 ? `an RSA key of ${bits} bits (2048 at least)` : undefined;
}

/** `work`, or an `IssuerUnavailable` at `until` (the work itself is bounded by its own timeouts). */
function withDeadline<T>(work: Promise<T>, until: number): Promise<T> {
  const { promise: expired, reject } = Promise.withResolvers<never>();
  const timer = afterTimeout(
    until - Date.now(),
    () => reject(new IssuerUnavailable("the issuer's metadata or keys did not arrive in time")),
  );
  return Promise.race([work, expired]).finally(() => timer.cancel());
}

/**
 * A token jose refuses is invalid (401); a failure to fetch or read the keys is not the token's fault and
 * stays a `IssuerUnavailable` (503).
 */
function toTokenError(error: unknown): Error {
  if (error instanceof jose.JWTExpired) return invalidToken("the access token has expired");
  if (error instanceof jose.JWTClaimValidationFailed) {
    return invalidToken(`the access token's "${error.claim}" claim is not accepted here`);
  }
  if (error instanceof jose.JWSSignatureVerificationFailed || error instanceof jose.JWKSNoMatchingKey) {
    return invalidToken("the access token is not signed by a key of the configured issuer");
  }
  if (
    error instanceof jose.JWTInvalid || error instanceof jose.JWSInvalid ||
    error instanceof jose.JOSEAlgNotAllowed || error instanceof jose.JOSENotSupported ||
    error instanceof jose.JWKSMultipleMatchingKeys
  ) {
    return invalidToken("the access token is not a valid signed JWT");
  }
  if (error instanceof IssuerUnavailable) return error;
  // The key set's own failures: no answer in time, or not a key set.
  if (error instanceof jose.JWKSTimeout || error instanceof jose.JWKSInvalid) {
    return new IssuerUnavailable(error.message);
  }
  // Anything else (a fetch that failed, checked by the caller, or a token jose chokes on) is told apart there.
  return new IssuerUnavailable(error instanceof Error ? error.message : String(error), { maybeToken: true });
}
