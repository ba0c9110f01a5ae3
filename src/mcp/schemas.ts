/**
 * How tools are published to MCP clients: the `tools/list` entry of each tool, computed once per process and
 * shared by every server instance (servers are built per connection, session or request).
 *
 * Input: the zod schema's JSON Schema, plus `cache` for read tools; validation happens in the tool wrapper,
 * which answers bad arguments with a typed `invalid_arguments` error and a hint.
 *
 * Output: every tool result is either the success object or `{error: {...}}` (2025-era SDK clients validate
 * `structuredContent` against `outputSchema` even on `isError` results). The published schema therefore lists
 * `error` among the properties and requires nothing at the root (the server itself validates every success
 * result against the full schema), keeping the root `type: "object"` MCP requires.
 */
import type { Tool as McpTool } from "@modelcontextprotocol/server";
import { z } from "zod";
import type { Tool, ToolAnnotations } from "./tool.ts";

/** The `error` object of a failed tool call. */
export const ToolErrorSchema = z.object({
  code: z.string(),
  message: z.string(),
  status: z.number().int().optional(),
  hint: z.string(),
  retriable: z.boolean(),
});
export type ToolErrorPayload = z.infer<typeof ToolErrorSchema>;

type JsonSchema = Record<string, unknown>;

function jsonSchemaOf(schema: z.ZodType, io: "input" | "output"): JsonSchema {
  const json = compact(z.toJSONSchema(schema, { io, target: "draft-2020-12" }), io) as JsonSchema;
  delete json.$schema;
  return json;
}

/**
 * Drops what costs tokens in every `tools/list` without telling a client anything: JavaScript's safe-integer
 * bounds, `propertyNames: {type: string}` and empty `additionalProperties` on records; writes
 * `anyOf: [{type: X}, {type: null}]` as `type: [X, "null"]`. In output schemas it also drops descriptions,
 * `additionalProperties: false` and the `required` lists of nested objects (clients validate outputs, models
 * read inputs; the root keeps its required fields).
 */
export function compact(node: unknown, io: "input" | "output", depth = 0): unknown {
  if (Array.isArray(node)) return node.map((item) => compact(item, io, depth));
  if (typeof node !== "object" || node === null) return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if ((key === "minimum" || key === "maximum") && Math.abs(value as number) === Number.MAX_SAFE_INTEGER) {
      continue;
    }
    if (key === "propertyNames" && JSON.stringify(value) === '{"type":"string"}') continue;
    if (key === "additionalProperties" && JSON.stringify(value) === "{}") continue;
    if (io === "output") {
      if (key === "description" || (key === "additionalProperties" && value === false)) continue;
      if (key === "required" && depth > 0) continue;
    }
    // Under `properties`, keys are field names (a field may be called "description"): keep them all.
    out[key] = key === "properties"
      ? mapValues(value, (v) => compact(v, io, depth + 1))
      : compact(value, io, key === "items" || key === "anyOf" ? depth + 1 : depth);
  }
  return nullableAsTypeList(out);
}

/** `{anyOf: [{type: "object"}, {type: "null"}]}` → `{type: ["object", "null"]}` when both are bare types. */
function nullableAsTypeList(node: Record<string, unknown>): Record<string, unknown> {
  const options = node.anyOf;
  if (!Array.isArray(options) || options.length !== 2) return node;
  const bare = options.every((o) => typeof o === "object" && o !== null && Object.keys(o).join() === "type");
  const types = options.map((o) => (o as { type: unknown }).type);
  if (!bare || !types.includes("null") || types.some((t) => typeof t !== "string")) return node;
  const { anyOf: _, ...rest } = node;
  return { ...rest, type: types };
}

function mapValues(record: unknown, fn: (value: unknown) => unknown): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record as Record<string, unknown>).map(([k, v]) => [k, fn(v)]));
}

/** The argument every read tool takes to bypass the response cache. */
export const CACHE_ARGUMENT = "cache";
const CACHE_ARGUMENT_SCHEMA = { type: "boolean", description: "false: skip the cache" };

const listings = new WeakMap<Tool, McpTool>();

/** The `tools/list` entry of a tool, computed on first use and shared afterwards. */
export function toolListing(tool: Tool): McpTool {
  let listing = listings.get(tool);
  if (!listing) {
    listings.set(
      tool,
      listing = {
        name: tool.name,
        title: tool.title,
        description: tool.description,
        // Both are zod objects converted to JSON Schema, so their root is always `type: "object"`.
        inputSchema: inputJsonSchema(tool.input, {
          cacheArgument: tool.annotations.readOnlyHint,
        }) as McpTool["inputSchema"],
        outputSchema: outputJsonSchema(tool.output) as McpTool["outputSchema"],
        annotations: publishedAnnotations(tool.annotations),
      },
    );
  }
  return listing;
}

/** The JSON Schema published as a tool's `inputSchema` (with `cache` for read tools). */
export function inputJsonSchema(schema: z.ZodObject, options: { cacheArgument?: boolean } = {}): JsonSchema {
  const input = jsonSchemaOf(schema, "input");
  if (!options.cacheArgument) return input;
  // Read tools also take `cache: false` (fresh data); the tool wrapper consumes it before validation.
  return {
    ...input,
    properties: { ...(input.properties as JsonSchema), [CACHE_ARGUMENT]: CACHE_ARGUMENT_SCHEMA },
  };
}

/**
 * The annotations as published. For a read-only tool, `destructiveHint` and `idempotentHint` carry no meaning
 * (MCP defines them only when `readOnlyHint` is false), so they are left out of every `tools/list`.
 */
export function publishedAnnotations(annotations: ToolAnnotations): Partial<ToolAnnotations> {
  if (!annotations.readOnlyHint) return annotations;
  return { readOnlyHint: true, openWorldHint: annotations.openWorldHint };
}

/**
 * The `error` branch as published: the two fields every client may rely on. The full shape
 * (`ToolErrorSchema`: code, message, status?, hint, retriable) is described once in the server instructions
 * rather than repeated in every tool's schema.
 */
const PUBLISHED_ERROR_SCHEMA = {
  type: "object",
  properties: { code: { type: "string" }, message: { type: "string" } },
  required: ["code", "message"],
};

/** The JSON Schema published as a tool's `outputSchema` (success shape or `{error}`). */
export function outputJsonSchema(schema: z.ZodObject): JsonSchema {
  const success = jsonSchemaOf(schema, "output");
  const { required: _required, properties, ...rest } = success as JsonSchema & {
    required?: string[];
    properties?: Record<string, unknown>;
  };
  // No `required` list: a result is either the success fields or `{error}`. The server validates every
  // success result against the full zod schema (required fields included) before sending it, so a client
  // can rely on the fields without each tool repeating their names in every tools/list.
  return { ...rest, properties: { ...properties, error: PUBLISHED_ERROR_SCHEMA } };
}
