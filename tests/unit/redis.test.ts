import assert from "node:assert/strict";
import { createRedisRateLimiter } from "../../src/transports/rate_limit.ts";
import { createRedisCacheStore } from "../../src/xyte/cache_store.ts";
import {
  checkRedis,
  connectRedis,
  logRedisErrors,
  pubSubNeeds,
  REDIS_ERROR_LOG_INTERVAL_MS,
  REDIS_HOLD_OFF_MS,
  redisAddress,
  redisCommand,
  RedisTimeoutError,
} from "../../src/redis.ts";
import { startTestRedis, testRedisUser } from "../helpers/redis.ts";

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
  // An unencoded / in the password (config refuses it) leaves the rest of it in the path: not shown.
  assert.equal(redisAddress("redis://u:1234/s3cret@cache.internal:6380"), "redis://u:1234");
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
  // At once: before a timer of 0 ms fires, which waiting for anything (the 20 ms timeout) would let win.
  let timer: ReturnType<typeof setTimeout> | undefined;
  const first = await Promise.race([
    redisCommand(user, answer, 20, clock).then(() => "answered", (error: Error) => error.message),
    new Promise<string>((resolve) => timer = setTimeout(() => resolve("a timer fired first"), 0)),
  ]);
  clearTimeout(timer);
  assert.match(first, /not asked/, "fails at once");
  assert.equal(sent, 1, "not sent while held off");
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

// ---------------------------------------------------------------- start-up check, against a real Redis

Deno.test("start-up check: Redis refusing what the server needs is one line naming REDIS_URL, never the password", async (t) => {
  const server = await startTestRedis();
  if (!server) return; // startTestRedis printed why (REDIS_UNAVAILABLE_REASON)
  // The server's own needs: the cache's, the rate limiter's, and write announcements'.
  const check = async (url: string) => {
    const client = await connectRedis(url);
    try {
      const needs = [
        ...createRedisCacheStore(client).redisNeeds ?? [],
        ...createRedisRateLimiter(client, { perMinute: 60, burst: 3 }).redisNeeds ?? [],
        ...pubSubNeeds(client, `xyte-mcp:test:${crypto.randomUUID()}:writes`),
      ];
      await checkRedis(client, url, needs);
      return undefined;
    } catch (error) {
      await new Promise((resolve) => client.status === "end" ? resolve(null) : client.once("end", resolve));
      const { password } = new URL(url);
      assert.ok(!password || !(error as Error).message.includes(password), "no password");
      assert.ok(!(error as Error).message.includes("\n"), "one line");
      return (error as Error).message;
    } finally {
      client.disconnect();
    }
  };
  const refusal = async (rules: string[]) => {
    const user = await testRedisUser(server.url, rules);
    try {
      return await check(user.url);
    } finally {
      await user.drop();
    }
  };
  const at = String.raw`^Redis at redis:\/\/127\.0\.0\.1:\d+ \(REDIS_URL\) refuses to`;
  try {
    await t.step("a user allowed everything the server does passes", async () => {
      assert.equal(await refusal(["+@all"]), undefined);
    });
    await t.step("no scripting (the QA report: rate limits off, stale replicas, /readyz green)", async () => {
      assert.match(
        (await refusal(["+@all", "-@scripting"])) ?? "",
        new RegExp(`${at} run the script by which a write invalidates .*@scripting.*: NOPERM .*'eval'`),
      );
    });
    await t.step("EVALSHA alone, or a command the script runs", async () => {
      assert.match(
        (await refusal(["+@all", "-evalsha"])) ?? "",
        new RegExp(`${at} run the rate limiter's script \\(EVAL, EVALSHA.*: NOPERM .*'evalsha'`),
      );
      assert.match(
        (await refusal(["+@all", "-hset"])) ?? "",
        new RegExp(`${at} run the rate limiter's script .*can't run this command`),
      );
    });
    await t.step("the cache's commands", async () => {
      assert.match((await refusal(["+@all", "-set"])) ?? "", new RegExp(`${at} read and write .*'set'`));
    });
    await t.step("publish and subscribe", async () => {
      assert.match((await refusal(["+@all", "-@pubsub"])) ?? "", new RegExp(`${at} publish on .*'publish'`));
      assert.match(
        (await refusal(["+@all", "-subscribe"])) ?? "",
        new RegExp(`${at} subscribe to .*'subscribe'`),
      );
    });
    await t.step("a database Redis does not have (it left the connection on database 0)", async () => {
      const user = await testRedisUser(server.url, ["+@all"]);
      try {
        const url = new URL(user.url);
        url.pathname = "/99";
        assert.match(
          (await check(url.href)) ?? "",
          /^Redis at redis:\/\/127\.0\.0\.1:\d+\/99 \(REDIS_URL\) refuses to use database 99 \(SELECT\): ERR DB index is out of range$/,
        );
        url.pathname = "/3";
        assert.equal(await check(url.href), undefined, "one it has");
      } finally {
        await user.drop();
      }
    });
  } finally {
    await server.close();
  }
});

Deno.test("start-up: a wrong or missing password is said as such, in one line naming REDIS_URL, never the password", async (t) => {
  const refusal = async (url: string, timeoutMs = 2000): Promise<string> => {
    const error = await connectRedis(url, timeoutMs).then(() => undefined, (e: Error) => e);
    assert.ok(error, "refused");
    const { password } = new URL(url);
    assert.ok(!password || !error.message.includes(password), "no password");
    assert.ok(!error.message.includes("\n"), "one line");
    return error.message;
  };
  await t.step("a wrong password (a real Redis)", async () => {
    const server = await startTestRedis();
    if (!server) return; // startTestRedis printed why (REDIS_UNAVAILABLE_REASON)
    const user = await testRedisUser(server.url, ["+@all"]);
    try {
      const url = new URL(user.url);
      url.password = `wrong-${crypto.randomUUID()}`;
      assert.match(
        await refusal(url.href),
        /^Redis at redis:\/\/127\.0\.0\.1:\d+ \(REDIS_URL\) refuses the URL's user and password: WRONGPASS /,
      );
    } finally {
      await user.drop();
      await server.close();
    }
  });
  await t.step(
    "no password for a Redis that requires one (it answers every command with NOAUTH)",
    async () => {
      const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
      const conns: Deno.Conn[] = [];
      const serving = (async () => {
        for await (const conn of listener) {
          conns.push(conn);
          (async () => {
            const buffer = new Uint8Array(4096);
            try {
              for (let n = await conn.read(buffer); n !== null; n = await conn.read(buffer)) {
                const commands = new TextDecoder().decode(buffer.subarray(0, n)).match(/^\*/gm)?.length ?? 0;
                await conn.write(
                  new TextEncoder().encode("-NOAUTH Authentication required.\r\n".repeat(commands)),
                );
              }
            } catch {
              // the client went away
            }
          })();
        }
      })().catch(() => {}); // the listener closed
      try {
        const { port } = listener.addr as Deno.NetAddr;
        assert.equal(
          await refusal(`redis://127.0.0.1:${port}`, 500),
          `Redis at redis://127.0.0.1:${port} (REDIS_URL) requires a password, and the URL has none: ` +
            "NOAUTH Authentication required.",
        );
      } finally {
        listener.close();
        for (const conn of conns) {
          try {
            conn.close();
          } catch {
            // already closed
          }
        }
        await serving;
      }
    },
  );
});
