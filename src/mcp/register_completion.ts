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

const CompleteParams = z.looseObject({
  ref: z.looseObject({ type: z.string(), name: z.string().optional(), uri: z.string().optional() }),
  argument: z.looseObject({ name: z.string(), value: z.string() }),
});

const NO_VALUES: CompleteResult = { completion: { values: [], hasMore: false } };

/** Serves completion when there are prompts or resources to complete; otherwise registers nothing. */
export function registerCompletion(
  server: McpServer,
  tables: { prompts?: PromptTable | undefined; resources?: ResourceTable | undefined },
): void {
  const { prompts, resources } = tables;
  if (!prompts && !resources) return;
  server.server.registerCapabilities({ completions: {} });
  // Parameters validated here, so a malformed request is -32602 (invalid params), not an internal error.
  server.server.setRequestHandler("completion/complete", { params: CompleteParams }, async (params) => {
    const { ref, argument } = params;
    let completer;
    if (ref.type === "ref/prompt" && ref.name !== undefined) {
      completer = prompts?.completer(ref.name, argument.name);
      if (!completer) {
        throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Prompt ${ref.name} not found`);
      }
    } else if (ref.type === "ref/resource" && ref.uri !== undefined) {
      completer = resources?.completer(ref.uri, argument.name);
      if (!completer) {
        throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Resource template ${ref.uri} not found`);
      }
    } else {
      throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Invalid completion reference: ${ref.type}`);
    }
    if (completer === "none") return NO_VALUES;
    const values = await completer(argument.value);
    return {
      completion: {
        values: values.slice(0, MAX_COMPLETION_VALUES),
        total: values.length,
        hasMore: values.length > MAX_COMPLETION_VALUES,
      },
    };
  });
}
