/**
 * Timers the server sets for housekeeping (the session sweeper, log flushing, subscription polls, the cache's
 * make-up) must not hold the process open. Deno 2.9's timers are Node `Timeout` objects, which
 * `Deno.unrefTimer(Number(timer))` left referenced: a process with nothing else to do waited for them.
 */
import assert from "node:assert/strict";

const TIMEOUTS = new URL("../../src/timeouts.ts", import.meta.url).href;
const SRC = new URL("../../src/", import.meta.url).href;

/**
 * Runs `script` in a process of its own (with the project's import map) and returns what it printed. A timer
 * left referenced keeps the process: it is ended after `limitMs`, and its exit code says so.
 */
async function runAlone(
  script: string,
  limitMs: number,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--config", new URL("../../deno.json", import.meta.url).pathname, script],
    env: { DENO_NO_UPDATE_CHECK: "1" },
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(limitMs),
  }).output();
  const decoder = new TextDecoder();
  return { code, stdout: decoder.decode(stdout), stderr: decoder.decode(stderr) };
}

Deno.test("unrefTimer lets a process with nothing else to do end at once", async () => {
  const script = `
    import { unrefTimer } from ${JSON.stringify(TIMEOUTS)};
    unrefTimer(setTimeout(() => console.log("a timeout held the process"), 3000));
    unrefTimer(setInterval(() => console.log("an interval held the process"), 1000));
  `;
  const { code, stdout, stderr } = await runAlone(script, 10_000);
  assert.equal(stdout, "", "no timer ran: none held the process");
  assert.equal(code, 0, stderr);
});

Deno.test("the server's housekeeping timers (session sweeper, subscription polls and windows, event-loop sampling) let a process with nothing else to do end", async () => {
  // Each is set far in the future, or repeats: one left referenced keeps the process until the test ends it.
  const script = `
    import { LegacySessions } from ${JSON.stringify(`${SRC}transports/sessions.ts`)};
    import { ResourceWatches } from ${JSON.stringify(`${SRC}mcp/subscriptions.ts`)};
    import { createMetrics } from ${JSON.stringify(`${SRC}observability/metrics.ts`)};
    import { NO_TELEMETRY } from ${JSON.stringify(`${SRC}observability/telemetry.ts`)};
    const refused = () => { throw new Error("no session in this script"); };
    new LegacySessions({
      build: refused, admit: refused, ownerOf: refused,
      idleTtlSeconds: 3600, replaySeconds: 0, telemetry: NO_TELEMETRY,
    });
    const watches = new ResourceWatches({ pollSeconds: 3600, readTimeoutMs: 1000, recheckWindowMs: 3_600_000 });
    await watches.watch("tenant", "xyte://devices", () => Promise.resolve({ devices: [] }), () => {});
    watches.recheckAll("tenant");
    createMetrics();
    console.log("set up");
  `;
  const { code, stdout, stderr } = await runAlone(script, 20_000);
  assert.equal(stdout, "set up\n", stderr);
  assert.equal(code, 0, stderr);
});
