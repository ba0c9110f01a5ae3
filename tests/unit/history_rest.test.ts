/**
 * Getting the rest of what was cut. get_device_history {all: true} stops at `limit` rows: the answer says which
 * span the rows cover and gives `next_until`, and calling on with it (same since) gets every earlier row.
 */
import { toolContext } from "../helpers/tool_context.ts";
import assert from "node:assert/strict";
import { createSimulator } from "../../src/simulator/mod.ts";
import { getDeviceHistory } from "../../src/tools/devices.ts";
import { continueUntil } from "../../src/tools/history_rest.ts";
import type { HistoryList } from "../../src/tools/shapes.ts";
import { simulatedClient } from "../helpers/sim_client.ts";

const KEY = "history-rest-key-0d7b52";

function fixture() {
  const sim = createSimulator({ organizations: [{ key: KEY, seed: 5, deviceCount: 30 }] });
  const xyte = simulatedClient(sim, KEY);
  const ctx = toolContext(xyte);
  return {
    org: sim.state.organizations[0]!,
    async history(args: Record<string, unknown>) {
      const { result, summary } = await getDeviceHistory.execute(getDeviceHistory.input.parse(args), ctx);
      return { list: result as unknown as HistoryList, summary };
    },
  };
}

Deno.test("continueUntil: the oldest row's second rounded up, and nothing for rows not newest first", () => {
  assert.equal(
    continueUntil(["2026-11-26T10:00:00.000Z", "2026-11-25T04:38:45.593Z"]),
    "2026-11-25T04:38:46.000Z",
  );
  assert.equal(continueUntil(["2026-11-25T04:38:45.000Z"]), "2026-11-25T04:38:45.000Z");
  assert.equal(continueUntil(["2026-11-25T04:00:00Z", "2026-11-26T04:00:00Z"]), undefined);
  assert.equal(continueUntil(["2026-11-25T04:00:00Z", null]), undefined);
  assert.equal(continueUntil([]), undefined);
});

Deno.test("get_device_history all: a cut names its span and next_until; calling on with it loses no row", async () => {
  const f = fixture();
  const first = await f.history({ all: true, limit: 40 });
  assert.equal(first.list.returned, 40);
  assert.equal(first.list.has_next_page, true);
  const nextUntil = first.list.next_until;
  assert.ok(nextUntil !== undefined);
  const ats = first.list.rows.map((r) => r.at!).sort();
  assert.ok(
    first.summary.startsWith(`40 history row(s) at ${ats[0]} .. ${ats.at(-1)}, limit 40 reached`),
    first.summary,
  );
  assert.ok(first.summary.includes(`since: "${first.list.from}", until: "${nextUntil}"`), first.summary);

  const key = (r: { at: string | null; device_id?: string | null }) => `${r.at} ${r.device_id}`;
  const seen = new Set(first.list.rows.map(key));
  let until: string | undefined = nextUntil;
  for (let calls = 0; until !== undefined; calls++) {
    assert.ok(calls < 100, "paging on by until ends");
    const next = await f.history({ all: true, limit: 40, since: first.list.from, until });
    for (const row of next.list.rows) seen.add(key(row));
    assert.equal(next.list.next_until === undefined, !next.list.has_next_page);
    until = next.list.next_until;
  }
  const fromMs = Date.parse(first.list.from);
  const toMs = Date.parse(first.list.to);
  const truth = f.org.history.filter((r) => r.createdAtMs >= fromMs && r.createdAtMs <= toMs);
  assert.ok(truth.length > 40 * 3, "the window holds several limits' worth");
  assert.deepEqual(
    [...seen].sort(),
    truth.map((r) => `${new Date(r.createdAtMs).toISOString()} ${r.deviceId}`).sort(),
  );
});

Deno.test("get_device_history: a page (not all) has no next_until; its summary points at the next page", async () => {
  const f = fixture();
  const { list, summary } = await f.history({ per_page: 5 });
  assert.equal(list.has_next_page, true);
  assert.equal(list.next_until, undefined);
  assert.match(summary, /; more on page 2:/);
});
