/** The simulator's own route table covers every endpoint of the product catalog, with the same keys. */
import assert from "node:assert/strict";
import { SHARED_ROUTE_KEYS, SIMULATOR_ROUTES } from "../../src/simulator/routes/all_routes.ts";
import { simulatorRouteTable } from "../../src/simulator/simulator.ts";
import { ENDPOINTS } from "../../src/xyte/endpoints.ts";

Deno.test("coverage: every catalog endpoint has a simulator route with the same method, path and scope", () => {
  const routes = new Map(SIMULATOR_ROUTES.map((r) => [r.key, r]));
  const missing: string[] = [];
  for (const endpoint of ENDPOINTS) {
    const route = routes.get(SHARED_ROUTE_KEYS[endpoint.key] ?? endpoint.key);
    if (!route) {
      missing.push(endpoint.key);
      continue;
    }
    assert.equal(route.method, endpoint.method, endpoint.key);
    assert.equal(route.path, endpoint.path, endpoint.key);
    assert.equal(route.scope, endpoint.scope, endpoint.key);
  }
  assert.deepEqual(missing, []);
  const catalogKeys = new Set<string>(ENDPOINTS.map((e) => e.key));
  assert.deepEqual(SIMULATOR_ROUTES.filter((r) => !catalogKeys.has(r.key)).map((r) => r.key), []);
  const counts = { organization: 0, partner: 0, device: 0 };
  for (const e of ENDPOINTS) counts[e.namespace]++;
  assert.deepEqual(counts, { organization: 64, partner: 14, device: 28 });
});

Deno.test("coverage: a concrete path of every endpoint routes to that endpoint (literals before params)", () => {
  const table = simulatorRouteTable();
  for (const endpoint of ENDPOINTS) {
    const path = endpoint.path.replace(/:([a-z_]+)/g, (_m, name: string) => `sample-${name}`);
    const match = table.match(endpoint.method, path);
    assert.equal(match.kind, "found", `${endpoint.method} ${path}`);
    if (match.kind !== "found") continue;
    assert.equal(
      match.route.key,
      SHARED_ROUTE_KEYS[endpoint.key] ?? endpoint.key,
      `${endpoint.method} ${path}`,
    );
    for (const name of endpoint.pathParams) assert.equal(match.params[name], `sample-${name}`);
  }
  const percentEncoded = table.match("GET", "/core/v1/organization/devices/a%2Fb");
  assert.equal(percentEncoded.kind === "found" && percentEncoded.params.device_id, "a/b");
});
