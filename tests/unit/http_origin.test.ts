import assert from "node:assert/strict";
import { createHttpApp } from "../../src/transports/http.ts";
import { fixtureHttpOptions } from "../conformance/fixture_server.ts";

/** The status of a tools/list POST to `app` carrying `origin`. */
async function statusFor(app: ReturnType<typeof createHttpApp>, origin: string): Promise<number> {
  const response = await app.fetch(
    new Request("http://127.0.0.1/mcp", {
      method: "POST",
      headers: {
        host: "127.0.0.1",
        origin,
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        authorization: "Bearer origin-test-token-0123456789",
      },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }),
    }),
  );
  await response.body?.cancel();
  return response.status;
}

Deno.test("HTTP app: a local page's Origin passes on a loopback bind only, never on a public one", async () => {
  // On a public address a local page (http://localhost:…) is not who the server's clients are; on loopback,
  // local browser tools (the MCP Inspector) are.
  const env = { MCP_HTTP_TOKEN: "origin-test-token-0123456789" };
  const local = createHttpApp(await fixtureHttpOptions({ env }));
  const exposed = createHttpApp(await fixtureHttpOptions({ host: "0.0.0.0", env }));
  try {
    assert.notEqual(await statusFor(local, "http://localhost:6274"), 403, "loopback bind: Inspector allowed");
    assert.equal(await statusFor(exposed, "http://localhost:6274"), 403, "public bind: refused");
    assert.equal(await statusFor(local, "https://attacker.example"), 403, "loopback bind: others refused");
  } finally {
    await local.drain(0);
    await exposed.drain(0);
  }
});
