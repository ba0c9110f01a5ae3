/** Upstream reads the workflow tools combine that no single tool returns as is. */
import { z } from "zod";
import type { ToolContext } from "../mcp/tool.ts";
import { fetchAllPages } from "../xyte/paginate.ts";
import { readWirePage, WireHistoryRow } from "../xyte/wire.ts";

const GET_HISTORIES = "organization.devices.getHistories";
const HISTORY_PER_PAGE = 1000;

export const StateChange = z.object({ at: z.string().nullable(), status: z.string().nullable() });
export type StateChange = z.infer<typeof StateChange>;

/** Status changes of one device between two epoch-second instants, newest first (repeated statuses folded). */
export async function fetchStatusChanges(
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
      return readWirePage(body, "items", WireHistoryRow, GET_HISTORIES);
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
