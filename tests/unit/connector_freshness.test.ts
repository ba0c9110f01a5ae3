/**
 * The connector's search corpus is kept 30 s per tenant, but never past the tenant's writes nor for a call
 * with `cache: false`: a device renamed through the server is found by its new name at the next search, on
 * this replica and on another sharing the response cache; `cache: false` reads the organization afresh, past
 * the response cache too. Another tenant's corpus is left alone.
 */
import { until } from "../helpers/until.ts";
import { connectInMemory } from "../helpers/in_memory.ts";
import assert from "node:assert/strict";
import { exposedTools } from "../../src/registry.ts";
import { createSimulator, type SimDevice, type Simulator } from "../../src/simulator/mod.ts";
import { type CacheStore, createMemoryCacheStore } from "../../src/xyte/cache_store.ts";
import { simulatedClient } from "../helpers/sim_client.ts";

const KEY_A = "connector-fresh-a-4e1d97";
const KEY_B = "connector-fresh-b-7c2a05";

interface SearchHit {
  id: string;
  title: string;
}

interface Connected {
  call(name: string, args: Record<string, unknown>): Promise<unknown>;
  search(query: string, cache?: boolean): Promise<SearchHit[]>;
  close(): Promise<void>;
}

/**
 * A server over `sim` for the tenant `tenant` with `key`, its reads cached 300 s in `store` (longer than the
 * corpus is kept, so only a fresh read can show a change made outside the server). Each call builds a client
 * of its own identity: two calls with one store are two replicas sharing one Redis.
 */
async function connect(sim: Simulator, key: string, tenant: string, store: CacheStore): Promise<Connected> {
  const xyte = simulatedClient(sim, key, { cache: { store, tenant, ttlSeconds: () => 300, reads: true } });
  const { client, close } = await connectInMemory({
    xyte,
    tenant,
    tools: await exposedTools({ readOnly: false, toolsets: ["devices", "connector"] }),
    readOnly: false,
  }, "connector-freshness");
  const call = async (name: string, args: Record<string, unknown>) => {
    const result = await client.callTool({ name, arguments: args });
    assert.notEqual(result.isError, true, JSON.stringify(result.content));
    return result.structuredContent;
  };
  return {
    call,
    async search(query, cache) {
      const args = cache === undefined ? { query } : { query, cache };
      return ((await call("search", args)) as { results: SearchHit[] }).results;
    },
    close,
  };
}

function organizations() {
  return createSimulator({
    organizations: [{ key: KEY_A, seed: 11, deviceCount: 30 }, { key: KEY_B, seed: 12, deviceCount: 30 }],
  });
}

/** A device of organization `index` whose name no other device of it shares. */
function uniquelyNamed(sim: Simulator, index = 0): SimDevice {
  const devices = sim.state.organizations[index]!.devices;
  return devices.find((d) => devices.filter((o) => o.name === d.name).length === 1)!;
}

const GET_DEVICES = "organization.devices.getDevices";

const found = (hits: SearchHit[], device: SimDevice) => hits.find((h) => h.id === `device:${device.id}`);

Deno.test("search: a device renamed through the server is found by its new name at the next search", async () => {
  const sim = organizations();
  const server = await connect(sim, KEY_A, "tenant-a", createMemoryCacheStore());
  const device = uniquelyNamed(sim);
  const oldName = device.name;
  try {
    assert.ok(found(await server.search(oldName), device), "found by its name before the rename");
    await server.call("update_device", { device_id: device.id, name: "Zebra Lobby Kiosk" });
    const hit = found(await server.search("Zebra"), device);
    assert.ok(hit, "found by its new name without waiting for the corpus to expire");
    assert.match(hit.title, /Zebra Lobby Kiosk/);
    const byOldName = found(await server.search(oldName), device);
    assert.ok(!byOldName?.title.includes(oldName), "the device no longer shows its old name");
  } finally {
    await server.close();
  }
});

Deno.test("search: a corpus still loading when a write lands is not kept for the searches after", async () => {
  const sim = organizations();
  const server = await connect(sim, KEY_A, "tenant-a", createMemoryCacheStore());
  const device = uniquelyNamed(sim);
  try {
    sim.faults.add({ endpointKey: "organization.spaces.getSpaces", delayMs: 300, times: 1 });
    const loading = server.search(device.name);
    await until(
      () => sim.requests.some((r) => r.endpointKey === GET_DEVICES && r.status === 200),
      "the devices read",
    );
    await server.call("update_device", { device_id: device.id, name: "Zebra Lobby Kiosk" });
    await loading; // read its devices before the write
    assert.ok(found(await server.search("Zebra"), device));
  } finally {
    await server.close();
  }
});

Deno.test("search: cache: false reads the organization afresh, past the response cache, for later searches too", async () => {
  const sim = organizations();
  const server = await connect(sim, KEY_A, "tenant-a", createMemoryCacheStore());
  const device = uniquelyNamed(sim);
  try {
    await server.search(device.name); // corpus and response cache loaded
    device.name = "Quokka Reception Panel"; // renamed in the Xyte portal: no write through this server
    assert.equal(found(await server.search("Quokka"), device), undefined, "the kept corpus answers");
    assert.ok(found(await server.search("Quokka", false), device), "cache: false sees the new name");
    assert.ok(found(await server.search("Quokka"), device), "the fresh corpus is kept for the next search");
  } finally {
    await server.close();
  }
});

Deno.test("search: a write through another replica sharing the cache is seen at the next search", async () => {
  const sim = organizations();
  const store = createMemoryCacheStore(); // as Redis would be, shared by both replicas
  const here = await connect(sim, KEY_A, "tenant-a", store);
  const there = await connect(sim, KEY_A, "tenant-a", store);
  const device = uniquelyNamed(sim);
  try {
    await here.search(device.name);
    await there.call("update_device", { device_id: device.id, name: "Zebra Lobby Kiosk" });
    assert.ok(found(await here.search("Zebra"), device));
  } finally {
    await here.close();
    await there.close();
  }
});

Deno.test("search: a tenant's write leaves another tenant's corpus alone, and a burst reads once", async () => {
  const sim = organizations();
  const store = createMemoryCacheStore();
  const a = await connect(sim, KEY_A, "tenant-a", store);
  const b = await connect(sim, KEY_B, "tenant-b", store);
  const device = uniquelyNamed(sim, 0);
  try {
    await a.search(device.name);
    await b.search("display");
    const before = sim.requests.length;
    await b.search("projector");
    assert.equal(sim.requests.length, before, "a second search of the tenant reads nothing");
    await a.call("update_device", { device_id: device.id, name: "Zebra Lobby Kiosk" });
    const afterWrite = sim.requests.length;
    assert.equal(found(await b.search("Zebra"), device), undefined, "tenant B never sees tenant A's devices");
    assert.equal(sim.requests.length, afterWrite, "tenant B's corpus is still current");
  } finally {
    await a.close();
    await b.close();
  }
});
