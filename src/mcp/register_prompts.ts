/**
 * Registers the prompts of the registry on one `McpServer`: each prompt whose required tools are exposed,
 * with completable arguments, rendered against the exposed tools.
 */
import { completable, type GetPromptResult, type McpServer } from "@modelcontextprotocol/server";
import { z } from "zod";
import { PROMPTS } from "../registry.ts";
import { completerFor } from "../resources/completers.ts";
import { type DirectoryCache, LIVE_DIRECTORIES } from "../resources/directory.ts";
import type { XyteClient } from "../xyte/client.ts";
import { type PromptArgumentSpec, type PromptDefinition, toolMentions } from "./prompt.ts";
import type { ServerDeps } from "./server.ts";

/** Registers every prompt whose required tools this server exposes. `directories` is replaceable for tests. */
export function registerPrompts(
  server: McpServer,
  deps: ServerDeps,
  prompts: readonly PromptDefinition[] = PROMPTS,
  directories: DirectoryCache = LIVE_DIRECTORIES,
): void {
  const exposed = new Set(deps.tools.map((t) => t.name));
  const mentions = toolMentions(exposed);
  for (const prompt of prompts) {
    if (!prompt.requires.every((tool) => exposed.has(tool))) continue;
    const argsSchema = argumentsSchema(prompt, deps.xyte, directories);
    server.registerPrompt(
      prompt.name,
      { title: prompt.title, description: prompt.description, argsSchema },
      (args): GetPromptResult => ({
        description: prompt.description,
        messages: [{
          role: "user",
          content: { type: "text", text: prompt.render(normalizeArguments(prompt, args), mentions) },
        }],
      }),
    );
  }
}

/**
 * Argument schemas are built once per Xyte client (their completers query that client) and shared by every
 * server over it: in single-tenant mode every session reuses them, which keeps a session small.
 */
const schemasByClient = new WeakMap<XyteClient, WeakMap<DirectoryCache, Map<string, z.ZodObject>>>();

function argumentsSchema(
  prompt: PromptDefinition,
  xyte: XyteClient,
  directories: DirectoryCache,
): z.ZodObject {
  let byDirectories = schemasByClient.get(xyte);
  if (!byDirectories) schemasByClient.set(xyte, byDirectories = new WeakMap());
  let byPrompt = byDirectories.get(directories);
  if (!byPrompt) byDirectories.set(directories, byPrompt = new Map());
  let schema = byPrompt.get(prompt.name);
  if (!schema) {
    schema = z.object(mapValues(prompt.arguments, (spec) => argumentSchema(spec, xyte, directories)));
    byPrompt.set(prompt.name, schema);
  }
  return schema;
}

function mapValues<T, U>(record: Readonly<Record<string, T>>, f: (value: T) => U): Record<string, U> {
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key, f(value)]));
}

/**
 * The schema of one argument. Prompt arguments are strings; an optional one left empty ("" from forms)
 * counts as absent, so emptiness is checked here rather than with a `min(1)` that would reject it.
 */
function argumentSchema(
  spec: PromptArgumentSpec,
  xyte: XyteClient,
  directories: DirectoryCache,
): z.ZodType {
  const choices = spec.choices;
  const description = choices ? `${spec.description} (one of: ${choices.join(", ")})` : spec.description;
  let field = z.string().describe(description);
  if (spec.required) field = field.refine((v) => v.trim() !== "", { message: "must not be empty" });
  if (choices) {
    field = field.refine((v) => v.trim() === "" || choices.includes(v.trim().toLowerCase()), {
      message: `must be one of: ${choices.join(", ")}`,
    });
  }
  // completable() marks this schema instance with this client's completer.
  const completed = choices
    ? completable(field, (typed) => choices.filter((c) => c.startsWith(typed.trim().toLowerCase())))
    : spec.complete
    ? completable(field, completerFor(spec.complete, xyte, directories))
    : field;
  return spec.required ? completed : completed.optional();
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
