/**
 * The issuer's signing keys as the resource server sees them: a key it publishes that this server cannot use
 * (malformed, an unsupported curve, too short, a private key) is a server-side problem (503), never the
 * token's (401); an unknown key id is the token's, after one look at the issuer's current keys.
 */
import assert from "node:assert/strict";
import FakeTimers from "@sinonjs/fake-timers";
import { exportJWK, generateKeyPair, type JWTPayload } from "jose";
import { refusal, RESOURCE, resourceServer, withIssuer } from "../helpers/resource_server.ts";
import type { TestIssuer } from "../helpers/oauth_issuer.ts";

function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
}

/** A compact JWS of `header` and `claims`, signed by `sign` (which may be anything: jose refuses some keys). */
async function compactJws(
  header: Record<string, unknown>,
  claims: JWTPayload,
  sign: (data: Uint8Array) => Promise<Uint8Array>,
): Promise<string> {
  const encode = (value: unknown) => base64url(new TextEncoder().encode(JSON.stringify(value)));
  const input = `${encode(header)}.${encode(claims)}`;
  return `${input}.${base64url(await sign(new TextEncoder().encode(input)))}`;
}

function claimsOf(issuer: TestIssuer): JWTPayload {
  return { sub: "user-1", aud: RESOURCE, iss: issuer.issuer, exp: Math.floor(Date.now() / 1000) + 300 };
}

/** Keys an issuer may publish that this server cannot use, each with a token naming it. */
async function unusableKeys(issuer: TestIssuer): Promise<{ keys: object[]; tokens: [string, string][] }> {
  const signer = await generateKeyPair("RS256", { extractable: true });
  const publicJwk = await exportJWK(signer.publicKey);
  const privateJwk = await exportJWK(signer.privateKey);
  const short = await crypto.subtle.generateKey(
    {
      name: "RSASSA-PKCS1-v1_5",
      modulusLength: 1024,
      publicExponent: new Uint8Array([1, 0, 1]),
      hash: "SHA-256",
    },
    true,
    ["sign", "verify"],
  );
  const keys = [
    { ...publicJwk, kid: "garbled-modulus", alg: "RS256", n: "not base64url!" },
    { kty: "RSA", kid: "no-modulus", alg: "RS256", e: "AQAB" },
    { kty: "OKP", crv: "Ed448", kid: "ed448", x: base64url(new Uint8Array(57).fill(7)) },
    { ...privateJwk, kid: "published-private", alg: "RS256" },
    { ...(await exportJWK(short.publicKey)), kid: "rsa-1024", alg: "RS256" },
  ];
  const signed = (kid: string) => issuer.mint({}, { kid, key: signer.privateKey });
  const tokens: [string, string][] = [
    ["garbled-modulus", await signed("garbled-modulus")],
    ["no-modulus", await signed("no-modulus")],
    // RFC 8037: EdDSA is Ed25519 or Ed448; WebCrypto (and so this server) verifies Ed25519 only.
    [
      "ed448",
      await compactJws(
        { alg: "EdDSA", kid: "ed448", typ: "at+jwt" },
        claimsOf(issuer),
        () => Promise.resolve(new Uint8Array(114).fill(1)),
      ),
    ],
    ["published-private", await signed("published-private")],
    [
      "rsa-1024",
      await compactJws(
        { alg: "RS256", kid: "rsa-1024", typ: "at+jwt" },
        claimsOf(issuer),
        async (data) =>
          new Uint8Array(
            await crypto.subtle.sign("RSASSA-PKCS1-v1_5", short.privateKey, data as BufferSource),
          ),
      ),
    ],
  ];
  return { keys, tokens };
}

Deno.test("oauth keys: a token signed with a published key this server cannot use gets 503 naming a server-side problem, not 401; other tokens pass", async () => {
  await withIssuer(async (issuer) => {
    const { keys, tokens } = await unusableKeys(issuer);
    issuer.publish(keys);
    // The default pause after an outage (5 s): a key problem taken for one would turn the next token away.
    const { server, outcomes } = resourceServer(issuer);
    for (const [label, token] of tokens) {
      outcomes.length = 0;
      const response = refusal(await server.verify(`Bearer ${token}`));
      assert.equal(response.status, 503, label);
      assert.equal(response.headers.get("retry-after"), "30", label);
      assert.equal(response.headers.get("www-authenticate"), null, `${label}: no sign-in challenge`);
      const body = await response.json();
      assert.equal(body.error.code, -32000, label);
      assert.match(body.error.message, /key .*this server cannot use/, label);
      assert.ok(!JSON.stringify(body).includes(token), `${label}: token echoed`);
      assert.deepEqual(outcomes, ["unavailable"], label);
      assert.ok(
        "principal" in await server.verify(`Bearer ${await issuer.mint({ jti: label })}`),
        `${label}: a token of a good key is still accepted at once`,
      );
    }
    // What the token itself gets wrong is still its fault.
    assert.equal(refusal(await server.verify(`Bearer ${await issuer.mintForged()}`)).status, 401);
    assert.equal(
      refusal(await server.verify(`Bearer ${await issuer.mint({ aud: "https://other.test/mcp" })}`)).status,
      401,
    );
  });
});

Deno.test("oauth keys: a key the issuer fixes is used at the next fetch of its keys (at most 30 s later), without a restart", async () => {
  const clock = FakeTimers.install({ toFake: ["Date"], now: Date.now() });
  try {
    await withIssuer(async (issuer) => {
      const signer = await generateKeyPair("RS256", { extractable: true });
      const good = { ...(await exportJWK(signer.publicKey)), kid: "rotated", alg: "RS256" };
      issuer.publish([{ ...good, n: "AAAA" }]);
      const { server } = resourceServer(issuer);
      const token = await issuer.mint({}, { kid: "rotated", key: signer.privateKey });
      assert.equal(refusal(await server.verify(`Bearer ${token}`)).status, 503);
      const fetched = issuer.jwksFetches();
      issuer.publish([good]);
      assert.equal(refusal(await server.verify(`Bearer ${token}`)).status, 503);
      assert.equal(issuer.jwksFetches(), fetched, "no fetch within 30 s of the last");
      clock.tick(31_000);
      assert.ok("principal" in await server.verify(`Bearer ${token}`));
      assert.equal(issuer.jwksFetches(), fetched + 1);
    });
  } finally {
    clock.uninstall();
  }
});

Deno.test("oauth keys: a key rotated in is fetched on first sight; unknown key ids get 401 after at most one fetch per 30 s", async () => {
  const clock = FakeTimers.install({ toFake: ["Date"], now: Date.now() });
  try {
    await withIssuer(async (issuer) => {
      const { server, outcomes } = resourceServer(issuer);
      assert.ok("principal" in await server.verify(`Bearer ${await issuer.mint()}`));
      assert.equal(issuer.jwksFetches(), 1);
      clock.tick(31_000);
      const next = await generateKeyPair("ES256", { extractable: true });
      issuer.publish([{ ...(await exportJWK(next.publicKey)), kid: "test-key-2", alg: "ES256" }]);
      const rotated = await issuer.mint({}, { kid: "test-key-2", alg: "ES256", key: next.privateKey });
      assert.ok("principal" in await server.verify(`Bearer ${rotated}`));
      assert.equal(issuer.jwksFetches(), 2, "the new key id made the server fetch the keys");
      const unknown = await issuer.mint({}, { kid: "never-published" });
      const response = refusal(await server.verify(`Bearer ${unknown}`));
      assert.equal(response.status, 401);
      assert.match(response.headers.get("www-authenticate")!, /error="invalid_token"/);
      assert.equal(issuer.jwksFetches(), 2, "within 30 s of the last fetch, none");
      clock.tick(31_000);
      assert.equal(refusal(await server.verify(`Bearer ${unknown}`)).status, 401);
      assert.equal(issuer.jwksFetches(), 3, "then one look at the current keys");
      assert.deepEqual(outcomes, ["valid", "valid", "invalid", "invalid"]);
    });
  } finally {
    clock.uninstall();
  }
});

Deno.test("oauth keys: a key set that is JSON but no key set is the issuer's outage (503, a pause), not a key's", async () => {
  await withIssuer(async (issuer) => {
    const notAKeySet: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      const url = input instanceof Request ? input.url : String(input);
      if (!url.endsWith("/jwks")) return response;
      await response.body?.cancel();
      return Response.json({ keys: "rotating, back soon" });
    };
    const { server, outcomes } = resourceServer(issuer, { jwksUrl: issuer.jwksUrl }, { fetch: notAKeySet });
    const response = refusal(await server.verify(`Bearer ${await issuer.mint()}`));
    assert.equal(response.status, 503);
    assert.equal(response.headers.get("retry-after"), "5");
    assert.doesNotMatch((await response.json()).error.message, /cannot use/);
    // The pause after an outage: the next token does not make the server ask again.
    assert.equal(refusal(await server.verify(`Bearer ${await issuer.mint({ jti: "2" })}`)).status, 503);
    assert.equal(issuer.jwksFetches(), 1);
    assert.deepEqual(outcomes, ["unavailable", "unavailable"]);
  });
});
