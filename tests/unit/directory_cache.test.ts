import assert from "node:assert/strict";
import { completerFor } from "../../src/resources/completers.ts";
import { DirectoryCache, type DirectoryEntry, type DirectoryKind } from "../../src/resources/directory.ts";
import { createSimulator } from "../../src/simulator/mod.ts";
import { simulatedClient } from "../helpers/sim_client.ts";

const TENANT_A = "tenant-a-key-3c9e71";
const TENANT_B = "tenant-b-key-8d2f40";

/** Two organizations in one in-process simulated hub, and one Xyte client per API key. */
function twoTenants() {
  const sim = createSimulator({
    organizations: [{ key: TENANT_A, seed: 7, deviceCount: 40 }, { key: TENANT_B, seed: 8, deviceCount: 40 }],
  });
  const client = (key: string) => simulatedClient(sim, key);
  return { sim, a: client(TENANT_A), b: client(TENANT_B) };
}

Deno.test("completion cache: two API keys in one process complete from their own tenant only", async () => {
  const { sim, a, b } = twoTenants();
  const cache = new DirectoryCache();
  const [orgA, orgB] = sim.state.organizations;
  const idsA = new Set(orgA!.devices.map((d) => d.id));
  const idsB = new Set(orgB!.devices.map((d) => d.id));

  const fromA = await completerFor("device_id", cache)("", a);
  const fromB = await completerFor("device_id", cache)("", b);
  assert.equal(fromA.length, 40);
  assert.equal(fromB.length, 40);
  assert.ok(fromA.every((id) => idsA.has(id) && !idsB.has(id)), "tenant A sees only its devices");
  assert.ok(fromB.every((id) => idsB.has(id) && !idsA.has(id)), "tenant B sees only its devices");

  const spaceA = await completerFor("space_id", cache)("", a);
  assert.deepEqual(new Set(spaceA), new Set(orgA!.spaces.map((s) => String(s.id))));
  const ticketsB = await completerFor("ticket_id", cache)("", b);
  assert.deepEqual(
    new Set(ticketsB),
    new Set(orgB!.tickets.filter((t) => t.status === "open").map((t) => t.id)),
  );
});

Deno.test("completion cache: a fresh directory is reused, an expired one fetched again", async () => {
  const { a, b } = twoTenants();
  let now = 0;
  const fetched: string[] = [];
  const cache = new DirectoryCache({
    ttlMs: 30_000,
    now: () => now,
    fetch: (xyte, kind) => {
      fetched.push(`${xyte === a ? "a" : "b"}:${kind}`);
      return Promise.resolve([{ id: `${kind}-1`, label: "One", description: "" }]);
    },
  });
  await cache.get(a, "devices");
  await cache.get(a, "devices");
  await Promise.all([cache.get(b, "devices"), cache.get(b, "devices")]);
  assert.deepEqual(
    fetched,
    ["a:devices", "b:devices"],
    "one fetch per client while fresh, shared when concurrent",
  );
  now = 29_999;
  await cache.get(a, "devices");
  assert.equal(fetched.length, 2);
  now = 30_000;
  await cache.get(a, "devices");
  await cache.get(a, "spaces");
  assert.deepEqual(fetched, ["a:devices", "b:devices", "a:devices", "a:spaces"]);
});

Deno.test("completion cache: a failed fetch is not kept, and completion answers no values meanwhile", async () => {
  const { a } = twoTenants();
  let fail = true;
  let calls = 0;
  const cache = new DirectoryCache({
    fetch: (_xyte, _kind: DirectoryKind): Promise<DirectoryEntry[]> => {
      calls++;
      return fail
        ? Promise.reject(new Error("upstream down"))
        : Promise.resolve([{ id: "d-1", label: "Desk", description: "" }]);
    },
  });
  assert.deepEqual(await completerFor("device_id", cache)("d", a), []);
  fail = false;
  assert.deepEqual(await completerFor("device_id", cache)("d", a), ["d-1"]);
  assert.equal(calls, 2);
});

Deno.test("completion: endpoint keys complete from the catalog without any upstream call", async () => {
  const { sim, a } = twoTenants();
  const before = sim.requests.length;
  const keys = await completerFor("endpoint_key", new DirectoryCache())("organization.devices.get", a);
  assert.deepEqual(keys, [
    "organization.devices.getDevice",
    "organization.devices.getDevices",
    "organization.devices.getHistories",
  ]);
  assert.equal(sim.requests.length, before);
});
