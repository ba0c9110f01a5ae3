/**
 * The HTTP service as an OAuth resource server, end to end: a server process configured with
 * MCP_OAUTH_ISSUER, a stand-in authorization server minting tokens, and real clients (the v2 SDK, raw fetch).
 */
import assert from "node:assert/strict";
import {
  Client,
  ClientCredentialsProvider,
  StreamableHTTPClientTransport,
} from "@modelcontextprotocol/client";
import { exportJWK, generateKeyPair } from "jose";
import { freePort } from "../helpers/free_port.ts";
import { startTestIssuer, TEST_CLIENT, type TestIssuer } from "../helpers/oauth_issuer.ts";
import {
  type HttpServerProcess,
  JSON_RPC_HEADERS,
  RUN_ARGS,
  serverEnv,
  spawnHttpServer,
  startHttpServer,
  startHub,
  waitFor,
} from "./harness.ts";

const RESOURCE = "https://mcp.example.test/mcp";
const METADATA_URL = "https://mcp.example.test/.well-known/oauth-protected-resource/mcp";
const STATIC_TOKEN = "e2e-static-token-0123456789abcdef";
const LIST_TOOLS = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" });
const INITIALIZE = JSON.stringify({
  jsonrpc: "2.0",
  id: 0,
  method: "initialize",
  params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "e2e", version: "1" } },
});

async function withOAuthServer(
  fn: (server: HttpServerProcess, issuer: TestIssuer) => Promise<void>,
  env: Record<string, string> | ((issuer: TestIssuer) => Record<string, string>) = {},
): Promise<void> {
  const hub = await startHub();
  const issuer = await startTestIssuer({ audience: RESOURCE });
  const settings: Record<string, string> = serverEnv(hub, {
    MCP_OAUTH_ISSUER: issuer.issuer,
    MCP_PUBLIC_URL: RESOURCE,
    MCP_OAUTH_SCOPES: "xyte-mcp",
    MCP_HTTP_TOKEN: STATIC_TOKEN,
    ...(typeof env === "function" ? env(issuer) : env),
  });
  // An empty value in `env` leaves the variable out.
  for (const [name, value] of Object.entries(settings)) if (value === "") delete settings[name];
  const server = await startHttpServer(settings);
  try {
    await fn(server, issuer);
  } finally {
    await server.stop();
    await issuer.close();
    await hub.close();
  }
}

function post(
  url: string,
  token: string | undefined,
  body = LIST_TOOLS,
  headers: Record<string, string> = {},
) {
  return fetch(url, {
    method: "POST",
    headers: { ...JSON_RPC_HEADERS, ...headers, ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body,
  });
}

async function sdkClient(url: string, token: string, modern = false): Promise<Client> {
  const client = new Client(
    { name: "e2e-oauth", version: "1" },
    modern ? { versionNegotiation: { mode: "auto" as const } } : {},
  );
  await client.connect(
    new StreamableHTTPClientTransport(new URL(url), {
      requestInit: { headers: { authorization: `Bearer ${token}` } },
    }),
  );
  return client;
}

/**
 * Lists the tools and calls list_devices as a 2025-era SDK client (a session) and as a 2026-07-28 one, both
 * with `token`; returns the `user` field of the two calls' log lines, which the server writes for audit.
 */
async function callAsBothClients(server: HttpServerProcess, token: string): Promise<unknown[]> {
  for (const modern of [false, true]) {
    const client = await sdkClient(server.url, token, modern);
    const { tools } = await client.listTools();
    assert.ok(tools.some((tool) => tool.name === "list_devices"), "list_devices is listed");
    const result = await client.callTool({ name: "list_devices", arguments: { per_page: 2 } });
    assert.notEqual(result.isError, true, JSON.stringify(result));
    await client.close();
  }
  const toolLines = () =>
    server.stderr().split("\n").filter((line) =>
      line.includes("tool call ok") && line.includes("list_devices")
    );
  await waitFor(() => toolLines().length === 2, "the tool calls' log lines");
  return toolLines().map((line) => JSON.parse(line).user);
}

Deno.test("OAuth: clients find the issuer from the 401; SDK clients with an access token call tools; bad tokens are refused", async () => {
  await withOAuthServer(async (server, issuer) => {
    const base = new URL(server.url);
    for (
      const path of ["/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-protected-resource"]
    ) {
      const metadata = await fetch(new URL(path, base));
      assert.equal(metadata.status, 200, path);
      const document = await metadata.json();
      assert.equal(document.resource, RESOURCE);
      assert.deepEqual(document.authorization_servers, [issuer.issuer]);
      assert.deepEqual(document.scopes_supported, ["xyte-mcp"]);
    }

    const anonymous = await post(server.url, undefined);
    assert.equal(anonymous.status, 401);
    const challenge = anonymous.headers.get("www-authenticate") ?? "";
    assert.match(challenge, new RegExp(`resource_metadata="${METADATA_URL}"`));
    assert.match(challenge, /scope="xyte-mcp"/);
    assert.equal((await anonymous.json()).error.code, -32001);

    const token = await issuer.mint({ scope: "openid xyte-mcp" });
    // Audit: the log lines of both calls (a session's, a 2026-07-28 request's) name the user (the token's sub).
    assert.deepEqual(await callAsBothClients(server, token), ["user-1", "user-1"]);

    const refusals: [string, string, number, string][] = [
      [
        "expired",
        await issuer.mint({ scope: "xyte-mcp", exp: Math.floor(Date.now() / 1000) - 120 }),
        401,
        "invalid_token",
      ],
      ["forged", await issuer.mintForged({ scope: "xyte-mcp" }), 401, "invalid_token"],
      [
        "another resource",
        await issuer.mint({ scope: "xyte-mcp", aud: "https://other.example.test/mcp" }),
        401,
        "invalid_token",
      ],
      ["no scope", await issuer.mint(), 403, "insufficient_scope"],
    ];
    for (const [label, bad, status, error] of refusals) {
      const response = await post(server.url, bad);
      assert.equal(response.status, status, label);
      assert.match(response.headers.get("www-authenticate") ?? "", new RegExp(`error="${error}"`), label);
      await response.body?.cancel();
    }

    // The operator's static token still works next to OAuth: for scrapers and scripts.
    const viaStatic = await post(server.url, STATIC_TOKEN, INITIALIZE);
    assert.equal(viaStatic.status, 200);
    await viaStatic.body?.cancel();
    const signedIn = await fetch(new URL("/metrics", base), {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(signedIn.status, 401, "with static tokens configured, only they open /metrics");
    await signedIn.body?.cancel();
    const metrics = await fetch(new URL("/metrics", base), {
      headers: { authorization: `Bearer ${STATIC_TOKEN}` },
    });
    const text = await metrics.text();
    for (const outcome of ["valid", "missing", "expired", "invalid", "insufficient_scope"]) {
      assert.match(
        text,
        new RegExp(`^xyte_mcp_oauth_tokens_total\\{outcome="${outcome}"\\} [1-9]`, "m"),
        outcome,
      );
    }
    for (const secret of [token, STATIC_TOKEN, ...refusals.map(([, bad]) => bad)]) {
      assert.ok(!server.stderr().includes(secret), "no token is logged");
    }
  });
});

Deno.test("OAuth: a session follows its user across token refreshes, and another user's token cannot use it", async () => {
  await withOAuthServer(async (server, issuer) => {
    const first = await issuer.mint({ scope: "xyte-mcp" });
    const init = await post(server.url, first, INITIALIZE);
    assert.equal(init.status, 200);
    await init.body?.cancel();
    const session = {
      "mcp-session-id": init.headers.get("mcp-session-id")!,
      "mcp-protocol-version": "2025-06-18",
    };
    const initialized = JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" });
    await (await post(server.url, first, initialized, session)).body?.cancel();

    const refreshed = await issuer.mint({ scope: "xyte-mcp", jti: "refreshed" }, { expiresIn: "1h" });
    const again = await post(server.url, refreshed, LIST_TOOLS, session);
    assert.equal(again.status, 200);
    assert.match(await again.text(), /"tools"/);

    const intruder = await issuer.mint({ scope: "xyte-mcp", sub: "user-2" });
    const stolen = await post(server.url, intruder, LIST_TOOLS, session);
    assert.equal(stolen.status, 403);
    await stolen.body?.cancel();
    const ended = await fetch(server.url, {
      method: "DELETE",
      headers: { ...session, authorization: `Bearer ${intruder}` },
    });
    assert.equal(ended.status, 403);
    await ended.body?.cancel();
    const stillThere = await post(server.url, refreshed, LIST_TOOLS, session);
    assert.equal(stillThere.status, 200);
    await stillThere.body?.cancel();
  });
});

Deno.test("OAuth: while the issuer's keys are out of reach clients get 503 with Retry-After, then are served", async () => {
  await withOAuthServer(async (server, issuer) => {
    const token = await issuer.mint({ scope: "xyte-mcp" });
    issuer.setDown(true);
    const down = await post(server.url, token);
    assert.equal(down.status, 503);
    assert.equal(down.headers.get("retry-after"), "5");
    await down.body?.cancel();
    await waitFor(() => server.stderr().includes("cannot verify access tokens"), "a log line on the outage");
    const refusedAgain = await post(server.url, token, INITIALIZE);
    assert.equal(refusedAgain.status, 503, "answered at once during the pause");
    await refusedAgain.body?.cancel();
    issuer.setDown(false);
    // The issuer is asked again once the pause (5 s) is over.
    let status = 0;
    const deadline = Date.now() + 10_000;
    while (status !== 200 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      const up = await post(server.url, token, INITIALIZE);
      status = up.status;
      await up.body?.cancel();
    }
    assert.equal(status, 200);
  });
});

Deno.test("OAuth: a token signed with a published key the server cannot use gets 503, not a sign-in loop; the key id is logged, the token never", async () => {
  await withOAuthServer(async (server, issuer) => {
    const signer = await generateKeyPair("RS256", { extractable: true });
    const garbled = {
      ...(await exportJWK(signer.publicKey)),
      kid: "garbled-key",
      alg: "RS256",
      n: "no modulus",
    };
    issuer.publish([garbled]);
    const token = await issuer.mint({ scope: "xyte-mcp" }, { kid: "garbled-key", key: signer.privateKey });
    const refused = await post(server.url, token, INITIALIZE);
    assert.equal(refused.status, 503);
    assert.equal(refused.headers.get("retry-after"), "30");
    assert.equal(refused.headers.get("www-authenticate"), null, "no challenge: the client keeps its token");
    assert.match((await refused.json()).error.message, /server cannot use/);
    await waitFor(
      () => server.stderr().includes('"key_id":"garbled-key"'),
      "an error line naming the key",
    );
    const line = server.stderr().split("\n").find((text) => text.includes('"key_id":"garbled-key"'))!;
    assert.equal(JSON.parse(line).level, "ERROR");
    assert.match(line, /cannot be imported/);
    const good = await post(server.url, await issuer.mint({ scope: "xyte-mcp" }), INITIALIZE);
    assert.equal(good.status, 200, "tokens of the issuer's other keys are served at once");
    await good.body?.cancel();
    assert.ok(!server.stderr().includes(token), "the token is not logged");
  });
});

Deno.test("OAuth: on a single-tenant server without static tokens each user has their own rate limit", async () => {
  await withOAuthServer(async (server, issuer) => {
    const alice = await issuer.mint({ scope: "xyte-mcp", sub: "alice" });
    const bob = await issuer.mint({ scope: "xyte-mcp", sub: "bob" });
    const statuses: number[] = [];
    for (const token of [alice, alice, alice, bob]) {
      const response = await post(server.url, token, INITIALIZE);
      statuses.push(response.status);
      await response.body?.cancel();
    }
    assert.deepEqual(statuses, [200, 200, 429, 200]);
  }, { MCP_RATE_LIMIT_RPM: "1", MCP_RATE_LIMIT_BURST: "2", MCP_HTTP_TOKEN: "" });
});

Deno.test("OAuth: the SDK's own OAuth client finds the issuer from the 401, gets a token for this server and calls a tool", async () => {
  const hub = await startHub();
  const port = freePort();
  const resource = `http://127.0.0.1:${port}/mcp`;
  const issuer = await startTestIssuer({ audience: resource });
  const server = await spawnHttpServer(
    [...RUN_ARGS, "--transport", "http", "--port", String(port)],
    serverEnv(hub, {
      MCP_OAUTH_ISSUER: issuer.issuer,
      MCP_PUBLIC_URL: resource,
      MCP_OAUTH_SCOPES: "xyte-mcp",
    }),
  );
  try {
    // Machine-to-machine sign-in (client_credentials): discovery, the token request with the RFC 8707
    // resource, and the retry are the SDK's, as an interactive host's would be up to the sign-in page.
    const authProvider = new ClientCredentialsProvider({
      clientId: TEST_CLIENT.id,
      clientSecret: TEST_CLIENT.secret,
      scope: "xyte-mcp",
      expectedIssuer: issuer.issuer,
    });
    const client = new Client({ name: "e2e-oauth-machine", version: "1" });
    await client.connect(new StreamableHTTPClientTransport(new URL(resource), { authProvider }));
    const result = await client.callTool({ name: "list_devices", arguments: { per_page: 1 } });
    assert.notEqual(result.isError, true, JSON.stringify(result));
    assert.ok(authProvider.tokens()?.access_token, "the SDK holds the token it got");
    await client.close();
    await waitFor(
      () => server.stderr().includes(`"user":"${TEST_CLIENT.id}"`),
      "the call logged with its user",
    );
  } finally {
    await server.stop();
    await issuer.close();
    await hub.close();
  }
});

Deno.test("OAuth: opaque tokens are introspected at the issuer; SDK clients call tools as their user, revoked tokens get 401, the client secret is never logged", async () => {
  await withOAuthServer(async (server, issuer) => {
    const token = issuer.mintOpaque({ scope: "xyte-mcp", sub: "opaque-user-7" });
    assert.deepEqual(await callAsBothClients(server, token), ["opaque-user-7", "opaque-user-7"]);
    // Asked once, then remembered (a minute at most) across sessions and requests.
    assert.equal(issuer.introspections(), 1);

    // JWTs are still verified with the keys, without introspection.
    const jwt = await post(server.url, await issuer.mint({ scope: "xyte-mcp" }), INITIALIZE);
    assert.equal(jwt.status, 200);
    await jwt.body?.cancel();
    assert.equal(issuer.introspections(), 1);

    const revoked = issuer.mintOpaque({ scope: "xyte-mcp" });
    issuer.revoke(revoked);
    for (
      const [label, bad, status, error] of [
        ["revoked", revoked, 401, "invalid_token"],
        ["unknown", "opaque-made-up-0123456789", 401, "invalid_token"],
        ["no scope", issuer.mintOpaque(), 403, "insufficient_scope"],
      ] as const
    ) {
      const response = await post(server.url, bad);
      assert.equal(response.status, status, label);
      assert.match(response.headers.get("www-authenticate") ?? "", new RegExp(`error="${error}"`), label);
      await response.body?.cancel();
    }
    assert.ok(!server.stderr().includes(TEST_CLIENT.secret), "the client secret is not logged");
    assert.ok(!server.stderr().includes(token), "the token is not logged");
  }, (issuer) => ({
    MCP_OAUTH_INTROSPECTION_URL: issuer.introspectionUrl,
    MCP_OAUTH_CLIENT_ID: TEST_CLIENT.id,
    MCP_OAUTH_CLIENT_SECRET: TEST_CLIENT.secret,
    LOG_LEVEL: "debug",
  }));
});
