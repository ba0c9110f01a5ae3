import assert from "node:assert/strict";
import { XyteError } from "../../src/xyte/errors.ts";
import {
  backoffDelayMs,
  CircuitBreaker,
  DEFAULT_RETRY_POLICY,
  IDEMPOTENT_METHODS,
  isHostFailure,
  Semaphore,
  sleep,
  TenantGates,
} from "../../src/xyte/resilience.ts";

Deno.test("backoff: full jitter under a ceiling that doubles per attempt and is capped", () => {
  const policy = { maxRetries: 5, baseDelayMs: 100, maxDelayMs: 1000 };
  assert.equal(backoffDelayMs(0, policy, () => 0.999), 99);
  assert.equal(backoffDelayMs(2, policy, () => 0.5), 200);
  assert.equal(backoffDelayMs(10, policy, () => 0.999), 999, "capped at maxDelayMs");
  assert.equal(backoffDelayMs(3, policy, () => 0), 0, "full jitter can go to zero");
  assert.ok(
    IDEMPOTENT_METHODS.has("PUT") && IDEMPOTENT_METHODS.has("DELETE") && IDEMPOTENT_METHODS.has("GET"),
  );
  assert.ok(!IDEMPOTENT_METHODS.has("POST") && !IDEMPOTENT_METHODS.has("PATCH"));
  assert.equal(DEFAULT_RETRY_POLICY.maxRetries, 5);
});

Deno.test("circuit breaker: opens after N consecutive failures, fails fast, half-opens for one trial", () => {
  let now = 0;
  const changes: boolean[] = [];
  const breaker = new CircuitBreaker("hub.example", {
    failureThreshold: 3,
    cooldownMs: 10_000,
    now: () => now,
    onChange: (open) => changes.push(open),
  });
  breaker.failure();
  breaker.failure();
  breaker.success(); // an answer resets the streak
  breaker.failure();
  breaker.failure();
  breaker.admit("k");
  breaker.failure();
  assert.equal(breaker.isOpen, true);
  const refused = (() => {
    try {
      breaker.admit("organization.devices.getDevice");
      return undefined;
    } catch (error) {
      return error;
    }
  })();
  assert.ok(refused instanceof XyteError);
  assert.equal(refused.code, "circuit_open");
  assert.equal(refused.retriable, true);
  assert.equal(refused.retryAfterSeconds, 10);

  now = 10_000;
  breaker.admit("k"); // the trial
  assert.throws(() => breaker.admit("k"), /paused/, "only one trial at a time");
  breaker.failure(); // the trial failed: open again for a full cool-down
  now = 15_000;
  assert.throws(() => breaker.admit("k"), /paused/);
  now = 20_000;
  breaker.admit("k");
  breaker.success();
  assert.equal(breaker.isOpen, false);
  breaker.admit("k");
  assert.deepEqual(changes, [true, false]);
});

Deno.test("circuit breaker: an abandoned trial (cancelled, never sent) lets the next request be the trial", () => {
  let now = 0;
  const breaker = new CircuitBreaker("hub.example", {
    failureThreshold: 1,
    cooldownMs: 1_000,
    now: () => now,
  });
  assert.equal(breaker.admit("k"), false, "closed: not a trial");
  breaker.failure();
  now = 1_000;
  const trial = breaker.admit("k");
  assert.equal(trial, true);
  breaker.abandon(trial);
  assert.equal(breaker.admit("k"), true, "the next request is the trial, at once");
  breaker.abandon(false); // a request admitted before the circuit opened ends: the trial stays in flight
  assert.throws(() => breaker.admit("k"), /paused/, "still one trial at a time");
  breaker.success();
  assert.equal(breaker.isOpen, false);
});

Deno.test("circuit breaker: a call counts with its most-tried request, so one call's fan-out does not open it", () => {
  const breaker = new CircuitBreaker("hub.example", { failureThreshold: 3, cooldownMs: 1_000, now: () => 0 });
  const fanOut = {};
  for (let request = 0; request < 8; request++) breaker.failure(fanOut, 1); // eight pages at once
  for (let request = 0; request < 8; request++) breaker.failure(fanOut, 2); // and each retried
  assert.equal(breaker.isOpen, false, "one call that failed twice: 2 of 3");
  breaker.failure(fanOut, 1); // a late first attempt of the same call adds nothing
  assert.equal(breaker.isOpen, false);
  breaker.failure({}, 1); // a second call fails
  assert.equal(breaker.isOpen, true, "two calls, 3 failures");
});

Deno.test("circuit breaker: a call's retries count, and a success forgets every call's failures", () => {
  const breaker = new CircuitBreaker("hub.example", { failureThreshold: 3, cooldownMs: 1_000, now: () => 0 });
  const first = {};
  breaker.failure(first, 1);
  breaker.failure(first, 2);
  breaker.success();
  breaker.failure(first, 1);
  breaker.failure({}, 1);
  assert.equal(breaker.isOpen, false, "2 of 3 since the success");
  breaker.failure(first, 3); // a call of one request retried: its third failure
  assert.equal(breaker.isOpen, true);
});

Deno.test("semaphore: at most `limit` in flight, waiters served in order, an aborted waiter leaves the queue", async () => {
  const gate = new Semaphore(2);
  const order: string[] = [];
  await gate.acquire();
  await gate.acquire();
  const controller = new AbortController();
  const a = gate.acquire().then(() => order.push("a"));
  const b = gate.acquire(controller.signal).then(() => order.push("b"), () => order.push("b aborted"));
  const c = gate.acquire().then(() => order.push("c"));
  controller.abort();
  await b;
  gate.release();
  gate.release();
  await Promise.all([a, c]);
  assert.deepEqual(order, ["b aborted", "a", "c"]);
  assert.equal(gate.active, 2);
});

Deno.test("tenant gates bound each tenant separately and forget idle ones", async () => {
  const gates = new TenantGates(1);
  let inFlight = 0;
  let peak = 0;
  const work = async () => {
    inFlight++;
    peak = Math.max(peak, inFlight);
    await sleep(5);
    inFlight--;
  };
  await Promise.all([
    gates.run("a", undefined, work),
    gates.run("a", undefined, work),
    gates.run("a", undefined, work),
  ]);
  assert.equal(peak, 1, "one at a time for tenant a");
  peak = 0;
  await Promise.all([gates.run("a", undefined, work), gates.run("b", undefined, work)]);
  assert.equal(peak, 2, "tenants do not wait for each other");
  assert.equal(gates.size, 0, "idle gates are forgotten");
  // A caller that gave up before its turn (e.g. cancelled) leaves nothing behind either.
  for (let i = 0; i < 100; i++) {
    await assert.rejects(gates.run(`gone-${i}`, AbortSignal.abort(), work));
  }
  assert.equal(gates.size, 0, "no gate kept for tenants whose calls were refused at once");
});

Deno.test("tenant gates: a refused caller holding a forgotten gate does not remove its replacement", async () => {
  const gates = new TenantGates(1);
  let active = 0;
  let peak = 0;
  const work = async () => {
    peak = Math.max(peak, ++active);
    await sleep(20);
    active--;
  };
  let finishFirst!: () => void;
  const first = gates.run("t", undefined, () => new Promise<void>((resolve) => finishFirst = resolve));
  await sleep(5);
  finishFirst(); // the first call ends: its gate is forgotten once it settles
  let second!: Promise<void>;
  queueMicrotask(() => second = gates.run("t", undefined, work)); // a new gate, in flight
  // Refused at once while still holding the first (forgotten) gate.
  const refused = gates.run("t", AbortSignal.abort(), work).catch(() => "refused");
  await first;
  assert.equal(await refused, "refused");
  const third = gates.run("t", undefined, work);
  await Promise.all([second, third]);
  assert.equal(peak, 1, "still one call at a time for the tenant");
});

Deno.test("sleep ends early with the signal's reason", async () => {
  const controller = new AbortController();
  const started = performance.now();
  const waiting = sleep(10_000, controller.signal);
  controller.abort(new DOMException("stop", "AbortError"));
  await assert.rejects(waiting, /stop/);
  assert.ok(performance.now() - started < 1000);
});

Deno.test("host failures: no answer, timeouts, gateway errors and non-API bodies; not a plain 500 or a 4xx", () => {
  const error = (code: XyteError["code"], status?: number) =>
    new XyteError({ code, message: "m", ...(status !== undefined ? { status } : {}) });
  for (
    const e of [error("network"), error("timeout"), error("invalid_response", 200), error("upstream", 503)]
  ) {
    assert.equal(isHostFailure(e), true, `${e.code} ${e.status}`);
  }
  for (
    const e of [
      error("upstream", 500),
      error("not_found", 404),
      error("rate_limited", 429),
      error("auth", 401),
    ]
  ) {
    assert.equal(isHostFailure(e), false, `${e.code} ${e.status}`);
  }
});
