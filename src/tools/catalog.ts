/**
 * Catalog tools: every Xyte endpoint, searchable (search_endpoints), describable (describe_endpoint) and
 * callable (call_endpoint) for whatever the curated tools do not cover.
 *
 * call_endpoint checks its arguments against the catalog before anything is sent, answers `dry_run` with the
 * exact request (key masked), asks for confirmation on destructive endpoints (`EndpointSpec.destructive`:
 * every DELETE, plus deactivations with no undo), caps response size, and in read-only mode is replaced by a
 * variant that refuses every mutating endpoint.
 */
import { z } from "zod";
import { firstFew, ToolFailure } from "../mcp/results.ts";
import {
  type ConfirmationSpec,
  defineTool,
  DESTRUCTIVE,
  READ_ONLY,
  type Tool,
  type ToolContext,
} from "../mcp/tool.ts";
import { Secret } from "../secret.ts";
import {
  bodyFieldsComplete,
  type CallShape,
  checkCall,
  type EndpointSpec,
  fillPath,
  findEndpoint,
  isDestructive,
  searchCatalog,
  suggestKeys,
  targetOf,
} from "../xyte/catalog.ts";
import type { QueryValue } from "../xyte/client.ts";

/** Largest response returned whole, in characters of JSON (about 5,000 tokens). */
export const MAX_RESPONSE_CHARS = 20_000;

const NAMESPACES = ["organization", "partner", "device"] as const;
const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;

const EndpointKeyArg = z.string().min(1).max(120).describe(
  "Endpoint key, e.g. organization.devices.getDevice",
);

/** The endpoint for an agent-supplied key, or `unknown_endpoint` with the closest keys. */
export function lookupEndpoint(key: string): EndpointSpec {
  const spec = findEndpoint(key);
  if (spec) return spec;
  const suggestions = suggestKeys(key, 3);
  throw new ToolFailure({
    code: "unknown_endpoint",
    message: `no endpoint ${JSON.stringify(key)}; did you mean ${suggestions.join(", ")}?`,
    hint: `Use an exact key such as ${suggestions[0]}, or find one with search_endpoints.`,
    retriable: false,
  });
}

// search_endpoints ---------------------------------------------------------------------------------------

const EndpointRow = z.object({
  key: z.string(),
  method: z.string(),
  path: z.string(),
  scope: z.string(),
  mutating: z.boolean(),
  summary: z.string(),
});

export const searchEndpoints = defineTool({
  name: "search_endpoints",
  title: "Search Xyte endpoints",
  description: "Find Xyte API endpoints (106) by words and filters, best first: key, method, path, scope, " +
    "whether it changes data, summary. Then describe_endpoint and call_endpoint.",
  toolset: "catalog",
  input: z.object({
    text: z.string().optional().describe('Words, e.g. "reboot device" or "ticket message"'),
    namespace: z.enum(NAMESPACES).optional(),
    group: z.string().min(1).optional().describe("e.g. devices, tickets, notes"),
    method: z.enum(METHODS).optional(),
    mutating: z.boolean().optional().describe("false = reads only"),
    limit: z.number().int().min(1).max(50).default(8),
  }).strict(),
  output: z.object({ results: z.array(EndpointRow), total: z.number().int() }),
  annotations: READ_ONLY,
  run(args) {
    const matches = searchCatalog(args);
    const results = matches.slice(0, args.limit).map((e) => ({
      key: e.key,
      method: e.method,
      path: e.path,
      scope: e.scope,
      mutating: e.mutating,
      summary: e.summary,
    }));
    return Promise.resolve({ results, total: matches.length });
  },
  summarize(result) {
    if (result.total === 0) return "No endpoint matches; try other words or fewer filters.";
    const more = result.total > result.results.length ? ` (of ${result.total})` : "";
    return `${result.results.length} endpoint(s)${more}; best: ${result.results[0]!.key}.`;
  },
});

// describe_endpoint --------------------------------------------------------------------------------------

const strings = z.array(z.string());

const EndpointDescription = z.object({
  key: z.string(),
  title: z.string(),
  summary: z.string(),
  method: z.string(),
  path: z.string(),
  base: z.string(),
  scope: z.string(),
  path_params: strings,
  query_params: strings,
  body: z.string(),
  body_fields: strings,
  mutating: z.boolean(),
  destructive: z.boolean(),
  response: z.string().optional(),
  constraints: strings,
  call_example: z.record(z.string(), z.unknown()).describe("Arguments for call_endpoint"),
  notes: strings,
});

/** How describe_endpoint presents one endpoint, including how to call it. */
export function describeSpec(spec: EndpointSpec, readOnly: boolean): z.output<typeof EndpointDescription> {
  const example: Record<string, unknown> = { key: spec.key };
  if (spec.pathParams.length > 0) {
    example.path = Object.fromEntries(spec.pathParams.map((p) => [p, `<${p}>`]));
  }
  if (spec.body === "json" && spec.bodyFields.length > 0) {
    const fields = spec.exampleFields ?? spec.bodyFields.slice(0, 3);
    example.body = Object.fromEntries(fields.map((f) => [f, `<${f}>`]));
  }
  if (spec.scope === "device") example.device_key = "<device access key>";
  const target = spec.pathParams.at(-1);
  if (isDestructive(spec)) example.confirm = target ? `<${target}>` : spec.key;
  const notes: string[] = [];
  if (readOnly && spec.mutating) notes.push("This server is read-only: call_endpoint refuses this endpoint.");
  if (isDestructive(spec)) {
    notes.push(`Destructive: needs confirm = ${target ? `the ${target} value or ` : ""}the key.`);
  }
  if (spec.scope === "device") notes.push("device_key: the device's access key (returned at registration).");
  if (spec.scope === "partner") notes.push("Needs the partner key (XYTE_PARTNER_API_KEY).");
  if (spec.scope === "none") notes.push(`Sends no key${spec.base === "entry" ? " (entry host)" : ""}.`);
  if (spec.body === "json" && !bodyFieldsComplete(spec)) {
    notes.push("Body fields may be incomplete; other fields are passed through.");
  }
  if (spec.body === "multipart-form") notes.push("Multipart upload: call_endpoint cannot send the file.");
  if (spec.openQuery) notes.push("Query parameters are not documented; any are passed through.");
  if (spec.listEnvelope) notes.push(`List envelope: ${spec.listEnvelope}.`);
  return {
    key: spec.key,
    title: spec.title,
    summary: spec.summary,
    method: spec.method,
    path: spec.path,
    base: spec.base,
    scope: spec.scope,
    path_params: [...spec.pathParams],
    query_params: [...spec.queryParams],
    body: spec.body,
    body_fields: [...spec.bodyFields],
    mutating: spec.mutating,
    destructive: isDestructive(spec),
    ...(spec.response ? { response: spec.response } : {}),
    constraints: [...(spec.constraints ?? [])],
    call_example: example,
    notes,
  };
}

export const describeEndpoint = defineTool({
  name: "describe_endpoint",
  title: "Describe a Xyte endpoint",
  description: "Everything about one endpoint key: path, query and body parameters, auth scope, whether it " +
    "changes or destroys data, known response shape, constraints, and call_endpoint arguments to use it.",
  toolset: "catalog",
  input: z.object({ key: EndpointKeyArg }).strict(),
  output: EndpointDescription,
  annotations: READ_ONLY,
  run(args, ctx) {
    return Promise.resolve(describeSpec(lookupEndpoint(args.key), ctx.readOnly));
  },
  summarize(d) {
    const kind = d.destructive ? "destructive" : d.mutating ? "writes" : "read-only";
    return `${d.key}: ${d.method} ${d.path} (${d.scope} scope, ${kind}). ${d.summary}`;
  },
});

// call_endpoint ------------------------------------------------------------------------------------------

const Scalar = z.union([z.string(), z.number()]);

const CallInput = z.object({
  key: EndpointKeyArg,
  path: z.record(z.string(), Scalar).optional().describe("Path parameters, e.g. {device_id}"),
  query: z.record(z.string(), z.union([Scalar, z.boolean(), z.array(Scalar)])).optional(),
  body: z.unknown().optional().describe("JSON body"),
  device_key: z.string().min(1).optional().describe("Device access key (device-scope endpoints)"),
  confirm: z.string().optional().describe("Destructive endpoints: the target id or the endpoint key"),
  dry_run: z.boolean().default(false).describe("Return the request without sending it"),
}).strict();
type CallInput = z.output<typeof CallInput>;

const CallOutput = z.object({
  key: z.string(),
  method: z.string(),
  url: z.string(),
  dry_run: z.boolean(),
  request: z.object({
    headers: z.record(z.string(), z.string()),
    body: z.unknown().optional(),
  }).optional().describe("Dry run: what would be sent (key masked)"),
  response: z.unknown().optional().describe("Parsed JSON (null: empty body)"),
  response_text: z.string().optional().describe("Start of an oversized non-list response"),
  truncated: z.boolean(),
  note: z.string().optional(),
});
type CallOutput = z.output<typeof CallOutput>;

/** A response made to fit `max` characters of JSON: list rows dropped from the end, or cut text. */
export function capResponse(
  value: unknown,
  max: number = MAX_RESPONSE_CHARS,
): Pick<CallOutput, "response" | "response_text" | "truncated" | "note"> {
  const json = JSON.stringify(value ?? null);
  if (json.length <= max) return { response: value ?? null, truncated: false };
  const list = listIn(value);
  if (list) {
    // Largest row count whose JSON fits (binary search; rows are kept from the start, in order).
    let low = 0;
    let high = list.rows.length;
    while (low < high) {
      const mid = Math.ceil((low + high) / 2);
      if (JSON.stringify(list.rebuild(mid)).length <= max) low = mid;
      else high = mid - 1;
    }
    if (low > 0) {
      return {
        response: list.rebuild(low),
        truncated: true,
        note: `kept ${low} of ${list.rows.length} rows (${json.length} chars in all); ` +
          "ask for a smaller page (per_page) or the next page",
      };
    }
  }
  return {
    response_text: json.slice(0, max),
    truncated: true,
    note: `first ${max} of ${json.length} chars of the JSON response`,
  };
}

function listIn(value: unknown): { rows: unknown[]; rebuild: (n: number) => unknown } | undefined {
  if (Array.isArray(value)) return { rows: value, rebuild: (n) => value.slice(0, n) };
  if (typeof value !== "object" || value === null) return undefined;
  const record = value as Record<string, unknown>;
  for (const field of ["items", "data"]) {
    const rows = record[field];
    if (Array.isArray(rows)) return { rows, rebuild: (n) => ({ ...record, [field]: rows.slice(0, n) }) };
  }
  return undefined;
}

function callShape(args: CallInput): CallShape {
  return { path: args.path, query: args.query, body: args.body, deviceKey: args.device_key };
}

/** Throws `read_only` (mutating endpoint on a read-only server) or `invalid_arguments` (catalog mismatch). */
function checkAllowed(spec: EndpointSpec, args: CallInput, readOnly: boolean): void {
  if (readOnly && spec.mutating) {
    throw new ToolFailure({
      code: "read_only",
      message: `${spec.key} (${spec.method}) changes data and this server is read-only; nothing was sent.`,
      hint: "Only reads are allowed (search_endpoints with mutating: false lists them). Writes need a " +
        "server started without --read-only.",
      retriable: false,
    });
  }
  const problems = checkCall(spec, callShape(args));
  if (problems.length > 0) {
    throw new ToolFailure({
      code: "invalid_arguments",
      message: `invalid arguments for ${spec.key}: ${
        firstFew(problems, "; ", (p) => `${p.where}: ${p.message}`)
      }`,
      hint: `Fix them and call again; describe_endpoint {"key": "${spec.key}"} lists the parameters. ` +
        "Nothing was sent.",
      retriable: false,
    });
  }
}

async function runCall(args: CallInput, ctx: ToolContext, readOnly: boolean): Promise<CallOutput> {
  const spec = lookupEndpoint(args.key);
  checkAllowed(spec, args, readOnly || ctx.readOnly);
  const options = {
    path: args.path,
    query: args.query as Record<string, QueryValue> | undefined,
    body: args.body,
    deviceKey: args.device_key === undefined ? undefined : new Secret(args.device_key),
    signal: ctx.signal,
  };
  const prepared = ctx.xyte.prepare(spec, options);
  const head = { key: spec.key, method: prepared.method, url: prepared.url };
  if (args.dry_run) {
    return {
      ...head,
      dry_run: true,
      request: { headers: prepared.headers, ...(prepared.body === undefined ? {} : { body: prepared.body }) },
      truncated: false,
    };
  }
  const body = await ctx.xyte.call(spec, options);
  return { ...head, dry_run: false, ...capResponse(body) };
}

/** What confirms a destructive call: its target id (last path parameter) or the key. Invalid calls need none. */
function confirmationFor(args: CallInput): ConfirmationSpec | undefined {
  const spec = findEndpoint(args.key);
  if (!spec || args.dry_run || !isDestructive(spec)) return undefined;
  const problems = checkCall(spec, callShape(args));
  if (problems.length > 0) return undefined; // run() reports them; nothing to confirm yet
  const target = targetOf(spec, args.path);
  return {
    accepts: target === undefined ? [spec.key] : [target, spec.key],
    message: `${spec.title}: ${spec.method} ${fillPath(spec, args.path ?? {})} (${spec.summary})`,
  };
}

function summarizeCall(result: CallOutput): string {
  if (result.dry_run) return `Dry run, nothing sent: ${result.method} ${result.url}`;
  const note = result.truncated ? ` Truncated: ${result.note}.` : "";
  const shape = result.response_text !== undefined ? "with a large JSON body" : shapeOf(result.response);
  return `${result.key} (${result.method}) answered ${shape}.${note}`;
}

function shapeOf(value: unknown): string {
  if (value === null || value === undefined) return "with no body";
  const list = listIn(value);
  if (list) return `${list.rows.length} row(s)`;
  if (typeof value === "object") return `an object (${Object.keys(value).slice(0, 6).join(", ")})`;
  return JSON.stringify(value).slice(0, 80);
}

const callDescription = (writes: string) =>
  "Call any Xyte endpoint by key (see search_endpoints, describe_endpoint). Arguments are checked " +
  `against the catalog before sending; dry_run returns the exact request instead. ${writes} Large ` +
  "responses are truncated (flagged).";

const callEndpointReadOnly = defineTool({
  name: "call_endpoint",
  title: "Call a Xyte endpoint (read-only)",
  description: callDescription("Read-only server: endpoints that change data are refused."),
  toolset: "catalog",
  input: CallInput,
  output: CallOutput,
  annotations: READ_ONLY,
  run: (args, ctx) => runCall(args, ctx, true),
  summarize: summarizeCall,
});

export const callEndpoint = defineTool({
  name: "call_endpoint",
  title: "Call a Xyte endpoint",
  description: callDescription("Destructive endpoints need confirm (target id or key)."),
  toolset: "catalog",
  input: CallInput,
  output: CallOutput,
  // It may write and delete (the confirmation gate guards destructive endpoints).
  annotations: { ...DESTRUCTIVE, idempotentHint: false },
  run: (args, ctx) => runCall(args, ctx, false),
  summarize: summarizeCall,
  confirmation: confirmationFor,
  readOnlyVariant: callEndpointReadOnly,
});

export const CATALOG_TOOLS: readonly Tool[] = [searchEndpoints, describeEndpoint, callEndpoint];
