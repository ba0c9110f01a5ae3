/**
 * Structured logs: one JSON object per line on stderr (stdout belongs to the stdio transport).
 *
 * Built on logtape. Two redaction layers stand between a record and stderr: fields whose names look
 * secret (api_key, authorization, token, …) are masked by @logtape/redaction, and any known secret value
 * (registered with `rememberSecret`) is scrubbed from the final line whatever field it hid in.
 * `withRequestContext` attaches a request id to every record logged inside a call.
 */
import { format } from "node:util";
import { AsyncLocalStorage } from "node:async_hooks";
import {
  configure,
  getJsonLinesFormatter,
  getLogger,
  type Logger,
  type LogRecord,
  reset,
  type Sink,
  withContext,
} from "@logtape/logtape";
import { redactByField } from "@logtape/redaction";
import type { LogLevel } from "../settings.ts";
import { scrubSecrets } from "../secret.ts";
import { unrefTimer } from "../timeouts.ts";

export type { Logger } from "@logtape/logtape";

const ROOT = "xyte-mcp";
const SECRET_FIELDS = [/api[_-]?key/i, /authorization/i, /token/i, /secret/i, /password/i, /cookie/i];

/** Writes one line of text; stderr by default. */
export type LineWriter = (line: string) => void;

const encoder = new TextEncoder();

/** How long a log line may wait for others to share its write, in ms. */
const FLUSH_AFTER_MS = 20;
/** Queued characters that trigger a write at once. */
const FLUSH_AT_CHARS = 64 * 1024;

/**
 * Writes log lines to stderr in batches: a line is queued and the queue goes out in one write at most
 * `FLUSH_AFTER_MS` later (at once past `FLUSH_AT_CHARS`), so the server makes one system call per batch
 * instead of one per line, off the path of the answer it logs. `flush()` writes the queue at once;
 * `stopLogging()` and the process's unload event call it, so no line is lost on a normal exit.
 */
class BatchedStderr {
  #queue: string[] = [];
  #queued = 0;
  #timer: number | undefined;

  readonly write: LineWriter = (line) => {
    this.#queue.push(line);
    this.#queued += line.length;
    if (this.#queued >= FLUSH_AT_CHARS) {
      this.flush();
    } else if (this.#timer === undefined) {
      const timer = setTimeout(this.flush, FLUSH_AFTER_MS);
      unrefTimer(timer);
      this.#timer = Number(timer);
    }
  };

  readonly flush = (): void => {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#queue.length === 0) return;
    const bytes = encoder.encode(this.#queue.join(""));
    this.#queue = [];
    this.#queued = 0;
    try {
      for (let written = 0; written < bytes.length;) {
        written += Deno.stderr.writeSync(bytes.subarray(written));
      }
    } catch {
      // stderr closed: nothing useful left to do with a log line.
    }
  };
}

const stderrLines = new BatchedStderr();
globalThis.addEventListener("unload", stderrLines.flush);

/** Configures logging for the process. Call once at start; `write` is replaceable for tests. */
export async function setupLogging(level: LogLevel, write: LineWriter = stderrLines.write): Promise<void> {
  const format = getJsonLinesFormatter({ properties: "flatten", message: "rendered" });
  const lineSink: Sink = (record: LogRecord) => write(scrubSecrets(format(withoutClashes(record))));
  await configure({
    reset: true,
    sinks: { stderr: redactByField(lineSink, { fieldPatterns: SECRET_FIELDS, action: () => "[redacted]" }) },
    loggers: [
      { category: [ROOT], lowestLevel: level, sinks: ["stderr"] },
      { category: ["logtape", "meta"], lowestLevel: "warning", sinks: ["stderr"] },
    ],
    contextLocalStorage: new AsyncLocalStorage(),
  });
  routeConsoleToLog();
}

/**
 * What a library or the runtime writes with `console.*` becomes a log line like any other: over stdio stdout
 * carries JSON-RPC only, and whoever reads stderr expects JSON lines. Deno 2.9 warns once per process that
 * `request.signal` aborts on successful responses too (its legacy behaviour, which the SDK's per-request
 * teardown relies on): a note to Deno's users about their code, logged at debug.
 */
function routeConsoleToLog(): void {
  consoleBefore ??= { ...globalThis.console };
  const logger = log("console");
  const write = (level: "debug" | "info" | "warning" | "error", line: string) => {
    const runtimeNote = line.startsWith("Deno.serve: request.signal aborts on successful responses");
    // The text as the message itself (braces doubled: logtape reads {name} as a placeholder).
    logger[runtimeNote ? "debug" : level](line.replaceAll("{", "{{").replaceAll("}", "}}"));
  };
  // printf-style like the console itself ("%s is %d"), objects inspected.
  const at = (level: "debug" | "info" | "warning" | "error") => (...args: unknown[]) =>
    write(level, format(...args));
  Object.assign(globalThis.console, {
    debug: at("debug"),
    log: at("info"),
    info: at("info"),
    warn: at("warning"),
    error: at("error"),
    trace: at("debug"),
    dir: (item: unknown) => write("info", Deno.inspect(item)),
    dirxml: at("info"),
    table: (data: unknown) => write("info", Deno.inspect(data)),
    assert: (condition?: unknown, ...args: unknown[]) => {
      if (!condition) write("error", `Assertion failed${args.length > 0 ? `: ${format(...args)}` : ""}`);
    },
  });
}

/** The fields every JSON line has; a property of the same name would overwrite one of them. */
const LINE_FIELDS = ["@timestamp", "level", "message", "logger"];

/** `record` with any property named like a line field renamed with a leading underscore (message → _message). */
function withoutClashes(record: LogRecord): LogRecord {
  if (!LINE_FIELDS.some((field) => Object.hasOwn(record.properties, field))) return record;
  const properties = Object.fromEntries(
    Object.entries(record.properties).map((
      [key, value],
    ) => [LINE_FIELDS.includes(key) ? `_${key}` : key, value]),
  );
  return { ...record, properties };
}

/** The console's own methods, put back when logging stops. */
let consoleBefore: Console | undefined;

/** Stops logging and writes out every queued line; the console writes for itself again. */
export async function stopLogging(): Promise<void> {
  await reset();
  stderrLines.flush();
  if (consoleBefore) Object.assign(globalThis.console, consoleBefore);
  consoleBefore = undefined;
}

/** A logger under the product's root category, e.g. `log("http")`. */
export function log(...category: string[]): Logger {
  return getLogger([ROOT, ...category]);
}

/** Runs `fn` with `requestId` (and any extra fields) attached to every record it logs. */
export function withRequestContext<T>(fields: Record<string, unknown>, fn: () => T): T {
  return withContext(fields, fn);
}

/** A short random request id (12 hex chars). */
export function newRequestId(): string {
  return crypto.randomUUID().replaceAll("-", "").slice(0, 12);
}
