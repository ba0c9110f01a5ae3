/** ISO-8601 time arguments, converted to the Unix epoch seconds the Xyte API takes. */
import { z } from "zod";

/** An ISO-8601 date or date-time argument; the parsed value is epoch seconds. */
export const isoTime = z.string()
  .refine((v) => /^\d{4}-\d{2}-\d{2}/.test(v) && !Number.isNaN(Date.parse(v)), {
    message: "expected an ISO-8601 date or date-time, e.g. 2026-11-01 or 2026-11-01T08:00:00Z",
  })
  .transform((v) => Math.floor(Date.parse(v) / 1000));

/** Epoch seconds back to ISO-8601, for summaries. */
export function isoFromEpoch(seconds: number): string {
  return new Date(seconds * 1000).toISOString();
}
