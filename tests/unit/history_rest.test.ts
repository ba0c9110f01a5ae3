/**
 * Getting the rest of what was cut. get_device_history {all: true} stops at `limit` rows: the answer says which
 * span the rows cover and gives `next_until`, and calling on with it (same since) gets every earlier row. The
 * device resources cannot page: when they hold less than there is, they say which tool call gets the rest.
 */
import { toolContext } from "../helpers/tool_context.ts";
import assert from "node:assert/strict";
import { DirectoryCache } from "../../src/resources/directory.ts";
import { deviceCommandsResource, deviceHistoriesResource } from "../../src/resources/devices.ts";
import { createSimulator } from "../../src/simulator/mod.ts";
import type { SimDevice, SimOrganization } from "../../src/simulator/types.ts";
import { listCommands } from "../../src/tools/commands.ts";
import { getDeviceHistory } from "../../src/tools/devices.ts";
import { continueUntil } from "../../src/tools/history_rest.ts";
import type { HistoryList } from "../../src/tools/shapes.ts";
import { simulatedClient } from "../helpers/sim_client.ts";

const KEY = "history-rest-key-0d7b52";
const MINUTE_MS = 60_000;

function fixture() {
  const sim = createSimulator({ organizations: [{ key: KEY, seed: 5, deviceCount: 30 }] });
  const xyte = simulatedClient(sim, KEY);
  const ctx = toolContext(xyte);
  return {
    org: sim.state.organizations[0]!,
    resourceCtx: {
      xyte,
      signal: new AbortController().signal,
      directories: new DirectoryCache(),
      exposes: () => true,
    },
    async history(args: Record<string, unknown>) {
      const { result, summary } = await getDeviceHistory.execute(getDeviceHistory.input.parse(args), ctx);
      return { list: result as unknown as HistoryList, summary };
    },
    async commands(args: Record<string, unknown>) {
      const { result } = await listCommands.execute(listCommands.input.parse(args), ctx);
      return result as { commands: { id: string }[]; has_next_page: boolean };
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

/** `count` commands on `device`, one a minute, the newest now. */
function addCommands(device: SimDevice, count: number): void {
  const now = Date.now();
  for (let i = count - 1; i >= 0; i--) {
    const at = now - i * MINUTE_MS;
    device.commands.push({
      id: `cmd-${device.id}-${i}`,
      deviceId: device.id,
      name: "reboot",
      friendlyName: "Reboot",
      status: "done",
      extraParams: {},
      fileId: null,
      message: null,
      createdAtMs: at,
      updatedAtMs: at,
    });
  }
}

/** The JSON arguments of `tool` in a resource's `more` note. */
function argumentsIn(more: string, tool: string): Record<string, unknown> {
  const match = new RegExp(`${tool} (\\{.*\\})`).exec(more);
  assert.ok(match, `${more} names ${tool} with its arguments`);
  return JSON.parse(match[1]!);
}

Deno.test("xyte://devices/{id}/commands: holding the newest 100, it names the list_commands call for the older ones", async () => {
  const f = fixture();
  const device = f.org.devices[0]!;
  device.commands = [];
  addCommands(device, 130);
  const doc = await deviceCommandsResource.read({ device_id: device.id }, f.resourceCtx) as {
    commands: { id: string }[];
    has_more: boolean;
    more?: string;
  };
  assert.equal(doc.commands.length, 100);
  assert.equal(doc.has_more, true);
  const rest = await f.commands(argumentsIn(doc.more!, "list_commands"));
  const newestFirst = [...device.commands].reverse().map((c) => c.id);
  assert.deepEqual([...doc.commands, ...rest.commands].map((c) => c.id), newestFirst);

  const withoutCommands = { ...f.resourceCtx, exposes: (tool: string) => tool !== "list_commands" };
  const unexposed = await deviceCommandsResource.read({ device_id: device.id }, withoutCommands) as {
    more?: string;
  };
  assert.equal(
    unexposed.more,
    "Older commands: not with the tools this server exposes; list_commands (toolset commands) would get them.",
    "a server without list_commands does not send the agent to it",
  );

  device.commands = device.commands.slice(-3);
  const small = await deviceCommandsResource.read({ device_id: device.id }, f.resourceCtx) as object;
  assert.equal("more" in small, false, "nothing more, no note");
});

Deno.test("xyte://devices/{id}/histories: holding 1,000 rows, it names the get_device_history call for the earlier ones", async () => {
  const f = fixture();
  const device = f.org.devices.find((d) => d.lastSeenAtMs !== null)!;
  addHistory(f.org, device, 1200);
  const doc = await deviceHistoriesResource.read({ device_id: device.id }, f.resourceCtx) as {
    from: string;
    rows: { at: string }[];
    has_more: boolean;
    more?: string;
  };
  assert.equal(doc.rows.length, 1000);
  assert.equal(doc.has_more, true);
  const withoutHistory = { ...f.resourceCtx, exposes: (tool: string) => tool !== "get_device_history" };
  const unexposed = await deviceHistoriesResource.read({ device_id: device.id }, withoutHistory) as {
    more?: string;
  };
  assert.match(
    unexposed.more!,
    /not with the tools this server exposes; get_device_history \(toolset devices\)/,
  );
  const args = argumentsIn(doc.more!, "get_device_history");
  assert.equal(args.device_id, device.id);
  const rest = await f.history(args);
  const got = new Set([...doc.rows.map((r) => r.at), ...rest.list.rows.map((r) => r.at)]);
  const fromMs = Date.parse(doc.from);
  const truth = f.org.history.filter((r) => r.deviceId === device.id && r.createdAtMs >= fromMs);
  for (const row of truth) {
    assert.ok(got.has(new Date(row.createdAtMs).toISOString()), "no row of the window lost");
  }
});

/** `count` extra history rows of `device`, one every 5 minutes over the last days; history kept newest first. */
function addHistory(org: SimOrganization, device: SimDevice, count: number): void {
  const now = Date.now();
  for (let i = 1; i <= count; i++) {
    org.history.push({
      id: 0,
      deviceId: device.id,
      deviceName: device.name,
      modelName: "Test",
      spaceId: device.spaceId,
      status: "online",
      state: { status: "online" },
      createdAtMs: now - i * 5 * MINUTE_MS - 123,
    });
  }
  org.history.sort((a, b) => b.createdAtMs - a.createdAtMs);
}
