/**
 * Serves the prompts of the registry on one MCP server: each prompt whose required tools are exposed, with
 * validated, completable arguments, rendered against the exposed tools.
 *
 * The table is built once per Xyte client and tool selection and shared: a session adds one request
 * handler (prompts/get), not one registration object per prompt; prompts/list is a route of the table
 * (fallback.ts).
 */
import {
  type GetPromptResult,
  type McpServer,
  ProtocolError,
  ProtocolErrorCode,
} from "@modelcontextprotocol/server";
import { z } from "zod";
import { PROMPTS } from "../registry.ts";
import { type Completer, completerFor } from "../resources/completers.ts";
import type { DirectoryCache } from "../resources/directory.ts";
import { type PromptArgumentSpec, type PromptDefinition, type ToolMentions, toolMentions } from "./prompt.ts";
import type { ServerDeps } from "./server.ts";
import type { Tool } from "./tool.ts";
import { describeIssues, type Routes } from "./fallback.ts";
import { weakMemo } from "./weak_memo.ts";

interface ServedPrompt {
  def: PromptDefinition;
  /** Validates the arguments of prompts/get. */
  schema: z.ZodObject;
  listing: {
    name: string;
    title: string;
    description: string;
    arguments: { name: string; description: string; required: boolean }[];
  };
  completers: Readonly<Record<string, Completer>>;
}

/** The prompts one server exposes: built once per Xyte client and tool selection. */
export interface PromptTable {
  readonly prompts: ReadonlyMap<string, ServedPrompt>;
  /** prompts/list. */
  readonly routes: Routes;
  /** The exposed tools, as prompt texts name them. */
  readonly mentions: ToolMentions;
  /** The completer of a prompt argument; "none" for a known prompt whose argument does not complete. */
  completer(prompt: string, argument: string): Completer | "none" | undefined;
}

const GetParams = z.looseObject({
  name: z.string(),
  arguments: z.record(z.string(), z.unknown()).optional(),
});

/**
 * Serves every prompt whose required tools this server exposes; returns the table (its routes and completion
 * use it; the caller serves the routes).
 * `prompts` is replaceable for tests.
 */
export function registerPrompts(
  server: McpServer,
  deps: ServerDeps,
  prompts: readonly PromptDefinition[] = PROMPTS,
): PromptTable | undefined {
  const table = promptTable(deps.tools, prompts, deps.directories);
  if (table.prompts.size === 0) return undefined;
  const low = server.server;
  low.registerCapabilities({ prompts: { listChanged: false } });
  // Parameters validated here, so a malformed get is -32602 (invalid params), not an internal error.
  low.setRequestHandler("prompts/get", { params: GetParams }, (params): GetPromptResult => {
    const served = table.prompts.get(params.name);
    if (!served) throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Prompt ${params.name} not found`);
    const parsed = served.schema.safeParse(params.arguments ?? {});
    if (!parsed.success) {
      throw new ProtocolError(
        ProtocolErrorCode.InvalidParams,
        `Invalid arguments for prompt ${params.name}: ${describeIssues(parsed.error)}`,
      );
    }
    return {
      description: served.def.description,
      messages: [{
        role: "user",
        content: {
          type: "text",
          text: served.def.render(normalizeArguments(served.def, parsed.data), table.mentions),
        },
      }],
    };
  });
  return table;
}

/** The prompts a tool selection serves: built once per selection, shared by every server (any tenant). */
const promptTable = weakMemo(
  (
    tools: readonly Tool[],
    prompts: readonly PromptDefinition[],
    directories: DirectoryCache,
  ): PromptTable => {
    const exposed = new Set(tools.map((t) => t.name));
    const served = new Map<string, ServedPrompt>();
    for (const def of prompts) {
      if (!def.requires.every((tool) => exposed.has(tool))) continue;
      const specs = Object.entries(def.arguments);
      const completers: Record<string, Completer> = {};
      for (const [name, spec] of specs) {
        const completer = argumentCompleter(spec, directories);
        if (completer) completers[name] = completer;
      }
      served.set(def.name, {
        def,
        schema: z.object(Object.fromEntries(specs.map(([name, spec]) => [name, argumentSchema(spec)]))),
        listing: {
          name: def.name,
          title: def.title,
          description: def.description,
          arguments: specs.map(([name, spec]) => ({
            name,
            description: argumentDescription(spec),
            required: spec.required,
          })),
        },
        completers,
      });
    }
    const listing = { prompts: [...served.values()].map((p) => p.listing) };
    return {
      prompts: served,
      routes: { "prompts/list": () => listing },
      mentions: toolMentions(exposed),
      completer(prompt, argument) {
        const found = served.get(prompt);
        return found ? found.completers[argument] ?? "none" : undefined;
      },
    };
  },
);

function argumentDescription(spec: PromptArgumentSpec): string {
  return spec.choices ? `${spec.description} (one of: ${spec.choices.join(", ")})` : spec.description;
}

/** Longest prompt argument accepted. */
export const MAX_PROMPT_ARGUMENT_CHARS = 1000;

/**
 * The schema of one argument. Prompt arguments are strings; an optional one left empty ("" from forms)
 * counts as absent, so emptiness is checked here rather than with a `min(1)` that would reject it.
 */
function argumentSchema(spec: PromptArgumentSpec): z.ZodType {
  const choices = spec.choices;
  // Arguments are ids, names or short phrases that the prompt quotes several times: a megabyte-long one
  // came back as a 7 MB prompt after seconds of work.
  let field: z.ZodType<string> = z.string().max(MAX_PROMPT_ARGUMENT_CHARS);
  if (spec.required) field = field.refine((v) => v.trim() !== "", { message: "must not be empty" });
  if (choices) {
    field = field.refine((v) => v.trim() === "" || choices.includes(v.trim().toLowerCase()), {
      message: `must be one of: ${choices.join(", ")}`,
    });
  }
  return spec.required ? field : field.optional();
}

/** Choices complete by prefix; other arguments from live data or the catalog when they say so. */
function argumentCompleter(spec: PromptArgumentSpec, directories: DirectoryCache): Completer | undefined {
  const choices = spec.choices;
  if (choices) {
    return (typed) => Promise.resolve(choices.filter((c) => c.startsWith(typed.trim().toLowerCase())));
  }
  return spec.complete ? completerFor(spec.complete, directories) : undefined;
}

/** Validated values as `render` takes them: trimmed, empty ones absent, choices in lower case. */
export function normalizeArguments(
  prompt: PromptDefinition,
  args: Record<string, unknown>,
): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [name, spec] of Object.entries(prompt.arguments)) {
    const value = args[name];
    const text = typeof value === "string" ? value.trim() : "";
    out[name] = text === "" ? undefined : spec.choices ? text.toLowerCase() : text;
  }
  return out;
}
