/**
 * Bookkeeping around the work a call does — counting it, logging it, telling watched resources and caches
 * about a write — must not change what the client is answered: a write that happened is answered with its
 * result (an agent told `internal` may retry a write that is not idempotent, and make it twice), and a call
 * is counted once. `bestEffort` runs one such step and logs its fault instead of letting it escape.
 */
import { log } from "./log.ts";

const bookkeepingLog = log("bookkeeping");

/** Runs `step` (named by `what` in the log line of its fault); whatever it throws is logged, not thrown. */
export function bestEffort(what: string, step: () => void): void {
  try {
    step();
  } catch (error) {
    logFault(what, error);
  }
}

/** `bestEffort` for a step that finishes later: waits for it; a rejection is logged, not passed on. */
export async function bestEffortAsync(what: string, step: () => Promise<unknown>): Promise<void> {
  try {
    await step();
  } catch (error) {
    logFault(what, error);
  }
}

/** Name and message of an unexpected error, for the log (stack traces stay out of tool results). */
export function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function logFault(what: string, error: unknown): void {
  try {
    bookkeepingLog.error("bookkeeping failed: {step}", { step: what, error: describeError(error) });
  } catch {
    // Logging is what failed: nothing left to tell anyone with.
  }
}
