/**
 * `completion/complete` for prompt arguments and resource template variables, answered from the tables the
 * prompt and resource handlers serve (see `register_prompts.ts`, `register_resources.ts`).
 */
import {
  type CompleteResult,
  type McpServer,
  ProtocolError,
  ProtocolErrorCode,
} from "@modelcontextprotocol/server";
import { z } from "zod";
import { MAX_COMPLETION_VALUES } from "./completion.ts";
import type { PromptTable } from "./register_prompts.ts";
import type { ResourceTable } from "./register_resources.ts";
import { type Routes, validParams } from "./fallback.ts";
import { weakMemo } from "./weak_memo.ts";

const CompleteParams = z.looseObject({
  ref: z.looseObject({ type: z.string(), name: z.string().optional(), uri: z.string().optional() }),
  argument: z.looseObject({ name: z.string(), value: z.string() }),
});

const NO_VALUES: CompleteResult = { completion: { values: [], hasMore: false } };

/**
 * Offers completion when there are prompts or resources to complete; returns its route (served with the
 * other shared routes, fallback.ts), or undefined when there is nothing to complete.
 */
export function registerCompletion(server: McpServer, tables: CompletionTables): Routes | undefined {
  if (!tables.prompts && !tables.resources) return undefined;
  server.server.registerCapabilities({ completions: {} });
  return completionRoutes(tables.prompts ?? NO_PROMPTS, tables.resources ?? NO_RESOURCES);
}

export interface CompletionTables {
  prompts?: PromptTable | undefined;
  resources?: ResourceTable | undefined;
}

// Stand-ins for "no table", so the routes are memoized per pair of tables.
const NO_PROMPTS = {} as PromptTable;
const NO_RESOURCES = {} as ResourceTable;

/** completion/complete over a pair of tables: built once per pair, shared by every server over them. */
const completionRoutes = weakMemo((prompts: PromptTable, resources: ResourceTable): Routes => ({
  "completion/complete": async (request, _ctx, xyte) => {
    // Parameters validated here, so a malformed request is -32602 (invalid params), not an internal error.
    const { ref, argument } = validParams(CompleteParams, request);
    let completer;
    if (ref.type === "ref/prompt" && ref.name !== undefined) {
      completer = prompts === NO_PROMPTS ? undefined : prompts.completer(ref.name, argument.name);
      if (!completer) {
        throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Prompt ${ref.name} not found`);
      }
    } else if (ref.type === "ref/resource" && ref.uri !== undefined) {
      completer = resources === NO_RESOURCES ? undefined : resources.completer(ref.uri, argument.name);
      if (!completer) {
        throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Resource template ${ref.uri} not found`);
      }
    } else {
      throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Invalid completion reference: ${ref.type}`);
    }
    if (completer === "none") return NO_VALUES;
    // One request is one call for the circuit breaker, however many pages its directory reads at once.
    const values = await completer(argument.value, xyte.forCall({}));
    return {
      completion: {
        values: values.slice(0, MAX_COMPLETION_VALUES),
        total: values.length,
        hasMore: values.length > MAX_COMPLETION_VALUES,
      },
    } satisfies CompleteResult;
  },
}));
