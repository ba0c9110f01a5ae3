/**
 * Seeded fuzz cases for the MCP server: malformed and edge-case JSON-RPC (random bytes, invalid UTF-8, wrong
 * types everywhere, huge strings, deep nesting, unknown methods, invalid tool arguments, prototype-pollution
 * keys, batches, duplicate ids, control characters) and malformed HTTP (headers, methods, sessions, framing,
 * body sizes).
 *
 * Every case is a pure function of (seed, index): `FuzzGenerator.case(i)` rebuilds case i alone, so a
 * failure printed as "seed S, case I" reproduces without replaying the run. What a case must get back is
 * not decided by the generator but by `classify()`, which parses the bytes exactly as the server does
 * (JSON.parse, then the MCP SDK's JSON-RPC message schema); a mutation that happens to produce a valid
 * request is therefore expected to be answered like any other.
 *
 * The second half of this module holds the drivers that send cases to the real server (one process per
 * transport) and check its answers; `tests/e2e/fuzz.test.ts` and `bench/fuzz.ts` share them.
 */
import { concatBytes } from "../../src/body.ts";
import { JSON_RPC_HEADERS, openRawSession } from "../e2e/harness.ts";

// ---------------------------------------------------------------------------------------------------------
// PRNG

/** mulberry32: a tiny, fast, seedable 32-bit PRNG; returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A seed for sub-stream `index` of `seed` (so case i does not depend on cases 0..i-1). */
export function deriveSeed(seed: number, index: number, stream = 0): number {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(index + 1, 0xc2b2ae35) ^ (stream * 0x27d4eb2f);
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return (h ^ (h >>> 16)) >>> 0;
}

export class Rng {
  readonly #next: () => number;
  constructor(seed: number) {
    this.#next = mulberry32(seed);
  }
  float(): number {
    return this.#next();
  }
  /** An integer in [0, max). */
  int(max: number): number {
    return Math.floor(this.#next() * max);
  }
  /** An integer in [min, max]. */
  between(min: number, max: number): number {
    return min + this.int(max - min + 1);
  }
  chance(p: number): boolean {
    return this.#next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  weighted<T>(entries: readonly (readonly [number, T])[]): T {
    const total = entries.reduce((sum, [w]) => sum + w, 0);
    let roll = this.#next() * total;
    for (const [weight, value] of entries) {
      roll -= weight;
      if (roll < 0) return value;
    }
    return entries[entries.length - 1]![1];
  }
  bytes(length: number): Uint8Array {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) out[i] = this.int(256);
    return out;
  }
}

// ---------------------------------------------------------------------------------------------------------
// JSON values with raw fragments, and their serialization

/** JSON text inserted verbatim (deep nesting, huge strings, invalid fragments). */
export class RawJson {
  constructor(readonly text: string) {}
}

export type Json = null | boolean | number | string | RawJson | Json[] | { [key: string]: Json };

/** A JSON value, or bytes that are not one. */
export type Piece = Json | Uint8Array;

const encoder = new TextEncoder();

/**
 * Serializes `value`. With `rng`, also varies the text without changing what it parses to: whitespace
 * between tokens, `\uXXXX` escapes in keys and strings, other spellings of integers (`5.0`, `5e0`).
 */
export function serialize(value: Json, rng?: Rng): string {
  const ws = () => (rng && rng.chance(0.15) ? rng.pick([" ", "\t", "  ", "\r", " \t "]) : "");
  const str = (s: string) => {
    const plain = JSON.stringify(s);
    if (!rng || !rng.chance(0.2)) return plain;
    // Re-escape some ASCII letters as \u00XX: same string once parsed.
    return plain.replace(/[a-z]/g, (c) => (rng.chance(0.3) ? `\\u00${c.charCodeAt(0).toString(16)}` : c));
  };
  const num = (n: number) => {
    if (!rng || !Number.isSafeInteger(n) || !rng.chance(0.2) || Object.is(n, -0)) return JSON.stringify(n);
    return rng.pick([`${n}.0`, `${n}e0`, `${n}.000`, `${n}E+0`]);
  };
  const write = (v: Json): string => {
    if (v instanceof RawJson) return v.text;
    if (v === null || typeof v === "boolean") return String(v);
    if (typeof v === "number") return num(v);
    if (typeof v === "string") return str(v);
    if (Array.isArray(v)) return `[${ws()}${v.map((x) => write(x)).join(`${ws()},${ws()}`)}${ws()}]`;
    const entries = Object.keys(v).map((k) => `${ws()}${str(k)}${ws()}:${ws()}${write(v[k]!)}${ws()}`);
    return `{${entries.join(",")}}`;
  };
  return write(value);
}

export function encode(piece: Piece, rng?: Rng): Uint8Array {
  return piece instanceof Uint8Array ? piece : encoder.encode(serialize(piece, rng));
}

/** An own property named `key`, even for "__proto__" (object literals would set the prototype instead). */
function withKey(target: { [key: string]: Json }, key: string, value: Json): { [key: string]: Json } {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  return target;
}

// ---------------------------------------------------------------------------------------------------------
// Classification: what the server must answer

export type Id = string | number;

/** The key a JSON-RPC id is matched by (1 and "1" differ). */
export function idKey(id: Id): string {
  return typeof id === "number" ? `n:${id === 0 ? 0 : id}` : `s:${id}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** A JSON-RPC id the MCP schema accepts: a string or a safe integer. */
export function isValidId(value: unknown): value is Id {
  return typeof value === "string" || (typeof value === "number" && Number.isSafeInteger(value));
}

const REQUEST_KEYS = new Set(["jsonrpc", "id", "method", "params"]);

/**
 * Whether `value` is a JSON-RPC request the MCP SDK accepts at the transport (strict object: jsonrpc "2.0",
 * id string or safe integer, method string, params absent or an object whose `_meta` is valid).
 */
export function isWellFormedRequest(value: unknown): value is { id: Id; method: string; params?: unknown } {
  if (!isPlainObject(value)) return false;
  if (Object.keys(value).some((k) => !REQUEST_KEYS.has(k))) return false;
  if (value.jsonrpc !== "2.0" || !isValidId(value.id) || typeof value.method !== "string") return false;
  if (!("params" in value)) return true;
  const params = value.params;
  if (!isPlainObject(params)) return false;
  if (!("_meta" in params)) return true;
  const meta = params._meta;
  if (!isPlainObject(meta)) return false;
  if ("progressToken" in meta && !isValidId(meta.progressToken)) return false;
  const task = meta["io.modelcontextprotocol/related-task"];
  if (task !== undefined && !(isPlainObject(task) && typeof task.taskId === "string")) return false;
  return true;
}

export interface Classified {
  /** Well-formed requests: each must get a result or a JSON-RPC error with its id. */
  requests: Id[];
  /**
   * Malformed messages that still carry a valid id and a `method` member (wrong jsonrpc, method not a
   * string, params an array, null or a string, unknown members, a batch element): JSON-RPC 2.0 §5 wants an
   * Invalid Request error back (with that id, or null).
   */
  malformed: Id[];
  /** `notifications/cancelled` targets (a cancelled request may legitimately go unanswered). */
  cancels: Id[];
  /** The text was not JSON at all. */
  parseError: boolean;
}

function classifyValue(value: unknown, out: Classified): void {
  // Batches (JSON arrays) are not part of MCP since 2025-06-18: the answer is one Invalid Request error with
  // id null, which the drivers count among the null-id answers; no element is answered by its own id.
  if (!isPlainObject(value)) return;
  if (isWellFormedRequest(value)) {
    out.requests.push(value.id);
    return;
  }
  if (value.method === "notifications/cancelled" && isPlainObject(value.params)) {
    const target = value.params.requestId;
    if (isValidId(target)) out.cancels.push(target);
  }
  // A response (result or error) is never answered, nor is an invalid notification (a method, no id).
  if ("result" in value || "error" in value) return;
  if (typeof value.method === "string" && !("id" in value)) return;
  // Anything else that carries a usable id gets an Invalid Request error with that id (JSON-RPC 2.0 §5).
  if (isValidId(value.id)) out.malformed.push(value.id);
}

/**
 * Classifies one message as the server sees it: `text` is what JSON.parse gets (a stdio line without its
 * terminator and trailing \r, or an HTTP body). Batches (JSON arrays) are not part of MCP since 2025-06-18:
 * a batch with an id-bearing element counts as one malformed message (booked under its first id).
 */
export function classify(text: string): Classified {
  const out: Classified = { requests: [], malformed: [], cancels: [], parseError: false };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    out.parseError = true;
    return out;
  }
  classifyValue(value, out);
  return out;
}

/** Decodes bytes the way the server does (UTF-8 with replacement characters; a BOM is kept). */
export function decodeUtf8(bytes: Uint8Array): string {
  return new TextDecoder("utf-8", { ignoreBOM: true }).decode(bytes);
}

/** The lines a stdio server reads from `bytes` (split on \n, trailing \r removed); the unterminated rest. */
export function splitLines(bytes: Uint8Array): { lines: string[]; rest: Uint8Array } {
  const lines: string[] = [];
  let start = 0;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 0x0a) {
      lines.push(decodeUtf8(bytes.subarray(start, i)).replace(/\r$/, ""));
      start = i + 1;
    }
  }
  return { lines, rest: bytes.subarray(start) };
}

// ---------------------------------------------------------------------------------------------------------
// Leak checks on anything the server sends

/** A stack frame (`at fn (file:///…:1:2)`, with real or JSON-escaped newlines) or a file:// path. */
const STACK_FRAME =
  /(?:^|\n|\\n)\s*at (?:async )?[^\n]{0,200}?(?:file:|ext:|node:|npm:|https?:)[^\n]{0,300}?:\d+:\d+|\bat [\w$.<>[\]]+ \([^()\n]{0,300}:\d+:\d+\)|file:\/\/\/[^\s"'\\]*\.(?:ts|js|mjs|cjs)\b/;

/** Whether `text` shows a stack trace or a server file path. */
export function leaksStack(text: string): boolean {
  return STACK_FRAME.test(text);
}

/** The first secret that occurs in `text`, if any. */
export function leakedSecret(text: string, secrets: readonly string[]): string | undefined {
  return secrets.find((s) => s.length > 0 && text.includes(s));
}

/** A short printable preview of a payload, for failure messages. */
export function preview(payload: Uint8Array | string, max = 160): string {
  const text = typeof payload === "string" ? payload : decodeUtf8(payload.subarray(0, max * 4));
  const size = typeof payload === "string" ? payload.length : payload.length;
  const shown = JSON.stringify(text.slice(0, max));
  return size > max ? `${shown}… (${size} bytes)` : shown;
}

// ---------------------------------------------------------------------------------------------------------
// Tools, as the server lists them (for schema-aware argument fuzzing)

export interface JsonSchema {
  type?: string | string[];
  enum?: unknown[];
  anyOf?: JsonSchema[];
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
}

export interface ToolInfo {
  name: string;
  inputSchema: JsonSchema;
}

// ---------------------------------------------------------------------------------------------------------
// Value pools

const POLLUTION_KEYS = ["__proto__", "constructor", "prototype", "__defineGetter__", "toString", "valueOf"];

const WEIRD_STRINGS = [
  "",
  " ",
  "\u0000",
  "\u0000\u0001\u0002\u001f\u007f",
  "\r\n",
  "\n",
  "\t",
  "\ud800",
  "\udfff",
  "\udbff\udfff",
  "\u2028\u2029",
  "\ufeff",
  "\u202e",
  "\uffff",
  "💥🔥👩‍👩‍👧",
  "ñandú",
  "日本語",
  "null",
  "undefined",
  "NaN",
  "Infinity",
  "-0",
  "1e999",
  "0x1F",
  "true",
  "[]",
  "{}",
  "__proto__",
  "constructor",
  "prototype",
  "hasOwnProperty",
  "../../../../etc/passwd",
  "file:///etc/passwd",
  "xyte://devices/../../secret",
  "javascript:alert(1)",
  "%00%0d%0a",
  "${Deno.env}",
  "{{7*7}}",
  "<script>alert(1)</script>",
  "' OR 1=1 --",
  "\\",
  '"',
  "\\u0000",
  "Bearer x",
  "00000000-0000-0000-0000-000000000000",
  "-1",
  "9007199254740993",
];

const METHODS = [
  "ping",
  "initialize",
  "tools/list",
  "tools/call",
  "resources/list",
  "resources/templates/list",
  "resources/read",
  "resources/subscribe",
  "resources/unsubscribe",
  "prompts/list",
  "prompts/get",
  "completion/complete",
  "logging/setLevel",
  "server/discover",
  "subscriptions/listen",
  "tasks/get",
  "tasks/list",
  "sampling/createMessage",
  "elicitation/create",
  "roots/list",
];

const UNKNOWN_METHODS = [
  "",
  " ",
  "no/such/method",
  "TOOLS/LIST",
  "tools/list/",
  "/tools/list",
  "tools//call",
  "tools/call\u0000",
  "rpc.discover",
  "rpc.foo",
  "__proto__",
  "constructor",
  "toString",
  "hasOwnProperty",
  "valueOf",
  "notifications/initialized",
  "notifications/cancelled",
  "$/cancelRequest",
  "tools/list?x=1",
  "💥",
  "\ud800",
  "a".repeat(300),
];

const NOTIFICATIONS = [
  "notifications/initialized",
  "notifications/cancelled",
  "notifications/progress",
  "notifications/roots/list_changed",
  "notifications/message",
  "notifications/elicitation/complete",
  "notifications/no_such",
  "__proto__",
  "",
];

const RESOURCE_URIS = [
  "xyte://organization",
  "xyte://devices",
  "xyte://devices/00000000-0000-0000-0000-000000000000",
  "xyte://spaces/%00",
  "xyte://tickets/" + "9".repeat(40),
  "file:///etc/passwd",
  "http://169.254.169.254/latest/meta-data/",
  "",
  "::::",
  "xyte://",
];

export const LEGACY_PROTOCOL = "2025-06-18";
export const MODERN_PROTOCOL = "2026-07-28";
export const MODERN_META = {
  "io.modelcontextprotocol/protocolVersion": MODERN_PROTOCOL,
  "io.modelcontextprotocol/clientCapabilities": {},
} as const;

// ---------------------------------------------------------------------------------------------------------
// The case generator

export interface GeneratorOptions {
  seed: number;
  /** Tools as listed by the server; their input schemas drive argument fuzzing. */
  tools: readonly ToolInfo[];
  /** Total number of cases in the run (multi-megabyte cases are spread over it). */
  cases: number;
  /** How many cases carry a multi-megabyte string (1 to `hugeMaxBytes`); default 4. */
  hugeCases?: number;
  hugeMaxBytes?: number;
  /** Nesting depth of deep-nesting cases; default 10,000. */
  depth?: number;
  /** Case kinds not to generate. */
  exclude?: readonly string[];
}

/** One generated case: one or more messages, each a JSON-RPC message or garbage (no line terminator). */
export interface FuzzCase {
  index: number;
  kind: string;
  messages: Uint8Array[];
}

type KindFn = (rng: Rng, ctx: CaseContext) => Piece[];

interface CaseContext {
  index: number;
  /** Fresh ids of this case: case i only uses ids derived from i (plus a few odd ones shared by many). */
  id(): Id;
  /** Ids no request uses, for notifications/cancelled. */
  foreignId(): Id;
  tools: readonly ToolInfo[];
  depth: number;
  hugeBytes(): number;
}

/** Odd but valid ids; several cases may use the same one (the drivers count answers per id). */
const ODD_IDS: Id[] = [
  0,
  -1,
  Number.MAX_SAFE_INTEGER,
  Number.MIN_SAFE_INTEGER,
  "",
  " ",
  "0",
  "__proto__",
  "constructor",
  "toString",
  "\u0000",
  "\ud800",
  "💥",
  "id\nwith\nnewlines",
  "x".repeat(10_000),
];

export class FuzzGenerator {
  readonly #options: Required<Omit<GeneratorOptions, "exclude">> & { exclude: readonly string[] };
  readonly #kinds: (readonly [number, string])[];
  readonly #hugeAt: Set<number>;

  constructor(options: GeneratorOptions) {
    this.#options = {
      seed: options.seed,
      tools: options.tools,
      cases: options.cases,
      hugeCases: options.hugeCases ?? 4,
      hugeMaxBytes: options.hugeMaxBytes ?? 5 * 1024 * 1024,
      depth: options.depth ?? 10_000,
      exclude: options.exclude ?? [],
    };
    this.#kinds = MESSAGE_KINDS
      .filter(([, name]) => !this.#options.exclude.includes(name))
      .map(([weight, name]) => [weight, name] as const);
    // Multi-megabyte cases at fixed, evenly spread indices: their cost is known in advance.
    const { hugeCases, cases } = this.#options;
    this.#hugeAt = new Set(
      this.#options.exclude.includes("huge-string") ? [] : Array.from(
        { length: Math.min(hugeCases, cases) },
        (_, i) => Math.floor(((i + 0.5) * cases) / Math.max(1, hugeCases)),
      ),
    );
  }

  /** The kinds this generator draws from (besides huge-string, at fixed indices). */
  get kinds(): string[] {
    return this.#kinds.map(([, name]) => name);
  }

  /** Case `index` (0-based) of this seed. */
  case(index: number): FuzzCase {
    const rng = new Rng(deriveSeed(this.#options.seed, index));
    const kind = this.#hugeAt.has(index) ? "huge-string" : rng.weighted(this.#kinds);
    return { index, kind, messages: this.#build(kind, rng, index).map((p) => encode(p, textual(rng))) };
  }

  /** One message of `kind` as a JSON value (for transports that wrap it, e.g. with a modern envelope). */
  value(kind: string, index: number): Json[] {
    const rng = new Rng(deriveSeed(this.#options.seed, index, 2));
    return this.#build(kind, rng, index).filter((p): p is Json => !(p instanceof Uint8Array));
  }

  #build(kind: string, rng: Rng, index: number): Piece[] {
    let n = 0;
    let foreign = 0;
    const ctx: CaseContext = {
      index,
      id: () => {
        const j = n++;
        if (rng.chance(0.04)) return rng.pick(ODD_IDS);
        return rng.chance(0.5)
          ? 1_000_000 + index * 16 + j
          : `c${index}.${j}${rng.pick(["", "-é", " x", "🙂"])}`;
      },
      foreignId:
        () => (rng.chance(0.5) ? 3_000_000_000 + index * 16 + foreign++ : `cancel-${index}.${foreign++}`),
      tools: this.#options.tools,
      depth: this.#options.depth,
      hugeBytes: () => rng.between(1024 * 1024, this.#options.hugeMaxBytes),
    };
    const make = KIND_FNS[kind];
    if (!make) throw new Error(`unknown fuzz kind ${kind}`);
    return make(rng, ctx);
  }
}

/** A textual-variation rng for some messages (whitespace, escapes, number spellings), none for others. */
function textual(rng: Rng): Rng | undefined {
  return rng.chance(0.15) ? rng : undefined;
}

// ---------------------------------------------------------------------------------------------------------
// Message kinds

const MESSAGE_KINDS: (readonly [number, string])[] = [
  [4, "garbage-bytes"],
  [3, "garbage-text"],
  [3, "invalid-utf8"],
  [4, "truncated-json"],
  [2, "json-primitive"],
  [3, "control-chars"],
  [5, "wrong-type-id"],
  [4, "wrong-type-method"],
  [5, "wrong-type-params"],
  [3, "wrong-jsonrpc"],
  [3, "extra-members"],
  [5, "unknown-method"],
  [5, "notification"],
  [8, "request"],
  [3, "tools-call-missing-name"],
  [3, "tools-call-unknown-tool"],
  [8, "tools-call-wrong-arguments"],
  [10, "tools-call-property-types"],
  [6, "prototype-pollution"],
  [6, "invalid-params"],
  [3, "meta-fuzz"],
  [5, "batch"],
  [3, "duplicate-id"],
  [4, "mixed"],
  [4, "textual"],
  [2, "deep-nesting"],
  [2, "big-string"],
  [2, "modern-envelope"],
  [2, "response-message"],
];

function request(id: Json, method: Json, params?: Json): { [key: string]: Json } {
  return params === undefined ? { jsonrpc: "2.0", id, method } : { jsonrpc: "2.0", id, method, params };
}

function notification(method: string, params?: Json): { [key: string]: Json } {
  return params === undefined ? { jsonrpc: "2.0", method } : { jsonrpc: "2.0", method, params };
}

function weirdString(rng: Rng): string {
  if (rng.chance(0.1)) return rng.pick(WEIRD_STRINGS).repeat(rng.between(100, 3000));
  if (rng.chance(0.6)) return rng.pick(WEIRD_STRINGS);
  const length = rng.between(1, 40);
  let s = "";
  for (let i = 0; i < length; i++) {
    const roll = rng.int(10);
    s += roll < 5
      ? String.fromCharCode(rng.between(0x20, 0x7e))
      : roll < 7
      ? String.fromCharCode(rng.between(0, 0x1f))
      : roll < 9
      ? String.fromCodePoint(rng.between(0xa0, 0x2fff))
      : String.fromCodePoint(rng.between(0x1f300, 0x1faff));
  }
  return s;
}

/** Any JSON value, biased to the surprising ones. */
function anyValue(rng: Rng, depth = 0): Json {
  const roll = rng.int(depth > 2 ? 7 : 10);
  switch (roll) {
    case 0:
      return null;
    case 1:
      return rng.chance(0.5);
    case 2:
      return rng.pick([0, -1, 1.5, 1e308, -1e308, 5e-324, Number.MAX_SAFE_INTEGER + 2, 2 ** 31, -(2 ** 53)]);
    case 3:
      return rng.pick([
        new RawJson("1e999"),
        new RawJson("-0"),
        new RawJson("123456789012345678901234567890"),
      ]);
    case 4:
    case 5:
    case 6:
      return weirdString(rng);
    case 7:
      return Array.from({ length: rng.int(4) }, () => anyValue(rng, depth + 1));
    case 8:
      return pollutedObject(rng, depth + 1);
    default: {
      const obj: { [key: string]: Json } = {};
      for (let i = rng.int(4); i > 0; i--) withKey(obj, weirdString(rng), anyValue(rng, depth + 1));
      return obj;
    }
  }
}

/** An object with prototype-pollution keys (`__proto__`, `constructor.prototype`, …) as own properties. */
function pollutedObject(rng: Rng, depth = 0): { [key: string]: Json } {
  const obj: { [key: string]: Json } = {};
  const marker = { fuzzPolluted: true, isError: true, readOnlyHint: false, confirm: "x", cache: false };
  for (let i = rng.between(1, 3); i > 0; i--) {
    const key = rng.pick(POLLUTION_KEYS);
    const value: Json = key === "constructor"
      ? { prototype: { ...marker } }
      : depth < 3 && rng.chance(0.3)
      ? pollutedObject(rng, depth + 1)
      : { ...marker };
    withKey(obj, key, value);
  }
  return obj;
}

/** A value of another JSON type than `schema` wants (or out of its range/enum). */
function wrongValue(schema: JsonSchema, rng: Rng): Json {
  const types = new Set([schema.type ?? [], ...(schema.anyOf ?? []).map((s) => s.type ?? [])].flat());
  const candidates: Json[] = [];
  if (!types.has("string")) candidates.push(weirdString(rng), "");
  if (!types.has("integer") && !types.has("number")) candidates.push(rng.pick([0, -1, 1.5, 1e308]));
  if (types.has("integer")) candidates.push(1.5, -(2 ** 60), 0, -1, new RawJson("1e999"));
  if (!types.has("boolean")) candidates.push(rng.chance(0.5));
  if (!types.has("array")) candidates.push([anyValue(rng)], []);
  if (!types.has("object")) candidates.push(pollutedObject(rng), {});
  if (schema.enum) candidates.push("not-in-enum", weirdString(rng));
  if (types.has("array")) candidates.push([null, 1, "x", {}], [weirdString(rng)]);
  candidates.push(null);
  return rng.pick(candidates);
}

/** A value `schema` accepts, most of the time (strings are random, so some still fail server checks). */
function validValue(schema: JsonSchema, rng: Rng): Json {
  if (schema.enum && schema.enum.length > 0) return rng.pick(schema.enum) as Json;
  if (schema.anyOf && schema.anyOf.length > 0) return validValue(rng.pick(schema.anyOf), rng);
  const type = Array.isArray(schema.type) ? rng.pick(schema.type) : schema.type;
  switch (type) {
    case "integer":
    case "number": {
      const min = schema.minimum ?? (schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + 1 : 0);
      const max = Math.min(schema.maximum ?? min + 50, min + 50);
      return rng.between(min, max);
    }
    case "boolean":
      return rng.chance(0.5);
    case "array":
      return Array.from({ length: rng.between(1, 3) }, () => validValue(schema.items ?? {}, rng));
    case "object":
      return rng.chance(0.5) ? {} : { [weirdString(rng)]: weirdString(rng) };
    case "string":
      return rng.chance(0.3) ? weirdString(rng) : rng.pick(["London", "a", "2026-01-01T00:00:00Z", "dev-1"]);
    default:
      return anyValue(rng);
  }
}

/** Arguments for `tool`: valid-looking ones with one or more properties of a wrong type, plus extras. */
function fuzzArguments(tool: ToolInfo, rng: Rng, wrong: number): { [key: string]: Json } {
  const properties = Object.entries(tool.inputSchema.properties ?? {});
  const args: { [key: string]: Json } = {};
  for (const [name, schema] of properties) {
    if ((tool.inputSchema.required ?? []).includes(name) || rng.chance(0.3)) {
      withKey(args, name, validValue(schema, rng));
    }
  }
  for (let i = 0; i < wrong && properties.length > 0; i++) {
    const [name, schema] = rng.pick(properties);
    withKey(args, name, wrongValue(schema, rng));
  }
  if (rng.chance(0.2)) withKey(args, "cache", anyValue(rng));
  if (rng.chance(0.15)) withKey(args, weirdString(rng), anyValue(rng));
  return args;
}

function deep(rng: Rng, depth: number): RawJson {
  const levels = rng.between(Math.floor(depth / 2), depth);
  const kind = rng.int(3);
  if (kind === 0) return new RawJson("[".repeat(levels) + "]".repeat(levels));
  if (kind === 1) return new RawJson('{"a":'.repeat(levels) + "1" + "}".repeat(levels));
  return new RawJson('[{"a":'.repeat(levels) + "[]" + "}]".repeat(levels));
}

/** A JSON string literal of about `bytes` bytes (escapes and non-ASCII included). */
function bigString(rng: Rng, bytes: number): RawJson {
  const unit = rng.pick(["a", "é", "\\n", "\\u0000", "💥", "\\\\", 'ab\\"cd']);
  const unitBytes = encoder.encode(unit).length;
  return new RawJson(`"${unit.repeat(Math.max(1, Math.floor(bytes / unitBytes)))}"`);
}

function pickTool(ctx: CaseContext, rng: Rng): ToolInfo {
  return ctx.tools.length > 0 ? rng.pick(ctx.tools) : { name: "list_devices", inputSchema: {} };
}

/** A well-formed request of a known method with plausible (sometimes invalid) params. */
function plausibleRequest(rng: Rng, ctx: CaseContext): { [key: string]: Json } {
  const id = ctx.id();
  const method = rng.pick(METHODS);
  switch (method) {
    case "initialize":
      return request(id, method, {
        protocolVersion: rng.pick([
          LEGACY_PROTOCOL,
          "2025-03-26",
          "2024-11-05",
          "1999-01-01",
          MODERN_PROTOCOL,
        ]),
        capabilities: rng.chance(0.8) ? {} : { roots: {}, experimental: pollutedObject(rng) },
        clientInfo: { name: weirdString(rng), version: "1" },
      });
    case "tools/call": {
      const tool = pickTool(ctx, rng);
      return request(id, method, { name: tool.name, arguments: fuzzArguments(tool, rng, rng.int(2)) });
    }
    case "resources/read":
    case "resources/subscribe":
    case "resources/unsubscribe":
      return request(id, method, { uri: rng.chance(0.7) ? rng.pick(RESOURCE_URIS) : weirdString(rng) });
    case "prompts/get":
      return request(id, method, {
        name: rng.pick(["fleet_health_report", "troubleshoot_offline_device", "nope", weirdString(rng)]),
        arguments: rng.chance(0.5) ? { device_id: weirdString(rng) } : pollutedObject(rng),
      });
    case "completion/complete":
      return request(id, method, {
        ref: rng.pick<Json>([
          { type: "ref/prompt", name: "troubleshoot_offline_device" },
          { type: "ref/resource", uri: "xyte://devices/{device_id}" },
          { type: "ref/other" },
        ]),
        argument: { name: rng.pick(["device_id", "space", weirdString(rng)]), value: weirdString(rng) },
      });
    case "logging/setLevel":
      return request(id, method, {
        level: rng.pick(["debug", "info", "emergency", "bogus", weirdString(rng)]),
      });
    case "tools/list":
    case "resources/list":
    case "prompts/list":
    case "resources/templates/list":
      return rng.chance(0.5) ? request(id, method) : request(id, method, { cursor: weirdString(rng) });
    default:
      return rng.chance(0.5) ? request(id, method) : request(id, method, {});
  }
}

/** A request whose params are invalid for its (known) method. */
function invalidParams(rng: Rng, ctx: CaseContext): { [key: string]: Json } {
  const method = rng.pick(METHODS);
  const params: { [key: string]: Json } = {};
  for (
    const key of ["name", "uri", "arguments", "cursor", "level", "ref", "protocolVersion", "capabilities"]
  ) {
    if (rng.chance(0.35)) withKey(params, key, anyValue(rng));
  }
  return request(ctx.id(), method, params);
}

const KIND_FNS: Record<string, KindFn> = {
  "garbage-bytes": (rng) => [rng.bytes(rng.between(1, 300))],
  "garbage-text": (rng) => [
    rng.pick<Json | Uint8Array>([
      encoder.encode(weirdString(rng)),
      encoder.encode("GET / HTTP/1.1"),
      encoder.encode("Content-Length: 52"),
      encoder.encode("{"),
      encoder.encode("}"),
      encoder.encode("[[[["),
      encoder.encode('{"jsonrpc":"2.0",}'),
      encoder.encode("{'jsonrpc':'2.0','id':1,'method':'ping'}"),
      encoder.encode('{"jsonrpc":"2.0","id":1,"method":"ping"} // comment'),
      encoder.encode('{"jsonrpc":"2.0","id":NaN,"method":"ping"}'),
      encoder.encode('{"jsonrpc":"2.0","id":Infinity,"method":"ping"}'),
      encoder.encode("\ufeff" + JSON.stringify(request(1, "ping"))),
      encoder.encode(" \t "),
      new Uint8Array(0),
    ]),
  ],
  "invalid-utf8": (rng, ctx) => {
    const bad = rng.pick([[0xff], [0xc0, 0x80], [0x80], [0xe2, 0x82], [0xed, 0xa0, 0x80], [
      0xf8,
      0x88,
      0x80,
      0x80,
      0x80,
    ]]);
    const base = serialize(
      request(ctx.id(), "tools/call", {
        name: pickTool(ctx, rng).name + "@@",
        arguments: { name_contains: "@@" },
      }),
    );
    // Replace the "@@" markers with invalid sequences (inside strings: still JSON after lossy decoding).
    const parts = base.split("@@").map((p) => encoder.encode(p));
    const out: number[] = [];
    parts.forEach((p, i) => {
      out.push(...p);
      if (i < parts.length - 1) out.push(...bad);
    });
    return [new Uint8Array(out)];
  },
  "truncated-json": (rng, ctx) => {
    const text = serialize(plausibleRequest(rng, ctx));
    return [encoder.encode(text.slice(0, rng.int(Math.max(1, text.length - 1))))];
  },
  "json-primitive": (
    rng,
  ) => [rng.pick<Json>([0, -1, 1.5, null, true, false, "", "ping", [], {}, [[]], [{}]])],
  "control-chars": (rng, ctx) => {
    const c = String.fromCharCode(rng.pick([0, 1, 8, 0x0b, 0x0c, 0x0d, 0x1b, 0x1f, 0x7f]));
    const id = ctx.id();
    return [
      rng.chance(0.5)
        // Raw control characters inside a string literal: not JSON.
        ? encoder.encode(`{"jsonrpc":"2.0","id":${JSON.stringify(id)},"method":"pi${c}ng"}`)
        // Escaped: valid JSON, an unknown method or tool.
        : request(id, rng.chance(0.5) ? `ping${c}` : "tools/call", {
          name: `list${c}devices`,
          arguments: {},
        }),
    ];
  },
  "wrong-type-id": (rng, ctx) => [
    request(
      rng.pick<Json>([
        {},
        { id: 1 },
        [],
        [1],
        true,
        null,
        1.5,
        -0.5,
        1e308,
        new RawJson("1e999"),
        Number.MAX_SAFE_INTEGER + 2,
        pollutedObject(rng),
      ]),
      rng.pick(["ping", "tools/list", "tools/call"]),
      rng.chance(0.5) ? { name: pickTool(ctx, rng).name, arguments: {} } : undefined,
    ),
  ],
  "wrong-type-method": (rng, ctx) => [
    request(
      ctx.id(),
      rng.pick<Json>([42, null, true, [], ["tools/list"], {}, { name: "ping" }, 1.5]) as string,
    ),
  ],
  "wrong-type-params": (rng, ctx) => [
    request(
      ctx.id(),
      rng.pick(METHODS),
      rng.pick<Json>([[], [1, 2], ["list_devices", {}], "x", "", 42, 0, true, false, null]),
    ),
  ],
  "wrong-jsonrpc": (rng, ctx) => {
    const msg = request(ctx.id(), rng.pick(["ping", "tools/list"]));
    const variant = rng.int(6);
    if (variant === 0) delete msg.jsonrpc;
    else msg.jsonrpc = rng.pick<Json>(["1.0", "2", "2.00", " 2.0", 2, 2.0, null, {}, ["2.0"]]);
    return [msg];
  },
  "extra-members": (rng, ctx) => {
    const msg = request(ctx.id(), rng.pick(["ping", "tools/list"]));
    const extra = rng.pick(["extra", "result", "error", "Method", "ID", "__proto__", "constructor", ""]);
    withKey(msg, extra, anyValue(rng));
    return [msg];
  },
  "unknown-method": (rng, ctx) => {
    const method = rng.chance(0.8) ? rng.pick(UNKNOWN_METHODS) : weirdString(rng);
    return [rng.chance(0.5) ? request(ctx.id(), method) : request(ctx.id(), method, { x: anyValue(rng) })];
  },
  notification: (rng, ctx) => {
    const method = rng.pick(NOTIFICATIONS);
    const params: Json = method === "notifications/cancelled"
      ? { requestId: rng.chance(0.8) ? ctx.foreignId() : anyValue(rng), reason: weirdString(rng) }
      : method === "notifications/progress"
      ? { progressToken: ctx.foreignId(), progress: anyValue(rng) }
      : rng.chance(0.5)
      ? {}
      : { x: anyValue(rng) };
    return [notification(method, rng.chance(0.2) ? undefined : params)];
  },
  request: (rng, ctx) => [plausibleRequest(rng, ctx)],
  "tools-call-missing-name": (rng, ctx) => [
    request(ctx.id(), "tools/call", rng.pick<Json>([{}, { arguments: {} }, { Name: "list_devices" }])),
  ],
  "tools-call-unknown-tool": (rng, ctx) => [
    request(ctx.id(), "tools/call", {
      name: rng.chance(0.5) ? rng.pick([...WEIRD_STRINGS, ...POLLUTION_KEYS]) : anyValue(rng),
      arguments: {},
    }),
  ],
  "tools-call-wrong-arguments": (rng, ctx) => [
    request(ctx.id(), "tools/call", {
      name: pickTool(ctx, rng).name,
      arguments: rng.pick<Json>([
        null,
        "",
        "{}",
        42,
        -1,
        1.5,
        true,
        [],
        [{}],
        [1, 2, 3],
        { "": null },
        anyValue(rng),
      ]),
    }),
  ],
  "tools-call-property-types": (rng, ctx) => {
    const tool = pickTool(ctx, rng);
    return [
      request(ctx.id(), "tools/call", {
        name: tool.name,
        arguments: fuzzArguments(tool, rng, rng.between(1, 3)),
      }),
    ];
  },
  "prototype-pollution": (rng, ctx) => {
    const tool = pickTool(ctx, rng);
    const where = rng.int(4);
    const params: { [key: string]: Json } = { name: tool.name, arguments: pollutedObject(rng) };
    if (where === 1) withKey(params, "__proto__", { name: "list_devices", isError: true });
    if (where === 2) withKey(params, "constructor", { prototype: { arguments: { all: true } } });
    const msg = request(ctx.id(), where === 3 ? rng.pick(METHODS) : "tools/call", params);
    if (rng.chance(0.3)) withKey(msg, "__proto__", { method: "tools/list", polluted: true });
    return [msg];
  },
  "invalid-params": (rng, ctx) => [invalidParams(rng, ctx)],
  "meta-fuzz": (rng, ctx) => {
    const meta: { [key: string]: Json } = {};
    const variant = rng.int(5);
    if (variant === 0) withKey(meta, "progressToken", anyValue(rng));
    if (variant === 1) withKey(meta, "io.modelcontextprotocol/related-task", anyValue(rng));
    if (variant === 2) withKey(meta, "io.modelcontextprotocol/protocolVersion", anyValue(rng));
    if (variant === 3) withKey(meta, "progressToken", ctx.foreignId());
    const params: { [key: string]: Json } = { _meta: variant === 4 ? anyValue(rng) : meta };
    return [request(ctx.id(), rng.pick(["ping", "tools/list", "tools/call"]), params)];
  },
  batch: (rng, ctx) => {
    const variant = rng.int(5);
    if (variant === 0) return [[]];
    if (variant === 1) return [[[]]];
    const size = variant === 2 ? rng.between(100, 1000) : rng.between(1, 8);
    const items: Json[] = [];
    for (let i = 0; i < size; i++) {
      items.push(
        rng.chance(0.5)
          ? plausibleRequest(rng, ctx)
          : rng.chance(0.5)
          ? notification("notifications/initialized")
          : anyValue(rng),
      );
    }
    return [items];
  },
  "duplicate-id": (rng, ctx) => {
    const id = ctx.id();
    const tool = pickTool(ctx, rng);
    return [
      request(id, rng.pick(["ping", "tools/list"])),
      request(id, "tools/call", { name: tool.name, arguments: fuzzArguments(tool, rng, 0) }),
      ...(rng.chance(0.3) ? [request(id, "no/such/method")] : []),
    ];
  },
  mixed: (rng, ctx) => {
    const out: Piece[] = [];
    for (let i = rng.between(2, 6); i > 0; i--) {
      const roll = rng.int(4);
      out.push(
        roll === 0
          ? notification(rng.pick(NOTIFICATIONS), {})
          : roll === 1
          ? plausibleRequest(rng, ctx)
          : roll === 2
          ? encoder.encode(weirdString(rng).replace(/\n/g, ""))
          : invalidParams(rng, ctx),
      );
    }
    return out;
  },
  textual: (rng, ctx) => {
    const id = ctx.id();
    const variants = [
      // Duplicate keys: JSON.parse keeps the last one.
      `{"jsonrpc":"2.0","id":{},"method":42,"id":${JSON.stringify(id)},"method":"ping"}`,
      `{"jsonrpc":"1.0","jsonrpc":"2.0","id":${JSON.stringify(id)},"method":"tools/list"}`,
      // Escaped member names.
      `{"\\u006asonrpc":"2.0","\\u0069d":${JSON.stringify(id)},"\\u006dethod":"ping"}`,
      // Whitespace of every JSON kind between tokens.
      ` \t{ "jsonrpc" :\t"2.0" , "id" : ${JSON.stringify(id)} ,"method":"ping" } \t`,
      // Trailing comma, single quotes, comments: not JSON.
      `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"method":"ping",}`,
      `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"method":"ping"}{"jsonrpc":"2.0","method":"x"}`,
      `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"method":"ping"}garbage`,
    ];
    return [encoder.encode(rng.pick(variants))];
  },
  "deep-nesting": (rng, ctx) => {
    const nested = deep(rng, ctx.depth);
    const variant = rng.int(5);
    if (variant === 0) return [nested]; // a bare deep array/object
    if (variant === 1) return [request(ctx.id(), "ping", { x: nested })];
    if (variant === 2) return [request(ctx.id(), "ping", { _meta: { x: nested } })];
    const tool = pickTool(ctx, rng);
    const args: { [key: string]: Json } = variant === 3 ? { x: nested } : {};
    const names = Object.keys(tool.inputSchema.properties ?? {});
    if (variant === 4 && names.length > 0) withKey(args, rng.pick(names), nested);
    return [request(ctx.id(), "tools/call", { name: tool.name, arguments: args })];
  },
  "big-string": (rng, ctx) => bigMessage(rng, ctx, rng.between(10_000, 200_000)),
  "huge-string": (rng, ctx) => bigMessage(rng, ctx, ctx.hugeBytes()),
  "modern-envelope": (rng, ctx) => {
    const meta: { [key: string]: Json } = { ...MODERN_META };
    const variant = rng.int(4);
    if (variant === 0) meta["io.modelcontextprotocol/protocolVersion"] = anyValue(rng);
    if (variant === 1) delete meta["io.modelcontextprotocol/clientCapabilities"];
    if (variant === 2) meta["io.modelcontextprotocol/clientInfo"] = anyValue(rng);
    return [request(ctx.id(), rng.pick(["ping", "tools/list", "server/discover", "subscriptions/listen"]), {
      _meta: meta,
    })];
  },
  "response-message": (rng, ctx): Piece[] => [
    rng.chance(0.5) ? { jsonrpc: "2.0", id: ctx.foreignId(), result: anyValue(rng) } : {
      jsonrpc: "2.0",
      id: rng.chance(0.5) ? null : ctx.foreignId(),
      error: { code: -32600, message: "x" },
    },
  ],
};

/** A message with a string of about `bytes` bytes: in an argument, a method name, an id or a bare value. */
function bigMessage(rng: Rng, ctx: CaseContext, bytes: number): Piece[] {
  const big = bigString(rng, bytes);
  const variant = rng.int(5);
  const tool = pickTool(ctx, rng);
  if (variant === 0) {
    return [request(ctx.id(), "tools/call", { name: tool.name, arguments: { confirm: big } })];
  }
  if (variant === 1) {
    const names = Object.keys(tool.inputSchema.properties ?? {});
    const args: { [key: string]: Json } = {};
    withKey(args, names.length > 0 ? rng.pick(names) : "x", big);
    return [request(ctx.id(), "tools/call", { name: tool.name, arguments: args })];
  }
  if (variant === 2) return [request(ctx.id(), big)];
  if (variant === 3) return [request(ctx.id(), "ping", { pad: big })];
  return [big];
}

// ---------------------------------------------------------------------------------------------------------
// HTTP cases

export interface HttpRequestSpec {
  method: string;
  /** Path and query, e.g. "/mcp" or "/messages?sessionId=x". */
  path: string;
  headers: Record<string, string>;
  body?: Uint8Array;
  /** Send the body as a stream, without Content-Length (chunked transfer encoding). */
  chunked?: boolean;
  /**
   * Headers, method and session are right for a JSON-RPC POST: a well-formed request in the body must be
   * answered with 200 and a response carrying its id.
   */
  wellFormed: boolean;
  /** A long-lived event stream may open (GET /mcp, GET /sse): read the status, then cancel it. */
  stream?: boolean;
}

export interface RawHttpSpec {
  bytes: Uint8Array;
  /** complete: a whole request (the server must answer or close); truncated: we half-close mid-request. */
  end: "complete" | "truncated";
}

export type HttpLane = "session" | "modern" | "headers" | "route" | "oversize" | "raw" | "lifecycle";

export interface HttpCase {
  index: number;
  lane: HttpLane;
  /** The message kind (session, modern, lifecycle lanes) or what is malformed. */
  kind: string;
  /** Sent at the same time (several messages of one case, e.g. duplicate ids). */
  requests: HttpRequestSpec[];
  raw?: RawHttpSpec;
}

export interface HttpGeneratorOptions extends GeneratorOptions {
  /** The fuzzing session's Mcp-Session-Id. */
  sessionId: string;
  /** host:port of the server, for raw requests. */
  authority: string;
  /** The server's body limit (MCP_MAX_BODY_BYTES). */
  maxBodyBytes: number;
  /** Cases sending bodies around and beyond the limit (up to hugeMaxBytes); default 4. */
  oversizeCases?: number;
}

const HTTP_LANES: (readonly [number, HttpLane])[] = [
  [45, "session"],
  [15, "modern"],
  [15, "headers"],
  [9, "route"],
  [14, "raw"],
  [2, "lifecycle"],
];

/** Message kinds that make sense under a 2026-07-28 envelope (objects with params). */
const MODERN_KINDS = [
  "request",
  "tools-call-missing-name",
  "tools-call-unknown-tool",
  "tools-call-wrong-arguments",
  "tools-call-property-types",
  "prototype-pollution",
  "invalid-params",
  "unknown-method",
  "notification",
  "deep-nesting",
  "meta-fuzz",
  "duplicate-id",
];

/** Raw-socket variants (framing garbage written straight to the TCP socket). */
export const RAW_KINDS = [
  "raw-truncated-length",
  "raw-truncated-chunked",
  "raw-length-short",
  "raw-length-huge",
  "raw-length-invalid",
  "raw-bad-chunk",
  "raw-chunked-ok",
  "raw-te-and-length",
  "raw-header-control-chars",
  "raw-header-non-utf8",
  "raw-header-huge",
  "raw-many-headers",
  "raw-no-host",
  "raw-bad-host",
  "raw-http10",
  "raw-http09",
  "raw-h2-preface",
  "raw-absolute-uri",
  "raw-asterisk",
  "raw-garbage",
  "raw-lf-only",
  "raw-pipelined",
  "raw-bad-utf8-body",
] as const;

const HEADER_SAFE = /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/;

/** A value for the Mcp-Name header: as is when header-safe, else the SDK's Base64 sentinel form. */
function mcpNameHeader(value: string): string {
  if (HEADER_SAFE.test(value)) return value;
  const bytes = encoder.encode(value);
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return `=?base64?${btoa(binary)}?=`;
}

/** Every byte of the UTF-8 form percent-encoded (lone surrogates become U+FFFD, as TextEncoder does). */
function percentEncode(value: string): string {
  return [...encoder.encode(value)].map((b) => `%${b.toString(16).padStart(2, "0")}`).join("");
}

/** A printable ASCII string (fetch only sends Latin-1 header values without CR, LF, NUL). */
function asciiJunk(rng: Rng, max = 40): string {
  let s = "";
  for (let i = rng.between(1, max); i > 0; i--) s += String.fromCharCode(rng.between(0x21, 0x7e));
  return s;
}

export class HttpFuzzGenerator {
  readonly #options: HttpGeneratorOptions;
  readonly #messages: FuzzGenerator;
  readonly #oversizeAt: Set<number>;
  readonly #rawKinds: string[];

  constructor(options: HttpGeneratorOptions) {
    this.#options = options;
    this.#messages = new FuzzGenerator(options);
    const oversize = options.oversizeCases ?? 4;
    this.#oversizeAt = new Set(
      Array.from(
        { length: Math.min(oversize, options.cases) },
        (_, i) => Math.floor(((i + 0.25) * options.cases) / Math.max(1, oversize)),
      ),
    );
    const exclude = options.exclude ?? [];
    this.#rawKinds = RAW_KINDS.filter((k) => !exclude.includes(k));
  }

  case(index: number): HttpCase {
    const rng = new Rng(deriveSeed(this.#options.seed, index, 1));
    if (this.#oversizeAt.has(index)) return this.#oversize(index, rng);
    const lane = rng.weighted(HTTP_LANES);
    switch (lane) {
      case "session":
      case "lifecycle": {
        const fuzz = this.#messages.case(index);
        const headers: Record<string, string> = {
          ...JSON_RPC_HEADERS,
          "mcp-session-id": this.#options.sessionId,
        };
        if (rng.chance(0.7)) headers["mcp-protocol-version"] = LEGACY_PROTOCOL;
        return {
          index,
          lane,
          kind: fuzz.kind,
          requests: fuzz.messages.map((body) => ({
            method: "POST",
            path: "/mcp",
            headers,
            body,
            wellFormed: true,
          })),
        };
      }
      case "modern":
        return this.#modern(index, rng);
      case "headers":
        return this.#headers(index, rng);
      case "route":
        return this.#route(index, rng);
      default:
        return this.#raw(index, rng);
    }
  }

  #modern(index: number, rng: Rng): HttpCase {
    const kind = rng.pick(MODERN_KINDS.filter((k) => !(this.#options.exclude ?? []).includes(k)));
    const requests = this.#messages.value(kind, index).map((value): HttpRequestSpec => {
      const headers: Record<string, string> = {
        ...JSON_RPC_HEADERS,
        "mcp-protocol-version": MODERN_PROTOCOL,
      };
      let wellFormed = true;
      if (isPlainObject(value) && !(value instanceof RawJson)) {
        const params = value.params;
        if (params === undefined || isPlainObject(params)) {
          const base = (params ?? {}) as { [key: string]: Json };
          const meta = isPlainObject(base._meta) ? (base._meta as { [key: string]: Json }) : {};
          value.params = withKey({ ...base }, "_meta", { ...meta, ...MODERN_META });
        }
        if (typeof value.method === "string" && HEADER_SAFE.test(value.method)) {
          headers["mcp-method"] = value.method;
        } else {
          wellFormed = false;
        }
        const p = value.params;
        const nameField = value.method === "resources/read" ? "uri" : "name";
        if (isPlainObject(p) && typeof p[nameField] === "string") {
          headers["mcp-name"] = mcpNameHeader(p[nameField] as string);
        }
      }
      // Sometimes break the envelope or the headers.
      const mutation = rng.int(10);
      if (mutation === 0) delete headers["mcp-method"];
      if (mutation === 1) headers["mcp-method"] = rng.pick(["tools/list", "ping", asciiJunk(rng)]);
      if (mutation === 2) {
        headers["mcp-protocol-version"] = rng.pick(["2025-06-18", "2099-01-01", asciiJunk(rng)]);
      }
      if (mutation === 3) {
        headers["mcp-name"] = rng.pick(["=?base64?!!!?=", "=?base64?AAAA?=", asciiJunk(rng)]);
      }
      if (mutation === 4) delete headers["mcp-protocol-version"];
      return {
        method: "POST",
        path: "/mcp",
        headers,
        body: encode(value, textual(rng)),
        wellFormed: wellFormed && mutation > 4,
      };
    });
    return { index, lane: "modern", kind, requests };
  }

  #headers(index: number, rng: Rng): HttpCase {
    const headers: Record<string, string> = {
      ...JSON_RPC_HEADERS,
      "mcp-session-id": this.#options.sessionId,
      "mcp-protocol-version": LEGACY_PROTOCOL,
    };
    const mutated: string[] = [];
    for (let i = rng.between(1, 3); i > 0; i--) {
      const which = rng.int(11);
      mutated.push(
        [
          "content-type",
          "accept",
          "mcp-session-id",
          "mcp-protocol-version",
          "origin",
          "authorization",
          "x-xyte-api-key",
          "mcp-method",
          "mcp-name",
          "last-event-id",
          "content-encoding",
        ][which]!,
      );
      const name = mutated[mutated.length - 1]!;
      const choices: Record<string, (string | undefined)[]> = {
        "content-type": [
          undefined,
          "text/plain",
          "application/json; charset=utf-16",
          'application/json;charset="utf-8"',
          "APPLICATION/JSON",
          "application/jsonx",
          "application/x-www-form-urlencoded",
          "multipart/form-data; boundary=x",
          "",
          asciiJunk(rng),
        ],
        "accept": [
          undefined,
          "*/*",
          "application/json",
          "text/event-stream",
          "text/html",
          "application/json, text/event-stream;q=0",
          "",
          asciiJunk(rng),
        ],
        "mcp-session-id": [
          undefined,
          "",
          asciiJunk(rng),
          "x".repeat(rng.between(1000, 16_000)),
          this.#options.sessionId + "x",
          this.#options.sessionId.toUpperCase(),
          ` ${this.#options.sessionId} `,
          "00000000-0000-0000-0000-000000000000",
        ],
        "mcp-protocol-version": [undefined, "", MODERN_PROTOCOL, "1.0", "2024-11-05", asciiJunk(rng, 400)],
        "origin": [
          "null",
          "http://evil.example",
          "http://localhost:1",
          "file://",
          asciiJunk(rng),
          "http://[::1]",
        ],
        "authorization": ["Bearer", `Bearer ${asciiJunk(rng)}`, "Basic Zm9vOmJhcg==", ""],
        "x-xyte-api-key": [asciiJunk(rng), "", "x".repeat(5000)],
        "mcp-method": ["tools/call", asciiJunk(rng), ""],
        "mcp-name": ["=?base64?%%%?=", asciiJunk(rng), "fleet_summary"],
        "last-event-id": [asciiJunk(rng), "-1", "0"],
        "content-encoding": ["gzip", "br", "identity", asciiJunk(rng)],
      };
      const value = rng.pick(choices[name]!);
      if (value === undefined) delete headers[name];
      else headers[name] = value;
    }
    const fuzz = rng.chance(0.5) ? this.#messages.case(index).messages[0]! : encode(request(1, "ping"));
    return {
      index,
      lane: "headers",
      kind: mutated.join("+"),
      requests: [{ method: "POST", path: "/mcp", headers, body: fuzz, wellFormed: false }],
    };
  }

  #route(index: number, rng: Rng): HttpCase {
    const sid = this.#options.sessionId;
    const method = rng.pick(["GET", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD", "POST", "PROPFIND", "FOO"]);
    const path = rng.pick([
      "/mcp",
      "/mcp/",
      "/MCP",
      "/mcp?x=1&sessionId=../..",
      "//mcp",
      "/messages",
      `/messages?sessionId=${percentEncode(weirdString(rng).slice(0, 100))}`,
      "/messages?sessionId=00000000-0000-0000-0000-000000000000",
      "/sse",
      "/healthz",
      "/readyz",
      "/metrics",
      "/",
      "/%00",
      "/mcp%2f",
      "/.env",
      "/" + "a".repeat(8000),
    ]);
    const headers: Record<string, string> = { ...JSON_RPC_HEADERS };
    // DELETE of the fuzzing session would end it: route cases only name other sessions.
    if (rng.chance(0.5)) headers["mcp-session-id"] = method === "DELETE" ? asciiJunk(rng) : sid;
    if (rng.chance(0.3)) headers["accept"] = "text/event-stream";
    const hasBody = !["GET", "HEAD"].includes(method) && rng.chance(0.7);
    const pathname = path.split("?")[0];
    const stream = method === "GET" &&
      (pathname === "/sse" || (pathname === "/mcp" && headers["mcp-session-id"] === sid));
    return {
      index,
      lane: "route",
      kind: `${method} ${path.slice(0, 40)}`,
      requests: [{
        method,
        path,
        headers,
        ...(hasBody ? { body: this.#messages.case(index).messages[0]! } : {}),
        wellFormed: false,
        stream,
      }],
    };
  }

  #oversize(index: number, rng: Rng): HttpCase {
    const limit = this.#options.maxBodyBytes;
    const size = rng.pick([
      limit - rng.between(100, 10_000),
      limit,
      limit + 1,
      rng.between(limit + 1, Math.max(limit + 2, this.#options.hugeMaxBytes ?? 5 * 1024 * 1024)),
    ]);
    // A valid ping padded to exactly `size` bytes: under the limit it must be answered.
    const head = `{"jsonrpc":"2.0","id":"oversize-${index}","method":"ping","params":{"pad":"`;
    const tail = `"}}`;
    const body = new Uint8Array(size);
    body.fill(0x61);
    body.set(encoder.encode(head), 0);
    body.set(encoder.encode(tail), size - tail.length);
    const chunked = rng.chance(0.5);
    return {
      index,
      lane: "oversize",
      kind: `${chunked ? "chunked" : "content-length"} ${size} bytes (limit ${limit})`,
      requests: [{
        method: "POST",
        path: "/mcp",
        headers: { ...JSON_RPC_HEADERS, "mcp-session-id": this.#options.sessionId },
        body,
        chunked,
        wellFormed: size <= limit,
      }],
    };
  }

  #raw(index: number, rng: Rng): HttpCase {
    const kind = rng.pick(this.#rawKinds);
    const host = this.#options.authority;
    const sid = this.#options.sessionId;
    const body = rng.chance(0.5)
      ? this.#messages.case(index).messages[0]!
      : encode(request(`raw-${index}`, "ping"));
    const text = (s: string) => encoder.encode(s);
    const join = (...parts: (string | Uint8Array)[]) => {
      const chunks = parts.map((p) => (typeof p === "string" ? text(p) : p));
      const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
      let at = 0;
      for (const c of chunks) {
        out.set(c, at);
        at += c.length;
      }
      return out;
    };
    const head = (extra: string, line = "POST /mcp HTTP/1.1") =>
      `${line}\r\nHost: ${host}\r\nContent-Type: application/json\r\n` +
      `Accept: application/json, text/event-stream\r\nMcp-Session-Id: ${sid}\r\n${extra}`;
    const whole = (extra = "", line?: string) =>
      join(head(`${extra}Content-Length: ${body.length}\r\nConnection: close\r\n\r\n`, line), body);
    let bytes: Uint8Array;
    let end: RawHttpSpec["end"] = "complete";
    switch (kind) {
      case "raw-truncated-length":
        bytes = join(head(`Content-Length: ${body.length + rng.between(1, 5000)}\r\n\r\n`), body);
        end = "truncated";
        break;
      case "raw-truncated-chunked":
        bytes = join(head(`Transfer-Encoding: chunked\r\n\r\n${(body.length + 64).toString(16)}\r\n`), body);
        end = "truncated";
        break;
      case "raw-length-short":
        bytes = join(head(`Content-Length: ${rng.int(body.length)}\r\nConnection: close\r\n\r\n`), body);
        break;
      case "raw-length-huge":
        bytes = join(
          head(`Content-Length: ${rng.pick(["99999999999999999999", "4294967296", "2000000"])}\r\n\r\n`),
          body,
        );
        end = "truncated";
        break;
      case "raw-length-invalid":
        bytes = join(
          head(
            `Content-Length: ${
              rng.pick(["-1", "abc", "1e3", "0x10", " ", `${body.length}, ${body.length + 1}`])
            }\r\n`,
          ) +
            "Connection: close\r\n\r\n",
          body,
        );
        break;
      case "raw-bad-chunk":
        bytes = join(
          head(`Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n`),
          rng.pick([
            "zz\r\nabc\r\n0\r\n\r\n",
            "-5\r\nabc\r\n0\r\n\r\n",
            "ffffffffffffffffff\r\nabc\r\n0\r\n\r\n",
            "3\r\nabcdef\r\n0\r\n\r\n",
          ]),
        );
        break;
      case "raw-chunked-ok":
        bytes = join(
          head(`Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n${body.length.toString(16)}\r\n`),
          body,
          "\r\n0\r\n\r\n",
        );
        break;
      case "raw-te-and-length":
        bytes = join(
          head(
            `Transfer-Encoding: chunked\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n0\r\n\r\n`,
          ),
        );
        break;
      case "raw-header-control-chars":
        bytes = whole(`X-Fuzz: a${String.fromCharCode(rng.pick([0, 1, 8, 0x0b, 0x1b, 0x7f]))}b\r\n`);
        break;
      case "raw-header-non-utf8":
        bytes = join(
          head(""),
          "Mcp-Session-Id: ",
          new Uint8Array([0xc3, 0xa9, 0xff, 0xfe, 0x80]),
          `\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`,
          body,
        );
        break;
      case "raw-header-huge":
        bytes = whole(`X-Big: ${"a".repeat(rng.between(20_000, 200_000))}\r\n`);
        break;
      case "raw-many-headers":
        bytes = whole(Array.from({ length: rng.between(100, 2000) }, (_, i) => `X-H${i}: ${i}\r\n`).join(""));
        break;
      case "raw-no-host":
        bytes = join(
          `POST /mcp HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`,
          body,
        );
        break;
      case "raw-bad-host":
        bytes = join(
          `POST /mcp HTTP/1.1\r\nHost: ${
            rng.pick([
              "evil.example",
              "127.0.0.1:1@evil",
              "",
              "[::1",
              "a".repeat(3000),
              "localhost, evil.example",
            ])
          }\r\n` +
            `Content-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`,
          body,
        );
        break;
      case "raw-http10":
        bytes = join(
          `POST /mcp HTTP/1.0\r\nHost: ${host}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nMcp-Session-Id: ${sid}\r\nContent-Length: ${body.length}\r\n\r\n`,
          body,
        );
        break;
      case "raw-http09":
        bytes = text("GET /mcp\r\n");
        end = "truncated";
        break;
      case "raw-h2-preface":
        bytes = join("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", rng.bytes(rng.between(0, 64)));
        end = "truncated";
        break;
      case "raw-absolute-uri":
        bytes = whole(
          "",
          `POST ${rng.pick(["http://evil.example/mcp", `http://${host}/mcp`, "https://x/../mcp"])} HTTP/1.1`,
        );
        break;
      case "raw-asterisk":
        bytes = text(`OPTIONS * HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
        break;
      case "raw-garbage":
        bytes = join(rng.bytes(rng.between(1, 2000)), "\r\n\r\n");
        end = "truncated";
        break;
      case "raw-lf-only":
        bytes = join(
          head(`Content-Length: ${body.length}\nConnection: close\n\n`).replace(/\r\n/g, "\n"),
          body,
        );
        break;
      case "raw-pipelined":
        bytes = join(
          head(`Content-Length: ${body.length}\r\n\r\n`),
          body,
          rng.pick([rng.bytes(rng.between(1, 200)), text("GARBAGE\r\n\r\n"), text("")]),
          head(`Content-Length: ${body.length}\r\nConnection: close\r\n\r\n`),
          body,
        );
        break;
      default: // raw-bad-utf8-body
        bytes = join(
          head(`Content-Length: 6\r\nConnection: close\r\n\r\n`),
          new Uint8Array([0x7b, 0xff, 0xfe, 0xc0, 0x80, 0x7d]),
        );
    }
    return { index, lane: "raw", kind, requests: [], raw: { bytes, end } };
  }
}

// ---------------------------------------------------------------------------------------------------------
// Drivers: run cases against the real server and check what comes back

export interface Failure {
  transport: "stdio" | "http";
  /** The case index (reproduce with the same seed), or -1 for run-level checks. */
  index: number;
  kind: string;
  problem: string;
  /** What was sent (or received), shortened. */
  sample: string;
}

export interface FuzzReport {
  transport: "stdio" | "http";
  seed: number;
  cases: number;
  /** Messages (stdio lines, HTTP requests, raw connections) sent. */
  sent: number;
  /** Well-formed requests that had to be answered, and how many were not. */
  requests: number;
  unanswered: number;
  /** Malformed messages with a valid id (JSON-RPC 2.0 wants an Invalid Request error), and how many got none. */
  malformedWithId: number;
  malformedUnanswered: number;
  /** The server process ended before we closed it, or did not exit 0 when we did. */
  crashes: number;
  serverErrors: number;
  stackTraces: number;
  secretLeaks: number;
  /** stdout lines or /mcp bodies that are not JSON-RPC. */
  notJsonRpc: number;
  /** HTTP status histogram ("closed" = connection closed without a response). */
  statuses: Record<string, number>;
  failures: Failure[];
  exitCode: number | null;
  elapsedMs: number;
}

export interface DriverOptions {
  seed: number;
  cases: number;
  /** Environment of the server process (see `serverEnv` in the e2e harness). */
  env: Record<string, string>;
  /** Strings that must never appear in anything the server sends (its API keys). */
  secrets: readonly string[];
  /** Case kinds not to send. */
  exclude?: readonly string[];
  /** Multi-megabyte cases (stdio lines; HTTP bodies around and beyond the limit). */
  hugeCases?: number;
  /** How long to wait for the last answers (ms). */
  answerTimeoutMs?: number;
  /** HTTP requests in flight at once. */
  concurrency?: number;
  /** Called now and then with the number of cases sent. */
  progress?: (sent: number) => void;
}

const MAX_FAILURES_KEPT = 200;

function newReport(transport: "stdio" | "http", options: DriverOptions): FuzzReport {
  return {
    transport,
    seed: options.seed,
    cases: options.cases,
    sent: 0,
    requests: 0,
    unanswered: 0,
    malformedWithId: 0,
    malformedUnanswered: 0,
    crashes: 0,
    serverErrors: 0,
    stackTraces: 0,
    secretLeaks: 0,
    notJsonRpc: 0,
    statuses: {},
    failures: [],
    exitCode: null,
    elapsedMs: 0,
  };
}

function addFailure(report: FuzzReport, failure: Omit<Failure, "transport">): void {
  if (report.failures.length < MAX_FAILURES_KEPT) {
    report.failures.push({ transport: report.transport, ...failure });
  }
}

/** Counts and records leaks (secrets, stack traces) in `text` that the server sent. */
function scanForLeaks(
  report: FuzzReport,
  secrets: readonly string[],
  text: string,
  index: number,
  kind: string,
  where: string,
): void {
  if (leakedSecret(text, secrets)) {
    report.secretLeaks++;
    addFailure(report, { index, kind, problem: `${where} contains an API key`, sample: preview(text) });
  }
  if (leaksStack(text)) {
    report.stackTraces++;
    const at = text.search(STACK_FRAME);
    addFailure(report, {
      index,
      kind,
      problem: `${where} shows a stack trace`,
      sample: preview(text.slice(Math.max(0, at - 80))),
    });
  }
}

/** Reads a stream to its end, keeping the last `keep` characters and scanning everything for secrets. */
function drainText(
  stream: ReadableStream<Uint8Array>,
  secrets: readonly string[],
  keep = 64 * 1024,
): { done: Promise<void>; tail(): string; leaks(): number; saw(marker: string): boolean } {
  let tail = "";
  let leaks = 0;
  const overlap = Math.max(0, ...secrets.map((s) => s.length));
  const markers = new Set<string>();
  const watched = ['"stdin closed"'];
  const done = (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) {
      const text = decoder.decode(chunk, { stream: true });
      const window = tail.slice(-overlap) + text;
      if (leakedSecret(window, secrets)) leaks++;
      for (const m of watched) if (window.includes(m)) markers.add(m);
      tail = (tail + text).slice(-keep);
    }
  })().catch(() => {});
  return { done, tail: () => tail, leaks: () => leaks, saw: (m) => markers.has(m) || tail.includes(m) };
}

function isJsonRpcObject(value: unknown): value is Record<string, unknown> {
  return isPlainObject(value) && value.jsonrpc === "2.0" &&
    ("method" in value || "result" in value || "error" in value);
}

interface ToolsListing {
  tools: ToolInfo[];
}

/** Per-id bookkeeping: how many answers are owed, by which cases. */
class Ledger {
  readonly owed = new Map<string, { count: number; cases: number[]; kind: string; id: Id }>();
  add(id: Id, index: number, kind: string): void {
    const key = idKey(id);
    const entry = this.owed.get(key) ?? { count: 0, cases: [], kind, id };
    entry.count++;
    if (entry.cases.length < 5) entry.cases.push(index);
    this.owed.set(key, entry);
  }
  get size(): number {
    let n = 0;
    for (const e of this.owed.values()) n += e.count;
    return n;
  }
}

const STDIO_HANDSHAKE_ID = "fuzz-initialize";

/**
 * Runs `options.cases` cases over stdio against one server process: handshake, then every case pipelined
 * on stdin (line terminators \n and \r\n, some messages split across writes, several per write), a ping
 * every 100 cases, then the checks: every well-formed request answered by id, stdout only JSON-RPC, no
 * stack traces or keys, the same tools listed afterwards and a tool call still working, exit code 0 on EOF.
 */
export async function fuzzStdio(options: DriverOptions): Promise<FuzzReport> {
  const { RUN_ARGS } = await import("../e2e/harness.ts");
  const started = performance.now();
  const report = newReport("stdio", options);
  const child = new Deno.Command(Deno.execPath(), {
    args: RUN_ARGS,
    env: options.env,
    clearEnv: true,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let closing = false;
  let exitedEarly = false;
  const status = child.status.then((s) => {
    if (!closing) exitedEarly = true;
    return s;
  });
  const stderr = drainText(child.stderr, options.secrets);
  const writer = child.stdin.getWriter();
  const owed = new Ledger();
  const malformed = new Ledger();
  const answers = new Map<string, number>();
  const captured = new Map<string, Record<string, unknown>>();
  const exempt = new Set<string>();
  let nullIdAnswers = 0;
  let lastCase = { index: -1, kind: "handshake" };
  let wake = () => {};

  const fail = (index: number, kind: string, problem: string, sample: string) =>
    addFailure(report, { index, kind, problem, sample });

  const write = async (bytes: Uint8Array): Promise<boolean> => {
    if (exitedEarly) return false;
    try {
      await writer.write(bytes);
      return true;
    } catch {
      return false;
    }
  };

  const onLine = (line: string) => {
    scanForLeaks(report, options.secrets, line, lastCase.index, lastCase.kind, "stdout");
    let message: unknown;
    try {
      message = JSON.parse(line);
    } catch {
      report.notJsonRpc++;
      fail(lastCase.index, lastCase.kind, "stdout line is not JSON", preview(line));
      return;
    }
    for (const item of Array.isArray(message) ? message : [message]) {
      if (!isJsonRpcObject(item)) {
        report.notJsonRpc++;
        fail(lastCase.index, lastCase.kind, "stdout line is not a JSON-RPC message", preview(line));
        continue;
      }
      if ("method" in item) {
        // A server→client request (e.g. elicitation after a fuzzed initialize declared it): refuse it.
        if (isValidId(item.id)) {
          void write(encoder.encode(
            JSON.stringify({
              jsonrpc: "2.0",
              id: item.id,
              error: { code: -32601, message: "not supported" },
            }) +
              "\n",
          ));
        }
        continue;
      }
      if (!isValidId(item.id)) {
        // id null (or the invalid id a malformed message carried): an answer to a malformed message.
        nullIdAnswers++;
        continue;
      }
      const key = idKey(item.id);
      answers.set(key, (answers.get(key) ?? 0) + 1);
      if (key.startsWith("s:fuzz-") || key.startsWith("s:canary-")) captured.set(key, item);
      if (!owed.owed.has(key) && !malformed.owed.has(key)) {
        fail(
          lastCase.index,
          lastCase.kind,
          `answer to id ${JSON.stringify(item.id)}, which was never sent`,
          preview(line),
        );
      }
    }
    wake();
  };

  const stdoutDone = (async () => {
    // Chunks of a line still unterminated: joined only once its newline arrives, so a line of many
    // megabytes costs one pass, not one per chunk.
    let partial: Uint8Array[] = [];
    let pending: Uint8Array = new Uint8Array(0);
    for await (const chunk of child.stdout) {
      if (!chunk.includes(0x0a)) {
        partial.push(chunk);
        continue;
      }
      const joined = concatBytes([...partial, chunk]);
      partial = [];
      const { lines, rest } = splitLines(joined);
      pending = rest.slice();
      if (pending.length > 0) partial = [pending];
      for (const line of lines) onLine(line);
    }
    pending = concatBytes(partial);
    if (pending.length > 0) {
      report.notJsonRpc++;
      fail(-1, "exit", "stdout ends with an unterminated line", preview(pending));
    }
  })().catch(() => {});

  /** Waits until `done()` or `ms` elapse or the process exits. */
  const waitFor = async (done: () => boolean, ms: number): Promise<boolean> => {
    const deadline = Date.now() + ms;
    while (!done()) {
      if (exitedEarly || Date.now() > deadline) return done();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 50);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    return true;
  };
  const answered = (ledger: Ledger) => {
    for (const [key, entry] of ledger.owed) {
      if (!exempt.has(key) && (answers.get(key) ?? 0) < entry.count) return false;
    }
    return true;
  };

  /** Sends one framed chunk and books what the server will read in it. */
  // A line may be completed by a later send (a case whose last frame has no newline): carry the rest.
  let unterminated: Uint8Array = new Uint8Array(0);
  const send = async (frames: Uint8Array[], index: number, kind: string): Promise<boolean> => {
    const { lines, rest } = splitLines(concatBytes([unterminated, ...frames]));
    unterminated = rest;
    for (const line of lines) {
      const c = classify(line);
      for (const id of c.requests) owed.add(id, index, kind);
      for (const id of c.malformed) malformed.add(id, index, kind);
      for (const id of c.cancels) exempt.add(idKey(id));
    }
    for (let i = 0; i < frames.length; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, 2));
      if (!(await write(frames[i]!))) return false;
    }
    return true;
  };
  const line = (value: Json) => [encoder.encode(JSON.stringify(value) + "\n")];

  try {
    // Handshake and the listing to compare with at the end.
    await send(
      [
        ...line(request(STDIO_HANDSHAKE_ID, "initialize", {
          protocolVersion: LEGACY_PROTOCOL,
          capabilities: {},
          clientInfo: { name: "fuzz", version: "1" },
        })),
        ...line(notification("notifications/initialized")),
        ...line(request("fuzz-tools-before", "tools/list")),
      ],
      -1,
      "handshake",
    );
    if (!(await waitFor(() => captured.has("s:fuzz-tools-before"), 30_000))) {
      throw new Error(`no tools/list answer after the handshake; stderr:\n${stderr.tail()}`);
    }
    const before = (captured.get("s:fuzz-tools-before")!.result as ToolsListing).tools;
    const generator = new FuzzGenerator({
      seed: options.seed,
      tools: before,
      cases: options.cases,
      ...(options.hugeCases !== undefined ? { hugeCases: options.hugeCases } : {}),
      ...(options.exclude ? { exclude: options.exclude } : {}),
    });
    for (let i = 0; i < options.cases && !exitedEarly; i++) {
      const fuzz = generator.case(i);
      lastCase = { index: i, kind: fuzz.kind };
      const frames = frameForStdio(fuzz.messages, new Rng(deriveSeed(options.seed, i, 7)));
      report.sent += fuzz.messages.length;
      if (!(await send(frames, i, fuzz.kind))) break;
      if (i % 100 === 99) await send(line(request(`canary-${i}`, "ping")), i, "canary ping");
      if (i % 1000 === 999) options.progress?.(i + 1);
    }

    const timeout = options.answerTimeoutMs ?? 30_000;
    await waitFor(() => answered(owed), timeout);
    await waitFor(() => answered(malformed), 200);

    // Well-formed requests still work, and the server still lists the same tools.
    await send(
      [
        ...line(request("fuzz-tools-after", "tools/list")),
        ...line(request("fuzz-ping-after", "ping")),
        ...line(
          request("fuzz-call-after", "tools/call", { name: "list_devices", arguments: { per_page: 1 } }),
        ),
      ],
      -1,
      "final check",
    );
    await waitFor(
      () => ["tools-after", "ping-after", "call-after"].every((k) => captured.has(`s:fuzz-${k}`)),
      timeout,
    );
    checkStdioAfter(report, before, captured);

    // A last request without its newline: never read as a message; EOF then ends the process cleanly.
    await write(encoder.encode(JSON.stringify(request("fuzz-unterminated", "ping"))));
  } finally {
    closing = !exitedEarly;
    await writer.close().catch(() => {});
    const timer = setTimeout(() => {
      try {
        child.kill("SIGKILL");
      } catch {
        // already gone
      }
    }, 15_000);
    const final = await status;
    clearTimeout(timer);
    await Promise.all([stdoutDone, stderr.done]);
    report.exitCode = final.code;
    if (exitedEarly || final.code !== 0 || !stderr.saw('"stdin closed"')) {
      report.crashes++;
      fail(
        lastCase.index,
        lastCase.kind,
        exitedEarly
          ? `the server exited (code ${final.code}, signal ${final.signal}) before stdin was closed`
          : `after stdin EOF the server exited with code ${final.code} (signal ${final.signal}), not 0 with "stdin closed"`,
        preview(stderr.tail().slice(-2000), 2000),
      );
    }
  }

  report.requests = owed.size;
  for (const [key, entry] of owed.owed) {
    if (exempt.has(key)) continue;
    const missing = entry.count - (answers.get(key) ?? 0);
    if (missing > 0) {
      report.unanswered += missing;
      fail(
        entry.cases[0]!,
        entry.kind,
        `request id ${JSON.stringify(entry.id)} got ${
          entry.count - missing
        } of ${entry.count} answers (cases ${entry.cases.join(", ")})`,
        "",
      );
    }
  }
  report.malformedWithId = malformed.size;
  let unmatched = 0;
  for (const [key, entry] of malformed.owed) {
    // An id can also belong to well-formed requests (the odd ids are shared): their answers come first.
    const spare = Math.max(0, (answers.get(key) ?? 0) - (owed.owed.get(key)?.count ?? 0));
    unmatched += Math.max(0, entry.count - spare);
  }
  report.malformedUnanswered = Math.max(0, unmatched - nullIdAnswers);
  report.secretLeaks += stderr.leaks();
  if (stderr.leaks() > 0) fail(-1, "stderr", "the server's log contains an API key", "");
  report.elapsedMs = performance.now() - started;
  return report;
}

function checkStdioAfter(
  report: FuzzReport,
  before: readonly ToolInfo[],
  captured: Map<string, Record<string, unknown>>,
): void {
  const after = captured.get("s:fuzz-tools-after")?.result as ToolsListing | undefined;
  const names = (tools: readonly ToolInfo[] | undefined) => (tools ?? []).map((t) => t.name).join(",");
  if (names(after?.tools) !== names(before)) {
    addFailure(report, {
      index: -1,
      kind: "final check",
      problem: "tools/list after fuzzing differs from before",
      sample: preview(JSON.stringify(captured.get("s:fuzz-tools-after") ?? null)),
    });
  }
  if (!captured.get("s:fuzz-ping-after")?.result) {
    addFailure(report, {
      index: -1,
      kind: "final check",
      problem: "ping after fuzzing not answered",
      sample: "",
    });
  }
  const call = captured.get("s:fuzz-call-after")?.result as { isError?: boolean } | undefined;
  if (!call || call.isError) {
    addFailure(report, {
      index: -1,
      kind: "final check",
      problem: "list_devices after fuzzing failed",
      sample: preview(JSON.stringify(captured.get("s:fuzz-call-after") ?? null)),
    });
  }
}

/**
 * How a case's messages go on the wire: each ends with \n (sometimes \r\n); some are split over several
 * writes, some cases are written in one write, a few get blank lines before them.
 */
function frameForStdio(messages: readonly Uint8Array[], rng: Rng): Uint8Array[] {
  const terminated = messages.map((m) => {
    const parts = [m, encoder.encode(rng.chance(0.15) ? "\r\n" : "\n")];
    if (rng.chance(0.03)) parts.unshift(encoder.encode(rng.pick(["\n", "\r\n", " \n", "\n\n"])));
    return concatBytes(parts);
  });
  if (terminated.length > 1 && rng.chance(0.4)) return [concatBytes(terminated)];
  const frames: Uint8Array[] = [];
  for (const bytes of terminated) {
    if (bytes.length > 4 && bytes.length < 1_000_000 && rng.chance(0.05)) {
      // Split at random points, possibly inside a multi-byte character.
      const cuts = [...new Set([rng.between(1, bytes.length - 1), rng.between(1, bytes.length - 1)])].sort((
        a,
        b,
      ) => a - b);
      let at = 0;
      for (const cut of cuts) {
        frames.push(bytes.subarray(at, cut));
        at = cut;
      }
      frames.push(bytes.subarray(at));
    } else {
      frames.push(bytes);
    }
  }
  return frames;
}

// ---------------------------------------------------------------------------------------------------------
// HTTP driver

interface HttpAnswer {
  status: number | "closed" | "timeout" | "error";
  headers: Headers | undefined;
  text: string;
  error?: string;
}

/** The JSON-RPC messages of a response body (JSON, or the data lines of an event stream). */
function bodyMessages(text: string, contentType: string | null): unknown[] | undefined {
  try {
    if (contentType?.includes("text/event-stream")) {
      const out: unknown[] = [];
      for (const line of text.split(/\r?\n/)) {
        if (line.startsWith("data:")) {
          const data = line.slice(5).trim();
          if (data !== "") out.push(JSON.parse(data));
        }
      }
      return out;
    }
    const value = JSON.parse(text);
    return Array.isArray(value) ? value : [value];
  } catch {
    return undefined;
  }
}

async function httpExchange(base: URL, spec: HttpRequestSpec, timeoutMs: number): Promise<HttpAnswer> {
  const url = new URL(base.origin);
  // Set the path verbatim (URL parsing would normalize "//mcp" or "/mcp/../x").
  const target = `${url.origin}${spec.path}`;
  const init: RequestInit & { duplex?: "half" } = {
    method: spec.method,
    headers: spec.headers,
    signal: AbortSignal.timeout(timeoutMs),
    redirect: "manual",
  };
  if (spec.body) {
    if (spec.chunked) {
      const body = spec.body;
      init.body = new ReadableStream<Uint8Array>({
        start(controller) {
          for (let at = 0; at < body.length; at += 64 * 1024) {
            controller.enqueue(body.slice(at, at + 64 * 1024));
          }
          controller.close();
        },
      });
      init.duplex = "half";
    } else {
      init.body = spec.body as Uint8Array<ArrayBuffer>;
    }
  }
  try {
    const response = await fetch(target, init);
    if (spec.stream && response.ok) {
      await response.body?.cancel();
      return { status: response.status, headers: response.headers, text: "" };
    }
    const text = await response.text();
    return { status: response.status, headers: response.headers, text };
  } catch (error) {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    if (error instanceof DOMException && error.name === "TimeoutError") {
      return { status: "timeout", headers: undefined, text: "", error: message };
    }
    return { status: "error", headers: undefined, text: "", error: message };
  }
}

async function rawExchange(
  hostname: string,
  port: number,
  spec: RawHttpSpec,
  timeoutMs: number,
): Promise<{ statuses: number[]; text: string; timedOut: boolean }> {
  const conn = await Deno.connect({ hostname, port });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    try {
      conn.close();
    } catch {
      // already closed
    }
  }, timeoutMs);
  const chunks: Uint8Array[] = [];
  try {
    let at = 0;
    while (at < spec.bytes.length) at += await conn.write(spec.bytes.subarray(at));
    if (spec.end === "truncated") await conn.closeWrite();
  } catch {
    // The server may close early (e.g. on a bad request line): read what it said.
  }
  try {
    const buffer = new Uint8Array(64 * 1024);
    for (;;) {
      const n = await conn.read(buffer);
      if (n === null) break;
      chunks.push(buffer.slice(0, n));
    }
  } catch {
    // reset by peer or closed by the timer
  }
  clearTimeout(timer);
  try {
    conn.close();
  } catch {
    // already closed
  }
  const text = decodeUtf8(concatBytes(chunks));
  const statuses = [...text.matchAll(/(?:^|\r?\n)HTTP\/\d(?:\.\d)? (\d{3})/g)].map((m) => Number(m[1]));
  return { statuses, text, timedOut };
}

interface HttpSession {
  id: string;
  headers: Record<string, string>;
}

async function openHttpSession(url: URL): Promise<{ session: HttpSession; tools: ToolInfo[] }> {
  const headers = await openRawSession(url, "fuzz");
  const listed = await sessionCall(url, headers, request("fuzz-tools-before", "tools/list"));
  return {
    session: { id: headers["mcp-session-id"]!, headers },
    tools: (listed?.result as ToolsListing).tools,
  };
}

/** One request in a session; its response message, or undefined. */
async function sessionCall(
  url: URL,
  headers: Record<string, string>,
  message: Json,
): Promise<Record<string, unknown> | undefined> {
  const response = await fetch(url, { method: "POST", headers, body: JSON.stringify(message) });
  const text = await response.text();
  const messages = bodyMessages(text, response.headers.get("content-type")) ?? [];
  return messages.find((m): m is Record<string, unknown> =>
    isPlainObject(m) && ("result" in m || "error" in m)
  );
}

/**
 * Runs `options.cases` cases over HTTP against one server process (`--transport http`, rate limit off):
 * a session for 2025-era cases, 2026-07-28 requests with their envelope and headers, header, method and
 * path mutations, raw-socket framing garbage, bodies around the size limit, session lifecycles. Checks: no
 * 5xx ever, a JSON-RPC body on every /mcp answer, well-formed requests answered with 200 and their id,
 * malformed ones with a JSON-RPC error, no stack traces or keys, a canary ping every 100 cases, the same
 * tools afterwards, and exit code 0 on SIGTERM.
 */
export async function fuzzHttp(options: DriverOptions & { maxBodyBytes?: number }): Promise<FuzzReport> {
  const { startHttpServer } = await import("../e2e/harness.ts");
  const started = performance.now();
  const report = newReport("http", options);
  const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
  const server = await startHttpServer({ ...options.env, MCP_MAX_BODY_BYTES: String(maxBodyBytes) });
  let stopping = false;
  let exitedEarly = false;
  const status = server.child.status.then((s) => {
    if (!stopping) exitedEarly = true;
    return s;
  });
  const url = new URL(server.url);
  const timeout = options.answerTimeoutMs ?? 15_000;
  const fail = (index: number, kind: string, problem: string, sample: string) =>
    addFailure(report, { index, kind, problem, sample });
  const countStatus = (s: number | string) => {
    const key = typeof s === "number" ? String(s) : s;
    report.statuses[key] = (report.statuses[key] ?? 0) + 1;
  };

  try {
    const { session, tools: before } = await openHttpSession(url);
    const generator = new HttpFuzzGenerator({
      seed: options.seed,
      tools: before,
      cases: options.cases,
      sessionId: session.id,
      authority: url.host,
      maxBodyBytes,
      ...(options.hugeCases !== undefined ? { hugeCases: 0, oversizeCases: options.hugeCases } : {}),
      ...(options.exclude ? { exclude: options.exclude } : {}),
    });

    const checkAnswer = (fuzz: HttpCase, spec: HttpRequestSpec, answer: HttpAnswer) => {
      countStatus(answer.status);
      const label = `${fuzz.lane}/${fuzz.kind}`;
      const sample = `${spec.method} ${spec.path.slice(0, 60)} ${
        JSON.stringify(spec.headers).slice(0, 300)
      } ${spec.body ? preview(spec.body) : ""}`;
      if (typeof answer.status !== "number") {
        if (answer.status === "error" && exitedEarly) return;
        fail(fuzz.index, label, `no HTTP answer (${answer.status}: ${answer.error ?? ""})`, sample);
        if (answer.status === "timeout") report.unanswered++;
        return;
      }
      const headerText = answer.headers ? [...answer.headers].map(([k, v]) => `${k}: ${v}`).join("\n") : "";
      scanForLeaks(
        report,
        options.secrets,
        `${headerText}\n${answer.text}`,
        fuzz.index,
        label,
        `HTTP ${answer.status} response`,
      );
      if (answer.status >= 500) {
        report.serverErrors++;
        fail(fuzz.index, label, `HTTP ${answer.status}: ${answer.text.slice(0, 200)}`, sample);
      }
      const pathname = spec.path.split("?")[0];
      const isMcp = pathname === "/mcp";
      const messages = answer.text === ""
        ? []
        : bodyMessages(answer.text, answer.headers?.get("content-type") ?? null);
      if (isMcp && answer.text !== "" && (!messages || !messages.every(isJsonRpcObject))) {
        report.notJsonRpc++;
        fail(fuzz.index, label, `HTTP ${answer.status} body from /mcp is not JSON-RPC`, preview(answer.text));
        return;
      }
      if (!isMcp || spec.method !== "POST" || !spec.body) return;
      const c = classify(decodeUtf8(spec.body));
      report.requests += c.requests.length;
      report.malformedWithId += c.malformed.length;
      const ids = new Set((messages ?? []).filter(isPlainObject).map((m) => m.id));
      // One request per POST: a 4xx with a JSON-RPC error (id null allowed) answers it, as does its id.
      const refused = answer.status >= 400 && (messages ?? []).some((m) => isPlainObject(m) && "error" in m);
      for (const id of c.requests) {
        if (ids.has(id) || (refused && !mustBeServed(spec, fuzz.lane))) continue;
        report.unanswered++;
        fail(
          fuzz.index,
          label,
          `${spec.wellFormed ? "well-formed " : ""}request ${JSON.stringify(id)} got HTTP ${answer.status} ` +
            `without ${refused ? "its own answer" : "a JSON-RPC answer"}`,
          `${sample}\n      got: ${preview(answer.text)}`,
        );
      }
      for (const id of c.malformed) {
        if (ids.has(id) || refused) continue;
        report.malformedUnanswered++;
        fail(
          fuzz.index,
          label,
          `malformed message with id got HTTP ${answer.status} and no JSON-RPC error`,
          sample,
        );
      }
    };

    /**
     * Whether a request must be served (answered with its id), not merely refused: a well-formed request
     * with the right headers, except initialize in an open session and 2026-07-28 envelopes sent with a
     * session (both refused by design).
     */
    const mustBeServed = (spec: HttpRequestSpec, lane: HttpLane): boolean => {
      if (!spec.wellFormed || !spec.body) return false;
      let message: unknown;
      try {
        message = JSON.parse(decodeUtf8(spec.body));
      } catch {
        return false;
      }
      if (!isWellFormedRequest(message)) return false;
      if (lane === "modern") return true;
      const meta = isPlainObject(message.params) ? message.params._meta : undefined;
      const claim = isPlainObject(meta) && "io.modelcontextprotocol/protocolVersion" in meta;
      return message.method !== "initialize" && !claim;
    };

    const runCase = async (fuzz: HttpCase) => {
      if (fuzz.raw) {
        report.sent++;
        const result = await rawExchange(url.hostname, Number(url.port), fuzz.raw, 10_000);
        const label = `raw/${fuzz.kind}`;
        if (result.statuses.length === 0) countStatus(result.timedOut ? "timeout" : "closed");
        for (const s of result.statuses) countStatus(s);
        scanForLeaks(report, options.secrets, result.text, fuzz.index, label, "raw HTTP response");
        if (result.statuses.some((s) => s >= 500)) {
          report.serverErrors++;
          fail(
            fuzz.index,
            label,
            `HTTP ${result.statuses.join(",")}: ${preview(result.text.slice(-300))}`,
            preview(fuzz.raw.bytes),
          );
        }
        if (result.timedOut && fuzz.raw.end === "complete") {
          fail(fuzz.index, label, "no answer and no close within 10 s", preview(fuzz.raw.bytes));
        }
        return;
      }
      if (fuzz.lane === "lifecycle") return await runLifecycle(fuzz);
      report.sent += fuzz.requests.length;
      const answers = await Promise.all(fuzz.requests.map((spec) => httpExchange(url, spec, timeout)));
      fuzz.requests.forEach((spec, i) => checkAnswer(fuzz, spec, answers[i]!));
    };

    /** A fresh session: initialize, one fuzz message, DELETE, then the dead session must get 404. */
    const runLifecycle = async (fuzz: HttpCase) => {
      const opened = await openHttpSession(url).catch((error) => error as Error);
      if (opened instanceof Error) {
        fail(fuzz.index, "lifecycle", `a new session could not be opened: ${opened.message}`, "");
        return;
      }
      const headers = opened.session.headers;
      const specs = fuzz.requests.map((s) => ({ ...s, headers }));
      report.sent += specs.length + 2;
      for (const spec of specs) checkAnswer(fuzz, spec, await httpExchange(url, spec, timeout));
      const deleted = await httpExchange(
        url,
        { method: "DELETE", path: "/mcp", headers, wellFormed: false },
        timeout,
      );
      countStatus(deleted.status);
      if (deleted.status !== 200) {
        fail(fuzz.index, "lifecycle", `DELETE of a session got ${deleted.status}`, "");
      }
      const ping = {
        method: "POST",
        path: "/mcp",
        headers,
        body: encode(request(1, "ping")),
        wellFormed: false,
      };
      const after = await httpExchange(url, ping, timeout);
      checkAnswer(fuzz, ping, after);
      if (after.status !== 404) {
        fail(fuzz.index, "lifecycle", `a deleted session answered ${after.status}, not 404`, "");
      }
    };

    let next = 0;
    let done = 0;
    const workers = Array.from({ length: options.concurrency ?? 6 }, async () => {
      while (next < options.cases && !exitedEarly) {
        const index = next++;
        const fuzz = generator.case(index);
        try {
          await runCase(fuzz);
        } catch (error) {
          fail(index, `${fuzz.lane}/${fuzz.kind}`, `driver error: ${error}`, "");
        }
        const count = ++done;
        if (count % 100 === 0) {
          const ping = await sessionCall(url, session.headers, request(`canary-${index}`, "ping")).catch(() =>
            undefined
          );
          if (!ping || !("result" in ping)) {
            fail(
              index,
              "canary",
              "the fuzzing session no longer answers ping",
              preview(JSON.stringify(ping ?? null)),
            );
          }
          if (count % 1000 === 0) options.progress?.(count);
        }
      }
    });
    await Promise.all(workers);

    // Afterwards: same tools, a tool call works in the session and per request (2026-07-28), healthz is ok.
    const after = await sessionCall(url, session.headers, request("fuzz-tools-after", "tools/list"));
    const names = (tools: readonly ToolInfo[] | undefined) => (tools ?? []).map((t) => t.name).join(",");
    if (names((after?.result as ToolsListing | undefined)?.tools) !== names(before)) {
      fail(
        -1,
        "final check",
        "tools/list after fuzzing differs from before",
        preview(JSON.stringify(after ?? null)),
      );
    }
    const call = await sessionCall(
      url,
      session.headers,
      request("fuzz-call-after", "tools/call", { name: "list_devices", arguments: { per_page: 1 } }),
    );
    if (!call?.result || (call.result as { isError?: boolean }).isError === true) {
      fail(-1, "final check", "list_devices after fuzzing failed", preview(JSON.stringify(call ?? null)));
    }
    const modern = await fetch(url, {
      method: "POST",
      headers: {
        ...JSON_RPC_HEADERS,
        "mcp-protocol-version": MODERN_PROTOCOL,
        "mcp-method": "tools/call",
        "mcp-name": "fleet_summary",
      },
      body: JSON.stringify(
        request(1, "tools/call", { name: "fleet_summary", arguments: {}, _meta: MODERN_META }),
      ),
    });
    const modernAnswer = bodyMessages(await modern.text(), modern.headers.get("content-type"))?.[0];
    if (modern.status !== 200 || !isPlainObject(modernAnswer) || !("result" in modernAnswer)) {
      fail(-1, "final check", `a 2026-07-28 tools/call after fuzzing got HTTP ${modern.status}`, "");
    }
    const health = await fetch(new URL("/healthz", url));
    await health.body?.cancel();
    if (health.status !== 200) fail(-1, "final check", `healthz after fuzzing: ${health.status}`, "");
  } finally {
    stopping = !exitedEarly;
    const final = exitedEarly ? await status : await server.stop("SIGTERM");
    report.exitCode = final.code;
    if (exitedEarly || final.code !== 0) {
      report.crashes++;
      fail(
        -1,
        "exit",
        exitedEarly
          ? `the server exited (code ${final.code}) while being fuzzed`
          : `SIGTERM exit code ${final.code}`,
        preview(server.stderr().slice(-2000), 2000),
      );
    }
    const logs = server.stderr() + server.stdout();
    if (leakedSecret(logs, options.secrets)) {
      report.secretLeaks++;
      fail(-1, "logs", "the server's stdout or log contains an API key", "");
    }
  }
  report.elapsedMs = performance.now() - started;
  return report;
}

/** A one-line-per-failure description for test output, with how to reproduce. */
export function describeFailures(report: FuzzReport, max = 15): string {
  const lines = report.failures.slice(0, max).map((f) =>
    `  [${f.transport} seed ${report.seed} case ${f.index}] ${f.kind}: ${f.problem}${
      f.sample ? `\n      sent: ${f.sample}` : ""
    }`
  );
  const more = report.failures.length > max ? `\n  … and ${report.failures.length - max} more` : "";
  return `${lines.join("\n")}${more}`;
}
