import assert from "node:assert/strict";
import FakeTimers from "@sinonjs/fake-timers";
import type { OAuthTokenOutcome } from "../../src/observability/telemetry.ts";
import { Secret } from "../../src/secret.ts";
import { ODD_CLIENT } from "../helpers/oauth_issuer.ts";
import {
  type AnswerShape,
  challengeOf,
  introspectingServer,
  refusal,
  reshapingFetch,
  RESOURCE,
  resourceServer,
  withIssuer,
} from "../helpers/resource_server.ts";

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
    // Remembered 500 ms: the checks that expect a remembered answer come within it on a loaded machine too.
    const { server } = introspectingServer(issuer, {}, { introspectedTtlMs: 500 });
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
    await new Promise((resolve) => setTimeout(resolve, 550));
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
      // A set-up failure is held 1 s: the check that the same token is not asked again comes within it, after
      // another token's introspection, on a loaded machine too.
      const { server, outcomes } = introspectingServer(issuer, {}, {
        introspectedTtlMs: 100,
        outageHoldMs: 1_000,
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
      // A held failure says how long it is held (1 s here).
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
      await new Promise((resolve) => setTimeout(resolve, outage ? 250 : 1_050));
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
    // A deadline and a remembered period of 1 s: an introspection that does not hang answers within it, and
    // the requests that follow the one that waited come within its last answer's hold, on a loaded machine too.
    const deadlineMs = 1_000;
    // The rate bucket's clock (Date, taken when the server is made) moves only when the test says, so that
    // what it refuses does not depend on how fast this machine asks: 300 requests in a row took over 2 s on a
    // loaded one, enough for 100 more to come back, and the second flood was refused 96 times, not over 100.
    const bucketClock = FakeTimers.install({ toFake: ["Date"], now: Date.now() });
    try {
      const { server } = introspectingServer(issuer, {}, {
        timeoutMs: deadlineMs,
        introspectedTtlMs: deadlineMs,
      });
      const known = issuer.mintOpaque();
      assert.ok("principal" in await server.verify(`Bearer ${known}`));
      issuer.setHanging(true);
      await new Promise((resolve) => setTimeout(resolve, deadlineMs + 50));
      // Its answer is old: the first request waits the deadline and gets the last answer, which then holds
      // for a while, so the next requests do not wait.
      let t0 = performance.now();
      assert.ok("principal" in await server.verify(`Bearer ${known}`));
      assert.ok(performance.now() - t0 >= deadlineMs - 50, "waited the deadline");
      t0 = performance.now();
      assert.ok("principal" in await server.verify(`Bearer ${known}`));
      assert.ok(performance.now() - t0 < deadlineMs / 2, "did not wait again");
      const started = performance.now();
      const verdicts = await Promise.all(
        Array.from({ length: 100 }, (_, i) => server.verify(`Bearer opaque-flood-${i}`)),
      );
      const waited = performance.now() - started;
      assert.ok(verdicts.every((v) => "refused" in v && v.refused.status === 503));
      // One deadline: those over the cap are refused at once, not queued behind the 64.
      assert.ok(waited >= deadlineMs - 50 && waited < 2 * deadlineMs, `waited ${waited} ms`);
      issuer.setHanging(false);
      assert.equal(issuer.introspections(), 2 + 64, "at most 64 introspections in flight");
      // A second flood: new tokens are asked about at 50 a second (after a burst of 100 in all), the rest get
      // 503 at once; the known token, whose answer is old by now, keeps working.
      const flood = async (tokens: number, prefix: string) => {
        let refused = 0;
        for (let i = 0; i < tokens; i++) {
          const verdict = await server.verify(`Bearer ${prefix}-${i}`);
          if ("refused" in verdict && verdict.refused.status === 503) {
            refused++;
            assert.equal(verdict.refused.headers.get("retry-after"), "1");
            // Right after a refusal the bucket is empty: the known token is served its last answer.
            if (refused % 50 === 1) {
              assert.ok("principal" in await server.verify(`Bearer ${known}`), `known, at ${i}`);
            }
          }
        }
        return refused;
      };
      const refused = await flood(300, "opaque-second-flood");
      const seconds = (performance.now() - started) / 1000;
      const asked = issuer.introspections() - 2;
      assert.ok(asked <= 100 + 50 * seconds + 1, `${asked} introspections in ${seconds.toFixed(2)} s`);
      assert.ok(refused >= 200, `${refused} refused: at most the burst of 100 is asked about`);
      bucketClock.tick(1_000);
      const askedLater = 100 - await flood(100, "opaque-a-second-later");
      assert.ok(askedLater >= 50 && askedLater <= 51, `${askedLater} asked about a second later`);
      // Its holder cannot keep a revoked token alive by spending the bucket on junk: known tokens are asked
      // about outside it.
      issuer.revoke(known);
      await new Promise((resolve) => setTimeout(resolve, 5100));
      bucketClock.tick(5100);
      for (let i = 0; "principal" in await server.verify(`Bearer junk-${i}`) || i < 200; i++) {
        if (i > 1000) break;
      }
      assert.equal(refusal(await server.verify(`Bearer ${known}`)).status, 401, "revoked, flood or not");
    } finally {
      bucketClock.uninstall();
    }
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

Deno.test("oauth introspection: an answer over 256 KiB is not read: 503 for that token alone; a large one within it is accepted", async () => {
  await withIssuer(async (issuer) => {
    const { server, outcomes } = introspectingServer(issuer);
    const huge = issuer.mintOpaque({ groups: "g".repeat(300 * 1024) });
    const response = refusal(await server.verify(`Bearer ${huge}`));
    assert.equal(response.status, 503);
    const large = issuer.mintOpaque({ groups: "g".repeat(200 * 1024) });
    assert.ok("principal" in await server.verify(`Bearer ${large}`), "no pause for others");
    assert.deepEqual(outcomes, ["unavailable", "valid"]);
  });
});

Deno.test("oauth introspection: answers too large (streamed, or longer unpacked than declared) or cut short are an outage: known tokens keep their last answer", async () => {
  await withIssuer(async (issuer) => {
    let shape: AnswerShape | undefined;
    const { server, outcomes } = introspectingServer(issuer, {}, {
      fetch: reshapingFetch("/introspect", () => shape),
      introspectedTtlMs: 50,
    });
    const known = issuer.mintOpaque();
    assert.ok("principal" in await server.verify(`Bearer ${known}`));
    const shapes: AnswerShape[] = [
      { padding: 300 * 1024 },
      { padding: 300 * 1024, declaredGzip: true },
      { padding: 10 * 1024, cutAfter: 4 * 1024 },
    ];
    for (const failing of shapes) {
      await new Promise((resolve) => setTimeout(resolve, 60)); // its answer is old: asked about again
      shape = failing;
      const last = await server.verify(`Bearer ${known}`);
      assert.ok("principal" in last && last.authInfo.extra?.stale === true, JSON.stringify(failing));
      assert.equal(refusal(await server.verify(`Bearer ${issuer.mintOpaque()}`)).status, 503);
    }
    shape = { padding: 200 * 1024 };
    assert.ok("principal" in await server.verify(`Bearer ${issuer.mintOpaque()}`), "within the limit");
    assert.deepEqual(outcomes, [
      "valid",
      "stale",
      "unavailable",
      "stale",
      "unavailable",
      "stale",
      "unavailable",
      "valid",
    ]);
  });
});

Deno.test("oauth introspection: a 400's error body is read within the limit too", async () => {
  await withIssuer(async (issuer) => {
    const { server } = introspectingServer(issuer);
    const token = issuer.mintOpaque();
    // An invalid_client past 256 KiB is not read: no set-up failure (which would hold the token for 5 s)
    // but one about this token, asked about again at its next request.
    issuer.setIntrospectionStatus(400, {
      body: JSON.stringify({ error: "invalid_client", padding: "x".repeat(300 * 1024) }),
    });
    assert.equal(refusal(await server.verify(`Bearer ${token}`)).status, 503);
    issuer.setIntrospectionStatus(undefined);
    assert.ok("principal" in await server.verify(`Bearer ${token}`), "asked again at once");
  });
});

Deno.test("oauth introspection: an answer naming a confirmation key or certificate (cnf) is refused, and remembered", async () => {
  await withIssuer(async (issuer) => {
    const { server } = introspectingServer(issuer);
    const token = issuer.mintOpaque({ cnf: { "x5t#S256": "bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2" } });
    for (let i = 0; i < 2; i++) {
      const response = refusal(await server.verify(`Bearer ${token}`));
      assert.equal(response.status, 401);
      assert.match(challengeOf(response).error_description!, /bound to a key or certificate/);
    }
    assert.equal(issuer.introspections(), 1, "the refusal is remembered");
  });
});
