/**
 * ResourceWatches: one read per tenant and URI however many subscribers, a notification only when the
 * document changed (or is gone), nothing on transient failures, and no reads once nobody listens.
 */
import assert from "node:assert/strict";
import FakeTimers from "@sinonjs/fake-timers";
import { ResourceWatches, WatchLimitError } from "../../src/mcp/subscriptions.ts";
import { XyteError } from "../../src/xyte/errors.ts";

/** A resource whose document (or failure) the test sets; counts its reads. */
function fakeResource(initial: unknown) {
  const state = { document: initial, failure: undefined as Error | undefined, reads: 0 };
  return {
    state,
    read: () => {
      state.reads++;
      return state.failure ? Promise.reject(state.failure) : Promise.resolve(structuredClone(state.document));
    },
  };
}

/** Lets pending reads and digests settle. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 10));

const URI = "xyte://devices/d1";

/** Watches that read again on every recheck (no window), to test one watch's reads. */
function watches() {
  return new ResourceWatches({ pollSeconds: 0, readTimeoutMs: 1_000, recheckWindowMs: 0 });
}

Deno.test("subscribers of one tenant and URI share one watch: one read per check, each told once", async () => {
  const registry = watches();
  const tenant = {};
  const resource = fakeResource({ name: "Projector" });
  const heard: string[] = [];
  await registry.watch(tenant, URI, resource.read, () => heard.push("first"));
  await registry.watch(tenant, URI, resource.read, () => heard.push("second"));
  assert.equal(resource.state.reads, 1, "the second subscriber reuses the first read");
  assert.equal(registry.size, 1);

  registry.recheck(tenant);
  await registry.settled();
  assert.equal(resource.state.reads, 2);
  assert.deepEqual(heard, [], "an unchanged document notifies nobody");

  resource.state.document = { name: "Projector (lobby)" };
  registry.recheck(tenant);
  await registry.settled();
  assert.deepEqual(heard.sort(), ["first", "second"]);
});

Deno.test("tenants never share a watch, and a recheck reads only the tenant's own resources", async () => {
  const registry = watches();
  const [alpha, beta] = [{}, {}];
  const alphaResource = fakeResource({ devices: 3 });
  const betaResource = fakeResource({ devices: 7 });
  let betaHeard = 0;
  await registry.watch(alpha, URI, alphaResource.read, () => {});
  await registry.watch(beta, URI, betaResource.read, () => betaHeard++);
  assert.equal(registry.size, 2);

  alphaResource.state.document = { devices: 2 };
  registry.recheck(alpha);
  await registry.settled();
  assert.equal(alphaResource.state.reads, 2);
  assert.equal(betaResource.state.reads, 1, "beta's resource is not read for alpha's write");
  assert.equal(betaHeard, 0);
});

Deno.test("a transient failure notifies nobody; a resource that is gone notifies once", async () => {
  const registry = watches();
  const tenant = {};
  const resource = fakeResource({ status: "online" });
  let heard = 0;
  await registry.watch(tenant, URI, resource.read, () => heard++);

  resource.state.failure = new XyteError({ code: "upstream", message: "Xyte answered 503", status: 503 });
  registry.recheck(tenant);
  await registry.settled();
  assert.equal(heard, 0, "a failed read says nothing about the resource");
  resource.state.failure = undefined;
  registry.recheck(tenant);
  await registry.settled();
  assert.equal(heard, 0, "the same document after the failure is no change");

  resource.state.failure = new XyteError({ code: "not_found", message: "Device not found", status: 404 });
  registry.recheck(tenant);
  await registry.settled();
  assert.equal(heard, 1, "deletion is a change");
  registry.recheck(tenant);
  await registry.settled();
  assert.equal(heard, 1, "still gone: no second notification");
});

Deno.test("a resource that cannot be read is refused, and a later subscribe tries again", async () => {
  const registry = watches();
  const tenant = {};
  const resource = fakeResource({});
  resource.state.failure = new XyteError({ code: "not_found", message: "Device not found", status: 404 });
  await assert.rejects(registry.watch(tenant, URI, resource.read, () => {}), /Device not found/);
  assert.equal(registry.size, 0, "a refused subscription leaves nothing behind");
  resource.state.failure = undefined;
  await registry.watch(tenant, URI, resource.read, () => {});
  assert.equal(resource.state.reads, 2);
  assert.equal(registry.size, 1);
});

Deno.test("when the last subscriber leaves, the resource is no longer read", async () => {
  const registry = watches();
  const tenant = {};
  const resource = fakeResource({});
  const first = await registry.watch(tenant, URI, resource.read, () => {});
  const second = await registry.watch(tenant, URI, resource.read, () => {});
  first();
  first(); // twice is harmless
  registry.recheck(tenant);
  await registry.settled();
  assert.equal(resource.state.reads, 2, "one subscriber left: still read");
  second();
  assert.equal(registry.size, 0);
  registry.recheck(tenant);
  await registry.settled();
  assert.equal(resource.state.reads, 2, "nobody left: not read any more");
});

Deno.test("rechecks during a read are folded into one more read", async () => {
  const registry = watches();
  const tenant = {};
  let release: () => void = () => {};
  let reads = 0;
  let document = { v: 1 };
  const read = async () => {
    reads++;
    if (reads === 2) await new Promise<void>((resolve) => release = resolve);
    return document;
  };
  let heard = 0;
  await registry.watch(tenant, URI, read, () => heard++);
  registry.recheck(tenant); // starts read 2, which waits
  document = { v: 2 };
  registry.recheck(tenant);
  registry.recheck(tenant);
  registry.recheck(tenant);
  await settle();
  assert.equal(reads, 2, "one read at a time");
  release();
  await registry.settled(); // read 2, then the one more read it is followed by
  assert.equal(reads, 3, "three rechecks during the read become one more read");
  assert.equal(heard, 1);
});

Deno.test("a write landing during the first read is not lost: one more read follows it", async () => {
  const registry = watches();
  const tenant = {};
  const firstRead = Promise.withResolvers<void>();
  let reads = 0;
  let document = { name: "Projector" };
  const read = async () => {
    reads++;
    const seen = document; // what Xyte answered: the first read's answer predates the write
    if (reads === 1) await firstRead.promise;
    return seen;
  };
  let heard = 0;
  const watching = registry.watch(tenant, URI, read, () => heard++);
  assert.equal(reads, 1, "the first read is under way");
  document = { name: "Projector (lobby)" }; // a write, through this server, while it is
  registry.recheck(tenant);
  firstRead.resolve();
  await watching;
  await registry.settled();
  assert.equal(reads, 2, "the recheck asked for during the first read is one more read after it");
  assert.equal(heard, 1, "and the subscriber hears of the write");
});

Deno.test("a tenant watches at most maxPerTenant resources; other tenants and already watched URIs are unaffected", async () => {
  const registry = new ResourceWatches({ pollSeconds: 0, readTimeoutMs: 1_000, maxPerTenant: 2 });
  const [alpha, beta] = ["tenant-alpha", "tenant-beta"];
  const read = fakeResource({}).read;
  const first = await registry.watch(alpha, "xyte://devices/1", read, () => {});
  await registry.watch(alpha, "xyte://devices/2", read, () => {});
  await assert.rejects(registry.watch(alpha, "xyte://devices/3", read, () => {}), WatchLimitError);
  await registry.watch(alpha, "xyte://devices/2", read, () => {}); // shares the existing watch
  await registry.watch(beta, "xyte://devices/3", read, () => {});
  first();
  await registry.watch(alpha, "xyte://devices/3", read, () => {});
  assert.equal(registry.size, 3);
});

Deno.test("maxPerTenant holds per quota key: one key sent with varying other keys has one allowance", async () => {
  // Multi-tenant: (org key, made-up partner key) pairs are different tenants, but each counts against the org
  // key alone; a refused watch counts for nobody, and a dropped one gives its place back.
  const registry = new ResourceWatches({ pollSeconds: 0, readTimeoutMs: 1_000, maxPerTenant: 2 });
  const read = fakeResource({}).read;
  const stop = await registry.watch("org+p1", "xyte://devices/1", read, () => {}, ["key:org", "key:p1"]);
  await registry.watch("org+p2", "xyte://devices/1", read, () => {}, ["key:org", "key:p2"]);
  await assert.rejects(
    registry.watch("org+p3", "xyte://devices/1", read, () => {}, ["key:org", "key:p3"]),
    WatchLimitError,
  );
  await registry.watch("other+p3", "xyte://devices/1", read, () => {}, ["key:other", "key:p3"]);
  stop();
  await registry.watch("org+p3", "xyte://devices/1", read, () => {}, ["key:org", "key:p3"]);
  assert.equal(registry.size, 3);
});

Deno.test("polls are spread over the interval: each watch first polls at its own random point, then every interval", async () => {
  // A poll hashes the document with Web Crypto, which finishes in real time: between two polls the test
  // waits for it (settled), or the second poll would find the first still running and be folded into it.
  const clock = FakeTimers.withGlobal(globalThis).install({
    toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval"],
  });
  try {
    const points = [0.1, 0.9];
    const registry = new ResourceWatches({
      pollSeconds: 10,
      readTimeoutMs: 1_000,
      random: () => points.shift()!,
    });
    const early = fakeResource({});
    const late = fakeResource({});
    const stopEarly = await registry.watch("tenant", "xyte://devices/early", early.read, () => {});
    await registry.watch("tenant", "xyte://devices/late", late.read, () => {});
    const reads = () => [early.state.reads, late.state.reads];
    assert.deepEqual(reads(), [1, 1], "the first reads, at subscribe");
    await registry.settled();
    await clock.tickAsync(999);
    assert.deepEqual(reads(), [1, 1]);
    await registry.settled();
    await clock.tickAsync(1);
    assert.deepEqual(reads(), [2, 1], "1 s in: the watch drawn at 0.1");
    await registry.settled();
    await clock.tickAsync(8_000);
    assert.deepEqual(reads(), [2, 2], "9 s in: the one drawn at 0.9");
    await registry.settled();
    await clock.tickAsync(2_000);
    assert.deepEqual(reads(), [3, 2], "11 s in: the first again, one interval after its first poll");
    stopEarly();
    for (let second = 11; second < 41; second += 10) {
      await registry.settled();
      await clock.tickAsync(10_000);
    }
    await registry.settled();
    assert.deepEqual(reads(), [3, 5], "a stopped watch polls no more");
  } finally {
    clock.uninstall();
  }
});

Deno.test("writes that cannot tell what they changed: a burst re-reads everything twice, at once and when the window ends", async () => {
  const clock = FakeTimers.withGlobal(globalThis).install({ toFake: ["setTimeout", "clearTimeout"] });
  try {
    const registry = new ResourceWatches({ pollSeconds: 0, readTimeoutMs: 1_000, recheckWindowMs: 1_000 });
    const [a, b] = [fakeResource({ n: 1 }), fakeResource({ n: 1 })];
    const heard: string[] = [];
    await registry.watch("tenant", "xyte://devices/a", a.read, () => heard.push("a"));
    await registry.watch("tenant", "xyte://devices/b", b.read, () => heard.push("b"));
    const reads = () => [a.state.reads, b.state.reads];

    a.state.document = { n: 2 };
    registry.written("tenant");
    await registry.settled();
    assert.deepEqual(reads(), [2, 2], "the first write is rechecked at once");
    assert.deepEqual(heard, ["a"]);

    for (let i = 3; i < 30; i++) {
      b.state.document = { n: i };
      registry.written("tenant");
      await clock.tickAsync(20);
      await registry.settled();
    }
    assert.deepEqual(reads(), [2, 2], "27 more writes within the window: no read yet");
    await clock.tickAsync(1_000);
    await registry.settled();
    assert.deepEqual(reads(), [3, 3], "one read each when the window ends");
    assert.deepEqual(heard, ["a", "b"], "and the change is heard");

    await clock.tickAsync(1_000);
    await registry.settled();
    assert.deepEqual(reads(), [3, 3], "no write since: the window closes without reading");
    registry.written("other tenant");
    registry.written("tenant");
    await registry.settled();
    assert.deepEqual(reads(), [4, 4], "a write after a quiet window is rechecked at once again");
    registry.close();
  } finally {
    clock.uninstall();
  }
});

Deno.test("a write naming ids re-reads the resources holding them and the organization-wide ones, not the rest", async () => {
  const registry = watches();
  const resources = new Map(
    [
      "xyte://devices/d1",
      "xyte://devices/d1/commands",
      "xyte://devices/d2",
      "xyte://spaces/7",
      "xyte://organization",
    ]
      .map((uri) => [uri, fakeResource({ uri })]),
  );
  for (const [uri, resource] of resources) await registry.watch("tenant", uri, resource.read, () => {});
  const reread = () => [...resources].filter(([, r]) => r.state.reads > 1).map(([uri]) => uri);

  registry.written("tenant", ["d1"]);
  await registry.settled();
  assert.deepEqual(reread(), ["xyte://devices/d1", "xyte://devices/d1/commands", "xyte://organization"]);

  registry.written("tenant", []);
  await registry.settled();
  assert.equal(resources.get("xyte://organization")!.state.reads, 3, "a write naming nothing: org-wide only");
  assert.equal(resources.get("xyte://devices/d2")!.state.reads, 1);

  registry.written("tenant", undefined);
  await registry.settled();
  assert.equal(resources.get("xyte://devices/d2")!.state.reads, 2, "a write that cannot tell: everything");
  assert.equal(resources.get("xyte://spaces/7")!.state.reads, 2);
  registry.close();
});

Deno.test("a device's last-seen time alone is not a change; its status is", async () => {
  const registry = watches();
  const resource = fakeResource({
    name: "Projector",
    status: "online",
    last_seen_at: "2026-11-26T05:00:00Z",
  });
  const heard: string[] = [];
  await registry.watch("tenant", URI, resource.read, () => heard.push("changed"));
  resource.state.document = { name: "Projector", status: "online", last_seen_at: "2026-11-26T05:01:00Z" };
  registry.recheck("tenant");
  await registry.settled();
  assert.deepEqual(heard, [], "a heartbeat only");
  resource.state.document = { name: "Projector", status: "offline", last_seen_at: "2026-11-26T05:01:00Z" };
  registry.recheck("tenant");
  await registry.settled();
  assert.deepEqual(heard, ["changed"]);
  registry.close();
});

Deno.test("a document whose only difference is its clock fields has not changed; the same names deeper down are data", async () => {
  const registry = watches();
  const window = (until: string) => ({ since: "2026-10-27T05:00:00Z", until });
  const resource = fakeResource({ ...window("2026-11-26T05:00:00Z"), rows: [{ until: "2026-12-01" }] });
  const heard: string[] = [];
  const clockFields = ["since", "until"];
  await registry.watch("tenant", URI, resource.read, () => heard.push("changed"), ["tenant"], clockFields);
  resource.state.document = { ...window("2026-11-26T05:00:30Z"), rows: [{ until: "2026-12-01" }] };
  registry.recheck("tenant");
  await registry.settled();
  assert.deepEqual(heard, [], "the window moved with the clock only");
  // A row's own `until` (say, a license's end) is data: only the document's top-level bounds are the clock's.
  resource.state.document = { ...window("2026-11-26T05:01:00Z"), rows: [{ until: "2027-01-01" }] };
  registry.recheck("tenant");
  await registry.settled();
  assert.deepEqual(heard, ["changed"], "a nested field named like a clock field is data");
  registry.close();
});
