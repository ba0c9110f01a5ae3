/**
 * Clients of the 2025-03-26 MCP revision read no Protected Resource Metadata (RFC 9728): they take the MCP
 * server's origin for the authorization server and read `/.well-known/oauth-authorization-server` there,
 * falling back to `/authorize`, `/token` and `/register` on that origin when it answers 404. The server
 * answers with the issuer's own metadata, so such a client signs in at the issuer.
 */
import assert from "node:assert/strict";
import { Client as V1Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport as V1StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ClientCredentialsProvider as V1ClientCredentialsProvider } from "@modelcontextprotocol/sdk/client/auth-extensions.js";
import { freePort } from "../helpers/free_port.ts";
import { startTestIssuer, TEST_CLIENT } from "../helpers/oauth_issuer.ts";
import { RUN_ARGS, serverEnv, spawnHttpServer, startHub } from "./harness.ts";

/** The audience the stand-in issuer gives tokens asked for without `resource`, as 2025-03-26 clients ask. */
const DEFAULT_AUDIENCE = "api://xyte-mcp";

Deno.test("OAuth: a 2025-03-26 client (no RFC 9728) finds the issuer at the server's /.well-known/oauth-authorization-server, signs in there and calls a tool", async () => {
  const hub = await startHub();
  const port = freePort();
  const origin = `http://127.0.0.1:${port}`;
  const issuer = await startTestIssuer({ audience: `${origin}/mcp`, defaultAudience: DEFAULT_AUDIENCE });
  const server = await spawnHttpServer(
    [...RUN_ARGS, "--transport", "http", "--port", String(port)],
    serverEnv(hub, {
      MCP_OAUTH_ISSUER: issuer.issuer,
      MCP_PUBLIC_URL: `${origin}/mcp`,
      MCP_OAUTH_AUDIENCE: DEFAULT_AUDIENCE,
      MCP_OAUTH_SCOPES: "xyte-mcp",
    }),
  );
  try {
    const served = await fetch(`${origin}/.well-known/oauth-authorization-server`);
    assert.equal(served.status, 200);
    assert.equal(served.headers.get("access-control-allow-origin"), "*");
    const metadata = await served.json();
    assert.equal(metadata.issuer, issuer.issuer, "the issuer's own document, not one naming this server");
    assert.equal(metadata.token_endpoint, `${issuer.issuer}/token`);
    assert.equal(metadata.authorization_endpoint, `${issuer.issuer}/authorize`);

    // The SDK's client takes the 2025-03-26 path when the server has no RFC 9728 metadata: hidden from it here.
    const asked: string[] = [];
    const withoutResourceMetadata: typeof fetch = (input, init) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      asked.push(`${init?.method ?? "GET"} ${url.origin}${url.pathname}`);
      if (url.pathname.startsWith("/.well-known/oauth-protected-resource")) {
        return Promise.resolve(new Response("not found", { status: 404 }));
      }
      return fetch(input, init);
    };
    const authProvider = new V1ClientCredentialsProvider({
      clientId: TEST_CLIENT.id,
      clientSecret: TEST_CLIENT.secret,
      scope: "xyte-mcp",
      // What such a client takes for its authorization server: the MCP server's origin.
      expectedIssuer: `${origin}/`,
    });
    const client = new V1Client({ name: "e2e-oauth-2025-03-26", version: "1" });
    await client.connect(
      new V1StreamableHTTPClientTransport(new URL(`${origin}/mcp`), {
        authProvider,
        fetch: withoutResourceMetadata,
      }),
    );
    const result = await client.callTool({ name: "list_devices", arguments: { per_page: 1 } });
    assert.notEqual(result.isError, true, JSON.stringify(result));
    await client.close();
    assert.ok(asked.includes(`GET ${origin}/.well-known/oauth-authorization-server`), asked.join("\n"));
    assert.ok(asked.includes(`POST ${issuer.issuer}/token`), "the token came from the issuer");
    assert.ok(!asked.some((line) => line.startsWith(`POST ${origin}/token`)), "no default endpoint tried");
  } finally {
    await server.stop();
    await issuer.close();
    await hub.close();
  }
});
