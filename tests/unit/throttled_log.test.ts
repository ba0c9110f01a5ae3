import assert from "node:assert/strict";
import { ThrottledLog } from "../../src/observability/throttled_log.ts";

Deno.test("throttled log: the first line of a kind, then one per interval saying how many were held back", () => {
  let now = 0;
  const throttle = new ThrottledLog(60_000, () => now);
  assert.equal(throttle.take("/mcp 401"), 0, "the first is written");
  for (let i = 0; i < 99; i++) assert.equal(throttle.take("/mcp 401"), undefined);
  assert.equal(throttle.take("/mcp 403"), 0, "another kind is written at once");
  now = 60_000;
  assert.equal(throttle.take("/mcp 401"), 99, "a minute later: one line, with the 99 held back");
  assert.equal(throttle.take("/mcp 401"), undefined);
});
