import assert from "node:assert/strict";
import perfHooks from "node:perf_hooks";
import FakeTimers from "@sinonjs/fake-timers";
import { EventLoopDelay } from "../../src/observability/event_loop_delay.ts";
import { createMetrics } from "../../src/observability/metrics.ts";

const MS = 1e6;

Deno.test("event loop delay: each tick records how much later than the resolution it ran, in ns", () => {
  let now = 0;
  const delay = new EventLoopDelay(10, () => now);
  delay.sample();
  for (const elapsed of [10, 12, 60, 10.5]) {
    now += elapsed;
    delay.sample();
  }
  // A tick sooner than the resolution (timers may round) counts as no delay.
  now += 9;
  delay.sample();
  assert.equal(delay.count, 5);
  assert.equal(delay.min, 0);
  assert.equal(delay.max, 50 * MS);
  assert.equal(delay.mean, (2 + 50 + 0.5) * MS / 5);
  const mean = delay.mean;
  const variance = [0, 2, 50, 0.5, 0].reduce((sum, ms) => sum + (ms * MS - mean) ** 2, 0) / 5;
  assert.ok(Math.abs(delay.stddev - Math.sqrt(variance)) < 1);
});

Deno.test("event loop delay: percentiles are within 1/128 of the delays they stand for", () => {
  const delay = new EventLoopDelay();
  // 1..1000 ms: p50 is 500 ms, p90 900 ms, p99 990 ms.
  for (let ms = 1; ms <= 1000; ms++) delay.record(ms * MS);
  for (const [percentile, expected] of [[50, 500], [90, 900], [99, 990]] as const) {
    const value = delay.percentile(percentile);
    assert.ok(
      value >= expected * MS && value <= expected * MS * (1 + 1 / 128),
      `p${percentile} = ${value}, expected ${expected} ms`,
    );
  }
  assert.equal(delay.percentile(100), 1000 * MS);
  // Small values are kept exactly; none is reported below the minimum or above the maximum.
  const small = new EventLoopDelay();
  for (const ns of [3, 7, 200]) small.record(ns);
  assert.deepEqual([small.percentile(1), small.percentile(50), small.percentile(100)], [3, 7, 200]);
  const one = new EventLoopDelay();
  one.record(123_456_789);
  assert.equal(one.percentile(50), 123_456_789);
});

Deno.test("event loop delay: reset forgets every value; with none, what Node's histograms report", () => {
  const delay = new EventLoopDelay();
  delay.record(5 * MS);
  delay.reset();
  assert.equal(delay.count, 0);
  assert.equal(delay.min, 9223372036854775807);
  assert.equal(delay.max, 0);
  assert.ok(Number.isNaN(delay.mean));
  assert.ok(Number.isNaN(delay.stddev));
  assert.equal(delay.percentile(99), 0);
  delay.record(2 * MS);
  assert.equal(delay.min, 2 * MS);
  assert.equal(delay.percentile(50), 2 * MS);
});

Deno.test("event loop delay: enable starts one timer, disable stops it", () => {
  const delay = new EventLoopDelay();
  assert.equal(delay.enable(), true);
  assert.equal(delay.enable(), false);
  assert.equal(delay.disable(), true);
  assert.equal(delay.disable(), false);
});

Deno.test("metrics: the event-loop lag gauges come from EventLoopDelay, not Deno's monitor", async () => {
  const denoMonitor = perfHooks.monitorEventLoopDelay;
  let denoMonitors = 0;
  const counting = (...args: Parameters<typeof denoMonitor>) => {
    denoMonitors++;
    return denoMonitor(...args);
  };
  Object.defineProperty(perfHooks, "monitorEventLoopDelay", { value: counting });
  try {
    const metrics = createMetrics();
    // Deno's keeps a histogram that grows by a MiB per doubling of the longest delay seen.
    assert.equal(denoMonitors, 0);
    // What other code finds there afterwards is what was there before.
    assert.equal(perfHooks.monitorEventLoopDelay, counting);
    const text = await metrics.render();
    for (const name of ["", "_min", "_max", "_mean", "_stddev", "_p50", "_p90", "_p99"]) {
      assert.match(text, new RegExp(`^xyte_mcp_nodejs_eventloop_lag${name}_seconds \\S+$`, "m"));
    }
  } finally {
    Object.defineProperty(perfHooks, "monitorEventLoopDelay", { value: denoMonitor });
  }
});

Deno.test("metrics: close stops the event-loop sampling, which otherwise runs for the life of the process", async () => {
  const clock = FakeTimers.withGlobal(globalThis).install({
    toFake: ["setInterval", "clearInterval", "performance"],
  });
  try {
    const lagMin = async (metrics: ReturnType<typeof createMetrics>) =>
      Number(/^xyte_mcp_nodejs_eventloop_lag_min_seconds (\S+)$/m.exec(await metrics.render())![1]);
    // A scrape resets the histogram; with no sample since, the minimum is Node's "none" (int64 max, in s).
    const none = 9223372036854775807 / 1e9;
    const open = createMetrics();
    const closed = createMetrics();
    await lagMin(open);
    await lagMin(closed);
    closed.close();
    clock.tick(100);
    assert.equal(await lagMin(closed), none, "no sample after close");
    assert.ok(await lagMin(open) < none, "the open one still samples");
    open.close();
  } finally {
    clock.uninstall();
  }
});

Deno.test("metrics: the event-loop sampler wakes the process every 50 ms, not prom-client's 10 (CPU while idle)", async () => {
  const clock = FakeTimers.withGlobal(globalThis).install({
    toFake: ["setInterval", "clearInterval", "performance"],
  });
  const metrics = createMetrics();
  try {
    assert.equal(clock.countTimers(), 1, "one timer: the sampler's");
    const start = clock.now;
    clock.next();
    assert.equal(clock.now - start, 50);
    clock.next();
    assert.equal(clock.now - start, 100);
    // Samples taken on time read as no delay (the figures are the delay beyond the interval).
    assert.match(await metrics.render(), /^xyte_mcp_nodejs_eventloop_lag_max_seconds 0$/m);
  } finally {
    metrics.close();
    clock.uninstall();
  }
});
