import assert from "node:assert/strict";
import FakeTimers from "@sinonjs/fake-timers";
import { Redis } from "ioredis";
import { setupLogging, stopLogging } from "../../src/observability/log.ts";
import { createReadiness } from "../../src/readiness.ts";
import { connectRedis, REDIS_KEY_PREFIX } from "../../src/redis.ts";
import {
  createMemoryRateLimiter,
  createNoRateLimiter,
  createRedisRateLimiter,
  type RateLimiter,
} from "../../src/transports/rate_limit.ts";
import { freePort } from "../helpers/free_port.ts";
import {
  patient,
  PATIENT_REDIS_MS,
  REDIS_UNAVAILABLE_REASON,
  startTestRedis,
  type TestRedis,
  testRedisUser,
} from "../helpers/redis.ts";

/** The Redis timeout of limiters in tests that are not about timeouts (PATIENT_REDIS_MS). */
const UNHURRIED = { timeoutMs: PATIENT_REDIS_MS };

/** A clock the test moves by hand (ms). */
function manualClock(start = 1_700_000_000_000): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

async function takeN(limiter: RateLimiter, subject: string, n: number): Promise<boolean[]> {
  const out: boolean[] = [];
  for (let i = 0; i < n; i++) out.push((await limiter.take(subject)).allowed);
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// In memory

Deno.test("memory limiter: the burst is allowed, the next request is refused with Retry-After", async () => {
  const clock = manualClock();
  // 60/min = one token a second.
  const limiter = createMemoryRateLimiter({ perMinute: 60, burst: 3, now: clock.now });
  const first = await limiter.take("t");
  assert.deepEqual(first, { allowed: true, retryAfterSeconds: 0, remaining: 2 });
  assert.deepEqual(await limiter.take("t"), { allowed: true, retryAfterSeconds: 0, remaining: 1 });
  assert.deepEqual(await limiter.take("t"), { allowed: true, retryAfterSeconds: 0, remaining: 0 });
  assert.deepEqual(await limiter.take("t"), { allowed: false, retryAfterSeconds: 1, remaining: 0 });

  // 6/min = one token every 10 s; 4 s after emptying, 6 s are left to wait.
  const slow = createMemoryRateLimiter({ perMinute: 6, burst: 1, now: clock.now });
  assert.equal((await slow.take("t")).allowed, true);
  clock.advance(4000);
  assert.deepEqual(await slow.take("t"), { allowed: false, retryAfterSeconds: 6, remaining: 0 });
  clock.advance(5500); // 0.5 s to go rounds up to 1, never 0
  assert.deepEqual(await slow.take("t"), { allowed: false, retryAfterSeconds: 1, remaining: 0 });
  await limiter.close();
  await slow.close();
});

Deno.test("memory limiter: a request may cost several tokens (a batch); more than the burst costs the burst", async () => {
  const clock = manualClock();
  const limiter = createMemoryRateLimiter({ perMinute: 60, burst: 5, now: clock.now });
  assert.deepEqual(await limiter.take("t", 3), { allowed: true, retryAfterSeconds: 0, remaining: 2 });
  assert.deepEqual(await limiter.take("t", 3), { allowed: false, retryAfterSeconds: 1, remaining: 0 });
  assert.deepEqual(await limiter.take("t", 2), { allowed: true, retryAfterSeconds: 0, remaining: 0 });
  clock.advance(3000);
  assert.deepEqual(await limiter.take("t", 100), { allowed: false, retryAfterSeconds: 2, remaining: 0 });
  clock.advance(2000);
  assert.deepEqual(await limiter.take("t", 100), { allowed: true, retryAfterSeconds: 0, remaining: 0 });
});

Deno.test("memory limiter: several subjects pay together or not at all", async () => {
  const clock = manualClock();
  const limiter = createMemoryRateLimiter({ perMinute: 60, burst: 3, now: clock.now });
  assert.deepEqual(await takeN(limiter, "partner", 3), [true, true, true]);
  const refused = await limiter.take(["org", "partner"]);
  assert.equal(refused.allowed, false, "the partner key's bucket is empty");
  assert.deepEqual(await takeN(limiter, "org", 3), [true, true, true], "the refusal took nothing from org's");
  clock.advance(1000);
  assert.deepEqual(await limiter.take(["org", "partner"]), {
    allowed: true,
    retryAfterSeconds: 0,
    remaining: 0,
  });
  assert.equal((await limiter.take("org")).allowed, false, "both paid");
  assert.equal((await limiter.take("partner")).allowed, false);
});

Deno.test("memory limiter: tokens refill continuously over time, up to the burst", async () => {
  const clock = manualClock();
  const limiter = createMemoryRateLimiter({ perMinute: 120, burst: 4, now: clock.now }); // 2 tokens/s
  assert.deepEqual(await takeN(limiter, "t", 5), [true, true, true, true, false]);
  clock.advance(499);
  assert.equal((await limiter.take("t")).allowed, false, "not yet a whole token");
  clock.advance(1);
  assert.equal((await limiter.take("t")).allowed, true, "one token after 0.5 s");
  assert.equal((await limiter.take("t")).allowed, false);
  clock.advance(1000);
  assert.deepEqual(await takeN(limiter, "t", 3), [true, true, false], "two tokens after 1 s");
  clock.advance(3_600_000); // an hour idle refills to the burst, not beyond
  const fresh = await limiter.take("t");
  assert.deepEqual(fresh, { allowed: true, retryAfterSeconds: 0, remaining: 3 });
  assert.deepEqual(await takeN(limiter, "t", 4), [true, true, true, false]);
  await limiter.close();
});

Deno.test("memory limiter: subjects have independent buckets", async () => {
  const clock = manualClock();
  const limiter = createMemoryRateLimiter({ perMinute: 60, burst: 2, now: clock.now });
  assert.deepEqual(await takeN(limiter, "tenant-a", 3), [true, true, false]);
  assert.deepEqual(await takeN(limiter, "tenant-b", 3), [true, true, false]);
  assert.equal((await limiter.take("tenant-a")).allowed, false, "B's traffic did not refill A");
  await limiter.close();
});

Deno.test("memory limiter: memory is bounded; full buckets go first, then the least recently used", async () => {
  const clock = manualClock();
  const limiter = createMemoryRateLimiter({ perMinute: 60, burst: 2, now: clock.now, maxSubjects: 3 });
  // Drain "hot" and keep it recently used while thousands of other subjects come and go.
  assert.deepEqual(await takeN(limiter, "hot", 2), [true, true]);
  for (let i = 0; i < 5000; i++) {
    await limiter.take(`drive-by-${i}`);
    if (i % 2 === 0) assert.equal((await limiter.take("hot")).allowed, false, `hot stays limited (${i})`);
  }

  // Buckets that have refilled completely are dropped before any limited subject is forgotten.
  const sweepClock = manualClock();
  const sweeping = createMemoryRateLimiter({
    perMinute: 60,
    burst: 2,
    now: sweepClock.now,
    maxSubjects: 3,
  });
  assert.deepEqual(await takeN(sweeping, "limited", 2), [true, true]); // oldest, empty
  await sweeping.take("idle-1");
  await sweeping.take("idle-2");
  sweepClock.advance(1000); // idle-* are full again; "limited" has one token of two
  await sweeping.take("newcomer"); // at the bound: the sweep drops idle-1 and idle-2, not "limited"
  assert.deepEqual(await takeN(sweeping, "limited", 2), [true, false], "limited kept its state");

  // With no full bucket to drop, the least recently used one is forgotten.
  const lru = createMemoryRateLimiter({ perMinute: 60, burst: 1, now: clock.now, maxSubjects: 2 });
  await lru.take("a");
  await lru.take("b");
  await lru.take("c"); // evicts "a"
  assert.equal((await lru.take("c")).allowed, false);
  assert.equal((await lru.take("a")).allowed, true, "a was forgotten, so it starts full");
  await Promise.all([limiter.close(), sweeping.close(), lru.close()]);
});

Deno.test("memory limiter: perMinute 0 means no limit; invalid settings are rejected", async () => {
  const unlimited = createMemoryRateLimiter({ perMinute: 0, burst: 1 });
  assert.deepEqual(await takeN(unlimited, "t", 100), Array(100).fill(true));
  const none = createNoRateLimiter();
  assert.deepEqual(await none.take("t"), { allowed: true, retryAfterSeconds: 0, remaining: Infinity });
  assert.throws(() => createMemoryRateLimiter({ perMinute: -1, burst: 1 }), RangeError);
  assert.throws(() => createMemoryRateLimiter({ perMinute: 60, burst: 0 }), RangeError);
  assert.throws(() => createMemoryRateLimiter({ perMinute: 60, burst: 1, maxSubjects: 0 }), RangeError);
  await Promise.all([unlimited.close(), none.close()]);
});

// ---------------------------------------------------------------------------------------------------------
// Redis

/** A unique key prefix per test, so runs sharing one CI Redis never see each other's buckets. */
function testPrefix(): string {
  return `${REDIS_KEY_PREFIX}test:${crypto.randomUUID()}:rl:`;
}

async function withRedis(
  t: Deno.TestContext,
  fn: (redis: TestRedis) => Promise<void>,
): Promise<void> {
  const redis = await startTestRedis();
  if (!redis) {
    // deno-lint-ignore no-console
    console.error(`skipping "${t.name}": ${REDIS_UNAVAILABLE_REASON}`);
    return;
  }
  try {
    await fn(redis);
  } finally {
    await redis.close();
  }
}

Deno.test("redis limiter: the burst is allowed, then refused with Retry-After >= 1", async (t) => {
  await withRedis(t, async ({ url }) => {
    const client = patient(await connectRedis(url));
    try {
      const prefix = testPrefix();
      const limiter = createRedisRateLimiter(client, { perMinute: 6, burst: 3, prefix, ...UNHURRIED });
      assert.deepEqual(await limiter.take("t"), { allowed: true, retryAfterSeconds: 0, remaining: 2 });
      assert.deepEqual(await takeN(limiter, "t", 2), [true, true]);
      const refused = await limiter.take("t");
      assert.equal(refused.allowed, false);
      assert.equal(refused.remaining, 0);
      // One token every 10 s.
      assert.ok(refused.retryAfterSeconds >= 9 && refused.retryAfterSeconds <= 10, JSON.stringify(refused));
      assert.deepEqual(await takeN(limiter, "other", 1), [true], "other subjects are independent");

      const key = `${prefix}t`;
      const ttl = await client.pttl(key);
      assert.ok(ttl > 0 && ttl <= 30_000, `the key expires when the bucket would be full (${ttl} ms)`);
      await limiter.close();
      await client.del(key, `${prefix}other`);
    } finally {
      client.disconnect();
    }
  });
});

Deno.test("redis limiter: a request may cost several tokens (a batch); more than the burst costs the burst", async (t) => {
  await withRedis(t, async ({ url }) => {
    const client = patient(await connectRedis(url));
    try {
      const prefix = testPrefix();
      const limiter = createRedisRateLimiter(client, { perMinute: 6, burst: 5, prefix, ...UNHURRIED });
      assert.deepEqual(await limiter.take("t", 3), { allowed: true, retryAfterSeconds: 0, remaining: 2 });
      assert.equal((await limiter.take("t", 3)).allowed, false, "2 left, 3 asked");
      assert.deepEqual(await limiter.take("t", 2), { allowed: true, retryAfterSeconds: 0, remaining: 0 });
      assert.deepEqual(await limiter.take("fresh", 100), {
        allowed: true,
        retryAfterSeconds: 0,
        remaining: 0,
      });
      await client.del(`${prefix}t`, `${prefix}fresh`);
    } finally {
      client.disconnect();
    }
  });
});

Deno.test("redis limiter: several subjects pay together or not at all", async (t) => {
  await withRedis(t, async ({ url }) => {
    const client = patient(await connectRedis(url));
    try {
      const prefix = testPrefix();
      const limiter = createRedisRateLimiter(client, { perMinute: 6, burst: 3, prefix, ...UNHURRIED });
      assert.deepEqual(await takeN(limiter, "partner", 3), [true, true, true]);
      const refused = await limiter.take(["org", "partner"]);
      assert.equal(refused.allowed, false);
      assert.ok(refused.retryAfterSeconds >= 9 && refused.retryAfterSeconds <= 10, JSON.stringify(refused));
      assert.deepEqual(
        await takeN(limiter, "org", 3),
        [true, true, true],
        "the refusal took nothing from org's",
      );
      assert.deepEqual(await limiter.take(["fresh-a", "fresh-b"], 2), {
        allowed: true,
        retryAfterSeconds: 0,
        remaining: 1,
      });
      assert.equal((await limiter.take("fresh-b", 2)).allowed, false, "both paid 2");
      await client.del(`${prefix}org`, `${prefix}partner`, `${prefix}fresh-a`, `${prefix}fresh-b`);
    } finally {
      client.disconnect();
    }
  });
});

Deno.test("redis limiter: two processes (two connections) share one budget", async (t) => {
  await withRedis(t, async ({ url }) => {
    const [one, two] = (await Promise.all([connectRedis(url), connectRedis(url)])).map(patient);
    try {
      const prefix = testPrefix();
      const options = { perMinute: 60, burst: 10, prefix, ...UNHURRIED };
      const replicaA = createRedisRateLimiter(one, options);
      const replicaB = createRedisRateLimiter(two, options);
      // 20 concurrent requests split across both replicas: exactly the burst gets through.
      const decisions = await Promise.all(
        Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? replicaA : replicaB).take("tenant")),
      );
      assert.equal(decisions.filter((d) => d.allowed).length, 10);
      assert.ok(decisions.filter((d) => !d.allowed).every((d) => d.retryAfterSeconds >= 1));
      assert.equal((await replicaA.take("tenant")).allowed, false);
      assert.equal((await replicaB.take("tenant")).allowed, false);
      await one.del(`${prefix}tenant`);
    } finally {
      one.disconnect();
      two.disconnect();
    }
  });
});

Deno.test("redis limiter: tokens refill with time", async (t) => {
  await withRedis(t, async ({ url }) => {
    const client = patient(await connectRedis(url));
    try {
      const prefix = testPrefix();
      // 120/min = one token every 500 ms: three takes in a row come within that on a loaded machine too
      // (at 100 ms a token, one could come back between two takes).
      const limiter = createRedisRateLimiter(client, { perMinute: 120, burst: 2, prefix, ...UNHURRIED });
      assert.deepEqual(await takeN(limiter, "t", 3), [true, true, false]);
      await new Promise((r) => setTimeout(r, 1_600));
      const after = await takeN(limiter, "t", 3);
      assert.deepEqual(
        after,
        [true, true, false],
        "two tokens back after 1.6 s (3.2 tokens' time): the burst",
      );
      // Not faster than the rate: 60/min is one token a second, so 150 ms after emptying nothing is back.
      const slow = createRedisRateLimiter(client, { perMinute: 60, burst: 1, prefix, ...UNHURRIED });
      assert.equal((await slow.take("s")).allowed, true);
      await new Promise((r) => setTimeout(r, 150));
      const early = await slow.take("s");
      assert.equal(early.allowed, false, "a tenth of a token after 150 ms");
      assert.equal(early.retryAfterSeconds, 1);
      await client.del(`${prefix}t`, `${prefix}s`);
    } finally {
      client.disconnect();
    }
  });
});

Deno.test("redis limiter: fails open when Redis is unreachable, warning at most once a minute", async () => {
  const closedPort = freePort();
  const client = new Redis({
    host: "127.0.0.1",
    port: closedPort,
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 200,
    retryStrategy: () => null, // give up at once
  });
  client.on("error", () => {});
  const clock = FakeTimers.install({ toFake: ["Date"], now: 1_700_000_000_000 });
  const lines: string[] = [];
  await setupLogging("warning", (line) => lines.push(line));
  try {
    const limiter = createRedisRateLimiter(client, { perMinute: 1, burst: 1, timeoutMs: 200 });
    const started = performance.now();
    for (let i = 0; i < 5; i++) {
      const decision = await limiter.take("t");
      assert.equal(decision.allowed, true, "allowed while Redis is down");
      assert.equal(decision.retryAfterSeconds, 0);
    }
    assert.ok(performance.now() - started < 2000, "failing open does not hang");
    const warnings = () =>
      lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((r) =>
        r.logger === "xyte-mcp.ratelimit"
      );
    assert.equal(warnings().length, 1, "one warning for five failures");
    assert.equal(warnings()[0]!.level, "WARN");
    clock.tick(61_000);
    await limiter.take("t");
    assert.equal(warnings().length, 2, "warned again after a minute");
    assert.equal(warnings()[1]!.suppressed, 4);
  } finally {
    await stopLogging();
    clock.uninstall();
    client.disconnect();
  }
});

Deno.test("redis limiter: fails open when Redis accepts the connection but never answers", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const held: Deno.Conn[] = [];
  const accepting = (async () => {
    try {
      for await (const conn of listener) held.push(conn); // read nothing, answer nothing
    } catch {
      // listener closed
    }
  })();
  const client = new Redis({
    host: "127.0.0.1",
    port: (listener.addr as Deno.NetAddr).port,
    enableReadyCheck: false, // no INFO handshake: "ready" as soon as TCP connects
    disableClientInfo: true, // nor CLIENT SETINFO, which this server would never answer
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on("error", () => {});
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("the client never became ready")), 2000);
      client.once("ready", () => {
        clearTimeout(timer);
        resolve();
      });
    });
    const limiter = createRedisRateLimiter(client, { perMinute: 1, burst: 1, timeoutMs: 100 });
    const started = performance.now();
    assert.equal((await limiter.take("t")).allowed, true);
    const elapsed = performance.now() - started;
    assert.ok(elapsed >= 90 && elapsed < 1000, `gave up after the timeout (${elapsed} ms)`);
    // The default too stays well under a second: every POST would wait it out while Redis hangs.
    const byDefault = createRedisRateLimiter(client, { perMinute: 1, burst: 1 });
    const startedAgain = performance.now();
    assert.equal((await byDefault.take("t")).allowed, true);
    const waited = performance.now() - startedAgain;
    assert.ok(waited < 1000, `the default timeout gave up in ${waited} ms`);
  } finally {
    client.disconnect();
    listener.close();
    await accepting;
    for (const conn of held) conn.close();
  }
});

Deno.test("redis limiter: Redis refusing its script is said as such, and /readyz is unready until it runs again", async (t) => {
  await withRedis(t, async ({ url }) => {
    const user = await testRedisUser(url, ["+@all"]);
    const client = patient(await connectRedis(user.url));
    const lines: Record<string, unknown>[] = [];
    await setupLogging("warning", (line) => lines.push(JSON.parse(line)));
    try {
      const prefix = `${REDIS_KEY_PREFIX}test:${crypto.randomUUID()}:`;
      const limiter = createRedisRateLimiter(client, { perMinute: 6, burst: 3, prefix, ...UNHURRIED });
      const readiness = createReadiness({
        hubUrl: "https://hub.example",
        redis: client,
        redisNeeds: limiter.redisNeeds ?? [],
        cacheMs: 0,
        failureCacheMs: 0,
        fetch: () => Promise.resolve(new Response(null, { status: 404 })),
      });
      assert.deepEqual(await takeN(limiter, "s", 4), [true, true, true, false]);
      assert.equal((await readiness()).ready, true);

      await user.set("-@scripting"); // taken away while the server runs
      assert.deepEqual(await takeN(limiter, "s", 4), [true, true, true, true], "fails open");
      const said = lines.filter((r) => r.logger === "xyte-mcp.ratelimit");
      assert.equal(said.length, 1, "once");
      assert.equal(said[0]!.level, "ERROR");
      assert.match(String(said[0]!.message), /^Redis refuses the rate limiter's script: rate limits are off/);
      assert.doesNotMatch(String(said[0]!.message), /cannot reach/);
      assert.match(String(said[0]!._message), /NOPERM/);
      const unready = await readiness();
      assert.equal(unready.ready, false);
      assert.match(
        unready.checks.redis?.detail ?? "",
        /^redis refuses to run the rate limiter's script \(EVAL, EVALSHA; ACL category @scripting\): NOPERM .*'eval(sha)?'/,
      );

      await user.set("+@scripting");
      assert.equal(
        (await readiness()).ready,
        true,
        "ready again with no request taken (an unready replica gets none)",
      );
      assert.equal((await limiter.take("s")).allowed, false, "limits again");
    } finally {
      await stopLogging();
      client.disconnect();
      await user.drop();
    }
  });
});
