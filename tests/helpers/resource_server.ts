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

/**
 * How `reshapingFetch` passes on an answer: grown by `padding` bytes (an extra JSON member) and streamed
 * without a length, as a misbehaving server may send it; `declaredGzip`: with `Content-Encoding: gzip` and a
 * short `Content-Length`, as a compressed answer arrives (fetch hands over the unpacked bytes, longer than
 * declared); `cutAfter`: the stream breaks after that many bytes.
 */
export interface AnswerShape {
  padding: number;
  declaredGzip?: boolean;
  cutAfter?: number;
}

/** A fetch passing on the stand-in issuer's 200 answers to URLs ending with `suffix` in `shape()`'s shape. */
export function reshapingFetch(suffix: string, shape: () => AnswerShape | undefined): typeof fetch {
  return async (input, init) => {
    const response = await fetch(input, init);
    const url = input instanceof Request ? input.url : String(input);
    const wanted = shape();
    if (!url.endsWith(suffix) || response.status !== 200 || wanted === undefined) return response;
    const grown = JSON.stringify({ ...await response.json(), padding: "x".repeat(wanted.padding) });
    const bytes = new TextEncoder().encode(grown);
    const end = Math.min(bytes.length, wanted.cutAfter ?? bytes.length);
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let at = 0; at < end; at += 16 * 1024) {
          controller.enqueue(bytes.slice(at, Math.min(end, at + 16 * 1024)));
        }
        if (wanted.cutAfter === undefined) controller.close();
        else controller.error(new TypeError("connection reset"));
      },
    });
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (wanted.declaredGzip) Object.assign(headers, { "content-encoding": "gzip", "content-length": "900" });
    return new Response(body, { headers });
  };
}
