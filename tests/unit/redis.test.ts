import assert from "node:assert/strict";
import {
  logRedisErrors,
  REDIS_ERROR_LOG_INTERVAL_MS,
  REDIS_HOLD_OFF_MS,
  redisAddress,
  redisCommand,
  RedisTimeoutError,
} from "../../src/redis.ts";

Deno.test("redis errors: the first is logged, then one a minute with the count left out, then once ready again", () => {
  let now = 0;
  const listeners: { error?: (error: Error) => void; ready?: () => void } = {};
  const lines: [string, string, Record<string, unknown>][] = [];
  logRedisErrors(
    { on: (event: "error" | "ready", listener: never) => void (listeners[event] = listener) },
    {
      warning: (message: string, fields?: Record<string, unknown>) =>
        void lines.push(["warning", message, fields ?? {}]),
      info: (message: string, fields?: Record<string, unknown>) =>
        void lines.push(["info", message, fields ?? {}]),
    },
    () => now,
  );
  listeners.ready!(); // the first connection: nothing to say
  // Redis goes away: the connection retries about every 2 s.
  for (; now < REDIS_ERROR_LOG_INTERVAL_MS + 4_000; now += 2_000) listeners.error!(new Error("ECONNREFUSED"));
  listeners.ready!();
  assert.deepEqual(lines, [
    ["warning", "redis error", { error: "ECONNREFUSED" }],
    ["warning", "redis error", { error: "ECONNREFUSED", errors_not_logged: 29 }],
    ["info", "redis connection ready again", { errors: 32 }],
  ]);
  listeners.error!(new Error("ETIMEDOUT"));
  assert.deepEqual(
    lines.at(-1),
    ["warning", "redis error", { error: "ETIMEDOUT" }],
    "a new outage is logged at once",
  );
});

Deno.test("redisAddress names scheme, host, port and database, never the user or password", () => {
  assert.equal(redisAddress("redis://user:s3cret@cache.internal:6380/2"), "redis://cache.internal:6380/2");
  assert.equal(redisAddress("not a url"), "(unparsable URL)");
});

Deno.test("redis commands: after one times out, its user skips Redis for a while instead of each waiting", async () => {
  let now = 0;
  let sent = 0;
  const user = {};
  const clock = { now: () => now };
  const hang = () => {
    sent++;
    return new Promise<never>(() => {});
  };
  const answer = () => {
    sent++;
    return Promise.resolve("PONG");
  };
  await assert.rejects(redisCommand(user, hang, 20, clock), RedisTimeoutError);
  assert.equal(sent, 1);
  const started = performance.now();
  await assert.rejects(redisCommand(user, answer, 20, clock), /not asked/);
  assert.equal(sent, 1, "not sent while held off");
  assert.ok(performance.now() - started < 15, "fails at once");
  assert.equal(await redisCommand({}, answer, 20, clock), "PONG", "another user of Redis is not held off");
  assert.equal(
    await redisCommand(user, answer, 20, { ...clock, always: true }),
    "PONG",
    "a command that must always be tried (a write's invalidation) is sent anyway",
  );
  await assert.rejects(redisCommand(user, hang, 20, clock), RedisTimeoutError);
  now += REDIS_HOLD_OFF_MS;
  assert.equal(await redisCommand(user, answer, 20, clock), "PONG", "sent again after the hold-off");
  await assert.rejects(redisCommand(user, () => Promise.reject(new Error("ERR")), 20, clock), /ERR/);
  assert.equal(await redisCommand(user, answer, 20, clock), "PONG", "an error answer is no hang");
});
