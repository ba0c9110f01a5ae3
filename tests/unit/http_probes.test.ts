/**
 * `GET /healthz` is for liveness probes, which send no token: it answers the status alone, to anyone. What the
 * server is and holds (its version, its open sessions) is in /metrics, behind the token. `GET /readyz` says
 * to anyone whether the server is ready and which checks fail; why they fail only to the static token.
 */
import assert from "node:assert/strict";
import { createReadiness } from "../../src/readiness.ts";
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

/** A hub whose host name must not reach a stranger: the fetch error names it, as Deno's does. */
const HUB_HOST = "xyte-hub-7f3a.corp.internal";
const HUB_ERROR = `error sending request for url (http://${HUB_HOST}:8443/): client error (Connect): ` +
  "tcp connect error: Connection refused (os error 111)";

Deno.test("readyz: a stranger learns ready or not and which check fails, never why; the static token shows why", async () => {
  let hubUp = false;
  const readiness = createReadiness({
    hubUrl: `http://${HUB_HOST}:8443`,
    cacheMs: 0,
    failureCacheMs: 0,
    fetch: () =>
      hubUp ? Promise.resolve(new Response(null, { status: 404 })) : Promise.reject(new TypeError(HUB_ERROR)),
  });
  const options = await fixtureHttpOptions({ host: "0.0.0.0", env: { MCP_HTTP_TOKEN: TOKEN } });
  const app = createHttpApp({ ...options, readiness });
  try {
    for (const token of [undefined, "a-wrong-token-0123456789"]) {
      const response = await app.fetch(
        new Request("http://127.0.0.1/readyz", {
          headers: { host: "127.0.0.1", ...(token ? { authorization: `Bearer ${token}` } : {}) },
        }),
      );
      const text = await response.text();
      assert.equal(response.status, 503, String(token));
      assert.ok(!text.includes(HUB_HOST) && !text.includes("detail"), text);
      assert.deepEqual(JSON.parse(text), {
        ready: false,
        checks: { config: { ok: true }, upstream: { ok: false } },
      });
    }
    const operator = await get(app, "/readyz", TOKEN);
    assert.equal(operator.status, 503);
    assert.equal(operator.body.checks.upstream.detail, `hub unreachable: ${HUB_ERROR}`);

    hubUp = true;
    for (const token of [undefined, TOKEN]) {
      assert.deepEqual(await get(app, "/readyz", token), {
        status: 200,
        body: { ready: true, checks: { config: { ok: true }, upstream: { ok: true } } },
      });
    }
  } finally {
    await app.drain(0);
  }
});
