/** Lookup over the endpoint table: typed keys, path filling, "did you mean" suggestions. */
import type { EndpointSpec } from "./catalog_types.ts";
import { ENDPOINTS } from "./endpoints.ts";

export type { EndpointSpec } from "./catalog_types.ts";
export { ENDPOINTS };

/** Every endpoint key known to the catalog, as a literal union. */
export type EndpointKey = (typeof ENDPOINTS)[number]["key"];

const BY_KEY: ReadonlyMap<string, EndpointSpec> = new Map(ENDPOINTS.map((e) => [e.key, e]));

/** The endpoint for a key the type system already knows to exist. */
export function endpoint(key: EndpointKey): EndpointSpec {
  const spec = BY_KEY.get(key);
  if (!spec) throw new Error(`catalog has no endpoint ${key}`);
  return spec;
}

/** The endpoint for a key that came from outside (an agent, a URI); undefined when unknown. */
export function findEndpoint(key: string): EndpointSpec | undefined {
  return BY_KEY.get(key);
}

/** Path parameters missing from `params`, in path order. */
export function missingPathParams(spec: EndpointSpec, params: Record<string, unknown>): string[] {
  return spec.pathParams.filter((name) => {
    const v = params[name];
    return v === undefined || v === null || String(v) === "";
  });
}

/**
 * Whether a path parameter value is `.` or `..`: URL resolution removes such segments, so the request would go
 * to another endpoint (`DELETE …/devices/D/commands/..` becomes `DELETE …/devices/D/`, deleting the device).
 * Percent-encoding does not help: `encodeURIComponent` leaves dots alone, and servers decode `%2E`.
 */
export function isDotSegment(value: unknown): boolean {
  const text = String(value);
  return text === "." || text === "..";
}

/** Path parameters of `params` holding `.` or `..` (see `isDotSegment`), in path order. */
export function dotSegmentParams(spec: EndpointSpec, params: Record<string, unknown>): string[] {
  return spec.pathParams.filter((name) => params[name] !== undefined && isDotSegment(params[name]));
}

/** Replaces `:name` segments with URL-encoded values. Throws when a parameter is missing. */
export function fillPath(spec: EndpointSpec, params: Record<string, string | number>): string {
  const missing = missingPathParams(spec, params);
  if (missing.length > 0) throw new Error(`missing path parameter(s) ${missing.join(", ")} for ${spec.key}`);
  return spec.path.replace(/:([a-z_]+)/g, (_, name: string) => encodeURIComponent(String(params[name])));
}

const MAX_SUGGESTION_INPUT = 120;

/** Up to `max` known keys closest to `input` (edit distance on the lower-cased key, with substring bonus). */
export function suggestKeys(input: string, max = 3): string[] {
  // Keys are under 80 characters: comparing more of a long input only costs time (edit distance is
  // quadratic, and a megabyte-long input took half a minute of CPU).
  const needle = input.slice(0, MAX_SUGGESTION_INPUT).toLowerCase();
  return ENDPOINTS
    .map((e) => {
      const hay = e.key.toLowerCase();
      const distance = hay.includes(needle) || needle.includes(hay) ? 0 : editDistance(needle, hay);
      return { key: e.key, distance };
    })
    .sort((a, b) => a.distance - b.distance || a.key.localeCompare(b.key))
    .slice(0, max)
    .map((s) => s.key);
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
    }
    prev = cur;
  }
  return prev[b.length]!;
}

/** Whether a call needs confirmation: the endpoint deletes, cancels or deactivates (see `EndpointSpec.destructive`). */
export function isDestructive(spec: EndpointSpec): boolean {
  return spec.destructive === true;
}

/** The id a destructive call acts on: the value of the last path parameter (undefined when none). */
export function targetOf(spec: EndpointSpec, path: Record<string, unknown> = {}): string | undefined {
  const name = spec.pathParams.at(-1);
  const value = name === undefined ? undefined : path[name];
  return value === undefined || value === null || String(value) === "" ? undefined : String(value);
}

/** Whether the catalog knows every top-level body field (organization and partner JSON bodies). */
export function bodyFieldsComplete(spec: EndpointSpec): boolean {
  return spec.body === "json" && spec.namespace !== "device";
}

/** What an agent passes to call an endpoint, before anything is sent. */
export interface CallShape {
  path?: Record<string, unknown>;
  query?: Record<string, unknown>;
  body?: unknown;
  deviceKey?: string;
}

/** One problem with a call's arguments, named by where it is (`path.device_id`, `query.foo`, `body`). */
export interface CallProblem {
  where: string;
  message: string;
}

/**
 * Checks a call against the catalog: path parameters present and known, query parameters known (unless the
 * reference leaves them open; `name[]` counts as `name`), no body where the endpoint takes none, known body
 * fields for organization/partner JSON bodies (device body fields are incomplete in the reference), and a
 * device key exactly for device-scope endpoints. Empty when the call may be sent.
 */
export function checkCall(spec: EndpointSpec, call: CallShape): CallProblem[] {
  const problems: CallProblem[] = [];
  const path = call.path ?? {};
  for (const name of missingPathParams(spec, path)) {
    problems.push({ where: `path.${name}`, message: "missing" });
  }
  for (const name of dotSegmentParams(spec, path)) {
    problems.push({
      where: `path.${name}`,
      message: "not an id: '.' and '..' would send the call to another endpoint",
    });
  }
  for (const name of Object.keys(path).filter((n) => !spec.pathParams.includes(n))) {
    problems.push({ where: `path.${name}`, message: `not a path parameter (${listOf(spec.pathParams)})` });
  }
  if (!spec.openQuery) {
    for (const name of Object.keys(call.query ?? {})) {
      if (!spec.queryParams.includes(name.replace(/\[\]$/, ""))) {
        problems.push({
          where: `query.${name}`,
          message: `not a query parameter (${listOf(spec.queryParams)})`,
        });
      }
    }
  }
  if (call.body !== undefined) {
    if (spec.body === "none") problems.push({ where: "body", message: "this endpoint takes no body" });
    else if (spec.body === "multipart-form") {
      problems.push({ where: "body", message: "multipart file uploads cannot be sent by call_endpoint" });
    } else if (bodyFieldsComplete(spec)) {
      if (typeof call.body !== "object" || call.body === null || Array.isArray(call.body)) {
        problems.push({ where: "body", message: "must be a JSON object" });
      } else {
        for (const name of Object.keys(call.body).filter((n) => !spec.bodyFields.includes(n))) {
          problems.push({ where: `body.${name}`, message: `not a body field (${listOf(spec.bodyFields)})` });
        }
      }
    }
  }
  if (spec.scope === "device" && !call.deviceKey) {
    problems.push({
      where: "device_key",
      message: "required: the device's access key (device-scope endpoint)",
    });
  }
  if (spec.scope !== "device" && call.deviceKey) {
    problems.push({ where: "device_key", message: `not used: this endpoint's scope is ${spec.scope}` });
  }
  return problems;
}

function listOf(names: readonly string[]): string {
  return names.length === 0 ? "it has none" : `accepted: ${names.join(", ")}`;
}

/** Filters and free text for `searchCatalog`. */
export interface CatalogQuery {
  text?: string;
  namespace?: string;
  group?: string;
  method?: string;
  mutating?: boolean;
}

const STOP_WORDS = new Set([
  "a",
  "an",
  "the",
  "of",
  "for",
  "to",
  "in",
  "on",
  "by",
  "with",
  "and",
  "or",
  "my",
  "all",
]);

/** Lower-case word stems of a text: camelCase and punctuation split, simple plurals folded. */
export function wordStems(text: string): string[] {
  return text
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 0)
    .map(stem);
}

function stem(word: string): string {
  if (word.length > 4 && word.endsWith("ies")) return `${word.slice(0, -3)}y`;
  if (word.length > 3 && word.endsWith("s") && !/(ss|us|is)$/.test(word)) return word.slice(0, -1);
  return word;
}

interface IndexedEndpoint {
  spec: EndpointSpec;
  order: number;
  /** Word stems per field, with the field's weight. */
  fields: { weight: number; words: Set<string> }[];
  /** Action and key, lower-cased without separators, for exact-name matches. */
  names: string[];
}

let index: IndexedEndpoint[] | undefined;

function catalogIndex(): IndexedEndpoint[] {
  index ??= ENDPOINTS.map((spec, order) => {
    const action = spec.key.split(".").at(-1)!;
    return {
      spec,
      order,
      fields: [
        { weight: 4, words: new Set(wordStems(action)) },
        { weight: 3, words: new Set(wordStems(spec.group)) },
        { weight: 3, words: new Set(wordStems(spec.title)) },
        { weight: 2, words: new Set([...wordStems(spec.namespace), ...wordStems(spec.summary)]) },
        {
          weight: 1,
          words: new Set([
            ...wordStems(spec.path),
            ...spec.queryParams.flatMap(wordStems),
            ...spec.bodyFields.flatMap(wordStems),
          ]),
        },
      ],
      names: [action.toLowerCase(), spec.key.toLowerCase().replace(/[^a-z0-9]/g, "")],
    };
  });
  return index;
}

/**
 * Words people use for what the catalog names otherwise (a device's heartbeat is its telemetry report): a
 * query word also matches as each of these, scoring as the best of them.
 */
// A Map, not an object literal: a query word such as "constructor" must not find Object.prototype's.
const SEARCH_SYNONYMS: ReadonlyMap<string, readonly string[]> = new Map([
  ["heartbeat", ["telemetry"]],
  ["provision", ["register"]],
  ["provisioning", ["register"]],
  ["onboard", ["register", "claim"]],
  ["licence", ["license"]],
  ["ack", ["acknowledge"]],
]);

/**
 * Endpoints matching the filters, best first. Free text is matched word by word (prefixes of 3+ letters
 * count half; `SEARCH_SYNONYMS` stand in for a word) against the action, group, title, summary, path, query
 * and body parameters, each field with its weight; endpoints matching more of the words rank first, then by
 * total weight, then the action of fewer words; a text naming an action or key exactly ranks that
 * endpoint first. Small bonuses favour the organization API and reads.
 */
export function searchCatalog(query: CatalogQuery): EndpointSpec[] {
  const group = query.group?.toLowerCase();
  const candidates = catalogIndex().filter(({ spec }) =>
    (!query.namespace || spec.namespace === query.namespace) &&
    (!query.method || spec.method === query.method.toUpperCase()) &&
    (query.mutating === undefined || spec.mutating === query.mutating) &&
    (!group || spec.group.toLowerCase() === group || spec.group.toLowerCase().split(".").includes(group))
  );
  const allWords = wordStems(query.text ?? "");
  const meaningful = allWords.filter((w) => !STOP_WORDS.has(w));
  const words = meaningful.length > 0 ? meaningful : allWords;
  if (words.length === 0) return candidates.map((c) => c.spec);
  const compact = (query.text ?? "").toLowerCase().replace(/[^a-z0-9]/g, "");
  return candidates
    .map((entry) => {
      let matched = 0;
      // Ties go to the organization API, then to reads: what most questions are after.
      let score = (entry.names.includes(compact) ? 100 : 0) +
        (entry.spec.namespace === "organization" ? 2 : 0) + (entry.spec.mutating ? 0 : 1);
      for (const word of words) {
        const wordScore = Math.max(
          ...[word, ...(SEARCH_SYNONYMS.get(word) ?? [])].map((w) => wordScoreIn(entry, w)),
        );
        if (wordScore > 0) matched++;
        score += wordScore;
      }
      return { entry, matched, score };
    })
    .filter((r) => r.matched > 0)
    .sort((a, b) =>
      b.matched - a.matched || b.score - a.score ||
      // Equal matches: the plainer action first (sendTelemetry before sendChildTelemetry).
      a.entry.fields[0]!.words.size - b.entry.fields[0]!.words.size || a.entry.order - b.entry.order
    )
    .map((r) => r.entry.spec);
}

/** How well one query word matches an endpoint: each field's weight, half for a prefix of 3+ letters. */
function wordScoreIn(entry: IndexedEndpoint, word: string): number {
  let score = 0;
  for (const field of entry.fields) {
    if (field.words.has(word)) score += field.weight;
    else if (word.length >= 3 && [...field.words].some((w) => w.startsWith(word))) score += field.weight / 2;
  }
  return score;
}
