import assert from "node:assert/strict";
import { type Config, type ConfigSources, loadConfig } from "../../src/config.ts";
import { deniedNetNeed, netNeeds } from "../../src/permissions.ts";

const ORG_KEY = "org-key-perm-3e9d1c";

function sources(env: Record<string, string>): ConfigSources {
  return {
    env: { get: (name) => env[name] },
    readTextFile: (path) => {
      throw new Deno.errors.NotFound(path);
    },
  };
}

async function config(argv: string[], env: Record<string, string> = {}): Promise<Config> {
  const request = await loadConfig(argv, sources({ XYTE_ORG_API_KEY: ORG_KEY, ...env }));
  assert.equal(request.kind, "run");
  return (request as { kind: "run"; config: Config }).config;
}

Deno.test("netNeeds: the hub and entry hosts with their default ports over stdio (Redis is HTTP's only)", async () => {
  const needs = netNeeds(await config([], { REDIS_URL: "redis://cache.internal" }));
  assert.deepEqual(needs.map((n) => [n.address, n.setting]), [
    ["hub.xyte.io:443", "XYTE_HUB_URL"],
    ["entry.xyte.io:443", "XYTE_ENTRY_URL"],
  ]);
});

Deno.test("netNeeds: HTTP adds the listener, Redis its address (default port 6379), never its password", async () => {
  const needs = netNeeds(
    await config(["--transport", "http", "--port", "9090"], {
      XYTE_HUB_URL: "http://10.0.0.5:8000",
      REDIS_URL: "redis://:s3cret-pass@cache.internal",
    }),
  );
  assert.deepEqual(needs.map((n) => n.address), [
    "10.0.0.5:8000",
    "entry.xyte.io:443",
    "127.0.0.1:9090",
    "cache.internal:6379",
  ]);
  assert.ok(!JSON.stringify(needs).includes("s3cret-pass"));
});

Deno.test("netNeeds: --demo needs no Xyte host (the simulated hub runs in-process)", async () => {
  const needs = netNeeds(await config(["--demo", "--transport", "http"]));
  assert.deepEqual(needs.map((n) => n.address), ["127.0.0.1:8080"]);
});

Deno.test("deniedNetNeed names the setting and the address it may not reach; undefined when all are allowed", async () => {
  const needs = netNeeds(await config([], { XYTE_HUB_URL: "https://hub.other.example" }));
  assert.equal(deniedNetNeed(needs, () => true), undefined);
  const message = deniedNetNeed(needs, (address) => address !== "hub.other.example:443");
  assert.ok(message);
  assert.match(message, /^XYTE_HUB_URL: .*hub\.other\.example:443/);
  assert.match(message, /deno task compile --hub/);
});

Deno.test("deniedNetNeed asks the real permission state without prompting", async () => {
  // The test runner has --allow-all: every need is granted.
  assert.equal(deniedNetNeed(netNeeds(await config(["--transport", "http"]))), undefined);
});

Deno.test("netNeeds: OAuth adds the issuer's host, and the key set's and introspection endpoint's when configured", async () => {
  const needs = netNeeds(
    await config(["--transport", "http", "--demo"], {
      MCP_OAUTH_ISSUER: "https://login.example.com/realms/ops",
      MCP_PUBLIC_URL: "https://mcp.example.com/mcp",
      MCP_OAUTH_JWKS_URL: "https://keys.example.com:8443/certs",
      MCP_OAUTH_INTROSPECTION_URL: "https://introspect.example.com/oauth2/introspect",
      MCP_OAUTH_CLIENT_ID: "xyte-mcp",
      MCP_OAUTH_CLIENT_SECRET: "s3cret-introspection-pw",
    }),
  );
  assert.deepEqual(needs.map((n) => [n.address, n.setting]), [
    ["127.0.0.1:8080", "MCP_HOST/MCP_PORT (--host/--port)"],
    ["login.example.com:443", "MCP_OAUTH_ISSUER"],
    ["keys.example.com:8443", "MCP_OAUTH_JWKS_URL"],
    ["introspect.example.com:443", "MCP_OAUTH_INTROSPECTION_URL"],
  ]);
});
