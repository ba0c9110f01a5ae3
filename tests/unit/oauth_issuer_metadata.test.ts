/**
 * The issuer's metadata as the server serves it at /.well-known/oauth-authorization-server, for clients of the
 * 2025-03-26 MCP revision: the issuer's own document, fetched from its two fixed places only, bounded, cached.
 */
import assert from "node:assert/strict";
import FakeTimers from "@sinonjs/fake-timers";
import { CachedIssuerMetadata, servesIssuerMetadata } from "../../src/transports/oauth_metadata.ts";
import { reshapingFetch, resourceServer, withIssuer } from "../helpers/resource_server.ts";

Deno.test("issuer metadata: served as the issuer publishes it, fetched once for many requests", async () => {
  await withIssuer(async (issuer) => {
    const served = new CachedIssuerMetadata(issuer.issuer);
    const responses = await Promise.all(Array.from({ length: 10 }, () => served.response()));
    assert.equal(issuer.metadataFetches(), 1, "concurrent requests share one fetch");
    for (const response of responses) {
      assert.equal(response.status, 200);
      assert.equal(response.headers.get("content-type"), "application/json");
      assert.equal(response.headers.get("access-control-allow-origin"), "*");
    }
    const bodies = await Promise.all(responses.map((response) => response.json()));
    const published = await (await fetch(
      `${new URL(issuer.issuer).origin}/.well-known/oauth-authorization-server/realms/test`,
    )).json();
    for (const body of bodies) assert.deepEqual(body, published);
    assert.equal(bodies[0].issuer, issuer.issuer);
    assert.equal((await served.response()).status, 200);
    assert.equal(issuer.metadataFetches(), 2, "the later request was served the copy (1 fetch + the test's)");
    assert.equal(resourceServer(issuer).server.issuerMetadataPath, "/.well-known/oauth-authorization-server");
  });
});

Deno.test("issuer metadata: an issuer publishing OpenID Connect discovery only is served that document", async () => {
  await withIssuer(async (issuer) => {
    const response = await new CachedIssuerMetadata(issuer.issuer).response();
    assert.equal(response.status, 200);
    const body = await response.json();
    assert.equal(body.issuer, issuer.issuer);
    assert.equal(body.token_endpoint, `${issuer.issuer}/token`);
  }, { discovery: "oidc" });
});

Deno.test("issuer metadata: a document naming another issuer is never served (503), and the issuer is left alone for the pause", async () => {
  await withIssuer(async (issuer) => {
    const served = new CachedIssuerMetadata(issuer.issuer);
    const response = await served.response();
    assert.equal(response.status, 503);
    assert.equal(response.headers.get("retry-after"), "5");
    const body = await response.json();
    assert.equal(body.error, "temporarily_unavailable");
    assert.ok(!JSON.stringify(body).includes("evil"), "nothing of the spoofed document");
    const asked = issuer.metadataFetches();
    assert.equal((await served.response()).status, 503);
    assert.equal(issuer.metadataFetches(), asked, "not asked again during the pause");
  }, { advertisedIssuer: "https://evil.example.test" });
});

Deno.test("issuer metadata: an issuer down, or a document over 256 KiB, gives 503; served once it is back", async () => {
  await withIssuer(async (issuer) => {
    const served = new CachedIssuerMetadata(issuer.issuer, { outageHoldMs: 0 });
    issuer.setDown(true);
    assert.equal((await served.response()).status, 503);
    issuer.setDown(false);
    assert.equal((await served.response()).status, 200);
  });
  await withIssuer(async (issuer) => {
    let padding = 300 * 1024;
    const served = new CachedIssuerMetadata(issuer.issuer, {
      outageHoldMs: 0,
      fetch: reshapingFetch("/.well-known/oauth-authorization-server/realms/test", () => ({ padding })),
    });
    assert.equal((await served.response()).status, 503);
    padding = 200 * 1024;
    const response = await served.response();
    assert.equal(response.status, 200);
    assert.equal((await response.json()).issuer, issuer.issuer);
  });
});

Deno.test("issuer metadata: the copy is fetched again after 10 minutes; the last one is served while the issuer is down", async () => {
  const clock = FakeTimers.install({ toFake: ["Date"], now: Date.now() });
  try {
    await withIssuer(async (issuer) => {
      const served = new CachedIssuerMetadata(issuer.issuer);
      assert.equal((await served.response()).status, 200);
      clock.tick(9 * 60_000);
      assert.equal((await served.response()).status, 200);
      assert.equal(issuer.metadataFetches(), 1);
      clock.tick(2 * 60_000);
      issuer.setDown(true);
      const last = await served.response();
      assert.equal(last.status, 200, "the last copy");
      assert.equal((await last.json()).issuer, issuer.issuer);
      const asked = issuer.metadataFetches();
      assert.ok(asked > 1, "the issuer was asked again");
      assert.equal((await served.response()).status, 200);
      assert.equal(issuer.metadataFetches(), asked, "not asked again during the pause");
      issuer.setDown(false);
      clock.tick(6_000);
      assert.equal((await served.response()).status, 200);
      assert.equal(issuer.metadataFetches(), asked + 1, "a fresh copy once the pause is over");
      clock.tick(60_000);
      await (await served.response()).body?.cancel();
      assert.equal(issuer.metadataFetches(), asked + 1, "and kept");
    });
  } finally {
    clock.uninstall();
  }
});

Deno.test("issuer metadata: only the issuer's two metadata places are fetched, redirects never followed", async () => {
  const asked: string[] = [];
  const recording: typeof fetch = (input, init) => {
    asked.push(`${String(input)} redirect=${init?.redirect}`);
    return Promise.resolve(
      new Response(null, { status: 302, headers: { location: "https://elsewhere.example.test/metadata" } }),
    );
  };
  const served = new CachedIssuerMetadata("https://idp.example.test/tenant", { fetch: recording });
  assert.equal((await served.response()).status, 503);
  assert.deepEqual(asked, [
    "https://idp.example.test/.well-known/oauth-authorization-server/tenant redirect=error",
    "https://idp.example.test/tenant/.well-known/openid-configuration redirect=error",
  ]);
});

Deno.test("issuer metadata: not served where the issuer itself publishes it (an issuer without a path on this origin)", () => {
  const resource = "https://mcp.example.test/mcp";
  assert.equal(servesIssuerMetadata("https://login.example.test/realms/ops", resource), true);
  assert.equal(servesIssuerMetadata("https://login.example.test", resource), true);
  assert.equal(servesIssuerMetadata("https://mcp.example.test/realms/ops", resource), true);
  assert.equal(servesIssuerMetadata("https://mcp.example.test", resource), false);
  assert.equal(servesIssuerMetadata("https://mcp.example.test/", resource), false);
});
