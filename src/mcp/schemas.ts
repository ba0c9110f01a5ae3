/**
 * How tool schemas are published to MCP clients.
 *
 * Input: the SDK would reject bad arguments itself with a bare text error; we publish the zod schema's JSON
 * Schema but let the value through, so the tool wrapper validates it and answers with a typed
 * `invalid_arguments` error that has a hint.
 *
 * Output: every tool result is either the success object or `{error: {...}}` (2025-era SDK clients validate
 * `structuredContent` against `outputSchema` even on `isError` results). The published schema therefore lists
 * `error` among the properties and moves `required` into `anyOf: [{required: success}, {required: [error]}]`,
 * keeping the root `type: "object"` MCP requires.
 */
import type { StandardSchemaWithJSON } from "@modelcontextprotocol/server";
import { z } from "zod";

/** The `error` object of a failed tool call. */
export const ToolErrorSchema = z.object({
  code: z.string().describe("Stable error code, e.g. not_found, validation, rate_limited, timeout"),
  message: z.string(),
  status: z.number().int().optional().describe("Upstream HTTP status, when Xyte answered"),
  hint: z.string().describe("What to do next"),
  retriable: z.boolean().describe("Whether the same call may succeed later"),
});
export type ToolErrorPayload = z.infer<typeof ToolErrorSchema>;

type JsonSchema = Record<string, unknown>;
type JsonOptions = { readonly target: string };

function jsonSchemaOf(schema: z.ZodType, io: "input" | "output"): JsonSchema {
  return z.toJSONSchema(schema, { io, target: "draft-2020-12" }) as JsonSchema;
}

/**
 * Converts once per schema, on first use: servers are built per connection (or per request when stateless)
 * and `initialize` never needs the JSON Schemas, so neither start-up nor later servers pay for conversion.
 */
function memoized(cache: WeakMap<z.ZodType, JsonSchema>, schema: z.ZodType, convert: () => JsonSchema) {
  return (_: JsonOptions): JsonSchema => {
    let json = cache.get(schema);
    if (!json) cache.set(schema, json = convert());
    return json;
  };
}

const inputCache = new WeakMap<z.ZodType, JsonSchema>();
const outputCache = new WeakMap<z.ZodType, JsonSchema>();

/** Publishes `schema` as the tool's input schema while leaving validation to the tool wrapper. */
export function publishedInput(schema: z.ZodObject): StandardSchemaWithJSON {
  const json = memoized(inputCache, schema, () => jsonSchemaOf(schema, "input"));
  return {
    "~standard": {
      version: 1,
      vendor: "xyte-mcp",
      validate: (value: unknown) => ({ value }),
      jsonSchema: { input: json, output: json },
    },
  };
}

/** Publishes `schema` as the tool's output schema, extended with the `{error}` branch. */
export function publishedOutput(schema: z.ZodObject): StandardSchemaWithJSON {
  const json = memoized(outputCache, schema, () => outputJsonSchema(schema));
  return {
    "~standard": {
      version: 1,
      vendor: "xyte-mcp",
      validate: (value: unknown) => {
        const parsed = schema.safeParse(value);
        return parsed.success ? { value: parsed.data } : {
          issues: parsed.error.issues.map((i) => ({ message: i.message, path: i.path as PropertyKey[] })),
        };
      },
      jsonSchema: { input: json, output: json },
    },
  };
}

/** The JSON Schema published as a tool's `outputSchema` (success shape or `{error}`). */
export function outputJsonSchema(schema: z.ZodObject): JsonSchema {
  const success = jsonSchemaOf(schema, "output");
  const { required, properties, ...rest } = success as JsonSchema & {
    required?: string[];
    properties?: Record<string, unknown>;
  };
  const errorJson = jsonSchemaOf(ToolErrorSchema, "output");
  delete errorJson.$schema;
  return {
    ...rest,
    properties: { ...properties, error: errorJson },
    anyOf: [{ required: required ?? [] }, { required: ["error"] }],
  };
}
