/**
 * What a tool is: a typed, transport-free function `(args, ctx) => result` plus everything an MCP client
 * sees about it (name, title, description, schemas, annotations, toolset).
 */
import type { z } from "zod";
import type { Logger } from "../observability/log.ts";
import type { Toolset } from "../toolsets.ts";
import type { XyteClient } from "../xyte/client.ts";
import { UnshapedResultError } from "./results.ts";

export type { Toolset } from "../toolsets.ts";

export interface ToolAnnotations {
  /** The tool changes nothing. */
  readOnlyHint: boolean;
  /** The tool may delete or irreversibly change data. */
  destructiveHint: boolean;
  /** Calling twice with the same arguments has no further effect. */
  idempotentHint: boolean;
  /** The tool talks to a system outside the server (Xyte). */
  openWorldHint: boolean;
}

export const READ_ONLY: ToolAnnotations = {
  readOnlyHint: true,
  destructiveHint: false,
  idempotentHint: true,
  openWorldHint: true,
};

/** Changes data; repeating it with the same arguments changes nothing more (rename, move, resolve). */
export const WRITE_IDEMPOTENT: ToolAnnotations = {
  readOnlyHint: false,
  destructiveHint: false,
  idempotentHint: true,
  openWorldHint: true,
};

/** Changes data; each call has its own effect (send a command, post a message, create). */
export const WRITE: ToolAnnotations = {
  readOnlyHint: false,
  destructiveHint: false,
  idempotentHint: false,
  openWorldHint: true,
};

/** Deletes or irreversibly changes data; needs confirmation (see `ToolSpec.confirmation`). */
export const DESTRUCTIVE: ToolAnnotations = {
  readOnlyHint: false,
  destructiveHint: true,
  idempotentHint: true,
  openWorldHint: true,
};

/**
 * What a destructive call must be confirmed with: the `confirm` argument equal to one of `accepts` (the
 * target id or the endpoint key), or an elicitation the user accepts when the client supports it.
 */
export interface ConfirmationSpec {
  /** Values of the `confirm` argument that count as confirmation. */
  accepts: readonly string[];
  /** Shown to the user in the elicitation, e.g. "Delete device Lobby Display (8c1f…)?" */
  message: string;
  /**
   * Reads the target to name it in what the user is asked ("Delete space London Office (1041)?" rather than
   * "Delete space 1041?"), only when someone is to be asked: a `confirm` argument naming the target needs no
   * read. Its failure is the call's result before anyone is asked (not_found: there is nothing to confirm).
   */
  describe?: (xyte: XyteClient, signal: AbortSignal) => Promise<string>;
}

/** What a tool may use while it runs. Nothing here knows about stdio or HTTP. */
export interface ToolContext {
  xyte: XyteClient;
  /** Aborted when the client cancels the call or the transport closes. */
  signal: AbortSignal;
  requestId: string;
  log: Logger;
  /** Reports progress to the client when it asked for it; a no-op otherwise. */
  progress(progress: number, total?: number, message?: string): Promise<void>;
  /** True when the server runs with --read-only: no request may change anything upstream. */
  readOnly: boolean;
  /**
   * False when the call passed `cache: false`. `xyte`'s reads then go upstream already; what a tool keeps
   * itself between calls (the connector's search corpus) must not answer such a call either.
   */
  cachedReads: boolean;
  /** Whether this server exposes `tool`: hints name only tools the agent can call. */
  exposes(tool: string): boolean;
}

export interface ToolSpec<I extends z.ZodObject, O extends z.ZodObject> {
  name: string;
  title: string;
  /** Tells an agent when to use the tool and what it returns. */
  description: string;
  toolset: Toolset;
  input: I;
  output: O;
  annotations: ToolAnnotations;
  run(args: z.output<I>, ctx: ToolContext): Promise<z.output<O>>;
  /** One or two human lines about the result, shown before the JSON. */
  summarize(result: z.output<O>, args: z.output<I>): string;
  /**
   * How a success appears in `content`: "summary+json" (default: the summary line, then the JSON) or "json"
   * (exactly one text item holding the JSON, as ChatGPT connectors require of search and fetch).
   */
  content?: ResultContent;
  /**
   * For destructive tools: what confirms this call (undefined = no confirmation needed for these args, e.g. a
   * dry run). The input schema must then have an optional `confirm` string argument.
   */
  confirmation?(args: z.output<I>): ConfirmationSpec | undefined;
  /**
   * For a tool that can write but also serves reads (call_endpoint): the definition exposed instead in
   * read-only mode (same name, read-only annotations, refuses writes). Tools without one are hidden then.
   */
  readOnlyVariant?: Tool;
}

export type ResultContent = "summary+json" | "json";

/** A tool with its types erased, as the registry and server hold it. */
export interface Tool {
  readonly name: string;
  readonly title: string;
  readonly description: string;
  readonly toolset: Toolset;
  readonly input: z.ZodObject;
  readonly output: z.ZodObject;
  readonly annotations: ToolAnnotations;
  /** How a success appears in `content` (see `ToolSpec.content`). */
  readonly content?: ResultContent;
  /** Exposed instead of this tool in read-only mode, if any (see `ToolSpec.readOnlyVariant`). */
  readonly readOnlyVariant?: Tool;
  /** What confirms this call, for destructive tools; validated arguments in. */
  confirmation(args: unknown): ConfirmationSpec | undefined;
  /** Runs with already-validated arguments. */
  execute(args: unknown, ctx: ToolContext): Promise<{ result: Record<string, unknown>; summary: string }>;
}

/** Declares a tool. The returned value is what the registry lists. */
export function defineTool<I extends z.ZodObject, O extends z.ZodObject>(spec: ToolSpec<I, O>): Tool {
  return {
    name: spec.name,
    title: spec.title,
    description: spec.description,
    toolset: spec.toolset,
    input: spec.input,
    output: spec.output,
    annotations: spec.annotations,
    confirmation: (args) => spec.confirmation?.(args as z.output<I>),
    ...(spec.readOnlyVariant ? { readOnlyVariant: spec.readOnlyVariant } : {}),
    ...(spec.content ? { content: spec.content } : {}),
    async execute(args, ctx) {
      const typedArgs = args as z.output<I>;
      const result = await spec.run(typedArgs, ctx);
      // From here the tool's work is done: a fault is in shaping what it returned.
      try {
        // The published output schema requires nothing (see schemas.ts); the full contract is checked here.
        const checked = spec.output.safeParse(result);
        if (!checked.success) {
          const issue = checked.error.issues[0];
          throw new Error(`output breaks its schema at ${issue?.path.join(".")}: ${issue?.message}`);
        }
        return { result: result as Record<string, unknown>, summary: spec.summarize(result, typedArgs) };
      } catch (error) {
        throw new UnshapedResultError(spec.name, spec.annotations.readOnlyHint, error);
      }
    },
  };
}
