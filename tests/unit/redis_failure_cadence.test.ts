/**
 * How often the rate limiter and the cache store log Redis failing them: the first failure, then one line a
 * minute (counted from the last line), and one at once whenever the failure changes kind (Redis not answering,
 * then refusing, or back). An answered command in between starts nothing anew. The clock is the Date of
 * @sinonjs/fake-timers; Redis is a stub failing, or answering, as each step says.
 */
import assert from "node:assert/strict";
import FakeTimers from "@sinonjs/fake-timers";
import { setupLogging, stopLogging } from "../../src/observability/log.ts";
import type { Redis } from "../../src/redis.ts";
import { createRedisRateLimiter } from "../../src/transports/rate_limit.ts";
import { createRedisCacheStore } from "../../src/xyte/cache_store.ts";

type Outcome = "refused" | "unanswered" | "answered";

/** A Redis whose every command ends as `outcome` says: an error answer (as ioredis gives it), none, or OK. */
function stubRedis(): { redis: Redis; outcome: Outcome } {
  const stub = { outcome: "unanswered" as Outcome, redis: {} as Redis };
  const command = (answer: unknown) => () => {
    if (stub.outcome === "answered") return Promise.resolve(answer);
    if (stub.outcome === "unanswered") return Promise.reject(new Error("Connection is closed."));
    const refusal = new Error("NOPERM this user has no permissions to run the 'evalsha' command");
    refusal.name = "ReplyError"; // as ioredis names Redis's error answers
    return Promise.reject(refusal);
  };
  stub.redis = {
    get: command(null),
    set: command("OK"),
    eval: command("1"),
    evalsha: command([1, 0, 0]),
  } as unknown as Redis;
  return stub;
}

/** Seconds after the start at which a command ends as the outcome given, and whether a line is written. */
type Step = [seconds: number, outcome: Outcome, logged: boolean];

/** Failures flapping between kinds within a minute, a minute's quiet edge, and Redis answering in between. */
const STEPS: Step[] = [
  [0, "unanswered", true], // the first failure
  [1, "unanswered", false],
  [2, "refused", true], // another kind: at once
  [3, "unanswered", true], // and back: at once, every time it flaps
  [4, "refused", true],
  [5, "refused", false],
  [63.999, "refused", false], // not quite a minute after the last line
  [64, "refused", true], // a minute after it
  [65, "answered", false],
  [66, "refused", false], // an answer in between starts nothing anew: still within the minute of 64
  [67, "unanswered", true],
  [127, "unanswered", true],
  [128, "unanswered", false],
];

/** Runs STEPS through `command` (one call each) and returns the lines `logger` wrote, with when. */
async function linesOf(
  logger: string,
  stub: { outcome: Outcome },
  command: () => Promise<unknown>,
): Promise<{ seconds: number; level: unknown; suppressed: unknown }[]> {
  const start = 1_700_000_000_000;
  const clock = FakeTimers.install({ toFake: ["Date"], now: start });
  const written: Record<string, unknown>[] = [];
  await setupLogging("warning", (line) => written.push(JSON.parse(line)));
  try {
    for (const [seconds, outcome] of STEPS) {
      clock.setSystemTime(start + seconds * 1000);
      stub.outcome = outcome;
      await command();
    }
  } finally {
    await stopLogging();
    clock.uninstall();
  }
  return written.filter((line) => line.logger === logger).map((line) => ({
    seconds: (Date.parse(String(line["@timestamp"])) - start) / 1000,
    level: line.level,
    suppressed: line.suppressed,
  }));
}

const levelOf = (outcome: Outcome) => (outcome === "refused" ? "ERROR" : "WARN");

Deno.test("rate limiter: Redis failures are logged once a minute, and at once when their kind changes", async () => {
  const stub = stubRedis();
  const limiter = createRedisRateLimiter(stub.redis, { perMinute: 60, burst: 5 });
  const lines = await linesOf("xyte-mcp.ratelimit", stub, async () => {
    assert.equal((await limiter.take("t")).allowed, true, "allowed, failing or not");
  });
  // Each line counts the failures not logged since the one before (the answer at 65 s is none).
  const suppressed = [0, 1, 0, 0, 2, 1, 0];
  assert.deepEqual(
    lines,
    STEPS.filter(([, , logged]) => logged).map(([seconds, outcome], i) => ({
      seconds,
      level: levelOf(outcome),
      suppressed: suppressed[i],
    })),
  );
});

Deno.test("cache store: Redis failures are logged once a minute, and at once when their kind changes", async () => {
  const stub = stubRedis();
  const store = createRedisCacheStore(stub.redis, { prefix: "test:" });
  const lines = await linesOf("xyte-mcp.cache", stub, () => store.get("k"));
  assert.deepEqual(
    lines,
    STEPS.filter(([, , logged]) => logged).map(([seconds, outcome]) => ({
      seconds,
      level: levelOf(outcome),
      suppressed: undefined,
    })),
  );
  await store.close();
});

Deno.test("cache store: its reads, writes and invalidations share one cadence (another command is no new kind)", async () => {
  const stub = stubRedis();
  const store = createRedisCacheStore(stub.redis, { prefix: "test:" });
  const start = 1_700_000_000_000;
  const clock = FakeTimers.install({ toFake: ["Date"], now: start });
  const written: Record<string, unknown>[] = [];
  await setupLogging("warning", (line) => written.push(JSON.parse(line)));
  try {
    stub.outcome = "refused";
    await store.get("k"); // logged: the first
    clock.setSystemTime(start + 1000);
    await store.set("k", "v", 60); // the same kind within the minute: not logged
    await store.generation("t");
    assert.equal(await store.bumpGeneration("t"), 1, "counted locally");
    clock.setSystemTime(start + 60_000);
    await store.set("k", "v", 60); // a minute later: logged
  } finally {
    await store.close(); // no make-up of the owed bump
    await stopLogging();
    clock.uninstall();
  }
  assert.deepEqual(
    written.filter((line) => line.logger === "xyte-mcp.cache").map((line) => [line.level, line.operation]),
    [["ERROR", "get"], ["ERROR", "set"]],
  );
});
