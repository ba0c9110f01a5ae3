/** ISO-8601 time arguments, converted to the Unix epoch seconds the Xyte API takes. */
import { z } from "zod";

/**
 * Whether `value` starts with a date that is on the calendar (`YYYY-MM-DD`): not 2026-02-30, not month 13.
 * `Date.parse` takes 2026-11-31 for 2026-12-01 instead of refusing it, so the parts are checked here.
 */
export function startsWithCalendarDate(value: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(value);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** An ISO-8601 date or date-time argument; the parsed value is epoch seconds. */
export const isoTime = z.string()
  .refine((v) => startsWithCalendarDate(v) && !Number.isNaN(Date.parse(v)), {
    message: "expected an ISO-8601 date or date-time, e.g. 2026-11-01 or 2026-11-01T08:00:00Z",
  })
  .transform((v) => Math.floor(Date.parse(v) / 1000));

/** Epoch seconds back to ISO-8601, for summaries. */
export function isoFromEpoch(seconds: number): string {
  return new Date(seconds * 1000).toISOString();
}
