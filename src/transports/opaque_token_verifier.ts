/**
 * Opaque access tokens, checked by asking the issuer (RFC 7662 introspection; the asking itself is in
 * oauth_introspection.ts). This module decides what an answer means for the request and keeps the
 * authorization server spared: answers and refusals are remembered, concurrent requests with one token ask
 * once, new tokens are asked about at a bounded rate and concurrency and not at all while the endpoint asks
 * (429) to be left alone. A token found active before is served its last answer when it cannot be asked about
 * now, so that a flood of invented tokens or an outage of the endpoint does not lock its user out.
 */
import { OAuthError } from "@modelcontextprotocol/server";
import { LRUCache } from "lru-cache";
import type { IntrospectionSettings, OAuthSettings } from "../config.ts";
import { deadline } from "../deadline.ts";
import { log } from "../observability/log.ts";
import { ThrottledLog } from "../observability/throttled_log.ts";
import { rememberSecret } from "../secret.ts";
import {
  type IntrospectionAnswer,
  IntrospectionUnavailable,
  introspectToken,
} from "./oauth_introspection.ts";
import {
  checkClaims,
  CLOCK_TOLERANCE_S,
  FETCH_TIMEOUT_MS,
  invalidToken,
  issuerRefusal,
  IssuerUnavailable,
  MAX_ISSUER_ANSWER_BYTES,
  NotYetValid,
  type OAuthOptions,
  OUTAGE_HOLD_MS,
  scopesOf,
  type TokenInfo,
  type TokenVerifier,
} from "./oauth_tokens.ts";
import { createMemoryRateLimiter } from "./rate_limit.ts";

/**
 * An introspected token's answer is used this long (never past its expiry), as is a refusal of one: a token
 * the issuer revokes is refused within this time (within `KNOWN_ACTIVE_MS` during an outage of the endpoint),
 * and a client retrying with a dead token does not make this server ask the issuer on each request.
 */
const INTROSPECTED_TTL_MS = 60_000;
/** Tokens remembered at most, in each of the caches below. */
const REMEMBERED_MAX = 10_000;
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

export class OpaqueTokenVerifier implements TokenVerifier {
  readonly #settings: OAuthSettings;
  readonly #introspection: IntrospectionSettings;
  readonly #fetch: typeof fetch;
  readonly #timeoutMs: number;
  readonly #outageHoldMs: number;
  readonly #answerTtlMs: number;
  /** Answers in use, by token hash (see `INTROSPECTED_TTL_MS`). */
  readonly #answers = new LRUCache<string, TokenInfo>({ max: REMEMBERED_MAX });
  /** Tokens refused, by hash, with the reason (see `INTROSPECTED_TTL_MS`). */
  readonly #refused = new LRUCache<string, OAuthError>({ max: REMEMBERED_MAX });
  /** Introspections in flight by token hash: concurrent requests with one new token ask once. */
  readonly #introspecting = new Map<string, Promise<TokenInfo>>();
  readonly #rate = createMemoryRateLimiter({
    perMinute: INTROSPECTIONS_PER_SECOND * 60,
    burst: INTROSPECTION_BURST,
  });
  /** Introspections in flight: of tokens found active before, and of new ones (see `#introspect`). */
  readonly #inFlight = { known: 0, fresh: 0 };
  /**
   * Tokens whose introspection this server's set-up made fail (credentials refused, a wrong URL), by hash,
   * with the reason: they get 503 without asking for a few seconds, so that their users' requests do not
   * each reach the endpoint. Per token, so that no token can turn others away.
   */
  readonly #failed = new LRUCache<string, string>({ max: REMEMBERED_MAX });
  /** Tokens found active, by hash, with their last answer (`expiresAt`: their `exp`, if any). */
  readonly #knownActive = new LRUCache<string, TokenInfo>({ max: REMEMBERED_MAX });
  /** Until when new tokens get 503 at once, after the endpoint answered 429 (JWTs never wait for it). */
  #pause = { until: 0, reason: "" };
  readonly #logger = log("oauth");
  readonly #lastAnswerLines = new ThrottledLog();

  constructor(settings: OAuthSettings, introspection: IntrospectionSettings, options: OAuthOptions = {}) {
    this.#settings = settings;
    this.#introspection = introspection;
    rememberSecret(introspection.clientSecret);
    this.#fetch = options.fetch ?? fetch;
    this.#timeoutMs = options.timeoutMs ?? FETCH_TIMEOUT_MS;
    this.#outageHoldMs = options.outageHoldMs ?? OUTAGE_HOLD_MS;
    this.#answerTtlMs = options.introspectedTtlMs ?? INTROSPECTED_TTL_MS;
  }

  verify(id: string, token: string): Promise<TokenInfo> {
    // Expiry and scopes are checked again by the caller on every request, remembered or not.
    const answer = this.#answers.get(id);
    return answer ? Promise.resolve(answer) : this.#introspect(id, token);
  }

  /** Asks the issuer about a token not remembered, within the limits (see the module's comment). */
  #introspect(id: string, token: string): Promise<TokenInfo> {
    const refused = this.#refused.get(id);
    if (refused) return Promise.reject(refused);
    const failed = this.#failed.get(id);
    if (failed !== undefined) {
      const retryAfterS = Math.ceil(this.#failed.getRemainingTTL(id) / 1000);
      return Promise.reject(new IssuerUnavailable(failed, { retryAfterS }));
    }
    // RFC 6750's b64token, and a bound: only what can be a token is sent to the issuer.
    if (token.length > MAX_OPAQUE_TOKEN || !/^[\w.~+/-]+=*$/.test(token)) {
      return Promise.reject(invalidToken("the access token is malformed"));
    }
    const pending = this.#introspecting.get(id);
    if (pending) return pending;
    const wait = this.#pause.until - Date.now();
    if (wait > 0) {
      const paused = new IssuerUnavailable(this.#pause.reason, { retryAfterS: Math.ceil(wait / 1000) });
      return Promise.resolve(this.#lastAnswer(id, paused.message) ?? Promise.reject(paused));
    }
    // A token found active before is asked about again outside the limits on new tokens (it is asked at most
    // once per remembered answer, and there are at most REMEMBERED_MAX such tokens), so that nobody can keep it
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
      if (!known && !(await this.#rate.take("introspection")).allowed) {
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
  #lastAnswer(id: string, reason: string): TokenInfo | undefined {
    const known = this.#knownActive.get(id);
    if (!known) return undefined;
    const held = this.#lastAnswerLines.take("last-answer");
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
      expiresAt: known.expiresAt ?? Math.ceil((Date.now() + this.#answerTtlMs) / 1000),
    };
    const hold = Math.min(this.#answerTtlMs, this.#knownActive.getRemainingTTL(id));
    if (hold > 0) this.#answers.set(id, answer, { ttl: hold });
    return answer;
  }

  async #askIssuer(id: string, token: string): Promise<TokenInfo> {
    let answer: IntrospectionAnswer;
    try {
      // The project's cancellable deadline: up to 50 new tokens a second would otherwise each leave a 5 s timer.
      using limit = deadline(this.#timeoutMs);
      answer = await introspectToken(token, this.#introspection, {
        fetch: this.#fetch,
        signal: limit.signal,
        maxBytes: MAX_ISSUER_ANSWER_BYTES,
      });
    } catch (error) {
      // No usable answer: 503 for this token, and nothing remembered against it. Only a 429 pauses
      // introspection for everyone, for as long as it asks: any other failure could be one crafted token's
      // doing, and the rate limit already spares the endpoint. A token found active before keeps its last
      // answer through an outage, not through a failure about it or about this server's set-up.
      const reason = error instanceof Error ? error.message : String(error);
      const failure = error instanceof IntrospectionUnavailable ? error.failure : "outage";
      const hold = error instanceof IntrospectionUnavailable ? error.retryAfterMs : undefined;
      if (hold !== undefined && Date.now() + hold > this.#pause.until) {
        this.#pause = { until: Date.now() + hold, reason };
      }
      if (failure === "token") this.#knownActive.delete(id);
      const last = failure === "outage" ? this.#lastAnswer(id, reason) : undefined;
      if (last) return last;
      const wait = this.#pause.until - Date.now();
      const refusal = new IssuerUnavailable(reason, wait > 0 ? { retryAfterS: Math.ceil(wait / 1000) } : {});
      if (failure === "setup") this.#failed.set(id, reason, { ttl: this.#outageHoldMs });
      throw refusal;
    }
    try {
      const claims = checkIntrospected(answer, this.#settings);
      checkClaims(claims);
      // Without `exp` (RFC 7662 makes it optional) the token is asked about again once the answer is old.
      const until = Math.min(
        Date.now() + this.#answerTtlMs,
        claims.exp === undefined ? Infinity : claims.exp * 1000,
      );
      const info = {
        clientId: claims.client_id ?? claims.sub!,
        scopes: claims.scope === undefined ? [] : scopesOf({ scope: claims.scope }),
        expiresAt: claims.exp ?? Math.ceil(until / 1000),
        extra: { subject: claims.sub, issuer: this.#settings.issuer },
      };
      const ttl = until - Date.now();
      if (ttl > 0) this.#answers.set(id, info, { ttl });
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
        this.#refused.set(id, error, { ttl: this.#answerTtlMs });
      }
      throw error;
    }
  }
}

/**
 * What an introspection answer must say for its token to be accepted: active; for this issuer (when it names
 * one) and this server's audience; within its validity (30 s skew); an access token (when it says which
 * kind).
 */
function checkIntrospected(answer: IntrospectionAnswer, settings: OAuthSettings): IntrospectionAnswer {
  if (!answer.active) {
    throw invalidToken(
      "the access token is not active: the issuer revoked it, it ran out, or it was never issued",
    );
  }
  if (answer.iss !== undefined && answer.iss !== settings.issuer) {
    throw issuerRefusal(answer.iss, settings.issuer);
  }
  const audiences = typeof answer.aud === "string" ? [answer.aud] : answer.aud ?? [];
  if (!audiences.includes(settings.audience)) {
    throw invalidToken(`the access token's "aud" claim is not accepted here`);
  }
  const now = Date.now() / 1000;
  if (answer.exp !== undefined && answer.exp <= now) throw invalidToken("the access token has expired");
  if (answer.nbf !== undefined && answer.nbf > now + CLOCK_TOLERANCE_S) throw new NotYetValid();
  for (const kind of [answer.token_type, answer.token_use, answer.typ]) {
    if (kind !== undefined && !INTROSPECTED_ACCESS_TYPES.has(kind.toLowerCase())) {
      throw invalidToken("the token is not an access token");
    }
  }
  return answer;
}
