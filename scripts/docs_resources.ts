/**
 * The resources, resource templates and prompts part of the generated reference: what `resources/list`,
 * `resources/templates/list` and `prompts/list` return from a server exposing every tool, and the
 * matching sections of docs/tools.md. No upstream call is made: templates whose instances come from
 * Xyte (devices, spaces, tickets) list nothing here, exactly as a server that cannot reach Xyte would.
 */
import { loadTools, PROMPTS, RESOURCES } from "../src/registry.ts";
import { LISTED_DEVICES } from "../src/resources/devices.ts";
import { DIRECTORY_LIMITS } from "../src/resources/directory.ts";
import { withOfflineServer } from "./tool_listing.ts";

export interface ListedResource {
  uri: string;
  name: string;
  title?: string;
  description?: string;
  mimeType?: string;
}

export interface ListedResourceTemplate {
  uriTemplate: string;
  name: string;
  title?: string;
  description?: string;
  mimeType?: string;
}

export interface ListedPrompt {
  name: string;
  title?: string;
  description?: string;
  arguments?: { name: string; description?: string; required?: boolean }[];
}

export interface ListedResourcesAndPrompts {
  resources: ListedResource[];
  resourceTemplates: ListedResourceTemplate[];
  prompts: ListedPrompt[];
}

/** Resources, templates and prompts as a 2025-era client lists them, with every upstream call failing fast. */
export async function listedResourcesAndPrompts(): Promise<ListedResourcesAndPrompts> {
  return await withOfflineServer(await loadTools(), async (client) => ({
    resources: (await client.listResources()).resources as ListedResource[],
    resourceTemplates: (await client.listResourceTemplates()).resourceTemplates as ListedResourceTemplate[],
    prompts: (await client.listPrompts()).prompts as ListedPrompt[],
  }));
}

/** The "Resources" and "Prompts" sections of docs/tools.md. */
export function resourcesAndPromptsMarkdown(listed: ListedResourcesAndPrompts): string[] {
  const completes = new Map(
    RESOURCES.flatMap((r) =>
      r.kind === "template" ? [[r.uriTemplate, Object.keys(r.variables)] as const] : []
    ),
  );
  const fixed = RESOURCES.flatMap((r) => r.kind === "fixed" ? [r.uri] : []);
  const lines = [
    "",
    "# Resources",
    "",
    "JSON documents (`application/json`) a host can attach as context. Template variables complete from live " +
    "ids (prefix or substring of the id or name; at most 100 values, cached 30 s per API key).",
    "",
    "| URI | Title | Completes | What it holds |",
    "|---|---|---|---|",
  ];
  for (const r of listed.resources.filter((r) => fixed.includes(r.uri))) {
    lines.push(`| \`${r.uri}\` | ${r.title ?? r.name} | — | ${cell(r.description)} |`);
  }
  for (const t of listed.resourceTemplates) {
    const vars = (completes.get(t.uriTemplate) ?? []).map((v) => `\`${v}\``).join(", ") || "—";
    lines.push(`| \`${t.uriTemplate}\` | ${t.title ?? t.name} | ${vars} | ${cell(t.description)} |`);
  }
  lines.push(
    "",
    `\`resources/list\` also announces the first ${LISTED_DEVICES} devices, up to ${DIRECTORY_LIMITS.spaces} ` +
      "spaces, the open tickets and every catalog endpoint; unknown ids answer a resource-not-found error " +
      "naming the URI, and upstream failures an error with the same code and hint as tool errors.",
    "",
    "# Prompts",
    "",
    "Offered when the tools they need are exposed; their steps name only exposed tools.",
    "",
    "| Prompt | Arguments | Needs | What it does |",
    "|---|---|---|---|",
  );
  const requires = new Map(PROMPTS.map((p) => [p.name, p.requires]));
  for (const p of listed.prompts) {
    const args = (p.arguments ?? []).map((a) => `\`${a.name}\`${a.required ? "" : " (optional)"}`).join(", ");
    const needs = (requires.get(p.name) ?? []).map((t) => `\`${t}\``).join(", ");
    lines.push(`| \`${p.name}\` | ${args || "—"} | ${needs} | ${cell(p.description)} |`);
  }
  return lines;
}

function cell(text: string | undefined): string {
  return (text ?? "").replace(/\|/g, "\\|");
}
