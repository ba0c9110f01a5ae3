import assert from "node:assert/strict";
import { Secret } from "../../src/secret.ts";
import {
  bearerToken,
  hostAllowed,
  LOOPBACK_HOSTNAMES,
  originAllowed,
  tenantKeyId,
  tokenMatches,
} from "../../src/transports/http_guards.ts";

Deno.test("tenantKeyId: 128 bits, stable, one per set of keys, and nothing of the key in it", () => {
  const key = "org-key-guards-0123456789";
  const id = tenantKeyId({ organization: new Secret(key) });
  assert.match(id, /^[0-9a-f]{32}$/, "two tenants sharing an id would share cache entries: 128 bits");
  assert.equal(tenantKeyId({ organization: new Secret(key) }), id, "stable across requests and replicas");
  assert.notEqual(
    tenantKeyId({ partner: new Secret(key) }),
    id,
    "the same text as a partner key is another tenant",
  );
  assert.notEqual(
    tenantKeyId({ organization: new Secret(key), partner: new Secret("p") }),
    id,
    "adding a partner key makes another tenant",
  );
  assert.ok(!id.includes(key.slice(0, 6)));
});

Deno.test("Host and Origin allow-lists: loopback names by default, ports ignored, foreign ones refused", () => {
  assert.equal(hostAllowed("localhost:8080", LOOPBACK_HOSTNAMES), true);
  assert.equal(hostAllowed("[::1]:8080", LOOPBACK_HOSTNAMES), true);
  assert.equal(hostAllowed("attacker.example", LOOPBACK_HOSTNAMES), false);
  assert.equal(hostAllowed(null, LOOPBACK_HOSTNAMES), false);
  for (const odd of ["localhost:evil.com", "[::1]evil.com", "localhost:80:80", "localhost/x", "", " "]) {
    assert.equal(hostAllowed(odd, LOOPBACK_HOSTNAMES), false, `not a host: ${JSON.stringify(odd)}`);
  }
  assert.equal(hostAllowed("anything.example", []), true, "no list: any host (behind a load balancer)");
  assert.equal(originAllowed(null, [], true), true, "non-browser clients send no Origin");
  assert.equal(originAllowed("http://localhost:6274", [], true), true, "local tools (Inspector) on loopback");
  assert.equal(originAllowed("https://app.example.com/", ["https://app.example.com"], false), true);
  assert.equal(originAllowed("https://attacker.example", ["https://app.example.com"], true), false);
  assert.equal(originAllowed("not a url", [], true), false);
});

Deno.test("bearer tokens: only `Bearer <token>` is read, and any configured token matches", () => {
  assert.equal(bearerToken("Bearer abc123"), "abc123");
  assert.equal(bearerToken("bearer abc123 "), "abc123");
  assert.equal(bearerToken("Basic abc123"), undefined);
  assert.equal(bearerToken(null), undefined);
  const tokens = [new Secret("first-token"), new Secret("second-token")];
  assert.equal(
    tokenMatches("first-token", tokens),
    true,
    "every configured token matches, not only the last",
  );
  assert.equal(tokenMatches("second-token", tokens), true);
  assert.equal(tokenMatches("second-toke", tokens), false);
  assert.equal(tokenMatches("", tokens), false);
});
