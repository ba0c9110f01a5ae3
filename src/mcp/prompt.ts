/**
 * What a prompt is: a named, argument-taking recipe that renders the steps an agent should follow, naming
 * the tools to call. The text is rendered against the tools this server actually exposes (toolsets,
 * read-only mode), so a prompt never tells an agent to call a tool it cannot see; a prompt whose required
 * tools are not all exposed is not offered at all.
 *
 * Convention: tool names appear in prompt text in backticks, written through `ToolMentions.name`, and
 * nothing else is written in backticks; `mentionedTools` reads them back (tests check them against the
 * registry).
 */
import type { CompletionSource } from "./completion.ts";

export interface PromptArgumentSpec {
  readonly description: string;
  readonly required: boolean;
  /** Completes from live data (ids of devices, spaces, tickets) or the endpoint catalog. */
  readonly complete?: CompletionSource;
  /** The only values accepted (lower case), completed by prefix. */
  readonly choices?: readonly string[];
}

/** The tools a prompt may name: the ones this server exposes. */
export interface ToolMentions {
  has(tool: string): boolean;
  /** The tool's name as prompt text writes it (in backticks). Throws when the tool is not exposed. */
  name(tool: string): string;
}

/** A prompt with its argument types erased, as the registry and server hold it. */
export interface PromptDefinition {
  readonly name: string;
  readonly title: string;
  readonly description: string;
  readonly arguments: Readonly<Record<string, PromptArgumentSpec>>;
  /** Tools without which the prompt makes no sense; it is hidden unless all are exposed. */
  readonly requires: readonly string[];
  /** The instructions for these (validated, trimmed) arguments. */
  render(args: Readonly<Record<string, string | undefined>>, tools: ToolMentions): string;
}

/** Argument values as `render` receives them: required ones are always present. */
export type PromptArgs<S extends Record<string, PromptArgumentSpec>> = {
  readonly [K in keyof S]: S[K]["required"] extends true ? string : string | undefined;
};

/** Declares a prompt. The returned value is what the registry lists. */
export function definePrompt<const S extends Record<string, PromptArgumentSpec>>(spec: {
  name: string;
  title: string;
  description: string;
  arguments: S;
  requires: readonly string[];
  render(args: PromptArgs<S>, tools: ToolMentions): string;
}): PromptDefinition {
  return {
    name: spec.name,
    title: spec.title,
    description: spec.description,
    arguments: spec.arguments,
    requires: spec.requires,
    render: (args, tools) => spec.render(args as PromptArgs<S>, tools),
  };
}

/** Mentions limited to `exposed` tool names. */
export function toolMentions(exposed: Iterable<string>): ToolMentions {
  const names = new Set(exposed);
  return {
    has: (tool) => names.has(tool),
    name(tool) {
      if (!names.has(tool)) throw new Error(`prompt text names ${tool}, which this server does not expose`);
      return `\`${tool}\``;
    },
  };
}

/** The tool names a rendered prompt mentions (the backticked words). */
export function mentionedTools(text: string): string[] {
  return [...new Set([...text.matchAll(/`([^`]+)`/g)].map((m) => m[1]!))];
}

/** Numbered steps, skipping the ones that do not apply (false, undefined, ""). */
export function numberedSteps(...steps: (string | false | undefined)[]): string {
  return steps.filter((s): s is string => typeof s === "string" && s !== "")
    .map((s, i) => `${i + 1}. ${s}`)
    .join("\n");
}
