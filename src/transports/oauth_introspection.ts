/**
 * Token introspection (RFC 7662): how a resource server checks an opaque access token, one that is no JWT it
 * could verify itself (Zitadel, Ory Hydra, Curity, WSO2, Gluu and PingFederate issue such reference tokens by
 * default). The token is posted to the authorization server's introspection endpoint, this server
 * authenticating as an OAuth client (client_secret_basic); the answer says whether the token is active and
 * what it grants. This module asks and reads the answer; `opaque_token_verifier.ts` decides what it means for
 * the request.
 */
import { z } from "zod";
import { readBodyText } from "../body.ts";
import type { IntrospectionSettings } from "../config.ts";

/** The fields of an answer this server reads (RFC 7662 §2.2; `typ` and `token_use` as Keycloak and Hydra send them). */
const ANSWER = z.looseObject({
  active: z.boolean(),
  sub: z.string().optional(),
  aud: z.union([z.string(), z.array(z.string())]).optional(),
  iss: z.string().optional(),
  exp: z.number().optional(),
  nbf: z.number().optional(),
  scope: z.string().optional(),
  client_id: z.string().optional(),
  token_type: z.string().optional(),
  token_use: z.string().optional(),
  typ: z.string().optional(),
});

/** An introspection answer: `active: false` (expired, revoked or never issued) or the claims of an active one. */
export type IntrospectionAnswer = z.infer<typeof ANSWER>;

/** Longest pause a 429's `Retry-After` may ask for, and the pause of a 429 that names none. */
const MAX_RETRY_AFTER_MS = 60_000;
const DEFAULT_RETRY_AFTER_MS = 5000;

/**
 * Why there is no usable answer: the endpoint is out of service for now (no answer in time, 408, 429, 5xx, a
 * page that is not JSON, too large or cut short: a proxy's error page, say), this server's set-up is wrong
 * (its credentials refused, another 4xx such as a wrong URL), or the answer about this one token cannot be
 * read (another 400, JSON that is not RFC 7662).
 */
export type IntrospectionFailure = "outage" | "setup" | "token";

/**
 * The endpoint gave no usable answer: nothing is known about the token, which is not to be refused for it.
 * `retryAfterMs`: how long the endpoint asked to be left alone (a 429).
 */
export class IntrospectionUnavailable extends Error {
  override readonly name = "IntrospectionUnavailable";
  readonly failure: IntrospectionFailure;
  readonly retryAfterMs: number | undefined;

  constructor(message: string, failure: IntrospectionFailure, retryAfterMs?: number) {
    super(message);
    this.failure = failure;
    this.retryAfterMs = retryAfterMs;
  }
}

/**
 * Asks the introspection endpoint about `token` and returns its answer; throws `IntrospectionUnavailable`.
 * Answers over `maxBytes` are not read.
 */
export async function introspectToken(
  token: string,
  settings: IntrospectionSettings,
  options: { fetch: typeof fetch; signal: AbortSignal; maxBytes: number },
): Promise<IntrospectionAnswer> {
  let response: Response;
  try {
    response = await options.fetch(settings.url, {
      method: "POST",
      headers: {
        // RFC 6749 §2.3.1: the client id and secret are form-encoded before they are joined and encoded.
        authorization: `Basic ${
          btoa(`${formEncode(settings.clientId)}:${formEncode(settings.clientSecret.reveal())}`)
        }`,
        "content-type": "application/x-www-form-urlencoded",
        accept: "application/json",
      },
      body: new URLSearchParams({ token, token_type_hint: "access_token" }),
      signal: options.signal,
      redirect: "error",
    });
  } catch (error) {
    throw new IntrospectionUnavailable(
      `the introspection endpoint did not answer (${error instanceof Error ? error.message : String(error)})`,
      "outage",
    );
  }
  const credentialsRefused = (status: number) =>
    new IntrospectionUnavailable(
      `the introspection endpoint refused this server's credentials (HTTP ${status}): check ` +
        "MCP_OAUTH_CLIENT_ID and MCP_OAUTH_CLIENT_SECRET",
      "setup",
    );
  if (response.status === 400) {
    // RFC 6749 §5.2 errors: a client error is about this server's credentials; anything else about the request.
    const error = await errorCode(response, options.maxBytes);
    if (error === "invalid_client" || error === "unauthorized_client") throw credentialsRefused(400);
    throw new IntrospectionUnavailable(
      `the introspection endpoint refused the request (HTTP 400${error ? `, ${error}` : ""})`,
      "token",
    );
  }
  if (response.status === 401 || response.status === 403) {
    await response.body?.cancel();
    throw credentialsRefused(response.status);
  }
  if (response.status !== 200) {
    await response.body?.cancel();
    const status = response.status;
    throw new IntrospectionUnavailable(
      `the introspection endpoint answered HTTP ${status}`,
      status === 408 || status === 429 || status >= 500 ? "outage" : "setup",
      status === 429 ? retryAfterMs(response.headers.get("retry-after")) : undefined,
    );
  }
  const read = await readBodyText(response, options.maxBytes);
  if ("tooLarge" in read) {
    throw new IntrospectionUnavailable(
      `the introspection endpoint's answer is larger than ${options.maxBytes / 1024} KiB`,
      "outage",
    );
  }
  if ("unreadable" in read) {
    throw new IntrospectionUnavailable(
      `the introspection endpoint's answer was cut short (${read.unreadable})`,
      "outage",
    );
  }
  let body: unknown;
  try {
    body = JSON.parse(read.text);
  } catch {
    throw new IntrospectionUnavailable("the introspection endpoint's answer is not JSON", "outage");
  }
  const answer = ANSWER.safeParse(body);
  if (!answer.success) {
    const field = answer.error.issues[0]?.path.join(".") || "the answer";
    throw new IntrospectionUnavailable(
      `the introspection endpoint's answer is not RFC 7662 (${field})`,
      "token",
    );
  }
  return answer.data;
}

/** The `error` code of an OAuth error answer, if it has one (at most 64 characters are kept). */
async function errorCode(response: Response, maxBytes: number): Promise<string | undefined> {
  const read = await readBodyText(response, maxBytes);
  if (!("text" in read)) return undefined;
  try {
    const body = JSON.parse(read.text) as { error?: unknown };
    return typeof body.error === "string" ? body.error.slice(0, 64) : undefined;
  } catch {
    return undefined;
  }
}

/** A 429's `Retry-After` (seconds or an HTTP date) in milliseconds, within 1 s to a minute; 5 s if none. */
function retryAfterMs(value: string | null): number {
  const text = value?.trim() ?? "";
  const ms = /^\d+$/.test(text) ? Number(text) * 1000 : Date.parse(text) - Date.now();
  return Number.isNaN(ms) ? DEFAULT_RETRY_AFTER_MS : Math.min(MAX_RETRY_AFTER_MS, Math.max(1000, ms));
}

function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}
