import assert from "node:assert/strict";
import { createReadiness } from "../../src/readiness.ts";
import { setupLogging, stopLogging } from "../../src/observability/log.ts";
import { type Redis, RedisNeed } from "../../src/redis.ts";

Deno.test("readiness: probes together share one upstream check, and its result counts a moment, unready too", async () => {
  let now = 0;
  let asked = 0;
  let status = 404; // an unauthenticated GET of the hub's root: up
  const readiness = createReadiness({
    hubUrl: "https://hub.example",
    now: () => now,
    fetch: () => {
      asked++;
      return Promise.resolve(new Response(null, { status }));
    },
  });
  const burst = await Promise.all(Array.from({ length: 50 }, () => readiness()));
  assert.equal(asked, 1, "50 probes at once: one check");
  assert.ok(burst.every((r) => r.ready));
  now = 1_999;
  await readiness();
  assert.equal(asked, 1, "a ready result counts 2 s");
  status = 503;
  now = 2_000;
  const down = await readiness();
  assert.equal(down.ready, false);
  assert.equal(down.checks.upstream?.detail, "hub answered HTTP 503");
  for (now = 2_000; now < 3_000; now += 100) await readiness();
  assert.equal(asked, 2, "a failing hub is asked about once a second, not once a probe");
  await readiness();
  assert.equal(asked, 3);
});

Deno.test("readiness: a hub that does not answer is unready within the check's time limit", async () => {
  const readiness = createReadiness({
    hubUrl: "https://hub.example",
    timeoutMs: 50,
    fetch: (_url, init) =>
      new Promise((_, reject) => init?.signal?.addEventListener("abort", () => reject(init.signal!.reason))),
  });
  const started = performance.now();
  const result = await readiness();
  assert.equal(result.ready, false);
  assert.match(result.checks.upstream?.detail ?? "", /^hub unreachable/);
  assert.ok(performance.now() - started < 1_000);
});

Deno.test("readiness: a Redis that does not answer PING makes the server unready within the time limit", async () => {
  const hanging = { ping: () => new Promise<string>(() => {}) } as unknown as Redis;
  const readiness = createReadiness({
    hubUrl: "https://hub.example",
    redis: hanging,
    timeoutMs: 50,
    fetch: () => Promise.resolve(new Response(null, { status: 404 })),
  });
  const result = await readiness();
  assert.equal(result.ready, false);
  assert.equal(result.checks.upstream?.ok, true);
  assert.equal(result.checks.redis?.detail, "redis: Redis did not answer within 50 ms");
});

Deno.test("readiness: a need Redis refused is tried again at each check; unanswered, it is said as such", async () => {
  const refusal = Object.assign(new Error("NOPERM this user has no permissions to run the 'eval' command"), {
    name: "ReplyError",
  });
  let probe: () => Promise<unknown> = () => Promise.reject(refusal);
  const need = new RedisNeed("run a script (EVAL)", () => probe());
  const readiness = createReadiness({
    hubUrl: "https://hub.example",
    redis: { ping: () => Promise.resolve("PONG") } as unknown as Redis,
    redisNeeds: [need],
    timeoutMs: 50,
    cacheMs: 0,
    failureCacheMs: 0,
    fetch: () => Promise.resolve(new Response(null, { status: 404 })),
  });
  assert.equal((await readiness()).ready, true, "nothing refused: the probe is not run");
  assert.equal(need.failed(new Error("Connection is closed.")), false, "an unanswered command is no refusal");
  assert.equal(need.refusal, undefined);
  assert.equal(need.failed(refusal), true);
  assert.equal(
    (await readiness()).checks.redis?.detail,
    "redis refuses to run a script (EVAL): NOPERM this user has no permissions to run the 'eval' command",
  );
  probe = () => new Promise(() => {});
  assert.equal((await readiness()).checks.redis?.detail, "redis: Redis did not answer within 50 ms");
  assert.ok(need.refusal, "still held: not answered is not accepted");
  probe = () => Promise.resolve(1);
  assert.equal((await readiness()).ready, true);
  assert.equal(need.refusal, undefined);
});

Deno.test("readiness: why a check fails is logged once when it starts failing or fails otherwise, and when it passes again", async () => {
  const hub = "http://xyte-hub-7f3a.corp.internal:8443";
  let answer: () => Promise<Response> = () => Promise.resolve(new Response(null, { status: 404 }));
  const readiness = createReadiness({ hubUrl: hub, cacheMs: 0, failureCacheMs: 0, fetch: () => answer() });
  const lines: Record<string, unknown>[] = [];
  await setupLogging("info", (line) => lines.push(JSON.parse(line)));
  try {
    await readiness();
    assert.deepEqual(lines, [], "ready from the start: nothing to say");
    answer = () =>
      Promise.reject(new TypeError(`error sending request for url (${hub}/): connection refused`));
    for (let probe = 0; probe < 5; probe++) await readiness();
    answer = () => Promise.resolve(new Response(null, { status: 502 }));
    for (let probe = 0; probe < 5; probe++) await readiness();
    answer = () => Promise.resolve(new Response(null, { status: 404 }));
    for (let probe = 0; probe < 5; probe++) await readiness();
  } finally {
    await stopLogging();
  }
  const said = lines.map(({ level, message, check, detail }) => ({ level, message, check, detail }));
  assert.deepEqual(said, [
    {
      level: "WARN",
      message: "readiness check fails; /readyz answers 503",
      check: "upstream",
      detail: `hub unreachable: error sending request for url (${hub}/): connection refused`,
    },
    {
      level: "WARN",
      message: "readiness check fails; /readyz answers 503",
      check: "upstream",
      detail: "hub answered HTTP 502",
    },
    { level: "INFO", message: "readiness check passes again", check: "upstream", detail: undefined },
  ]);
});

Deno.test("readiness: a failed fetch says what failed (Deno keeps it in the error's cause), not only 'fetch failed'", async () => {
  // As Deno 2.9's fetch rejects for a host name that does not resolve.
  const cause = new Error(
    "error sending request for url (http://xyte-hub-7f3a.corp.internal:8443/): client error (Connect): " +
      "dns error: failed to lookup address information: Name or service not known",
  );
  const readiness = createReadiness({
    hubUrl: "http://xyte-hub-7f3a.corp.internal:8443",
    fetch: () => Promise.reject(new TypeError("fetch failed", { cause })),
  });
  assert.equal(
    (await readiness()).checks.upstream?.detail,
    `hub unreachable: fetch failed (${cause.message})`,
  );
});
