/** Upstream reads the workflow tools combine: a device's recent status changes and its commands. */
import { z } from "zod";
import type { ToolContext } from "../mcp/tool.ts";
import { fetchAllPages, readListPage } from "../xyte/paginate.ts";
import { parseWire } from "../xyte/wire.ts";

const GET_HISTORIES = "organization.devices.getHistories";
const GET_COMMANDS = "organization.commands.getCommands";
const HISTORY_PER_PAGE = 1000;

const WireHistoryRow = z.looseObject({
  status: z.string().nullish().transform((v) => v ?? null),
  created_at: z.string().nullish().transform((v) => v ?? null),
});

export const StateChange = z.object({ at: z.string().nullable(), status: z.string().nullable() });
export type StateChange = z.infer<typeof StateChange>;

/** Status changes of one device between two epoch-second instants, newest first (repeats folded). */
export async function fetchRecentHistory(
  ctx: ToolContext,
  deviceId: string,
  from: number,
  to: number,
): Promise<StateChange[]> {
  const all = await fetchAllPages(
    async (page, signal) => {
      const body = await ctx.xyte.call(GET_HISTORIES, {
        query: { device_id: deviceId, from, to, page, per_page: HISTORY_PER_PAGE },
        signal,
      });
      const list = readListPage(body, "items", GET_HISTORIES);
      return { ...list, rows: list.rows.map((row) => parseWire(WireHistoryRow, row, GET_HISTORIES)) };
    },
    HISTORY_PER_PAGE,
    { concurrency: 2, signal: ctx.signal },
  );
  const oldestFirst = [...all.rows].sort((a, b) => (a.created_at ?? "").localeCompare(b.created_at ?? ""));
  const changes: StateChange[] = [];
  for (const row of oldestFirst) {
    if (changes.at(-1)?.status !== row.status) changes.push({ at: row.created_at, status: row.status });
  }
  return changes.slice(1).reverse();
}

export const CommandRow = z.object({
  id: z.string(),
  name: z.string().nullable(),
  status: z.string().nullable().describe("pending | in_progress | done | failed | canceled"),
  created_at: z.string().nullable(),
});
export type CommandRow = z.infer<typeof CommandRow>;

const WireCommand = z.looseObject({
  id: z.union([z.string(), z.number()]).transform(String),
  name: z.string().nullish().transform((v) => v ?? null),
  status: z.string().nullish().transform((v) => v ?? null),
  created_at: z.string().nullish().transform((v) => v ?? null),
});

/** The commands of one device, as compact rows. */
export async function fetchCommands(ctx: ToolContext, deviceId: string): Promise<CommandRow[]> {
  const body = await ctx.xyte.call(GET_COMMANDS, { path: { device_id: deviceId }, signal: ctx.signal });
  const rows = Array.isArray(body) ? body : readListPage(body, "items", GET_COMMANDS).rows;
  return rows.map((row) => {
    const c = parseWire(WireCommand, row, GET_COMMANDS);
    return { id: c.id, name: c.name, status: c.status, created_at: c.created_at };
  });
}
