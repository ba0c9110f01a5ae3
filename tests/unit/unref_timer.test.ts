/**
 * Timers the server sets for housekeeping (the session sweeper, log flushing, subscription polls, the cache's
 * make-up) must not hold the process open. Deno 2.9's timers are Node `Timeout` objects, which
 * `Deno.unrefTimer(Number(timer))` left referenced: a process with nothing else to do waited for them.
 */
import assert from "node:assert/strict";

const TIMEOUTS = new URL("../../src/timeouts.ts", import.meta.url).href;

Deno.test("unrefTimer lets a process with nothing else to do end at once", async () => {
  const script = `
    import { unrefTimer } from ${JSON.stringify(TIMEOUTS)};
    unrefTimer(setTimeout(() => console.log("a timeout held the process"), 3000));
    unrefTimer(setInterval(() => console.log("an interval held the process"), 1000));
  `;
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--no-config", script],
    env: { DENO_NO_UPDATE_CHECK: "1" },
    stdout: "piped",
    stderr: "piped",
    // An interval left referenced would keep the process for ever: it is ended here, and the test fails.
    signal: AbortSignal.timeout(10_000),
  }).output();
  const decoder = new TextDecoder();
  assert.equal(decoder.decode(stdout), "", "no timer ran: none held the process");
  assert.equal(code, 0, decoder.decode(stderr));
});
