/**
 * The production HTTP service, end to end: inbound auth, DNS-rebinding protection, body limit, tenants,
 * rate limits (across two processes sharing Redis), metrics, readiness, graceful shutdown, stateless calls.
 */
import assert from "node:assert/strict";
import { Client, SSEClientTransport, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { type SimulatorServer, startSimulator } from "../../src/simulator/mod.ts";
import { startTestRedis, testRedisUser } from "../helpers/redis.ts";
import { freePort } from "../helpers/free_port.ts";
import {
  connectHttp,
  type HttpServerProcess,
  openRawSession,
  openSessions,
  ORG_KEY,
  PARTNER_KEY,
  RUN_ARGS,
  serverEnv,
  startHttpServer,
  startHub,
  startTwoTenants,
  waitFor,
} from "./harness.ts";

const TOKEN = "e2e-inbound-token-0123456789abcdef";
const JSON_HEADERS = { "content-type": "application/json", "accept": "application/json, text/event-stream" };
const LIST_TOOLS = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" });

/** A 2025-era client over HTTP with extra request headers (token, tenant key). */
async function connect(url: string, headers: Record<string, string>): Promise<Client> {
  const client = new Client({ name: "e2e-service", version: "1" });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
  return client;
}

/** A raw request over a socket, to send a Host header fetch() would not. */
async function rawRequest(url: string, headers: Record<string, string>, body: string): Promise<string> {
  const { hostname, port, pathname } = new URL(url);
  const conn = await Deno.connect({ hostname, port: Number(port) });
  const lines = [`POST ${pathname} HTTP/1.1`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
  lines.push(`Content-Length: ${new TextEncoder().encode(body).length}`, "Connection: close", "", body);
  await conn.write(new TextEncoder().encode(lines.join("\r\n")));
  return await new Response(conn.readable).text();
}

/**
 * Runs `fn` against a multi-tenant server (no Xyte key of its own) over the default simulated hub (one
 * organization, a partner key), then stops both.
 */
async function withMultiTenantServer(
  fn: (server: HttpServerProcess, hub: SimulatorServer) => Promise<void>,
  env: Record<string, string> = {},
  args: string[] = [],
): Promise<void> {
  const hub = await startHub();
  const server = await startHttpServer(
    serverEnv(undefined, { XYTE_HUB_URL: hub.url, XYTE_ENTRY_URL: hub.url, ...env }),
    args,
  );
  try {
    await fn(server, hub);
  } finally {
    await server.stop();
    await hub.close();
  }
}

/** How many requests the hub got for `endpointKey` after the first `before`. */
function requestsSince(hub: SimulatorServer, before: number, endpointKey: string): number {
  return hub.requests.slice(before).filter((r) => r.endpointKey === endpointKey).length;
}

/** Asks /readyz until it answers 503 (within 10 s), and returns that answer's body. */
async function probeUntilUnready(url: string): Promise<{ checks: Record<string, unknown> }> {
  const end = Date.now() + 10_000;
  for (;;) {
    const probe = await fetch(new URL("/readyz", url));
    if (probe.status === 503) return await probe.json();
    await probe.body?.cancel();
    if (Date.now() > end) throw new Error(`/readyz still answers ${probe.status} after 10 s`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

Deno.test("inbound auth: no token and a wrong token get 401; the right token is served", async () => {
  const hub = await startHub();
  const server = await startHttpServer(serverEnv(hub, { MCP_HTTP_TOKEN: TOKEN }));
  try {
    for (const authorization of [undefined, "Bearer wrong-token-0000000000000000", `Basic ${TOKEN}`]) {
      const response = await fetch(server.url, {
        method: "POST",
        headers: { ...JSON_HEADERS, ...(authorization ? { authorization } : {}) },
        body: LIST_TOOLS,
      });
      assert.equal(response.status, 401, `authorization ${authorization}`);
      assert.match(response.headers.get("www-authenticate") ?? "", /^Bearer/);
      const body = await response.json();
      assert.equal(body.jsonrpc, "2.0");
      assert.equal(body.error.code, -32001);
    }
    for (let i = 0; i < 20; i++) {
      const refused = await fetch(server.url, { method: "POST", headers: JSON_HEADERS, body: LIST_TOOLS });
      await refused.body?.cancel();
    }
    const client = await connect(server.url, { authorization: `Bearer ${TOKEN}` });
    assert.ok((await client.listTools()).tools.length > 0);
    await client.close();
    assert.ok(!server.stderr().includes(TOKEN), "the token is never logged");
    // 23 refusals: one line saying why, not one per request.
    const refusals = server.stderr().split("\n").filter((line) => line.includes('"request refused"'));
    assert.equal(refusals.length, 1, refusals.join("\n"));
    const line = JSON.parse(refusals[0]!);
    assert.equal(line.level, "WARN");
    assert.equal(line.status, 401);
    assert.match(line.reason, /Unauthorized/);
    const health = await fetch(new URL("/healthz", server.url));
    assert.equal(health.status, 200, "probes need no token");
    await health.body?.cancel();
    const metrics = new URL("/metrics", server.url);
    const anonymous = await fetch(metrics);
    await anonymous.body?.cancel();
    assert.equal(anonymous.status, 401, "/metrics needs the token (it shows what tenants do)");
    assert.match(anonymous.headers.get("www-authenticate") ?? "", /^Bearer/);
    const scraped = await fetch(metrics, { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(scraped.status, 200);
    assert.match(await scraped.text(), /^xyte_mcp_build_info/m);
  } finally {
    await server.stop();
    await hub.close();
  }
});

Deno.test("several tokens: a session belongs to the token that opened it; each token has its own session cap", async () => {
  const hub = await startHub();
  const other = "e2e-second-token-fedcba9876543210";
  const server = await startHttpServer(
    serverEnv(hub, { MCP_HTTP_TOKEN: `${TOKEN},${other}`, MCP_MAX_SESSIONS_PER_TENANT: "1" }),
  );
  try {
    const initialize = (token: string) =>
      fetch(server.url, {
        method: "POST",
        headers: { ...JSON_HEADERS, authorization: `Bearer ${token}` },
        body: JSON.stringify({
          jsonrpc: "2.0",
          id: 1,
          method: "initialize",
          params: {
            protocolVersion: "2025-06-18",
            capabilities: {},
            clientInfo: { name: "t", version: "1" },
          },
        }),
      });
    const opened = await initialize(TOKEN);
    await opened.body?.cancel();
    const sessionId = opened.headers.get("mcp-session-id")!;
    assert.ok(sessionId);
    const listTools = (token: string) =>
      fetch(server.url, {
        method: "POST",
        headers: {
          ...JSON_HEADERS,
          authorization: `Bearer ${token}`,
          "mcp-session-id": sessionId,
          "mcp-protocol-version": "2025-06-18",
        },
        body: LIST_TOOLS,
      });
    const stranger = await listTools(other);
    assert.equal(stranger.status, 403, "another token cannot use the session");
    assert.match((await stranger.json()).error.message, /belongs to another client/);
    const owner = await listTools(TOKEN);
    await owner.body?.cancel();
    assert.equal(owner.status, 200);

    const second = await initialize(TOKEN);
    await second.body?.cancel();
    assert.equal(second.status, 429, "the first token holds its one session");
    assert.match(second.headers.get("retry-after") ?? "", /^\d+$/);
    const theirs = await initialize(other);
    await theirs.body?.cancel();
    assert.equal(theirs.status, 200, "the other token still gets one");
  } finally {
    await server.stop();
    await hub.close();
  }
});

Deno.test("Host and Origin allow-lists answer 403; an oversize body answers 413", async () => {
  const hub = await startHub();
  const server = await startHttpServer(serverEnv(hub, { MCP_MAX_BODY_BYTES: "2048" }));
  try {
    const rebound = await rawRequest(server.url, { Host: "evil.example", ...JSON_HEADERS }, LIST_TOOLS);
    assert.match(rebound, /^HTTP\/1\.1 403/);
    const foreign = await fetch(server.url, {
      method: "POST",
      headers: { ...JSON_HEADERS, origin: "https://evil.example" },
      body: LIST_TOOLS,
    });
    assert.equal(foreign.status, 403);
    await foreign.body?.cancel();
    const local = await fetch(new URL("/healthz", server.url), {
      headers: { origin: "http://localhost:6274" },
    });
    assert.equal(local.status, 200);
    await local.body?.cancel();
    const huge = JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "tools/list",
      params: { pad: "x".repeat(10_000) },
    });
    const tooBig = await fetch(server.url, { method: "POST", headers: JSON_HEADERS, body: huge });
    assert.equal(tooBig.status, 413);
    assert.equal((await tooBig.json()).jsonrpc, "2.0");
    for (const header of ["x-content-type-options", "referrer-policy", "content-security-policy"]) {
      assert.ok(tooBig.headers.get(header), `security header ${header}`);
    }
  } finally {
    await server.stop();
    await hub.close();
  }
});

Deno.test("multi-tenant: each client's key sees only its organization, in data and in cache", async () => {
  const keyA = "tenant-a-key-1111111111";
  const keyB = "tenant-b-key-2222222222";
  const hub = await startSimulator({
    organizations: [{ key: keyA, seed: 1, name: "Alpha Corp" }, {
      key: keyB,
      seed: 2,
      name: "Beta Ltd",
      deviceCount: 40,
    }],
  });
  const env = serverEnv(undefined, {
    XYTE_HUB_URL: hub.url,
    XYTE_ENTRY_URL: hub.url,
    XYTE_CACHE_TTL_S: "60",
  });
  const server = await startHttpServer(env);
  try {
    const missing = await fetch(server.url, { method: "POST", headers: JSON_HEADERS, body: LIST_TOOLS });
    assert.equal(missing.status, 401);
    assert.match((await missing.json()).error.message, /X-Xyte-Api-Key/);

    const alpha = await connect(server.url, { "x-xyte-api-key": keyA });
    const beta = await connect(server.url, { "x-xyte-api-key": keyB });
    const idsOf = async (client: Client) => {
      const result = await client.callTool({ name: "list_devices", arguments: { all: true } });
      return new Set((result.structuredContent as { devices: { id: string }[] }).devices.map((d) => d.id));
    };
    const a1 = await idsOf(alpha);
    const before = hub.requests.length;
    const b1 = await idsOf(beta);
    assert.ok(hub.requests.length > before, "tenant B's first call goes upstream, not to A's cache entry");
    const a2 = await idsOf(alpha);
    const b2 = await idsOf(beta);
    const [orgA, orgB] = hub.state.organizations;
    assert.deepEqual([...a1].sort(), orgA!.devices.map((d) => d.id).sort());
    assert.deepEqual([...b1].sort(), orgB!.devices.map((d) => d.id).sort());
    assert.deepEqual(a2, a1);
    assert.deepEqual(b2, b1);
    assert.ok([...a1].every((id) => !b1.has(id)), "no device of A is ever shown to B");

    // A session belongs to the key that opened it.
    const hijack = await fetch(server.url, {
      method: "POST",
      headers: {
        ...JSON_HEADERS,
        "x-xyte-api-key": keyB,
        "mcp-session-id": (alpha.transport as StreamableHTTPClientTransport).sessionId!,
      },
      body: LIST_TOOLS,
    });
    assert.equal(hijack.status, 403);
    await hijack.body?.cancel();
    await alpha.close();
    await beta.close();
    const log = server.stderr();
    assert.ok(!log.includes(keyA) && !log.includes(keyB), "tenant keys never reach the logs");
  } finally {
    await server.stop();
    await hub.close();
  }
});

Deno.test("multi-tenant: one tenant's failing calls open its own circuit, not the other tenants'", async () => {
  const { hub, server, keyA, keyB } = await startTwoTenants({
    XYTE_RETRY_MAX: "0",
    XYTE_BREAKER_FAILURES: "2",
    XYTE_BREAKER_COOLDOWN_S: "60",
  });
  try {
    const [orgA, orgB] = hub.state.organizations;
    const deviceA = orgA!.devices[0]!.id;
    hub.faults.add({ pathPrefix: `/core/v1/organization/devices/${deviceA}`, status: 503 });
    const alpha = await connect(server.url, { "x-xyte-api-key": keyA });
    const beta = await connect(server.url, { "x-xyte-api-key": keyB });
    const codeOf = async (client: Client, deviceId: string) => {
      const result = await client.callTool({ name: "get_device", arguments: { device_id: deviceId } });
      return (result.structuredContent as { error?: { code: string } }).error?.code ?? "ok";
    };
    assert.deepEqual([await codeOf(alpha, deviceA), await codeOf(alpha, deviceA)], ["upstream", "upstream"]);
    assert.equal(await codeOf(alpha, deviceA), "circuit_open", "tenant A's circuit opened");
    assert.equal(await codeOf(beta, orgB!.devices[0]!.id), "ok", "tenant B is not paused");
    // The failing tenant shows in the tool lines (as the hash of its key).
    assert.match(
      server.stderr(),
      /"message":"tool call failed"[^\n]*"tenant":"[0-9a-f]{32}"|"tenant":"[0-9a-f]{32}"[^\n]*"message":"tool call failed"/,
    );
    const metrics = await (await fetch(new URL("/metrics", server.url))).text();
    assert.match(metrics, /xyte_mcp_circuit_open\{host="[^"]+"\} 1\n/, "one tenant's circuit is open");
    await alpha.close();
    await beta.close();
  } finally {
    await server.stop();
    await hub.close();
  }
});

Deno.test("multi-tenant: one key's sessions and listen streams are capped (429); other keys still get theirs", async () => {
  const { hub, server, keyA, keyB } = await startTwoTenants({ MCP_MAX_SESSIONS_PER_TENANT: "2" });
  const streams = new AbortController();
  const initialize = (key: string, extra: Record<string, string> = {}) =>
    fetch(server.url, {
      method: "POST",
      headers: { ...JSON_HEADERS, "x-xyte-api-key": key, ...extra },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: {
          protocolVersion: "2025-06-18",
          capabilities: {},
          clientInfo: { name: "cap", version: "1" },
        },
      }),
    });
  const listen = (key: string) =>
    fetch(server.url, {
      method: "POST",
      headers: {
        ...JSON_HEADERS,
        "x-xyte-api-key": key,
        "mcp-protocol-version": "2026-07-28",
        "mcp-method": "subscriptions/listen",
      },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 7,
        method: "subscriptions/listen",
        params: {
          notifications: { resourceSubscriptions: ["xyte://organization"] },
          _meta: {
            "io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientCapabilities": {},
          },
        },
      }),
      signal: streams.signal,
    });
  const gauge = async (transport: string) => {
    const text = await (await fetch(new URL("/metrics", server.url))).text();
    return Number(
      text.match(new RegExp(`xyte_mcp_sessions_active\\{transport="${transport}"\\} (\\d+)`))?.[1],
    );
  };
  try {
    const session = await initialize(keyA);
    await session.body?.cancel();
    assert.equal(session.status, 200);
    const listening = await listen(keyA);
    assert.equal(listening.status, 200, "a listen stream takes the key's second place");
    assert.equal(await gauge("listen"), 1);

    for (const refused of [await initialize(keyA), await listen(keyA)]) {
      assert.equal(refused.status, 429, "a third place for the same key is refused");
      assert.equal(refused.headers.get("retry-after"), "30");
      assert.match((await refused.json()).error.message, /this Xyte key: at most 2 at once/);
    }
    const sse = await fetch(new URL("/sse", server.url), { headers: { "x-xyte-api-key": keyA } });
    await sse.body?.cancel();
    assert.equal(sse.status, 429, "legacy SSE counts too");
    // A made-up partner key makes another tenant, but the organization key still counts as itself.
    const madeUp = await initialize(keyA, { "x-xyte-partner-key": "made-up-partner-key-0001" });
    await madeUp.body?.cancel();
    assert.equal(madeUp.status, 429, "varying the partner key does not make a fresh allowance");

    const other = await initialize(keyB);
    await other.body?.cancel();
    assert.equal(other.status, 200, "another key is not locked out");

    await listening.body?.cancel();
    for (let i = 0; i < 100 && await gauge("listen") > 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(await gauge("listen"), 0);
    const again = await listen(keyA);
    assert.equal(again.status, 200, "a closed listen stream gives its place back");
    await again.body?.cancel();
  } finally {
    streams.abort();
    await server.stop();
    await hub.close();
  }
});

Deno.test("multi-tenant: the rate limit holds per key, whatever other key a client sends with it", async () => {
  const { hub, server, keyA, keyB } = await startTwoTenants({
    MCP_RATE_LIMIT_RPM: "6",
    MCP_RATE_LIMIT_BURST: "3",
  });
  try {
    const post = async (headers: Record<string, string>) => {
      const response = await fetch(server.url, {
        method: "POST",
        headers: { ...JSON_HEADERS, "mcp-protocol-version": "2025-06-18", ...headers },
        body: LIST_TOOLS,
      });
      await response.body?.cancel();
      return response.status;
    };
    const statuses = [];
    for (let i = 0; i < 5; i++) {
      // A made-up partner key each time: a new tenant each time, but the same organization key.
      statuses.push(
        await post({ "x-xyte-api-key": keyA, "x-xyte-partner-key": `made-up-partner-${i}-000000` }),
      );
    }
    assert.deepEqual(statuses.map((s) => s === 429), [false, false, false, true, true], `${statuses}`);
    // (Without a session the request itself is refused, 400, but past the rate limit.)
    assert.notEqual(await post({ "x-xyte-api-key": keyB }), 429, "another key has its own bucket");
    // A request refused for one of its keys takes nothing from the other's bucket. A partner key's bucket is
    // spent; keyB sent with it is refused three times; keyB alone (2 tokens left) is still served.
    const partner = { "x-xyte-partner-key": "shared-partner-key-0000000" };
    for (let i = 0; i < 3; i++) assert.notEqual(await post(partner), 429);
    for (let i = 0; i < 3; i++) assert.equal(await post({ "x-xyte-api-key": keyB, ...partner }), 429);
    assert.notEqual(await post({ "x-xyte-api-key": keyB }), 429, "keyB's bucket was not drained by refusals");
  } finally {
    await server.stop();
    await hub.close();
  }
});

Deno.test("multi-tenant: a client may bring a partner key alone, or with its organization key", async () => {
  await withMultiTenantServer(async (server) => {
    const clients: Record<string, string>[] = [
      { "x-xyte-partner-key": PARTNER_KEY },
      { "x-xyte-api-key": ORG_KEY, "x-xyte-partner-key": PARTNER_KEY },
    ];
    for (const headers of clients) {
      const label = Object.keys(headers).join(" + ");
      const client = await connect(server.url, headers);
      const partner = await client.callTool({ name: "partner_list_devices", arguments: {} });
      assert.notEqual(partner.isError, true, `${label}: ${JSON.stringify(partner.structuredContent)}`);
      const org = await client.callTool({ name: "list_devices", arguments: { per_page: 1 } });
      assert.equal(
        org.isError === true,
        !("x-xyte-api-key" in headers),
        `${label}: organization tools need its key`,
      );
      if (org.isError) {
        // The hint names the header the client sends its keys in: this server has no settings holding one.
        const { hint } = (org.structuredContent as { error: { hint: string } }).error;
        assert.match(hint, /send it in the X-Xyte-Api-Key header/, hint);
      }
      await client.close();
    }
  }, { XYTE_TOOLSETS: "devices,partner" });
});

Deno.test("multi-tenant with MCP_CHECK_TENANT_KEYS: keys Xyte refuses get 401, new keys are checked at a bounded rate", async () => {
  await withMultiTenantServer(async (server) => {
    const initialize = async (headers: Record<string, string>) => {
      const response = await fetch(server.url, {
        method: "POST",
        headers: { ...JSON_HEADERS, ...headers },
        body: JSON.stringify({
          jsonrpc: "2.0",
          id: 1,
          method: "initialize",
          params: {
            protocolVersion: "2025-06-18",
            capabilities: {},
            clientInfo: { name: "k", version: "1" },
          },
        }),
      });
      const text = await response.text();
      return {
        status: response.status,
        text,
        retryAfter: response.headers.get("retry-after"),
        session: response.headers.get("mcp-session-id"),
      };
    };
    // Real keys: checked once each (2 of the 6 checks), then served as usual.
    const client = await connect(server.url, { "x-xyte-api-key": ORG_KEY });
    const devices = await client.callTool({ name: "list_devices", arguments: { per_page: 1 } });
    assert.notEqual(devices.isError, true, JSON.stringify(devices.structuredContent));
    const partnerOnly = await initialize({ "x-xyte-partner-key": PARTNER_KEY });
    assert.equal(partnerOnly.status, 200, partnerOnly.text);
    // An invented key: refused, and remembered (asked again, Xyte is not asked again).
    const invented = { "x-xyte-api-key": "invented-key-0-0000000000" };
    for (let i = 0; i < 2; i++) {
      const refused = await initialize(invented);
      assert.equal(refused.status, 401);
      assert.match(refused.text, /Xyte does not accept the key in X-Xyte-Api-Key/);
      assert.ok(!refused.text.includes("invented-key"), "the key is not echoed");
    }
    // Every route and method, an open session's included, checks the key.
    const requests: [string, string, Record<string, string>][] = [
      ["GET", "/mcp", { "mcp-session-id": partnerOnly.session!, accept: "text/event-stream" }],
      ["DELETE", "/mcp", { "mcp-session-id": partnerOnly.session! }],
      ["GET", "/sse", { accept: "text/event-stream" }],
    ];
    for (const [method, path, headers] of requests) {
      const response = await fetch(new URL(path, server.url), {
        method,
        headers: { ...headers, ...invented },
      });
      await response.body?.cancel();
      assert.equal(response.status, 401, `${method} ${path}`);
    }
    // A real organization key with an invented partner key: the partner key is named.
    const partner = await initialize({
      "x-xyte-api-key": ORG_KEY,
      "x-xyte-partner-key": "invented-partner-00000",
    });
    assert.equal(partner.status, 401);
    assert.match(partner.text, /X-Xyte-Partner-Key/);
    // Checks 5 and 6, then the bucket of checks is empty: a sixth new key waits, known keys do not.
    for (const key of ["invented-key-1-0000000000", "invented-key-2-0000000000"]) {
      assert.equal((await initialize({ "x-xyte-api-key": key })).status, 401);
    }
    const capped = await initialize({ "x-xyte-api-key": "invented-key-3-0000000000" });
    assert.equal(capped.status, 429);
    assert.match(capped.text, /Too many new Xyte keys/);
    assert.ok(Number(capped.retryAfter) >= 1, `Retry-After ${capped.retryAfter}`);
    const again = await client.callTool({ name: "list_devices", arguments: { per_page: 1 } });
    assert.notEqual(again.isError, true, "a checked key is still served");
    await client.close();
    const metrics = await (await fetch(new URL("/metrics", server.url))).text();
    for (const [outcome, count] of [["valid", 2], ["invalid", 4], ["capped", 1]] as const) {
      assert.match(
        metrics,
        new RegExp(`xyte_mcp_tenant_key_checks_total\\{outcome="${outcome}"\\} ${count}\\n`),
      );
    }
    // The real keys' sessions (closing a client does not end it); refused keys opened or ended none.
    assert.equal(await openSessions(server.url), 2);
    assert.ok(!server.stderr().includes("invented-"), "keys are never logged");
  }, {
    MCP_CHECK_TENANT_KEYS: "true",
    MCP_RATE_LIMIT_RPM: "1",
    MCP_RATE_LIMIT_BURST: "6",
  });
});

Deno.test("multi-tenant with MCP_CHECK_TENANT_KEYS: a new key gets 503 with Retry-After while Xyte does not answer", async () => {
  await withMultiTenantServer(async (server, hub) => {
    await hub.close();
    const response = await fetch(server.url, {
      method: "POST",
      headers: { ...JSON_HEADERS, "x-xyte-api-key": ORG_KEY },
      body: LIST_TOOLS,
    });
    assert.equal(response.status, 503);
    assert.equal(response.headers.get("retry-after"), "5");
    assert.match((await response.json()).error.message, /could not be checked: Xyte did not answer/);
  }, { MCP_CHECK_TENANT_KEYS: "true" });
});

Deno.test("multi-tenant: a write invalidates the cached reads of every client sending the same key", async () => {
  // One sends its organization key alone, the other with a partner key: two tenants, one organization.
  await withMultiTenantServer(async (server, hub) => {
    const reader = await connect(server.url, { "x-xyte-api-key": ORG_KEY });
    const writer = await connect(server.url, {
      "x-xyte-api-key": ORG_KEY,
      "x-xyte-partner-key": PARTNER_KEY,
    });
    // One page (with all: true, pages requested ahead of the last one may still be on their way to the cache).
    const ids = async () => {
      const result = await reader.callTool({ name: "list_devices", arguments: { per_page: 100 } });
      return (result.structuredContent as { devices: { id: string }[] }).devices.map((d) => d.id);
    };
    const before = await ids();
    const upstream = hub.requests.length;
    assert.deepEqual(await ids(), before);
    assert.equal(hub.requests.length, upstream, "the second read is cached");
    const target = before[0]!;
    const deleted = await writer.callTool({
      name: "delete_device",
      arguments: { device_id: target, confirm: target },
    });
    assert.notEqual(deleted.isError, true, JSON.stringify(deleted.structuredContent));
    const after = await ids();
    assert.ok(!after.includes(target), "the other client does not see the deleted device from its cache");
    await reader.close();
    await writer.close();
  }, { XYTE_CACHE_TTL_S: "60" });
});

Deno.test("multi-tenant --stateless: completions reuse the tenant's directory across requests", async () => {
  await withMultiTenantServer(
    async (server, hub) => {
      const complete = async (id: number) => {
        const before = hub.requests.length;
        const response = await fetch(server.url, {
          method: "POST",
          headers: { ...JSON_HEADERS, "mcp-protocol-version": "2025-06-18", "x-xyte-api-key": ORG_KEY },
          body: JSON.stringify({
            jsonrpc: "2.0",
            id,
            method: "completion/complete",
            params: {
              ref: { type: "ref/resource", uri: "xyte://devices/{device_id}" },
              argument: { name: "device_id", value: "" },
            },
          }),
        });
        const text = await response.text();
        assert.match(text, /"completion":\{"values":\["/, text.slice(0, 200));
        return hub.requests.length - before;
      };
      assert.ok(await complete(1) > 0, "the first request reads the directory upstream");
      assert.equal(await complete(2), 0, "the next request of the same tenant (its own client) reuses it");
    },
    {},
    ["--stateless"],
  );
});

Deno.test("two single-tenant deployments with different keys sharing one Redis share no cache entries or limits", async () => {
  const redis = await startTestRedis();
  if (!redis) return; // startTestRedis printed why (REDIS_UNAVAILABLE_REASON)
  // Keys of this run only: rate-limit buckets outlive the run in a shared Redis (a rerun must not meet them).
  const keyA = `deployment-a-key-${crypto.randomUUID()}`;
  const keyB = `deployment-b-key-${crypto.randomUUID()}`;
  const hub = await startSimulator({
    organizations: [{ key: keyA, seed: 3, name: "Gamma Inc" }, { key: keyB, seed: 4, name: "Delta AG" }],
  });
  const shared = {
    XYTE_HUB_URL: hub.url,
    XYTE_ENTRY_URL: hub.url,
    XYTE_CACHE_TTL_S: "60",
    REDIS_URL: redis.url,
    MCP_RATE_LIMIT_RPM: "6",
    MCP_RATE_LIMIT_BURST: "20",
    MCP_HTTP_TOKEN: TOKEN, // the same client token for both: limits per token must still stay apart
  };
  const auth = { authorization: `Bearer ${TOKEN}` };
  const [first, second] = await Promise.all([
    startHttpServer(serverEnv(undefined, { ...shared, XYTE_ORG_API_KEY: keyA })),
    startHttpServer(serverEnv(undefined, { ...shared, XYTE_ORG_API_KEY: keyB })),
  ]);
  try {
    const namesOf = async (url: string) => {
      const client = await connect(url, auth);
      try {
        const result = await client.callTool({ name: "list_devices", arguments: { per_page: 5 } });
        return (result.structuredContent as { devices: { name: string }[] }).devices.map((d) => d.name);
      } finally {
        await client.close();
      }
    };
    const [orgA, orgB] = hub.state.organizations;
    assert.deepEqual(await namesOf(first.url), orgA!.devices.slice(0, 5).map((d) => d.name));
    assert.deepEqual(
      await namesOf(second.url),
      orgB!.devices.slice(0, 5).map((d) => d.name),
      "the second deployment reads its own organization, not the first one's cache entry",
    );

    // The first deployment uses up its burst; the second one's bucket is its own.
    const post = async (url: string) => {
      const response = await fetch(url, {
        method: "POST",
        headers: { ...JSON_HEADERS, ...auth },
        body: LIST_TOOLS,
      });
      await response.body?.cancel();
      return response.status;
    };
    let refused = false;
    for (let i = 0; i < 25 && !refused; i++) refused = await post(first.url) === 429;
    assert.ok(refused, "the first deployment is rate limited");
    assert.notEqual(await post(second.url), 429, "the second deployment is not");
  } finally {
    await first.stop();
    await second.stop();
    await hub.close();
    await redis.close();
  }
});

Deno.test("rate limit: 429 with Retry-After, shared by two server processes through Redis", async () => {
  const redis = await startTestRedis();
  const hub = await startHub();
  // A token of its own each run: the buckets live in a Redis that outlives the test (REDIS_TEST_URL) and take
  // 40 s to refill, so fixed names would make a second run within that time fail.
  const token = `rate-limit-run-${crypto.randomUUID()}`;
  const auth = { authorization: `Bearer ${token}` };
  const limits = { MCP_RATE_LIMIT_RPM: "6", MCP_RATE_LIMIT_BURST: "4", MCP_HTTP_TOKEN: token };
  const env = serverEnv(hub, { ...limits, ...(redis ? { REDIS_URL: redis.url } : {}) });
  const first = await startHttpServer(env);
  const second = redis ? await startHttpServer(env) : first;
  try {
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 6; i++) {
      const target = i % 2 === 0 ? first : second;
      const response = await fetch(target.url, {
        method: "POST",
        headers: { ...JSON_HEADERS, ...auth },
        body: LIST_TOOLS,
      });
      statuses.push(response.status);
      if (response.status === 429) retryAfter = response.headers.get("retry-after");
      await response.body?.cancel();
    }
    // The burst of 4 is shared: requests 5 and 6 are refused whichever process gets them.
    assert.deepEqual(statuses.map((s) => s === 429), [false, false, false, false, true, true], `${statuses}`);
    assert.ok(Number(retryAfter) >= 1, `Retry-After ${retryAfter}`);
    // Each process counts the refusals it made: one each (or both in one process without Redis).
    const refusedTotal = async (url: string) => {
      const text = await (await fetch(new URL("/metrics", url), { headers: auth })).text();
      return Number(text.match(/^xyte_mcp_rate_limited_total (\d+)/m)?.[1]);
    };
    const counted = second === first
      ? await refusedTotal(first.url)
      : (await refusedTotal(first.url)) + (await refusedTotal(second.url));
    assert.equal(counted, 2, "the two refusals are counted");
  } finally {
    await first.stop();
    if (second !== first) await second.stop();
    await hub.close();
    await redis?.close();
  }
});

Deno.test("rate limit: a batch larger than the burst passes on a full bucket", async () => {
  const hub = await startHub();
  // 600 a minute: the 3 tokens of the bucket are back within 0.3 s.
  const server = await startHttpServer(
    serverEnv(hub, { MCP_RATE_LIMIT_RPM: "600", MCP_RATE_LIMIT_BURST: "3" }),
  );
  try {
    const headers = await openRawSession(server.url, "e2e-big-batch");
    await new Promise((resolve) => setTimeout(resolve, 500));
    const response = await fetch(server.url, {
      method: "POST",
      headers,
      body: JSON.stringify(
        Array.from({ length: 10 }, (_, i) => ({ jsonrpc: "2.0", id: 100 + i, method: "tools/list" })),
      ),
    });
    await response.body?.cancel();
    assert.equal(
      response.status,
      200,
      "a batch of 10 costs the whole bucket of 3, not more than it can hold",
    );
  } finally {
    await server.stop();
    await hub.close();
  }
});

Deno.test("rate limit: a batch counts as many requests as it carries", async () => {
  const hub = await startHub();
  const server = await startHttpServer(
    serverEnv(hub, { MCP_RATE_LIMIT_RPM: "6", MCP_RATE_LIMIT_BURST: "5" }),
  );
  try {
    const firstTaken = performance.now();
    const headers = await openRawSession(server.url, "e2e-batch"); // initialize + initialized: 2 of 5
    const batch = async (size: number) => {
      const response = await fetch(server.url, {
        method: "POST",
        headers,
        body: JSON.stringify(
          Array.from({ length: size }, (_, i) => ({ jsonrpc: "2.0", id: 100 + i, method: "tools/list" })),
        ),
      });
      await response.body?.cancel();
      return response;
    };
    assert.equal((await batch(2)).status, 200, "a batch of 2 fits the 3 left");
    const refused = await batch(10);
    const elapsedS = (performance.now() - firstTaken) / 1000;
    assert.equal(refused.status, 429, "a batch of 10 does not fit the 1 left");
    // It costs the whole bucket (5), and the wait is for all of it: 4 tokens at one per 10 s, less what came
    // back while these requests were made (a loaded machine takes more than a second). A client that waits
    // that long gets through (before, the wait was for one token short, every time: 10 s less).
    const retryAfter = Number(refused.headers.get("retry-after"));
    assert.ok(retryAfter <= 40 && retryAfter >= Math.floor(40 - elapsedS), `Retry-After ${retryAfter} s`);
  } finally {
    await server.stop();
    await hub.close();
  }
});

Deno.test("/metrics shows tool, upstream, cache and session series after calls", async () => {
  const hub = await startHub();
  const server = await startHttpServer(serverEnv(hub, { XYTE_CACHE_TTL_S: "30" }));
  try {
    const client = await connect(server.url, {});
    await client.callTool({ name: "list_devices", arguments: { per_page: 3 } });
    await client.callTool({ name: "list_devices", arguments: { per_page: 3 } });
    await client.callTool({ name: "get_device", arguments: { device_id: "no-such-device" } });
    // Answered before the tool runs: still counted.
    await client.callTool({ name: "get_device", arguments: {} });
    await client.callTool({ name: "delete_device", arguments: { device_id: "d-1", confirm: "d-2" } });
    const text = await (await fetch(new URL("/metrics", server.url))).text();
    await client.close();
    for (
      const series of [
        /xyte_mcp_tool_calls_total\{[^}]*tool="list_devices"[^}]*outcome="ok"[^}]*\} 2/,
        /xyte_mcp_tool_calls_total\{[^}]*tool="get_device"[^}]*outcome="error"[^}]*code="not_found"[^}]*\} 1/,
        /xyte_mcp_tool_calls_total\{[^}]*tool="get_device"[^}]*outcome="error"[^}]*code="invalid_arguments"[^}]*\} 1/,
        /xyte_mcp_tool_calls_total\{[^}]*tool="delete_device"[^}]*code="confirmation_mismatch"[^}]*\} 1/,
        /xyte_mcp_tool_duration_seconds_bucket\{[^}]*tool="list_devices"/,
        /xyte_mcp_upstream_requests_total\{[^}]*endpoint="organization\.devices\.getDevices"[^}]*status="200"/,
        /xyte_mcp_cache_events_total\{[^}]*event="hit"[^}]*group="devices"[^}]*\} 1/,
        /xyte_mcp_sessions_active\{transport="streamable_http"\} 1\n/,
        /xyte_mcp_http_responses_total\{route="\/mcp",status="200"\} \d+/,
        /xyte_mcp_build_info\{version="\d+\.\d+\.\d+[^"]*"\} 1/,
        /xyte_mcp_process_resident_memory_bytes/,
      ]
    ) assert.match(text, series);
    assert.doesNotMatch(text, /no-such-device/, "labels never carry ids");
  } finally {
    await server.stop();
    await hub.close();
  }
});

Deno.test("/readyz turns unready when the upstream is down; why is in the log and for the token", async () => {
  const hub = await startHub();
  const server = await startHttpServer(serverEnv(hub, { MCP_HTTP_TOKEN: TOKEN }));
  try {
    const ready = await fetch(new URL("/readyz", server.url));
    assert.equal(ready.status, 200);
    assert.equal((await ready.json()).ready, true);
    await hub.close();
    const unready = await probeUntilUnready(server.url);
    assert.deepEqual(unready.checks.upstream, { ok: false }, "which check, not why");
    const operator = await fetch(new URL("/readyz", server.url), {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    assert.equal(operator.status, 503);
    assert.match((await operator.json()).checks.upstream.detail, /^hub unreachable: /);
    await waitFor(() => server.stderr().includes("readiness check fails"), "the failure logged");
    // Once per change (a dropped connection, then a refused one, are two), not once per probe.
    const details = server.stderr().split("\n").filter((line) => line.includes("readiness check fails"))
      .map((line) => JSON.parse(line).detail as string);
    assert.match(details[0]!, /^hub unreachable: /);
    assert.ok(details.every((detail, i) => detail !== details[i - 1]), details.join("\n"));
  } finally {
    await server.stop();
  }
});

Deno.test("SIGTERM during a slow call lets it finish, then the process exits 0", async () => {
  const hub = await startHub();
  const server = await startHttpServer(serverEnv(hub));
  try {
    const client = await connect(server.url, {});
    const device = hub.state.organizations[0]!.devices[0]!;
    hub.faults.add({ endpointKey: "organization.devices.getDevice", delayMs: 1500 });
    const before = hub.requests.length;
    const call = client.callTool({ name: "get_device", arguments: { device_id: device.id } });
    await waitFor(
      () => requestsSince(hub, before, "organization.devices.getDevice") === 1,
      "the call upstream",
      15_000,
    );
    const stopped = server.stop("SIGTERM");
    // Draining once the process has handled the signal: probes say so, and new MCP requests are turned away
    // (a load balancer retries them elsewhere).
    const draining = await probeUntilUnready(server.url);
    assert.deepEqual(draining.checks.draining, { ok: false }, "unready while draining");
    const late = await fetch(server.url, { method: "POST", headers: JSON_HEADERS, body: LIST_TOOLS });
    assert.equal(late.status, 503, "no new requests while draining");
    assert.equal(late.headers.get("retry-after"), "1");
    assert.equal(late.headers.get("connection"), "close");
    await late.body?.cancel();
    const result = await call;
    assert.notEqual(result.isError, true, "the in-flight call completed");
    assert.equal((result.structuredContent as { id: string }).id, device.id);
    const status = await stopped;
    assert.equal(status.code, 0);
    assert.match(server.stderr(), /"drained":true/);
    await client.close().catch(() => {});
  } finally {
    await hub.close();
  }
});

Deno.test("SIGTERM: calls still running when the grace period ends get an error answer, on every HTTP transport", async () => {
  const hub = await startHub();
  const server = await startHttpServer(serverEnv(hub, { MCP_SHUTDOWN_GRACE_MS: "500" }));
  try {
    const device = hub.state.organizations[0]!.devices[0]!;
    hub.faults.add({ endpointKey: "organization.devices.getDevice", delayMs: 30_000 });
    // A whole-fleet listing reports progress after its first page (the SDK's answer is then a stream of its
    // own), and the pages after it hang. Pages are asked for several at a time, so which reaches the hub first
    // varies: the fault that lets one through (no delay) names page 1.
    hub.faults.add({ endpointKey: "organization.devices.getDevices", query: "page=1", delayMs: 0 });
    hub.faults.add({ endpointKey: "organization.devices.getDevices", delayMs: 30_000 });
    const getDevice = { name: "get_device", arguments: { device_id: device.id } };
    const streamable = new Client({ name: "e2e-shutdown", version: "1" });
    await streamable.connect(new StreamableHTTPClientTransport(new URL(server.url)));
    const legacy = new Client({ name: "e2e-shutdown-sse", version: "1" });
    await legacy.connect(new SSEClientTransport(new URL("/sse", server.url)));
    const modern = await connectHttp(server.url, { modern: true });
    const before = hub.requests.length;
    const outcome = (call: Promise<unknown>) =>
      call.then(() => "answered with a result", (error: Error) => error.message);
    // The first 2026-07-28 call's answer has started as a stream by the end of the grace period; the second's
    // has not.
    const progressed: number[] = [];
    const calls = [
      outcome(streamable.callTool(getDevice)),
      outcome(legacy.callTool(getDevice)),
      outcome(modern.callTool(getDevice)),
      outcome(
        modern.callTool({ name: "list_devices", arguments: { all: true } }, {
          onprogress: (update) => progressed.push(update.progress),
        }),
      ),
    ];
    // Every call upstream and the listing's progress told, and the first calls over a second old: their
    // answers have started as streams (STREAM_AFTER_MS) by then.
    await Promise.all([
      new Promise((r) => setTimeout(r, 1200)),
      waitFor(
        () =>
          requestsSince(hub, before, "organization.devices.getDevice") === 3 &&
          requestsSince(hub, before, "organization.devices.getDevices") >= 2 && progressed.length > 0,
        "the calls upstream and the listing's progress",
        15_000,
        () =>
          `getDevice ${requestsSince(hub, before, "organization.devices.getDevice")} of 3, getDevices ` +
          `${
            requestsSince(hub, before, "organization.devices.getDevices")
          } of 2, ${progressed.length} progress`,
      ),
    ]);
    calls.push(outcome(modern.callTool(getDevice)));
    await waitFor(
      () => requestsSince(hub, before, "organization.devices.getDevice") === 4,
      "the last call upstream",
      15_000,
    );
    const started = performance.now();
    const status = await server.stop("SIGTERM");
    assert.equal(status.code, 0);
    const [viaStreamable, viaLegacy, viaModernStream, viaModernProgress, viaModernJson] = await Promise.all(
      calls,
    );
    assert.match(viaStreamable!, /shut down before this request finished/, "Streamable HTTP session");
    assert.match(viaLegacy!, /shut down before this request finished/, "legacy SSE session");
    assert.match(viaModernStream!, /shut down before this request finished/, "2026-07-28, streamed answer");
    assert.match(viaModernJson!, /shut down before this request finished/, "2026-07-28, JSON answer");
    assert.ok(progressed.length > 0, "the listing had reported progress");
    assert.match(
      viaModernProgress!,
      /shut down before this request finished/,
      "2026-07-28, the SDK's stream",
    );
    assert.ok(performance.now() - started < 5_000, "told at the end of the grace period, not left waiting");
    const drainLine = server.stderr().split("\n").find((line) => line.includes('"draining done"'));
    assert.match(drainLine ?? "", /"drained":false/, "a cut call is not reported as drained");
    assert.equal(JSON.parse(drainLine!).level, "WARN", "and the operator is warned");
  } finally {
    await hub.close();
  }
});

Deno.test("SIGTERM --stateless: a call cut at the end of the grace period gets the error answer", async () => {
  const hub = await startHub();
  const server = await startHttpServer(serverEnv(hub, { MCP_SHUTDOWN_GRACE_MS: "300" }), ["--stateless"]);
  try {
    const device = hub.state.organizations[0]!.devices[0]!;
    hub.faults.add({ endpointKey: "organization.devices.getDevice", delayMs: 30_000 });
    const answer = await fetch(server.url, {
      method: "POST",
      headers: { ...JSON_HEADERS, "mcp-protocol-version": "2025-06-18" },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 41,
        method: "tools/call",
        params: { name: "get_device", arguments: { device_id: device.id } },
      }),
    });
    assert.equal(answer.headers.get("content-type"), "text/event-stream");
    const text = answer.text();
    await new Promise((r) => setTimeout(r, 200));
    const stopped = server.stop("SIGTERM");
    const data = /^data: (.*)$/m.exec(await text)?.[1];
    assert.ok(data, "an answer, not a stream that just ends");
    const message = JSON.parse(data);
    assert.equal(message.id, 41);
    assert.match(message.error.message, /shut down before this request finished/);
    assert.equal((await stopped).code, 0);
    assert.match(server.stderr(), /"message":"stopped"/);
  } finally {
    await hub.close();
  }
});

Deno.test("stateless mode serves a tools/call without initialize", async () => {
  const hub = await startHub();
  const server = await startHttpServer(serverEnv(hub), ["--stateless"]);
  try {
    const response = await fetch(server.url, {
      method: "POST",
      headers: { ...JSON_HEADERS, "mcp-protocol-version": "2025-06-18" },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 7,
        method: "tools/call",
        params: { name: "list_devices", arguments: { per_page: 2 } },
      }),
    });
    assert.equal(response.status, 200);
    const text = await response.text();
    const message = JSON.parse(
      text.startsWith("{") ? text : text.split("\n").find((l) => l.startsWith("data: "))!.slice(6),
    );
    assert.equal(message.id, 7);
    assert.equal(message.result.structuredContent.devices.length, 2);
    assert.equal(response.headers.get("mcp-session-id"), null);
  } finally {
    await server.stop();
    await hub.close();
  }
});

/** Runs the server to its exit (it is expected to fail at start); its code and stderr. */
async function failedStart(env: Record<string, string>): Promise<{ code: number; stderr: string }> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: [...RUN_ARGS, "--transport", "http"],
    env,
    clearEnv: true,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
    signal: AbortSignal.timeout(30_000), // a server that starts after all is stopped (the test then fails)
  }).output();
  return { code: output.code, stderr: new TextDecoder().decode(output.stderr) };
}

Deno.test("start-up failures say what to change: a busy port, an unreachable Redis (no password shown)", async () => {
  const hub = await startHub();
  const busy = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const port = String((busy.addr as Deno.NetAddr).port);
    const taken = await failedStart(serverEnv(hub, { MCP_PORT: port }));
    assert.equal(taken.code, 1, taken.stderr);
    assert.match(
      taken.stderr,
      new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port} \\(--host/MCP_HOST, --port/MCP_PORT\\)`),
    );
    assert.doesNotMatch(taken.stderr, /\n\s+at /, "no stack trace");

    const password = "redis-password-never-shown";
    const unreachable = await failedStart(
      serverEnv(hub, { MCP_PORT: "0", REDIS_URL: `redis://user:${password}@127.0.0.1:${freePort()}/2` }),
    );
    assert.equal(unreachable.code, 1, unreachable.stderr);
    assert.match(
      unreachable.stderr,
      /Redis at redis:\/\/127\.0\.0\.1:\d+\/2 \(REDIS_URL\) did not answer: .*ECONNREFUSED/,
    );
    assert.ok(!unreachable.stderr.includes(password), "the Redis password never reaches stderr");
    assert.doesNotMatch(unreachable.stderr, /\n\s+at /, "no stack trace");
  } finally {
    busy.close();
    await hub.close();
  }
});

Deno.test("start-up refuses a Redis that answers PING but not what the server needs: no scripting, no such database", async () => {
  const redis = await startTestRedis();
  if (!redis) return; // startTestRedis printed why (REDIS_UNAVAILABLE_REASON)
  const hub = await startHub();
  // Before, both started: rate limits off and other replicas serving stale data (no scripting), or another
  // database than configured (database 99 of 16), while /readyz said "ok".
  const noScripting = await testRedisUser(redis.url, ["+@all", "-@scripting"]);
  try {
    const refused = await failedStart(serverEnv(hub, { MCP_PORT: "0", REDIS_URL: noScripting.url }));
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(
      refused.stderr,
      /xyte-mcp: Redis at redis:\/\/127\.0\.0\.1:\d+ \(REDIS_URL\) refuses to run .*@scripting.*: NOPERM .*'eval'/,
    );
    assert.ok(
      !refused.stderr.includes(new URL(noScripting.url).password),
      "the Redis password is never shown",
    );
    assert.doesNotMatch(refused.stderr, /\n\s+at /, "no stack trace");

    const url = new URL(redis.url);
    url.pathname = "/99";
    const noDatabase = await failedStart(serverEnv(hub, { MCP_PORT: "0", REDIS_URL: url.href }));
    assert.equal(noDatabase.code, 1, noDatabase.stderr);
    assert.match(
      noDatabase.stderr,
      /Redis at redis:\/\/127\.0\.0\.1:\d+\/99 \(REDIS_URL\) refuses to use database 99 \(SELECT\): ERR DB index is out of range/,
    );
  } finally {
    await noScripting.drop();
    await hub.close();
    await redis.close();
  }
});

Deno.test("a single-tenant server refuses a client's own Xyte key instead of silently using its own", async () => {
  const hub = await startHub();
  const server = await startHttpServer(serverEnv(hub));
  try {
    const post = (headers: Record<string, string>) =>
      fetch(server.url, { method: "POST", headers: { ...JSON_HEADERS, ...headers }, body: LIST_TOOLS });
    const other = await post({ "x-xyte-api-key": "someone-elses-key-123456" });
    assert.equal(other.status, 400);
    const body = await other.json();
    assert.match(body.error.message, /its own Xyte key.*X-Xyte-Api-Key/);
    assert.ok(!JSON.stringify(body).includes(ORG_KEY) && !JSON.stringify(body).includes("someone-elses"));
    const otherPartner = await post({ "x-xyte-partner-key": "another-partner-key-99" });
    assert.equal(otherPartner.status, 400);
    await otherPartner.body?.cancel();
    for (const headers of [{ "x-xyte-api-key": ORG_KEY }, {}] as Record<string, string>[]) {
      const client = await connect(server.url, headers);
      const { tools } = await client.listTools();
      assert.ok(tools.length > 0, `its own key, or none: ${JSON.stringify(Object.keys(headers))}`);
      await client.close();
    }
  } finally {
    await server.stop();
    await hub.close();
  }
});
