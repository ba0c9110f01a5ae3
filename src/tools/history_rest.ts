/**
 * The rest of a state history cut at a limit. History rows come newest first, so a cut keeps the newest ones:
 * the earlier rows are those up to the oldest row kept, which an agent gets by calling again with that time as
 * `until` (and the same `since`), or by narrowing the question.
 */
import { isoFromEpoch } from "./time.ts";

/**
 * The `until` that continues a history after `ats` (the rows' times, as returned): the second of the oldest,
 * rounded up, since `until` counts whole seconds (a row of that second may come again; none is lost).
 * Undefined unless the rows are newest first with readable times: then no single `until` continues them.
 */
export function continueUntil(ats: readonly (string | null)[]): string | undefined {
  const ms = ats.map((at) => (at === null ? NaN : Date.parse(at)));
  if (ms.length === 0 || ms.some((t, i) => Number.isNaN(t) || (i > 0 && t > ms[i - 1]!))) return undefined;
  return isoFromEpoch(Math.ceil(ms.at(-1)! / 1000));
}

/** Where a cut history's time span and earlier rows are: for its summary line. */
export function earlierRowsNote(
  r: { from: string; next_until?: string | undefined },
  limit: number,
  narrowers: string,
): string {
  const narrow = narrowers ? `, or narrow by ${narrowers}` : "";
  if (r.next_until === undefined) {
    return ` Only the first ${limit} rows of the window came back: pass a shorter window (since, until)${narrow}.`;
  }
  return ` These are the newest ${limit} rows of the window; for the earlier ones call again with ` +
    `since: "${r.from}", until: "${r.next_until}" (next_until; rows of that second come again)${narrow}.`;
}
