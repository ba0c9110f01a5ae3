/**
 * An OAuthResourceServer for unit tests, set up against the stand-in authorization server (oauth_issuer.ts),
 * and readers of its answers.
 */
import assert from "node:assert/strict";
import type { OAuthSettings } from "../../src/config.ts";
import { NO_TELEMETRY, type OAuthTokenOutcome } from "../../src/observability/telemetry.ts";
import { Secret } from "../../src/secret.ts";
import { OAuthResourceServer } from "../../src/transports/oauth.ts";
import type { OAuthOptions } from "../../src/transports/oauth_tokens.ts";
import { startTestIssuer, TEST_CLIENT, type TestIssuer } from "./oauth_issuer.ts";

export const RESOURCE = "https://mcp.example.test/mcp";

/** The resource server, and the outcome it counted for each token (its `xyte_mcp_oauth_tokens_total`). */
export interface TestResourceServer {
  server: OAuthResourceServer;
  outcomes: OAuthTokenOutcome[];
}

export function resourceServer(
  issuer: TestIssuer,
  overrides: Partial<OAuthSettings> = {},
  options: OAuthOptions = {},
): TestResourceServer {
  const outcomes: OAuthTokenOutcome[] = [];
  const server = new OAuthResourceServer(
    {
      issuer: issuer.issuer,
      resource: RESOURCE,
      audience: RESOURCE,
      jwksUrl: undefined,
      introspection: undefined,
      requiredScopes: [],
      ...overrides,
    },
    { ...NO_TELEMETRY, oauthToken: (outcome) => void outcomes.push(outcome) },
    options,
  );
  return { server, outcomes };
}

export async function withIssuer(
  fn: (issuer: TestIssuer) => Promise<void>,
  options: Partial<Parameters<typeof startTestIssuer>[0]> = {},
): Promise<void> {
  const issuer = await startTestIssuer({ audience: RESOURCE, ...options });
  try {
    await fn(issuer);
  } finally {
    await issuer.close();
  }
}

/** The parameters of a `WWW-Authenticate: Bearer k="v", …` challenge. */
export function challengeOf(response: Response): Record<string, string> {
  const header = response.headers.get("www-authenticate") ?? "";
  assert.match(header, /^Bearer /);
  return Object.fromEntries([...header.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
}

export function refusal(verdict: Awaited<ReturnType<OAuthResourceServer["verify"]>>): Response {
  assert.ok("refused" in verdict, "the token was accepted");
  return verdict.refused;
}

/** A resource server that introspects opaque tokens at the stand-in issuer, as TEST_CLIENT. */
export function introspectingServer(
  issuer: TestIssuer,
  overrides: Partial<OAuthSettings> = {},
  options: OAuthOptions = {},
  secret = TEST_CLIENT.secret,
): TestResourceServer {
  return resourceServer(issuer, {
    introspection: {
      url: issuer.introspectionUrl,
      clientId: TEST_CLIENT.id,
      clientSecret: new Secret(secret),
    },
    ...overrides,
  }, options);
}
