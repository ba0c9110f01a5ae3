/**
 * `GET /healthz` is for liveness probes, which send no token: it answers the status alone, to anyone. What the
 * server is and holds (its version, its open sessions) is in /metrics, behind the token.
 */
import assert from "node:assert/strict";
import { createHttpApp } from "../../src/transports/http.ts";
import { fixtureHttpOptions } from "../conformance/fixture_server.ts";

const TOKEN = "probes-test-token-0123456789";

async function get(app: ReturnType<typeof createHttpApp>, path: string, token?: string) {
  const response = await app.fetch(
    new Request(`http://127.0.0.1${path}`, {
      headers: { host: "127.0.0.1", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    }),
  );
  return { status: response.status, body: await response.json() };
}

Deno.test("healthz: the status alone, to anyone, token or none; no version, no session count", async () => {
  // A public bind with a token: where a stranger can reach the probe paths.
  const app = createHttpApp(await fixtureHttpOptions({ host: "0.0.0.0", env: { MCP_HTTP_TOKEN: TOKEN } }));
  try {
    for (const token of [undefined, TOKEN, "a-wrong-token-0123456789"]) {
      assert.deepEqual(await get(app, "/healthz", token), { status: 200, body: { status: "ok" } }, token);
    }
    const metrics = await app.fetch(
      new Request("http://127.0.0.1/metrics", { headers: { host: "127.0.0.1" } }),
    );
    await metrics.body?.cancel();
    assert.equal(metrics.status, 401, "the details stay behind the token");
  } finally {
    await app.drain(0);
  }
  // Draining is no reason to restart the process: liveness holds, readiness says it.
  assert.deepEqual(await get(app, "/healthz"), { status: 200, body: { status: "ok" } });
  assert.equal((await get(app, "/readyz")).status, 503);
});
