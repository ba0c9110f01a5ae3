import assert from "node:assert/strict";
import { AsyncLocalStorage } from "node:async_hooks";
import FakeTimers from "@sinonjs/fake-timers";
import {
  afterTimeout,
  MAX_TIMER_DELAY_MS,
  type PendingTimeout,
  pendingTimeouts,
} from "../../src/timeouts.ts";

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type FakeClock = ReturnType<ReturnType<typeof FakeTimers.withGlobal>["install"]>;

/**
 * Runs `body` with the runtime's timers and `performance.now` replaced by a clock the test moves: the timeouts
 * it sets are all set at the same moment, however long setting them takes on a loaded machine.
 */
function withFakeClock(body: (clock: FakeClock) => void): void {
  const clock = FakeTimers.withGlobal(globalThis).install({
    toFake: ["setTimeout", "clearTimeout", "performance"],
  });
  try {
    body(clock);
  } finally {
    clock.uninstall();
  }
}

Deno.test("timeouts: each runs once after its own delay, shorter ones first whatever the order they were set in", () => {
  withFakeClock((clock) => {
    const ran: string[] = [];
    afterTimeout(60, () => ran.push("60 ms"));
    afterTimeout(20, () => ran.push("20 ms"));
    afterTimeout(40, () => ran.push("40 ms"));
    assert.equal(pendingTimeouts(), 3);
    assert.deepEqual(ran, [], "none runs at once");
    clock.tick(19);
    assert.deepEqual(ran, [], "none before its delay");
    clock.tick(1);
    assert.deepEqual(ran, ["20 ms"]);
    clock.tick(40);
    assert.deepEqual(ran, ["20 ms", "40 ms", "60 ms"]);
    assert.equal(pendingTimeouts(), 0);
  });
});

Deno.test("timeouts: those set with the same delay run in the order they were set, after shorter ones", () => {
  withFakeClock((clock) => {
    const ran: number[] = [];
    for (let i = 0; i < 20; i++) afterTimeout(i % 2 === 0 ? 10 : 0, () => ran.push(i));
    clock.tick(40);
    assert.deepEqual(ran, [1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 0, 2, 4, 6, 8, 10, 12, 14, 16, 18]);
  });
});

Deno.test("timeouts: a cancelled one never runs, the others still do, and nothing stays pending", async () => {
  const ran: string[] = [];
  const first = afterTimeout(10, () => ran.push("first"));
  const kept = afterTimeout(20, () => ran.push("kept"));
  const last = afterTimeout(30, () => ran.push("last"));
  first.cancel();
  last.cancel();
  last.cancel();
  assert.equal(pendingTimeouts(), 1);
  await wait(60);
  assert.deepEqual(ran, ["kept"]);
  kept.cancel();
  assert.equal(pendingTimeouts(), 0);
  // Cancelling the only pending one clears the runtime timer too (the test sanitizer reports a timer left
  // set; pinned on a fake clock below as well).
  afterTimeout(60_000, () => ran.push("never")).cancel();
});

Deno.test("timeouts: many set and cancelled out of order keep the rest on time", () => {
  // Delays 1 ms apart: on a real clock, setting 200 takes longer than that on a loaded machine.
  withFakeClock((clock) => {
    const ran: number[] = [];
    const delay = (i: number) => 5 + (i * 37) % 50;
    const pending = Array.from({ length: 200 }, (_, i) => afterTimeout(delay(i), () => ran.push(i)));
    for (let i = 0; i < 200; i += 3) pending[i]!.cancel();
    clock.tick(30);
    const kept = [...Array(200).keys()].filter((i) => i % 3 !== 0).sort((a, b) =>
      delay(a) - delay(b) || a - b
    );
    assert.deepEqual(ran, kept.filter((i) => delay(i) <= 30), "those due by 30 ms, and only those");
    clock.tick(90);
    assert.deepEqual(ran, kept);
    assert.equal(pendingTimeouts(), 0);
  });
});

Deno.test("timeouts: a callback runs outside the async context of whoever set it", async () => {
  const context = new AsyncLocalStorage<string>();
  let seen: string | undefined = "not run";
  context.run("request 1", () => afterTimeout(5, () => (seen = context.getStore())));
  await wait(30);
  assert.equal(seen, undefined);
});

Deno.test("timeouts: one cancelled by the callback of another due at the same moment does not run", async () => {
  // As with runtime timers: clearTimeout in one timer's callback stops another that is due too.
  const ran: string[] = [];
  const later: { second?: PendingTimeout } = {};
  afterTimeout(5, () => {
    ran.push("first");
    later.second?.cancel();
  });
  later.second = afterTimeout(5, () => ran.push("second"));
  await wait(30);
  assert.deepEqual(ran, ["first"]);
  assert.equal(pendingTimeouts(), 0);
});

Deno.test("timeouts: one set from a firing callback runs after its own delay, and the process's timer is re-armed", async () => {
  const ran: string[] = [];
  afterTimeout(5, () => {
    ran.push("outer");
    afterTimeout(0, () => ran.push("inner, at once"));
    afterTimeout(10, () => ran.push("inner, later"));
  });
  afterTimeout(5, () => ran.push("outer's twin"));
  await wait(60);
  assert.deepEqual(ran, ["outer", "outer's twin", "inner, at once", "inner, later"]);
  assert.equal(pendingTimeouts(), 0);
});

Deno.test("timeouts on a fake clock: each runs at its due millisecond, ties in the order set, cancelled ones never", () => {
  withFakeClock((clock) => {
    // A small deterministic generator: the same operations on every run.
    let seed = 12345;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return Math.floor((seed / 2147483648) * n);
    };
    const pending = new Map<number, { due: number; cancel(): void }>();
    const ran: { id: number; at: number }[] = [];
    const expected: { id: number; due: number }[] = [];
    let nextId = 0;
    const set = (delay: number) => {
      const id = nextId++;
      const due = clock.now + delay;
      const timeout = afterTimeout(delay, () => {
        ran.push({ id, at: clock.now });
        pending.delete(id);
        // Some callbacks set another or cancel one still pending. (Not one of 0 ms: a runtime timer set from a
        // timer's callback waits at least 1 ms, as it always did.)
        if (id % 7 === 0) set(1 + random(3));
        if (id % 11 === 0) cancelOne();
      });
      pending.set(id, { due, cancel: timeout.cancel });
      expected.push({ id, due });
    };
    const cancelOne = () => {
      const ids = [...pending.keys()];
      if (ids.length === 0) return;
      const id = ids[random(ids.length)]!;
      pending.get(id)!.cancel();
      pending.delete(id);
      expected.splice(expected.findIndex((e) => e.id === id), 1);
    };
    for (let step = 0; step < 400; step++) {
      for (let i = random(4); i > 0; i--) set(random(40));
      if (random(3) === 0) cancelOne();
      clock.tick(1);
    }
    clock.tick(100);
    assert.equal(pendingTimeouts(), 0);
    assert.equal(clock.countTimers(), 0, "no runtime timer left set");
    assert.ok(ran.length > 300, `${ran.length} ran`);
    const byDueThenSet = [...expected].sort((a, b) => a.due - b.due || a.id - b.id);
    assert.deepEqual(ran.map((r) => r.id), byDueThenSet.map((e) => e.id));
    const late = ran.filter((r) => r.at !== expected.find((e) => e.id === r.id)!.due);
    assert.deepEqual(late, [], "each ran at its due millisecond");
  });
});

Deno.test("timeouts on a fake clock: with nothing pending, no runtime timer stays set", () => {
  withFakeClock((clock) => {
    const first = afterTimeout(50, () => {});
    const second = afterTimeout(10, () => {});
    assert.equal(clock.countTimers(), 1, "one runtime timer for all");
    first.cancel();
    assert.equal(clock.countTimers(), 1);
    second.cancel();
    assert.equal(clock.countTimers(), 0);
    afterTimeout(5, () => {});
    clock.tick(5);
    assert.equal(clock.countTimers(), 0, "none after the last one ran");
  });
});

Deno.test("timeouts on a fake clock: one due later than a runtime timer can wait runs when due, not early", () => {
  // The fake clock, like Deno's and Node's timers, runs a runtime timer set for more than 2^31 - 1 ms after 1 ms.
  withFakeClock((clock) => {
    const ran: string[] = [];
    const start = clock.now;
    const farDelay = 3 * MAX_TIMER_DELAY_MS + 500;
    afterTimeout(farDelay, () => ran.push(`far, at +${clock.now - start}`));
    const forEver = afterTimeout(Infinity, () => ran.push("never"));
    clock.tick(1_000);
    assert.equal(ran.length, 0, "not after a moment");
    afterTimeout(50, () => ran.push(`near, at +${clock.now - start}`));
    clock.tick(50);
    assert.deepEqual(ran, ["near, at +1050"], "a shorter one set meanwhile runs on time");
    clock.tick(farDelay - 1_051);
    assert.deepEqual(ran, ["near, at +1050"], "not a millisecond before it is due");
    clock.tick(1);
    assert.deepEqual(ran, ["near, at +1050", `far, at +${farDelay}`]);
    clock.tick(10 * MAX_TIMER_DELAY_MS);
    assert.equal(ran.length, 2, "one set for ever never runs");
    assert.equal(pendingTimeouts(), 1);
    assert.equal(clock.countTimers(), 1, "and waits on one runtime timer");
    forEver.cancel();
    assert.equal(clock.countTimers(), 0);
  });
});
