import assert from "node:assert/strict";
import FakeTimers from "@sinonjs/fake-timers";
import type { OAuthTokenOutcome } from "../../src/observability/telemetry.ts";
import { SignJWT, UnsecuredJWT } from "jose";
import { discoverJwksUrl } from "../../src/transports/oauth_metadata.ts";
import { OUTAGE_HOLD_MS, scopesOf } from "../../src/transports/oauth_tokens.ts";
import {
  challengeOf,
  refusal,
  reshapingFetch,
  RESOURCE,
  resourceServer,
  withIssuer,
} from "../helpers/resource_server.ts";

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
    // The hold outlasts the checks below on a loaded machine: the tokens are signed before it starts.
    const { server, outcomes } = resourceServer(issuer, {}, { outageHoldMs: 1_000 });
    const token = await issuer.mint();
    const others = await Promise.all(Array.from({ length: 20 }, (_, i) => issuer.mint({ jti: `t${i}` })));
    issuer.setDown(true);
    const response = refusal(await server.verify(`Bearer ${token}`));
    assert.equal(response.status, 503);
    assert.equal(response.headers.get("retry-after"), "5");
    assert.equal(response.headers.get("www-authenticate"), null);
    const asked = issuer.metadataFetches();
    assert.ok(asked > 0);
    for (const other of others) assert.equal(refusal(await server.verify(`Bearer ${other}`)).status, 503);
    assert.equal(issuer.metadataFetches(), asked, "no request reached the issuer during the pause");
    assert.deepEqual(new Set(outcomes), new Set(["unavailable"]));
    // What is refused without the keys is still refused as such.
    assert.equal(refusal(await server.verify("Bearer not-a-jwt")).status, 401);
    issuer.setDown(false);
    await new Promise((resolve) => setTimeout(resolve, 1_050));
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
    // Two to three seconds for the checks before it expires (the first one fetches the issuer's keys), then
    // a wait until it has.
    const exp = Math.floor(Date.now() / 1000) + 3;
    const token = await issuer.mint({ exp });
    assert.ok("principal" in await server.verify(`Bearer ${token}`));
    assert.ok("principal" in await server.verify(`Bearer ${token}`));
    await new Promise((resolve) => setTimeout(resolve, exp * 1000 - Date.now() + 100));
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
  // The pause is measured on Date, which moves only when the test says; the deadline's timers run for real.
  const clock = FakeTimers.install({ toFake: ["Date"], now: Date.now() });
  try {
    await withIssuer(async (issuer) => {
      // Every request for the key set, held ones too (the stand-in issuer counts only those it answers), and
      // when each ended on this side.
      const keySetRequests: Promise<unknown>[] = [];
      const countingFetch: typeof fetch = (input, init) => {
        const answer = fetch(input, init);
        const url = input instanceof Request ? input.url : String(input);
        if (url === issuer.jwksUrl) keySetRequests.push(answer.catch(() => undefined));
        return answer;
      };
      const { server, outcomes } = resourceServer(issuer, {}, { timeoutMs: 300, fetch: countingFetch });
      issuer.setHanging("keys");
      // Signed before the clock starts: signing is the test's work, not the server's.
      const tokens = await Promise.all(["1", "2", "3", "4"].map((jti) => issuer.mint({ jti })));
      const started = performance.now();
      assert.equal(refusal(await server.verify(`Bearer ${tokens[0]}`)).status, 503);
      const waited = performance.now() - started;
      assert.ok(waited >= 250 && waited < 1500, `waited ${waited} ms`);
      assert.equal(keySetRequests.length, 1);
      // jose's fetch of the key set gives up on its own timer (as long, started once the metadata answered);
      // until it has, another request joins it rather than ask the issuer again, pause or none.
      await Promise.all(keySetRequests);
      await new Promise((resolve) => setTimeout(resolve, 0));
      assert.equal(refusal(await server.verify(`Bearer ${tokens[1]}`)).status, 503);
      assert.equal(keySetRequests.length, 1, "the key set was not asked for again during the pause");
      // The issuer is back, but the pause holds to its end.
      issuer.setHanging(false);
      clock.tick(OUTAGE_HOLD_MS - 100);
      assert.equal(refusal(await server.verify(`Bearer ${tokens[2]}`)).status, 503);
      assert.equal(keySetRequests.length, 1, "nor near its end");
      clock.tick(200);
      assert.ok("principal" in await server.verify(`Bearer ${tokens[3]}`));
      assert.equal(keySetRequests.length, 2, "after the pause, the key set is asked for again");
      assert.deepEqual(outcomes, ["unavailable", "unavailable", "unavailable", "valid"]);
    });
  } finally {
    clock.uninstall();
  }
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

Deno.test("oauth: metadata over 256 KiB and a key set over 1 MiB are not read (503); smaller ones are", async () => {
  await withIssuer(async (issuer) => {
    let metadataPadding = 300 * 1024;
    const metadata = reshapingFetch(
      "/.well-known/oauth-authorization-server/realms/test",
      () => ({ padding: metadataPadding }),
    );
    await assert.rejects(discoverJwksUrl(issuer.issuer, metadata), /larger than 256 KiB/);
    metadataPadding = 200 * 1024;
    assert.equal(await discoverJwksUrl(issuer.issuer, metadata), issuer.jwksUrl);
  });
  await withIssuer(async (issuer) => {
    let keysPadding = 1100 * 1024;
    const { server, outcomes } = resourceServer(
      issuer,
      { jwksUrl: issuer.jwksUrl },
      { fetch: reshapingFetch("/jwks", () => ({ padding: keysPadding })), outageHoldMs: 0 },
    );
    assert.equal(refusal(await server.verify(`Bearer ${await issuer.mint()}`)).status, 503);
    keysPadding = 900 * 1024;
    assert.ok("principal" in await server.verify(`Bearer ${await issuer.mint()}`));
    assert.deepEqual(outcomes, ["unavailable", "valid"]);
  });
});

Deno.test("oauth: a token bound to a key or certificate (cnf) is refused as a bearer token, before it is remembered", async () => {
  await withIssuer(async (issuer) => {
    const { server, outcomes } = resourceServer(issuer);
    for (
      const cnf of [{ jkt: "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I" }, {
        "x5t#S256": "bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2",
      }]
    ) {
      const token = await issuer.mint({ cnf });
      for (let i = 0; i < 2; i++) {
        const response = refusal(await server.verify(`Bearer ${token}`));
        assert.equal(response.status, 401);
        assert.match(challengeOf(response).error_description!, /bound to a key or certificate/);
      }
    }
    assert.deepEqual(outcomes, ["invalid", "invalid", "invalid", "invalid"]);
    assert.ok(
      "principal" in await server.verify(`Bearer ${await issuer.mint()}`),
      "unbound tokens still pass",
    );
  });
});

Deno.test("oauth: a DPoP-bound token (Authorization: DPoP) gets 401 saying only Bearer tokens are accepted", async () => {
  await withIssuer(async (issuer) => {
    const { server, outcomes } = resourceServer(issuer);
    const response = refusal(await server.verify(`DPoP ${await issuer.mint()}`));
    assert.equal(response.status, 401);
    assert.match((await response.json()).error.message, /Bearer access tokens only, not DPoP-bound/);
    assert.match(challengeOf(response).error_description!, /DPoP-bound/);
    assert.deepEqual(outcomes, ["invalid"]);
  });
});
