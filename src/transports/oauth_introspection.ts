/**
 * Token introspection (RFC 7662): how a resource server checks an opaque access token, one that is no JWT it
 * could verify itself (Zitadel, Ory Hydra, Curity, WSO2, Gluu and PingFederate issue such reference tokens by
 * default). The token is posted to the authorization server's introspection endpoint, this server
 * authenticating as an OAuth client (client_secret_basic); the answer says whether the token is active and
 * what it grants. This module asks and reads the answer; `oauth.ts` decides what it means for the request.
 */
import { z } from "zod";
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

/**
 * The endpoint could not say (no answer, not 200, not JSON, this server's credentials refused): nothing is
 * known about the token, which is not to be refused for it.
 */
export class IntrospectionUnavailable extends Error {
  override readonly name = "IntrospectionUnavailable";
}

/**
 * Asks the introspection endpoint about `token`. Returns the answer, or `undefined` when the endpoint refused
 * the request itself as malformed (400: something about the token it could not even read). Throws
 * `IntrospectionUnavailable` when it gave no usable answer.
 */
export async function introspectToken(
  token: string,
  settings: IntrospectionSettings,
  options: { fetch: typeof fetch; signal: AbortSignal },
): Promise<IntrospectionAnswer | undefined> {
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
    );
  }
  if (response.status === 400) {
    await response.body?.cancel();
    return undefined;
  }
  if (response.status === 401 || response.status === 403) {
    await response.body?.cancel();
    throw new IntrospectionUnavailable(
      `the introspection endpoint refused this server's credentials (HTTP ${response.status}): check ` +
        "MCP_OAUTH_CLIENT_ID and MCP_OAUTH_CLIENT_SECRET",
    );
  }
  if (response.status !== 200) {
    await response.body?.cancel();
    throw new IntrospectionUnavailable(`the introspection endpoint answered HTTP ${response.status}`);
  }
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    throw new IntrospectionUnavailable("the introspection endpoint's answer is not JSON");
  }
  const answer = ANSWER.safeParse(body);
  if (!answer.success) {
    const field = answer.error.issues[0]?.path.join(".") || "the answer";
    throw new IntrospectionUnavailable(`the introspection endpoint's answer is not RFC 7662 (${field})`);
  }
  return answer.data;
}

function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}
