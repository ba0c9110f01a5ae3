import assert from "node:assert/strict";
import { SignJWT, UnsecuredJWT } from "jose";
import type { OAuthSettings } from "../../src/config.ts";
import { NO_TELEMETRY, type OAuthTokenOutcome } from "../../src/observability/telemetry.ts";
import {
  discoverJwksUrl,
  type OAuthOptions,
  OAuthResourceServer,
  scopesOf,
} from "../../src/transports/oauth.ts";
import { ODD_CLIENT, startTestIssuer, TEST_CLIENT, type TestIssuer } from "../helpers/oauth_issuer.ts";
import { Secret } from "../../src/secret.ts";

const RESOURCE = "https://mcp.example.test/mcp";

function resourceServer(
  issuer: TestIssuer,
  overrides: Partial<OAuthSettings> = {},
  options: OAuthOptions = {},
) {
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

async function withIssuer(
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
function challengeOf(response: Response): Record<string, string> {
  const header = response.headers.get("www-authenticate") ?? "";
  assert.match(header, /^Bearer /);
  return Object.fromEntries([...header.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
}

function refusal(verdict: Awaited<ReturnType<OAuthResourceServer["verify"]>>): Response {
  assert.ok("refused" in verdict, "the token was accepted");
  return verdict.refused;
}

Deno.test("oauth: a valid token is accepted; the same user keeps one principal across tokens, others differ", async () => {
  await withIssuer(async (issuer) => {
    const { server, outcomes } = resourceServer(issuer);
    const first = await server.verify(`Bearer ${await issuer.mint()}`);
    const refreshed = await server.verify(
      `bearer ${await issuer.mint({ jti: "second" }, { expiresIn: "10m" })}`,
    );
    const other = await server.verify(`Bearer ${await issuer.mint({ sub: "user-2" })}`);
    assert.ok("principal" in first && "principal" in refreshed && "principal" in other);
    assert.match(first.principal, /^oauth:[0-9a-f]{32}$/);
    assert.equal(refreshed.principal, first.principal);
    assert.notEqual(other.principal, first.principal);
    assert.equal(first.authInfo.extra?.subject, "user-1");
    assert.equal(first.user, "user-1");
    assert.deepEqual(outcomes, ["valid", "valid", "valid"]);
    // Keys are fetched once and kept.
    assert.equal(issuer.jwksFetches(), 1);
  });
});

Deno.test("oauth: no token gets 401 with a challenge pointing at the resource metadata, and no error code", async () => {
  await withIssuer(async (issuer) => {
    const { server, outcomes } = resourceServer(issuer, { requiredScopes: ["xyte-mcp"] });
    for (const header of [null, "Basic dXNlcjpwYXNz", "Bearer", "Bearer two tokens"]) {
      const response = refusal(await server.verify(header));
      assert.equal(response.status, 401);
      const challenge = challengeOf(response);
      assert.equal(
        challenge.resource_metadata,
        "https://mcp.example.test/.well-known/oauth-protected-resource/mcp",
      );
      assert.equal(challenge.scope, "xyte-mcp");
      assert.equal(challenge.error, undefined);
      const body = await response.json();
      assert.equal(body.error.code, -32001);
    }
    assert.deepEqual(outcomes, ["missing", "missing", "missing", "missing"]);
    assert.equal(issuer.jwksFetches(), 0);
  });
});

Deno.test("oauth: tokens that are expired, for another audience or issuer, or not signed by the issuer get 401 invalid_token", async () => {
  await withIssuer(async (issuer) => {
    const { server, outcomes } = resourceServer(issuer);
    const now = Math.floor(Date.now() / 1000);
    const hs256 = await new SignJWT({ sub: "user-1", aud: RESOURCE, iss: issuer.issuer })
      .setProtectedHeader({ alg: "HS256", kid: "test-key-1" }).setExpirationTime("5m")
      .sign(new TextEncoder().encode("a shared secret the server does not have"));
    const unsigned = new UnsecuredJWT({ sub: "user-1", aud: RESOURCE, iss: issuer.issuer })
      .setExpirationTime("5m").encode();
    const cases: [string, string, OAuthTokenOutcome][] = [
      ["expired", await issuer.mint({ exp: now - 120 }), "expired"],
      ["other audience", await issuer.mint({ aud: "https://other.example.test/mcp" }), "invalid"],
      ["other issuer", await issuer.mint({ iss: "https://evil.example.test" }), "invalid"],
      ["forged signature", await issuer.mintForged(), "invalid"],
      ["HS256 with a guessed secret", hs256, "invalid"],
      ["alg none", unsigned, "invalid"],
      ["not a JWT", "an-opaque-token-1234567890", "invalid"],
      ["no subject", await issuer.mint({ sub: undefined }), "invalid"],
    ];
    for (const [label, token, outcome] of cases) {
      outcomes.length = 0;
      const verdict = await server.verify(`Bearer ${token}`);
      assert.ok("refused" in verdict, `${label}: accepted`);
      const response = verdict.refused;
      assert.equal(response.status, 401, label);
      const challenge = challengeOf(response);
      assert.equal(challenge.error, "invalid_token", label);
      assert.ok(!response.headers.get("www-authenticate")!.includes(token), `${label}: token echoed`);
      assert.ok(!(await response.text()).includes(token), `${label}: token echoed`);
      assert.deepEqual(outcomes, [outcome], label);
    }
  });
});

Deno.test("oauth: a token lacking a required scope gets 403 insufficient_scope; scope and scp both count", async () => {
  await withIssuer(async (issuer) => {
    const { server } = resourceServer(issuer, { requiredScopes: ["xyte-mcp", "devices"] });
    const lacking = refusal(await server.verify(`Bearer ${await issuer.mint({ scope: "xyte-mcp" })}`));
    assert.equal(lacking.status, 403);
    assert.equal(challengeOf(lacking).error, "insufficient_scope");
    assert.equal(challengeOf(lacking).scope, "xyte-mcp devices");
    const spaced = await server.verify(`Bearer ${await issuer.mint({ scope: "openid xyte-mcp devices" })}`);
    assert.ok("principal" in spaced);
    const listed = await server.verify(`Bearer ${await issuer.mint({ scp: ["devices", "xyte-mcp"] })}`);
    assert.ok("principal" in listed);
  });
  assert.deepEqual(scopesOf({ scope: "a b", scp: ["b", "c"] }), ["a", "b", "c"]);
  assert.deepEqual(scopesOf({ scp: "x y" }), ["x", "y"]);
  assert.deepEqual(scopesOf({ scope: 42 }), []);
});

Deno.test("oauth: an issuer out of reach gives 503 with Retry-After (not 401), asked again only after a pause", async () => {
  await withIssuer(async (issuer) => {
    const { server, outcomes } = resourceServer(issuer, {}, { outageHoldMs: 300 });
    const token = await issuer.mint();
    issuer.setDown(true);
    const response = refusal(await server.verify(`Bearer ${token}`));
    assert.equal(response.status, 503);
    assert.equal(response.headers.get("retry-after"), "5");
    assert.equal(response.headers.get("www-authenticate"), null);
    const asked = issuer.metadataFetches();
    assert.ok(asked > 0);
    for (let i = 0; i < 20; i++) {
      assert.equal(refusal(await server.verify(`Bearer ${await issuer.mint({ jti: `t${i}` })}`)).status, 503);
    }
    assert.equal(issuer.metadataFetches(), asked, "no request reached the issuer during the pause");
    assert.deepEqual(new Set(outcomes), new Set(["unavailable"]));
    // What is refused without the keys is still refused as such.
    assert.equal(refusal(await server.verify("Bearer not-a-jwt")).status, 401);
    issuer.setDown(false);
    await new Promise((resolve) => setTimeout(resolve, 350));
    assert.ok("principal" in await server.verify(`Bearer ${token}`));
  });
});

Deno.test("oauth: a hanging issuer costs a request the deadline, not more", async () => {
  await withIssuer(async (issuer) => {
    const { server } = resourceServer(issuer, {}, { timeoutMs: 300 });
    issuer.setHanging(true);
    const started = performance.now();
    const response = refusal(await server.verify(`Bearer ${await issuer.mint()}`));
    const waited = performance.now() - started;
    assert.equal(response.status, 503);
    assert.ok(waited >= 250 && waited < 1500, `waited ${waited} ms`);
  });
});

Deno.test("oauth: what is not a signed token of this issuer is refused without asking the issuer", async () => {
  await withIssuer(async (issuer) => {
    const { server } = resourceServer(issuer);
    issuer.setDown(true);
    const garbage = [
      "x",
      "a.b.c",
      await issuer.mint({ iss: "https://evil.example.test" }),
      await issuer.mint({}, { typ: "id_token+jwt" }),
    ];
    for (const token of garbage) {
      assert.equal(refusal(await server.verify(`Bearer ${token}`)).status, 401, token);
    }
    assert.equal(issuer.metadataFetches() + issuer.jwksFetches(), 0);
  });
});

Deno.test("oauth: ID tokens and odd subjects are refused; invented key ids do not make the server refetch keys", async () => {
  await withIssuer(async (issuer) => {
    const { server } = resourceServer(issuer);
    assert.ok("principal" in await server.verify(`Bearer ${await issuer.mint({}, { typ: "JWT" })}`));
    assert.ok(
      "principal" in await server.verify(`Bearer ${await issuer.mint({}, { typ: "application/jwt" })}`),
    );
    // Keycloak copies the sign-in's nonce into access tokens: no reason to refuse one.
    assert.ok("principal" in await server.verify(`Bearer ${await issuer.mint({ nonce: "n-0S6_WzA2Mj" })}`));
    const refused = [
      ["Keycloak's ID token claim", await issuer.mint({ typ: "ID" })],
      ["typ id_token+jwt", await issuer.mint({}, { typ: "id_token+jwt" })],
      ["numeric sub", await issuer.mint({ sub: 123 as unknown as string })],
      ["object sub", await issuer.mint({ sub: { id: "bob" } as unknown as string })],
      ["empty sub", await issuer.mint({ sub: "" })],
      ["very long sub", await issuer.mint({ sub: "u".repeat(300) })],
    ];
    for (const [label, token] of refused) {
      const response = refusal(await server.verify(`Bearer ${token}`));
      assert.equal(response.status, 401, label);
    }
    const fetched = issuer.jwksFetches();
    for (let i = 0; i < 30; i++) {
      const token = await issuer.mint({}, { kid: crypto.randomUUID() });
      assert.equal(refusal(await server.verify(`Bearer ${token}`)).status, 401);
    }
    assert.equal(issuer.jwksFetches(), fetched, "unknown key ids within the cooldown fetch nothing");
  });
});

Deno.test("oauth: the metadata document names the resource, the issuer and the scopes, at the RFC 9728 paths", async () => {
  await withIssuer(async (issuer) => {
    const { server } = resourceServer(issuer, { requiredScopes: ["xyte-mcp"] });
    assert.deepEqual(server.metadataPaths, [
      "/.well-known/oauth-protected-resource/mcp",
      "/.well-known/oauth-protected-resource",
    ]);
    const response = server.metadataResponse();
    assert.equal(response.headers.get("access-control-allow-origin"), "*");
    assert.deepEqual(await response.json(), {
      resource: RESOURCE,
      authorization_servers: [issuer.issuer],
      bearer_methods_supported: ["header"],
      resource_name: "Xyte MCP server",
      scopes_supported: ["xyte-mcp"],
    });
  });
});

Deno.test("oauth: keys are found through RFC 8414 or OpenID Connect metadata, which must name the issuer", async () => {
  await withIssuer(async (issuer) => {
    assert.equal(await discoverJwksUrl(issuer.issuer), issuer.jwksUrl);
  });
  await withIssuer(async (issuer) => {
    assert.equal(await discoverJwksUrl(issuer.issuer), issuer.jwksUrl);
    const { server } = resourceServer(issuer);
    assert.ok("principal" in await server.verify(`Bearer ${await issuer.mint()}`));
  }, { discovery: "oidc" });
  await withIssuer(async (issuer) => {
    await assert.rejects(discoverJwksUrl(issuer.issuer), /names another issuer/);
    // A configured key set needs no metadata.
    const { server } = resourceServer(issuer, { jwksUrl: issuer.jwksUrl });
    assert.ok("principal" in await server.verify(`Bearer ${await issuer.mint()}`));
  }, { advertisedIssuer: "https://evil.example.test" });
});

Deno.test("oauth: a configured audience replaces the resource URL", async () => {
  await withIssuer(async (issuer) => {
    const { server } = resourceServer(issuer, { audience: "api://xyte-mcp" });
    assert.ok(
      "principal" in await server.verify(`Bearer ${await issuer.mint({ aud: ["api://xyte-mcp", "x"] })}`),
    );
    const response = refusal(await server.verify(`Bearer ${await issuer.mint()}`));
    assert.equal(response.status, 401);
  });
});

Deno.test("oauth: a remembered token is still refused once it expires", async () => {
  await withIssuer(async (issuer) => {
    const { server, outcomes } = resourceServer(issuer);
    const token = await issuer.mint({ exp: Math.floor(Date.now() / 1000) + 2 });
    assert.ok("principal" in await server.verify(`Bearer ${token}`));
    assert.ok("principal" in await server.verify(`Bearer ${token}`));
    await new Promise((resolve) => setTimeout(resolve, 2100));
    const response = refusal(await server.verify(`Bearer ${token}`));
    assert.equal(response.status, 401);
    assert.deepEqual(outcomes, ["valid", "valid", "expired"]);
  });
});

Deno.test("oauth: discovery wants exactly the issuer, an https key set, and no redirects", async () => {
  const seen: RequestInit[] = [];
  const metadata = (body: object) => (_: RequestInfo | URL, init?: RequestInit) => {
    seen.push(init ?? {});
    return Promise.resolve(Response.json(body));
  };
  const issuer = "https://idp.example.test/tenant";
  assert.equal(
    await discoverJwksUrl(issuer, metadata({ issuer, jwks_uri: "https://idp.example.test/keys" })),
    "https://idp.example.test/keys",
  );
  assert.ok(seen.every((init) => init.redirect === "error"));
  await assert.rejects(
    discoverJwksUrl(issuer, metadata({ issuer, jwks_uri: "http://on-path.example.test/keys" })),
    /no https jwks_uri/,
  );
  await assert.rejects(
    discoverJwksUrl(issuer, metadata({ issuer: `${issuer}/`, jwks_uri: "https://idp.example.test/keys" })),
    /names another issuer/,
  );
});

Deno.test("oauth: quotes in a challenge's description are escaped", async () => {
  await withIssuer(async (issuer) => {
    const { server } = resourceServer(issuer);
    const response = refusal(
      await server.verify(`Bearer ${await issuer.mint({ aud: "https://other.test/mcp" })}`),
    );
    assert.match(
      response.headers.get("www-authenticate")!,
      /error_description="the access token's \\"aud\\" claim/,
    );
  });
});

Deno.test("oauth: a key set that hangs after the metadata answered costs one deadline, then a pause", async () => {
  await withIssuer(async (issuer) => {
    const { server, outcomes } = resourceServer(issuer, {}, { timeoutMs: 300 });
    issuer.setHanging("keys");
    const started = performance.now();
    assert.equal(refusal(await server.verify(`Bearer ${await issuer.mint()}`)).status, 503);
    const waited = performance.now() - started;
    assert.ok(waited >= 250 && waited < 1500, `waited ${waited} ms`);
    const again = performance.now();
    assert.equal(refusal(await server.verify(`Bearer ${await issuer.mint({ jti: "2" })}`)).status, 503);
    assert.ok(performance.now() - again < 200, "answered at once during the pause");
    assert.deepEqual(outcomes, ["unavailable", "unavailable"]);
  });
});

Deno.test("oauth: a key set that is down or garbled is the issuer's outage (503), not every user's token (401)", async () => {
  await withIssuer(async (issuer) => {
    // Configured key set: no metadata involved.
    const { server } = resourceServer(issuer, { jwksUrl: issuer.jwksUrl });
    issuer.setDown("keys");
    assert.equal(refusal(await server.verify(`Bearer ${await issuer.mint()}`)).status, 503);
    assert.equal(issuer.metadataFetches(), 0);
  });
  await withIssuer(async (issuer) => {
    const { server, outcomes } = resourceServer(issuer);
    issuer.setGarbledKeys(true);
    assert.equal(refusal(await server.verify(`Bearer ${await issuer.mint()}`)).status, 503);
    assert.deepEqual(outcomes, ["unavailable"]);
  });
});

Deno.test("oauth: an issuer differing by a trailing slash is named in the refusal", async () => {
  await withIssuer(async (issuer) => {
    const { server } = resourceServer(issuer);
    const response = refusal(
      await server.verify(`Bearer ${await issuer.mint({ iss: `${issuer.issuer}/` })}`),
    );
    assert.equal(response.status, 401);
    assert.match(
      response.headers.get("www-authenticate")!,
      /differs from MCP_OAUTH_ISSUER by a trailing slash/,
    );
  });
});

/** A resource server that introspects opaque tokens at the stand-in issuer, as TEST_CLIENT. */
function introspectingServer(
  issuer: TestIssuer,
  overrides: Partial<OAuthSettings> = {},
  options: OAuthOptions = {},
  secret = TEST_CLIENT.secret,
) {
  return resourceServer(issuer, {
    introspection: {
      url: issuer.introspectionUrl,
      clientId: TEST_CLIENT.id,
      clientSecret: new Secret(secret),
    },
    ...overrides,
  }, options);
}

Deno.test("oauth introspection: an active opaque token is its user's (the principal of their JWTs); asked once, then remembered", async () => {
  await withIssuer(async (issuer) => {
    const { server, outcomes } = introspectingServer(issuer, { requiredScopes: ["xyte-mcp"] });
    const token = issuer.mintOpaque({ scope: "openid xyte-mcp", client_id: "claude" });
    const first = await server.verify(`Bearer ${token}`);
    const again = await server.verify(`Bearer ${token}`);
    const jwt = await server.verify(`Bearer ${await issuer.mint({ scope: "xyte-mcp" })}`);
    assert.ok("principal" in first && "principal" in again && "principal" in jwt);
    assert.equal(first.principal, jwt.principal);
    assert.equal(again.principal, first.principal);
    assert.equal(first.user, "user-1");
    assert.equal(first.authInfo.clientId, "claude");
    assert.deepEqual(first.authInfo.scopes, ["openid", "xyte-mcp"]);
    assert.deepEqual(outcomes, ["valid", "valid", "valid"]);
    // One introspection for the opaque token; the JWT is still verified here, with the keys.
    assert.equal(issuer.introspections(), 1);
    // Concurrent first requests with a new token ask once.
    const fresh = issuer.mintOpaque({ scope: "xyte-mcp", sub: "user-2" });
    const verdicts = await Promise.all(Array.from({ length: 10 }, () => server.verify(`Bearer ${fresh}`)));
    assert.ok(verdicts.every((v) => "principal" in v && v.user === "user-2"));
    assert.equal(issuer.introspections(), 2);
  });
});

Deno.test("oauth introspection: inactive, foreign, expired, non-access and malformed tokens get 401 invalid_token; a refusal is remembered", async () => {
  await withIssuer(async (issuer) => {
    const { server, outcomes } = introspectingServer(issuer, { requiredScopes: ["xyte-mcp"] });
    const now = Math.floor(Date.now() / 1000);
    const revoked = issuer.mintOpaque({ scope: "xyte-mcp" });
    issuer.revoke(revoked);
    const cases: [string, string, OAuthTokenOutcome, RegExp][] = [
      ["unknown", "opaque-never-issued", "invalid", /not active/],
      ["revoked", revoked, "invalid", /not active/],
      ["other audience", issuer.mintOpaque({ aud: ["https://other.example.test/mcp"] }), "invalid", /"aud"/],
      ["no audience", issuer.mintOpaque({ aud: undefined, scope: "xyte-mcp" }), "invalid", /"aud"/],
      ["other issuer", issuer.mintOpaque({ iss: "https://evil.example.test" }), "invalid", /"iss"/],
      [
        "issuer with a trailing slash",
        issuer.mintOpaque({ iss: `${issuer.issuer}/`, scope: "xyte-mcp" }),
        "invalid",
        /trailing slash/,
      ],
      ["expired", issuer.mintOpaque({ exp: now - 60, scope: "xyte-mcp" }), "expired", /expired/],
      ["Keycloak ID token", issuer.mintOpaque({ typ: "ID", scope: "xyte-mcp" }), "invalid", /not an access/],
      ["refresh token", issuer.mintOpaque({ token_use: "refresh_token" }), "invalid", /not an access/],
      ["no subject", issuer.mintOpaque({ sub: undefined, scope: "xyte-mcp" }), "invalid", /"sub"/],
      ["not yet valid", issuer.mintOpaque({ nbf: now + 600, scope: "xyte-mcp" }), "invalid", /"nbf"/],
      ["odd characters", "opaque<script>", "invalid", /malformed/],
      ["too long", "t".repeat(5000), "invalid", /malformed/],
    ];
    for (const [label, token, outcome, description] of cases) {
      outcomes.length = 0;
      const response = refusal(await server.verify(`Bearer ${token}`));
      assert.equal(response.status, 401, label);
      assert.equal(challengeOf(response).error, "invalid_token", label);
      assert.match((await response.json()).error.message, description, label);
      assert.deepEqual(outcomes, [outcome], label);
    }
    // The malformed ones never reach the issuer; the rest were asked once each, and only the token that is
    // not valid yet (it may be soon) is asked about again.
    assert.equal(issuer.introspections(), cases.length - 2);
    for (const [label, token] of cases) {
      assert.equal(refusal(await server.verify(`Bearer ${token}`)).status, 401, label);
    }
    assert.equal(issuer.introspections(), cases.length - 1);
    const unscoped = refusal(await server.verify(`Bearer ${issuer.mintOpaque({ scope: "openid" })}`));
    assert.equal(unscoped.status, 403);
    assert.equal(challengeOf(unscoped).error, "insufficient_scope");
    // Within the 30 s of clock skew, and without `exp` (optional in RFC 7662): accepted, asked again in a minute.
    const skewed = await server.verify(`Bearer ${issuer.mintOpaque({ nbf: now + 10, scope: "xyte-mcp" })}`);
    assert.ok("principal" in skewed, "nbf within the skew");
    const endless = await server.verify(`Bearer ${issuer.mintOpaque({ exp: undefined, scope: "xyte-mcp" })}`);
    assert.ok("principal" in endless, "no exp");
    const expiresAt = endless.authInfo.expiresAt!;
    assert.ok(expiresAt > now + 50 && expiresAt <= now + 62, `expiresAt ${expiresAt - now} s ahead`);
  });
});

Deno.test("oauth introspection: refusals and answers are remembered for a while, then the issuer is asked again", async () => {
  await withIssuer(async (issuer) => {
    const { server } = introspectingServer(issuer, {}, { introspectedTtlMs: 200 });
    const token = issuer.mintOpaque();
    assert.ok("principal" in await server.verify(`Bearer ${token}`));
    issuer.revoke(token);
    assert.ok("principal" in await server.verify(`Bearer ${token}`), "remembered for a while");
    // A token unknown at first, issued later.
    assert.equal(refusal(await server.verify("Bearer opaque-issued-later")).status, 401);
    issuer.mintOpaque({}, "opaque-issued-later");
    assert.equal(
      refusal(await server.verify("Bearer opaque-issued-later")).status,
      401,
      "refusal remembered",
    );
    await new Promise((resolve) => setTimeout(resolve, 250));
    assert.equal(refusal(await server.verify(`Bearer ${token}`)).status, 401, "revoked");
    assert.ok("principal" in await server.verify("Bearer opaque-issued-later"), "issued");
    assert.equal(issuer.introspections(), 4);
    // A token without `exp` never looks expired to the checks that follow, across its answer's renewals.
    const endless = issuer.mintOpaque({ exp: undefined });
    for (let i = 0; i < 15; i++) {
      const verdict = await server.verify(`Bearer ${endless}`);
      assert.ok(
        "principal" in verdict,
        `no exp, check ${i}: ${"refused" in verdict && verdict.refused.status}`,
      );
      await new Promise((resolve) => setTimeout(resolve, 30));
    }
  });
});

Deno.test("oauth introspection: client id and secret are form-encoded in HTTP Basic (RFC 6749)", async () => {
  await withIssuer(async (issuer) => {
    const { server } = resourceServer(issuer, {
      introspection: {
        url: issuer.introspectionUrl,
        clientId: ODD_CLIENT.id,
        clientSecret: new Secret(ODD_CLIENT.secret),
      },
    });
    assert.ok("principal" in await server.verify(`Bearer ${issuer.mintOpaque()}`));
  });
});

Deno.test("oauth introspection: a failing endpoint gives new tokens 503, pausing only for a 429; tokens found active and JWTs keep working", async () => {
  await withIssuer(async (issuer) => {
    // An outage leaves tokens found active their last answer; this server's set-up refused does not.
    const failures: [string, number, { body?: string; headers?: Record<string, string> }, boolean][] = [
      ["server error", 500, {}, true],
      ["request timeout", 408, {}, true],
      ["not JSON", 200, { body: "<html>maintenance</html>" }, true],
      ["wrong URL", 404, {}, false],
      ["credentials refused", 403, {}, false],
      ["credentials, as 400", 400, { body: JSON.stringify({ error: "invalid_client" }) }, false],
    ];
    for (const [label, status, answer, outage] of failures) {
      const { server, outcomes } = introspectingServer(issuer, {}, {
        introspectedTtlMs: 100,
        outageHoldMs: 200,
      });
      const jwt = await issuer.mint();
      const known = issuer.mintOpaque();
      assert.ok("principal" in await server.verify(`Bearer ${jwt}`), label);
      assert.ok("principal" in await server.verify(`Bearer ${known}`), label);
      issuer.setIntrospectionStatus(status, answer);
      await new Promise((resolve) => setTimeout(resolve, 150));
      const first = issuer.mintOpaque();
      const response = refusal(await server.verify(`Bearer ${first}`));
      assert.equal(response.status, 503, label);
      assert.equal(response.headers.get("retry-after"), "5", label);
      // No pause: one token's failure may be that token's doing. Each new token is asked about; after a
      // set-up failure, the same token is not asked again for a few seconds.
      const asked = issuer.introspections();
      assert.equal(refusal(await server.verify(`Bearer ${issuer.mintOpaque()}`)).status, 503, label);
      assert.equal(issuer.introspections(), asked + 1, label);
      const again = refusal(await server.verify(`Bearer ${first}`));
      assert.equal(again.status, 503, label);
      assert.equal(issuer.introspections(), outage ? asked + 2 : asked + 1, `${label}: asked again`);
      // A held failure says how long it is held (200 ms here, so 1 s).
      if (!outage) assert.equal(again.headers.get("retry-after"), "1", label);
      // A token found active before keeps its last answer through an outage; JWTs never ask the endpoint.
      const kept = await server.verify(`Bearer ${known}`);
      if (outage) assert.ok("principal" in kept && kept.user === "user-1", `${label}: known token`);
      else assert.equal(refusal(kept).status, 503, `${label}: known token`);
      // Accepting a last answer is counted apart, so that an operator sees the endpoint is not asked.
      assert.equal(outcomes.at(-1), outage ? "stale" : "unavailable", label);
      assert.ok("principal" in await server.verify(`Bearer ${jwt}`), `${label}: JWT`);
      assert.ok("principal" in await server.verify(`Bearer ${await issuer.mint({ jti: label })}`), label);
      assert.ok(outcomes.includes("unavailable"), label);
      issuer.setIntrospectionStatus(undefined);
      await new Promise((resolve) => setTimeout(resolve, 250));
      // The token refused during the failure is accepted now (a failure is not remembered against it), and
      // the known token, revoked meanwhile, is refused once the endpoint answers again.
      assert.ok("principal" in await server.verify(`Bearer ${first}`), `${label}: recovered`);
      issuer.revoke(known);
      await new Promise((resolve) => setTimeout(resolve, 150));
      assert.equal(refusal(await server.verify(`Bearer ${known}`)).status, 401, `${label}: revoked`);
      // Once refused, its last answer is gone: an outage of the endpoint does not bring it back.
      issuer.setIntrospectionStatus(500);
      await new Promise((resolve) => setTimeout(resolve, 150));
      assert.equal(refusal(await server.verify(`Bearer ${known}`)).status, 503, `${label}: not revived`);
      issuer.setIntrospectionStatus(undefined);
    }
  });
});

Deno.test("oauth introspection: a 429 pauses new introspections for its Retry-After; a later failure does not shorten it", async () => {
  await withIssuer(async (issuer) => {
    const { server } = introspectingServer(issuer);
    issuer.setIntrospectionStatus(429, { headers: { "retry-after": "2" } });
    const first = issuer.mintOpaque();
    const response = refusal(await server.verify(`Bearer ${first}`));
    assert.equal(response.status, 503);
    assert.equal(response.headers.get("retry-after"), "2");
    const asked = issuer.introspections();
    issuer.setIntrospectionStatus(undefined);
    for (let i = 0; i < 5; i++) {
      assert.equal(refusal(await server.verify(`Bearer ${issuer.mintOpaque()}`)).status, 503);
    }
    assert.equal(issuer.introspections(), asked, "no introspection during the pause");
    assert.ok("principal" in await server.verify(`Bearer ${await issuer.mint()}`), "JWTs are not paused");
    await new Promise((resolve) => setTimeout(resolve, 2100));
    assert.ok("principal" in await server.verify(`Bearer ${first}`));
  });
  // Two introspections in flight: the quicker gets a 429 asking for 60 s, the slower one asking for 1 s; the
  // pause stays 60 s.
  let calls = 0;
  const scripted: typeof fetch = async () => {
    const slow = ++calls === 1;
    if (slow) await new Promise((resolve) => setTimeout(resolve, 100));
    return new Response("{}", { status: 429, headers: { "retry-after": slow ? "1" : "60" } });
  };
  await withIssuer(async (issuer) => {
    const { server } = introspectingServer(issuer, {}, { fetch: scripted });
    const slow = server.verify("Bearer opaque-slow");
    const quick = refusal(await server.verify("Bearer opaque-quick"));
    assert.equal(quick.headers.get("retry-after"), "60");
    // The slower answer asked for 1 s; the 503 says how long the pause still lasts.
    assert.ok(Number(refusal(await slow).headers.get("retry-after")) >= 59);
    const later = refusal(await server.verify("Bearer opaque-later"));
    assert.ok(Number(later.headers.get("retry-after")) >= 58, later.headers.get("retry-after") ?? "");
    assert.equal(calls, 2);
  });
});

Deno.test("oauth introspection: an unreadable answer about one token gives that token 503, and no pause for others", async () => {
  await withIssuer(async (issuer) => {
    const { server, outcomes } = introspectingServer(issuer, {}, { introspectedTtlMs: 100 });
    const odd: Record<string, unknown>[] = [{ active: "true" }, { exp: "tomorrow" }, { sub: 42 }, {
      aud: null,
    }];
    for (const claims of odd) {
      const token = issuer.mintOpaque(claims);
      const response = refusal(await server.verify(`Bearer ${token}`));
      assert.equal(response.status, 503, JSON.stringify(claims));
      assert.ok("principal" in await server.verify(`Bearer ${issuer.mintOpaque()}`), "no pause");
    }
    // A 400 that is not about this server's credentials: the same, and the token is not remembered.
    const token = issuer.mintOpaque();
    issuer.setIntrospectionStatus(400, { body: JSON.stringify({ error: "invalid_request" }) });
    assert.equal(refusal(await server.verify(`Bearer ${token}`)).status, 503);
    issuer.setIntrospectionStatus(undefined);
    assert.ok("principal" in await server.verify(`Bearer ${issuer.mintOpaque()}`), "no pause");
    assert.ok("principal" in await server.verify(`Bearer ${token}`), "asked again");
    assert.equal(outcomes.filter((o) => o === "unavailable").length, odd.length + 1);
    // Such an answer about a token found active (some endpoints answer a revoked token so) drops its last
    // answer: a later outage does not bring it back.
    const known = issuer.mintOpaque();
    assert.ok("principal" in await server.verify(`Bearer ${known}`));
    await new Promise((resolve) => setTimeout(resolve, 150));
    issuer.setIntrospectionStatus(400, { body: JSON.stringify({ error: "invalid_token" }) });
    assert.equal(refusal(await server.verify(`Bearer ${known}`)).status, 503, "not served its last answer");
    issuer.setIntrospectionStatus(500);
    assert.equal(refusal(await server.verify(`Bearer ${known}`)).status, 503, "not revived");
    issuer.setIntrospectionStatus(undefined);
  });
});

Deno.test("oauth introspection: a hanging endpoint costs the deadline; floods are held to 64 in flight and 50 a second, and do not lock out tokens found active", async () => {
  await withIssuer(async (issuer) => {
    const { server } = introspectingServer(issuer, {}, { timeoutMs: 300, introspectedTtlMs: 300 });
    const known = issuer.mintOpaque();
    assert.ok("principal" in await server.verify(`Bearer ${known}`));
    issuer.setHanging(true);
    await new Promise((resolve) => setTimeout(resolve, 350));
    // Its answer is old: the first request waits the deadline and gets the last answer, which then holds
    // for a few seconds, so the next requests do not wait.
    let t0 = performance.now();
    assert.ok("principal" in await server.verify(`Bearer ${known}`));
    assert.ok(performance.now() - t0 >= 250, "waited the deadline");
    t0 = performance.now();
    assert.ok("principal" in await server.verify(`Bearer ${known}`));
    assert.ok(performance.now() - t0 < 100, "did not wait again");
    const started = performance.now();
    const verdicts = await Promise.all(
      Array.from({ length: 100 }, (_, i) => server.verify(`Bearer opaque-flood-${i}`)),
    );
    const waited = performance.now() - started;
    assert.ok(verdicts.every((v) => "refused" in v && v.refused.status === 503));
    assert.ok(waited >= 250 && waited < 1500, `waited ${waited} ms`);
    issuer.setHanging(false);
    assert.equal(issuer.introspections(), 2 + 64, "at most 64 introspections in flight");
    // A second flood: new tokens are asked about at 50 a second (after a burst of 100 in all), the rest get
    // 503 at once; the known token, whose answer is old by now, keeps working.
    let refused = 0;
    for (let i = 0; i < 300; i++) {
      const verdict = await server.verify(`Bearer opaque-second-flood-${i}`);
      if ("refused" in verdict && verdict.refused.status === 503) {
        refused++;
        assert.equal(verdict.refused.headers.get("retry-after"), "1");
        // Right after a refusal the bucket is empty: the known token is served its last answer.
        if (refused % 50 === 1) {
          assert.ok("principal" in await server.verify(`Bearer ${known}`), `known, at ${i}`);
        }
      }
    }
    const seconds = (performance.now() - started) / 1000;
    const asked = issuer.introspections() - 2;
    assert.ok(asked <= 100 + 50 * seconds + 1, `${asked} introspections in ${seconds.toFixed(2)} s`);
    assert.ok(refused > 100, `${refused} refused`);
    // Its holder cannot keep a revoked token alive by spending the bucket on junk: known tokens are asked
    // about outside it.
    issuer.revoke(known);
    await new Promise((resolve) => setTimeout(resolve, 5100));
    for (let i = 0; "principal" in await server.verify(`Bearer junk-${i}`) || i < 200; i++) {
      if (i > 1000) break;
    }
    assert.equal(refusal(await server.verify(`Bearer ${known}`)).status, 401, "revoked, flood or not");
  });
});

Deno.test("oauth introspection: junk filling the new tokens' slots does not keep a revoked known token on its last answer", async () => {
  // Junk tokens hang 300 ms at the endpoint; the known token is active at first, then revoked.
  let revoked = false;
  const scripted: typeof fetch = async (_input, init) => {
    const token = new URLSearchParams(String(init?.body)).get("token") ?? "";
    if (token.startsWith("junk")) {
      await new Promise((resolve) => setTimeout(resolve, 300));
      return Response.json({ active: false });
    }
    return Response.json(revoked ? { active: false } : { active: true, sub: "user-1", aud: RESOURCE });
  };
  await withIssuer(async (issuer) => {
    const { server } = introspectingServer(issuer, {}, { fetch: scripted, introspectedTtlMs: 100 });
    assert.ok("principal" in await server.verify("Bearer known-token"));
    revoked = true;
    await new Promise((resolve) => setTimeout(resolve, 150));
    const junk = Array.from({ length: 64 }, (_, i) => server.verify(`Bearer junk-${i}`));
    assert.equal(refusal(await server.verify("Bearer junk-over-the-cap")).status, 503, "the slots are full");
    assert.equal(refusal(await server.verify("Bearer known-token")).status, 401, "asked, and refused");
    await Promise.all(junk);
  });
});

Deno.test("oauth introspection: concurrent requests with one new token spend one token of the rate bucket", async () => {
  await withIssuer(async (issuer) => {
    const { server } = introspectingServer(issuer);
    const token = issuer.mintOpaque();
    const verdicts = await Promise.all(Array.from({ length: 10 }, () => server.verify(`Bearer ${token}`)));
    assert.ok(verdicts.every((v) => "principal" in v));
    // The burst of 100 less the one spent: 99 more new tokens pass at once.
    for (let i = 0; i < 99; i++) {
      assert.ok("principal" in await server.verify(`Bearer ${issuer.mintOpaque()}`), `new token ${i}`);
    }
  });
});
