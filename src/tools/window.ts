/**
 * Time windows of history endpoints: Xyte takes epoch seconds, defaults to the last 7 days and answers 422
 * for windows longer than 31 days. The window is checked here first, so the agent gets a hint instead.
 */
import { ToolFailure } from "../mcp/results.ts";
import { isoFromEpoch } from "./time.ts";

export const DAY_SECONDS = 86_400;
export const DEFAULT_WINDOW_DAYS = 7;
export const MAX_WINDOW_DAYS = 31;

export interface TimeWindow {
  /** Epoch seconds. */
  from: number;
  /** Epoch seconds. */
  to: number;
}

/**
 * The window for `since`/`until` (epoch seconds, either optional): `until` defaults to now, `since` to
 * 7 days before `until`. Throws `invalid_arguments` when since > until or the window exceeds 31 days.
 */
export function historyWindow(
  since: number | undefined,
  until: number | undefined,
  nowSeconds: number = Math.floor(Date.now() / 1000),
): TimeWindow {
  const to = until ?? Math.max(nowSeconds, since ?? 0);
  const from = since ?? to - DEFAULT_WINDOW_DAYS * DAY_SECONDS;
  if (from > to) {
    throw new ToolFailure({
      code: "invalid_arguments",
      message: `since (${isoFromEpoch(from)}) is after until (${isoFromEpoch(to)})`,
      hint: "Pass since earlier than until.",
      retriable: false,
    });
  }
  if (to - from > MAX_WINDOW_DAYS * DAY_SECONDS) {
    throw new ToolFailure({
      code: "invalid_arguments",
      message: `the window ${isoFromEpoch(from)} .. ${isoFromEpoch(to)} is longer than ${MAX_WINDOW_DAYS} ` +
        `days, the most Xyte allows`,
      hint: `Pass since and until at most ${MAX_WINDOW_DAYS} days apart, e.g. until: "${
        isoFromEpoch(from + MAX_WINDOW_DAYS * DAY_SECONDS)
      }", then call again for the rest.`,
      retriable: false,
    });
  }
  return { from, to };
}
