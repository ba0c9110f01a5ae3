/**
 * Turns tool outcomes into MCP `CallToolResult`s. This is the only place where errors become results:
 * a `XyteError` keeps its code, status and hint; bad arguments become `invalid_arguments`; anything
 * unexpected becomes `internal` without a stack trace. Every text passes through the secret scrubber.
 */
import type { CallToolResult } from "@modelcontextprotocol/server";
import type { z } from "zod";
import { scrubSecrets } from "../secret.ts";
import { XyteError } from "../xyte/errors.ts";
import type { ToolErrorPayload } from "./schemas.ts";

/** A tool-level failure that is not an upstream error (bad arguments, refused operation). */
export class ToolFailure extends Error {
  override readonly name = "ToolFailure";
  constructor(readonly payload: ToolErrorPayload) {
    super(payload.message);
  }
}

/**
 * A tool ran to the end, but what it returned could not be made into an answer (it breaks the tool's output
 * schema, its summary or serialization failed): a bug of ours, after the tool's work was done. For a tool
 * that writes, the client is told the change was made, so that it does not make it again.
 */
export class UnshapedResultError extends Error {
  override readonly name = "UnshapedResultError";
  constructor(tool: string, readonly readOnly: boolean, cause: unknown) {
    super(`${tool}'s result could not be shaped: ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
    });
  }
}

/** The `invalid_arguments` failure for arguments that do not match the tool's input schema. */
export function invalidArguments(
  toolName: string,
  error: z.ZodError,
  known: readonly string[] = [],
): ToolFailure {
  const problems = firstFew(error.issues, "; ", (issue) => {
    const where = issue.path.length > 0 ? issue.path.join(".") : "arguments";
    if (issue.code !== "unrecognized_keys") return `${where}: ${issue.message}`;
    // An argument named after a field the results carry (space_id where the tool takes space) gets the name
    // it is meant by; without a guess for some key, the names the tool takes, so the next call is no guess.
    const unknownKeys = issue.path.length === 0 ? issue.keys.slice(0, MAX_NAMED) : [];
    const meant = unknownKeys.flatMap((key) => {
      const near = nearestKey(key, known);
      return near ? [`${JSON.stringify(key)} is perhaps ${JSON.stringify(near)}`] : [];
    });
    if (meant.length < unknownKeys.length && known.length > 0) meant.push(`accepted: ${known.join(", ")}`);
    const keys = firstFew(issue.keys, ", ", (key) => JSON.stringify(key));
    return `${where}: Unrecognized key${issue.keys.length > 1 ? "s" : ""}: ${keys}${
      meant.length > 0 ? ` (${meant.join("; ")})` : ""
    }`;
  });
  return new ToolFailure({
    code: "invalid_arguments",
    message: `invalid arguments for ${toolName}: ${problems}`,
    hint: `Fix the named argument(s) to match the input schema of ${toolName} and call again.`,
    retriable: false,
  });
}

/** Words agents use for arguments that have other names here (search_endpoints' text, a window's since). */
// A Map, not an object literal: an argument named "constructor" must not find Object.prototype's.
const ARGUMENT_SYNONYMS: ReadonlyMap<string, readonly string[]> = new Map([
  ["query", ["text"]],
  ["q", ["text"]],
  ["search", ["text"]],
  ["keywords", ["text"]],
  ["from", ["since"]],
  ["to", ["until"]],
  ["customer", ["organization"]],
  ["org", ["organization"]],
]);

/**
 * Most problems, or unknown argument names, an error message names; the rest are counted. Naming all 90,000
 * keys of a 1 MB made-up argument object took 1.5 s and made a 2 MB answer.
 */
export const MAX_NAMED = 5;

/** The first `MAX_NAMED` of `items`, described and joined by `separator`, then how many more there are. */
export function firstFew<T>(items: readonly T[], separator: string, describe: (item: T) => string): string {
  const named = items.slice(0, MAX_NAMED).map(describe);
  const more = items.length - named.length;
  return [...named, ...(more > 0 ? [`${more} more`] : [])].join(separator);
}

/**
 * The argument `key` probably means: its usual name here (query → text, from → since), else one of the same
 * name once an `_id`/`_ids` ending is set aside (space_id → space, device → device_id), else the one whose
 * name it starts, else one a typo away.
 */
function nearestKey(key: string, known: readonly string[]): string | undefined {
  const synonym = ARGUMENT_SYNONYMS.get(key.toLowerCase())?.find((name) => known.includes(name));
  if (synonym) return synonym;
  const stem = (name: string) => name.toLowerCase().replace(/_ids?$/, "");
  const wanted = stem(key);
  const byStem = known.find((name) => stem(name) === wanted);
  if (byStem) return byStem;
  // The start of an argument's name (name → name_contains), long enough to mean something.
  if (wanted.length >= 3) {
    const byStart = known.filter((name) => name.toLowerCase().startsWith(wanted));
    if (byStart.length === 1) return byStart[0];
  }
  // A typo: one letter in a short name (at is not all), two in a longer one.
  const allowed = key.length <= 4 ? 1 : 2;
  return known.find((name) =>
    Math.abs(name.length - key.length) <= allowed &&
    editDistance(name.toLowerCase(), key.toLowerCase()) <= allowed
  );
}

/** Levenshtein distance, for short argument names. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        previous[j]! + 1,
        current[j - 1]! + 1,
        previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length]!;
}

/**
 * Describes any thrown value as a tool error payload, its texts passed through `scrub` (default: the
 * process's secrets taken out; a server passes its client's `redact`, which also takes out the caller's own
 * keys).
 */
export function toErrorPayload(
  error: unknown,
  scrub: (text: string) => string = scrubSecrets,
): ToolErrorPayload {
  if (error instanceof ToolFailure) return scrubPayload(error.payload, scrub);
  if (error instanceof XyteError) {
    return scrubPayload({
      code: error.code,
      message: error.message,
      ...(error.status !== undefined ? { status: error.status } : {}),
      // A Retry-After from Xyte is news to the agent; the breaker's own wait is already in its hint.
      hint: error.retryAfterSeconds !== undefined && error.code !== "circuit_open"
        ? `${error.hint} Xyte asked to wait ${error.retryAfterSeconds} s.`
        : error.hint,
      retriable: error.retriable,
    }, scrub);
  }
  if (error instanceof DOMException && error.name === "TimeoutError") {
    return toErrorPayload(new XyteError({ code: "timeout", message: "the tool call ran past its deadline" }));
  }
  if (error instanceof DOMException && error.name === "AbortError") {
    return toErrorPayload(new XyteError({ code: "cancelled", message: "the call was cancelled" }));
  }
  if (error instanceof UnshapedResultError && !error.readOnly) {
    return {
      code: "internal",
      message: "the operation was carried out, but the server failed while preparing its result",
      hint:
        "Do not repeat the call: its change was made. Read the target to see its state, and report this bug with the request id.",
      retriable: false,
    };
  }
  return {
    code: "internal",
    message: "the server failed while handling this call",
    hint:
      "This is a bug in xyte-mcp, not in your arguments. Retrying may not help; report it with the request id.",
    retriable: false,
  };
}

/**
 * A successful result: summary line and the JSON in `content` (only the JSON with `content: "json"`), the
 * object in `structuredContent`. Its texts pass through `scrub`, as in `toErrorPayload`.
 */
export function successResult(
  summary: string,
  result: Record<string, unknown>,
  content: "summary+json" | "json" = "summary+json",
  scrub: (text: string) => string = scrubSecrets,
): CallToolResult {
  const json = JSON.stringify(result);
  const scrubbed = scrub(json);
  return {
    content: content === "json" ? [{ type: "text", text: scrubbed }] : [
      { type: "text", text: scrub(summary) },
      { type: "text", text: scrubbed },
    ],
    // Parse back only when a secret was actually removed; the common case returns the object as is.
    structuredContent: scrubbed === json ? result : JSON.parse(scrubbed),
  };
}

/** A failed result: `isError`, a readable text, and `structuredContent.error`. */
export function errorResult(payload: ToolErrorPayload): CallToolResult {
  const status = payload.status !== undefined ? ` (HTTP ${payload.status})` : "";
  const retry = payload.retriable ? " Retriable." : "";
  return {
    isError: true,
    content: [{
      type: "text",
      text: `Error ${payload.code}${status}: ${payload.message}\nHint: ${payload.hint}${retry}`,
    }],
    structuredContent: { error: payload },
  };
}

function scrubPayload(payload: ToolErrorPayload, scrub: (text: string) => string): ToolErrorPayload {
  return { ...payload, message: scrub(payload.message), hint: scrub(payload.hint) };
}
