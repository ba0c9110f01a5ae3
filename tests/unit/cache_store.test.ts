import assert from "node:assert/strict";
import { Redis } from "ioredis";
import { setupLogging, stopLogging } from "../../src/observability/log.ts";
import { connectRedis } from "../../src/redis.ts";
import {
  cacheKey,
  type CacheStore,
  createMemoryCacheStore,
  createRedisCacheStore,
} from "../../src/xyte/cache_store.ts";
import { freePort } from "../helpers/free_port.ts";
import { patient, PATIENT_REDIS_MS, startTestRedis, testRedisUser } from "../helpers/redis.ts";

/** The command timeout of stores on the live Redis in tests that are not about timeouts (PATIENT_REDIS_MS). */
const UNHURRIED = { commandTimeoutMs: PATIENT_REDIS_MS };

// ---------------------------------------------------------------- keys

/** `client` behind a link the test can cut: while `partitioned`, every command fails as Redis unreachable. */
function partitionable<T extends object>(client: T): { client: T; partitioned: boolean } {
  const link = { client, partitioned: false };
  link.client = new Proxy(client, {
    get(target, property) {
      const value = Reflect.get(target, property, target);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) =>
        link.partitioned ? Promise.reject(new Error("partitioned")) : value.apply(target, args);
    },
  });
  return link;
}

Deno.test("cacheKey: stable, short, and free of tenant and query values", async () => {
  const parts = {
    tenant: "org-key-7f3a9c1e",
    generation: 3,
    endpointKey: "organization.devices.getDevices",
    url: "https://hub.xyte.io/core/v1/organization/devices?name=secret-room&page=2",
  };
  const key = await cacheKey(parts);
  assert.equal(await cacheKey({ ...parts }), key, "stable");
  assert.match(key, /^v1:[0-9a-f]{32}:3:organization\.devices\.getDevices:[0-9a-f]{64}$/);
  assert.ok(!key.includes("secret-room") && !key.includes("org-key"));
  for (
    const changed of [{ tenant: "other" }, { generation: 4 }, { url: `${parts.url}&x=1` }, {
      callKey: "dev-key-9",
    }]
  ) {
    assert.notEqual(await cacheKey({ ...parts, ...changed }), key, JSON.stringify(changed));
  }
  const withCallKey = await cacheKey({ ...parts, callKey: "dev-key-9" });
  assert.ok(!withCallKey.includes("dev-key-9"), "a device key enters the key only as a digest");
  assert.notEqual(await cacheKey({ ...parts, callKey: "dev-key-8" }), withCallKey);
});

// ---------------------------------------------------------------- memory store

Deno.test("memory store: entries expire after their own TTL", async () => {
  let now = 1_000;
  const store = createMemoryCacheStore({ now: () => now });
  await store.set("short", "1", 2);
  await store.set("long", "2", 10);
  assert.equal(await store.get("short"), "1");
  now += 1_999;
  assert.equal(await store.get("short"), "1");
  now += 2;
  assert.equal(await store.get("short"), undefined, "expired after 2 s");
  assert.equal(await store.get("long"), "2");
  now += 8_000;
  assert.equal(await store.get("long"), undefined);
  await store.set("zero", "3", 0);
  assert.equal(await store.get("zero"), undefined, "a TTL of 0 stores nothing");
  await store.close();
});

Deno.test("memory store: least recently used entries go first when full", async () => {
  const store = createMemoryCacheStore({ maxEntries: 3 });
  for (const k of ["a", "b", "c"]) await store.set(k, k, 60);
  await store.get("a"); // a is now more recent than b
  await store.set("d", "d", 60);
  assert.equal(await store.get("b"), undefined, "b evicted");
  assert.deepEqual(await Promise.all(["a", "c", "d"].map((k) => store.get(k))), ["a", "c", "d"]);
  await store.close();
});

Deno.test("memory store: total size stays within maxBytes; oversized entries are not kept", async () => {
  const store = createMemoryCacheStore({ maxEntries: 100, maxBytes: 1_000 });
  const value = "x".repeat(299); // 300 with the one-character key
  for (const k of ["1", "2", "3", "4"]) await store.set(k, value, 60);
  assert.equal(await store.get("1"), undefined, "oldest evicted to make room");
  for (const k of ["2", "3", "4"]) assert.equal(await store.get(k), value);
  await store.set("big", "y".repeat(2_000), 60);
  assert.equal(await store.get("big"), undefined);
  assert.equal(await store.get("4"), value, "an oversized entry evicts nothing");
  await store.close();
});

Deno.test("memory store: generations start at 0, bump per tenant, and survive the tenant LRU", async () => {
  const store = createMemoryCacheStore();
  assert.equal(await store.generation("a"), 0);
  assert.equal(await store.bumpGeneration("a"), 1);
  assert.equal(await store.bumpGeneration("a"), 2);
  assert.equal(await store.generation("a"), 2);
  assert.equal(await store.generation("b"), 0, "tenants are independent");
  await store.close();
});

Deno.test("memory store: a tenant forgotten by the generation LRU never returns to an old generation", async () => {
  const store = createMemoryCacheStore();
  await store.bumpGeneration("a");
  await store.bumpGeneration("a");
  for (let i = 0; i < 10_000; i++) await store.bumpGeneration(`t${i}`); // pushes "a" out (10 000 tenants kept)
  assert.ok((await store.generation("a")) > 2, "restarts above every forgotten generation");
  await store.close();
});

// ---------------------------------------------------------------- Redis store

Deno.test("redis store: against a real Redis", async (t) => {
  const server = await startTestRedis();
  if (!server) return; // startTestRedis printed why (REDIS_UNAVAILABLE_REASON)
  // A prefix of our own: CI shares one Redis between parallel test files.
  const prefix = `xyte-mcp:test:${crypto.randomUUID()}:cache:`;
  const a = patient(await connectRedis(server.url));
  const b = patient(await connectRedis(server.url));
  try {
    const replicaA = createRedisCacheStore(a, { prefix, generationTtlSeconds: 120, ...UNHURRIED });
    const replicaB = createRedisCacheStore(b, { prefix, ...UNHURRIED });

    await t.step("set, get, and expiry after the TTL", async () => {
      // What is read back lives a minute: a loaded machine may take a second between two commands.
      const setAt = performance.now();
      await replicaA.set("k1", "short-lived", 1);
      await replicaA.set("k2", '{"ok":true}', 60);
      assert.equal(await replicaB.get("k2"), '{"ok":true}', "visible to the other replica");
      const ttl = await a.pttl(`${prefix}v:k1`);
      const expired = ttl === -2 && performance.now() - setAt >= 1000;
      assert.ok(
        expired || (ttl > 0 && ttl <= 1000),
        `EX 1 (pttl ${ttl}; -2 only once it could have expired)`,
      );
      await replicaA.set("k3", "nothing", 0);
      assert.equal(await a.exists(`${prefix}v:k3`), 0, "a TTL of 0 stores nothing");
      await new Promise((r) => setTimeout(r, 1100));
      assert.equal(await replicaA.get("k1"), undefined, "expired");
      assert.equal(await replicaA.get("k2"), '{"ok":true}', "kept");
    });

    await t.step("a generation bump on one replica is seen by the other; generations expire", async () => {
      const tenant = "tenant-with-writes";
      assert.equal(await replicaB.generation(tenant), 0);
      const first = await replicaA.bumpGeneration(tenant);
      const clock = Number((await a.time())[0]) * 1000;
      assert.ok(
        Math.abs(first - clock) < 5_000,
        `a new generation starts from Redis's clock in ms (${first})`,
      );
      assert.equal(await replicaB.generation(tenant), first);
      assert.equal(await replicaB.bumpGeneration(tenant), first + 1);
      assert.equal(await replicaA.generation(tenant), first + 1);
      const keys = await a.keys(`${prefix}gen:*`);
      assert.equal(keys.length, 1);
      assert.match(keys[0]!, /gen:[0-9a-f]{32}$/, "the tenant appears only as a digest");
      const ttl = await a.ttl(keys[0]!);
      assert.ok(ttl > 0 && ttl <= 86_400, `it expires (the last bump set a day by default: ${ttl} s)`);
      await replicaA.bumpGeneration(tenant);
      assert.ok((await a.ttl(keys[0]!)) <= 120, "generationTtlSeconds sets it");
      // Expired (no write for longer than any entry lives): the next generation is new, never an old number.
      await a.del(keys[0]!);
      assert.equal(await replicaA.generation(tenant), 0);
      assert.ok((await replicaA.bumpGeneration(tenant)) >= first + 2);
    });

    await t.step("keys live under REDIS_KEY_PREFIX + cache: by default", async () => {
      const store = createRedisCacheStore(a, UNHURRIED);
      const key = `test-${crypto.randomUUID()}`;
      await store.set(key, "v", 5);
      assert.equal(await a.get(`xyte-mcp:cache:v:${key}`), "v");
      await a.del(`xyte-mcp:cache:v:${key}`);
    });

    await t.step("a closed connection degrades to misses and local generations", async () => {
      const c = await connectRedis(server.url);
      const store = createRedisCacheStore(c, { prefix });
      const seen = await store.generation("tenant-with-writes");
      c.disconnect();
      const started = performance.now();
      assert.equal(await store.get("k2"), undefined);
      await store.set("k4", "dropped", 60);
      assert.equal(await store.generation("tenant-with-writes"), seen, "last value seen from Redis");
      assert.equal(await store.bumpGeneration("tenant-with-writes"), seen + 1, "bumped locally");
      assert.equal(await store.generation("never-seen"), 0);
      assert.ok(performance.now() - started < 400, "fails fast");
      assert.equal(await a.exists(`${prefix}v:k4`), 0);
    });

    await t.step(
      "a write while Redis was unreachable still invalidates, once Redis is back, for every replica",
      async () => {
        const link = partitionable(a);
        const flaky = link.client;
        const writer = createRedisCacheStore(flaky, { prefix, ...UNHURRIED });
        const tenant = "wrote-during-outage";
        const before = await writer.generation(tenant); // what entries cached before the write are stored under
        link.partitioned = true;
        await writer.bumpGeneration(tenant); // the write: Redis never hears of it
        link.partitioned = false;
        // Made up for every replica within seconds, without waiting for the writer's next read of the tenant.
        let after = before;
        for (let i = 0; i < 50 && after === before; i++) {
          await new Promise((r) => setTimeout(r, 100));
          after = await replicaA.generation(tenant);
        }
        assert.ok(
          after > before,
          `another replica no longer reads entries of generation ${before} (${after})`,
        );
        assert.equal(await writer.generation(tenant), after, "nor does the writer; made up once");
        await writer.close();
      },
    );

    await t.step("the writer's own first read after the outage makes up a missed bump at once", async () => {
      const link = partitionable(a);
      const flaky = link.client;
      const writer = createRedisCacheStore(flaky, { prefix, ...UNHURRIED });
      const tenant = "read-right-after-outage";
      const before = await writer.generation(tenant);
      link.partitioned = true;
      await writer.bumpGeneration(tenant);
      link.partitioned = false;
      // Before the 2 s retry: this replica must not read what it cached before its own write.
      assert.ok(await writer.generation(tenant) > before, "made up by the read itself");
      assert.ok(await replicaA.generation(tenant) > before, "and so seen by the others too");
      await writer.close();
    });

    await t.step("after close() the store answers misses without touching Redis", async () => {
      await replicaB.close();
      assert.equal(await replicaB.get("k2"), undefined);
      await replicaB.set("k5", "dropped", 60);
      assert.equal(await a.exists(`${prefix}v:k5`), 0);
    });
  } finally {
    const leftovers = await a.keys(`${prefix}*`);
    if (leftovers.length > 0) await a.del(...leftovers);
    a.disconnect();
    b.disconnect();
    await server.close();
  }
});

Deno.test("redis store: an unreachable Redis degrades to misses without throwing", async () => {
  const redis = new Redis({
    host: "127.0.0.1",
    port: freePort(), // nothing listens there
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  redis.on("error", () => {});
  try {
    await checkDegraded(createRedisCacheStore(redis, { commandTimeoutMs: 200 }));
  } finally {
    redis.disconnect();
  }
});

Deno.test("redis store: a Redis that never answers times out into misses", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns: Deno.Conn[] = [];
  const accepting = (async () => {
    for await (const conn of listener) conns.push(conn); // accept, read nothing, answer nothing
  })();
  const redis = new Redis({
    host: "127.0.0.1",
    port: (listener.addr as Deno.NetAddr).port,
    lazyConnect: true,
    enableReadyCheck: false,
    disableClientInfo: true, // no CLIENT SETINFO round trip before "ready"
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  redis.on("error", () => {});
  try {
    await redis.connect();
    const started = performance.now();
    await checkDegraded(createRedisCacheStore(redis, { commandTimeoutMs: 50 }));
    assert.ok(performance.now() - started < 1000, "each command gave up after its timeout");
    // With the default timeout too: a hung Redis costs a read well under a second, not a minute.
    const byDefault = createRedisCacheStore(redis);
    const startedAgain = performance.now();
    assert.equal(await byDefault.get("k"), undefined);
    const waited = performance.now() - startedAgain;
    assert.ok(waited < 1000, `the default timeout gave up in ${waited} ms`);
    await byDefault.close();
  } finally {
    redis.disconnect();
    listener.close();
    await accepting.catch(() => {});
    for (const conn of conns) conn.close();
  }
});

async function checkDegraded(store: CacheStore): Promise<void> {
  assert.equal(await store.get("k"), undefined);
  await store.set("k", "v", 60);
  assert.equal(await store.generation("t"), 0);
  assert.equal(await store.bumpGeneration("t"), 1);
  assert.equal(await store.generation("t"), 1, "local counter while Redis is away");
  await store.close();
}

Deno.test("redis store: Redis refusing the invalidation script is said as such and held for /readyz", async () => {
  const server = await startTestRedis();
  if (!server) return; // startTestRedis printed why (REDIS_UNAVAILABLE_REASON)
  const user = await testRedisUser(server.url, ["+@all"]);
  const client = patient(await connectRedis(user.url));
  const prefix = `xyte-mcp:test:${crypto.randomUUID()}:cache:`;
  const lines: Record<string, unknown>[] = [];
  await setupLogging("warning", (line) => lines.push(JSON.parse(line)));
  const store = createRedisCacheStore(client, { prefix, ...UNHURRIED });
  try {
    const [readWrite, invalidation] = store.redisNeeds ?? [];
    await store.bumpGeneration("t");
    await user.set("-@scripting"); // taken away while the server runs
    await store.bumpGeneration("t");
    assert.match(invalidation?.refusal ?? "", /^NOPERM .*'eval'/, "held for /readyz");
    assert.equal(readWrite?.refusal, undefined, "GET and SET still work");
    const said = lines.filter((r) => r.logger === "xyte-mcp.cache");
    assert.equal(said.length, 1);
    assert.equal(said[0]!.level, "ERROR");
    assert.match(
      String(said[0]!.message),
      /^Redis refuses the cache's "?bumpGeneration"?: other replicas may serve what a write here changed/,
    );
    await user.set("+@scripting");
    await invalidation!.probe();
    await store.bumpGeneration("t");
    assert.equal(invalidation!.refusal, undefined, "over once a bump goes through");
  } finally {
    await store.close();
    await stopLogging();
    client.disconnect();
    await user.drop();
    await server.close();
  }
});
