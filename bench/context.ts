/**
 * Context cost of the tool surface: bytes and ≈tokens (bytes / 4) of the `tools/list` result per toolset, for
 * the default selection and for everything. Targets: default ≤ 8,000 tokens; catalog alone ≤ 1,500.
 *
 *   deno run --allow-all bench/context.ts
 */
import { resolveToolsets } from "../src/app.ts";
import { exposedTools } from "../src/registry.ts";
import { type Toolset, TOOLSET_NAMES } from "../src/toolsets.ts";
import { listToolsAsClientSees } from "../scripts/tool_listing.ts";

async function measure(toolsets: readonly Toolset[]) {
  const tools = await listToolsAsClientSees(await exposedTools({ readOnly: false, toolsets }));
  const bytes = new TextEncoder().encode(JSON.stringify({ tools })).length;
  return { tools: tools.length, bytes, tokens: Math.round(bytes / 4) };
}

const rows: Record<string, { tools: number; bytes: number; tokens: number }> = {};
const defaults = resolveToolsets("default", { organization: true, partner: false });
rows[`default (${defaults.join(",")})`] = await measure(defaults);
rows["default + partner key"] = await measure(
  resolveToolsets("default", { organization: true, partner: true }),
);
rows["all"] = await measure(TOOLSET_NAMES);
for (const toolset of TOOLSET_NAMES) rows[toolset] = await measure([toolset]);
// deno-lint-ignore no-console
console.table(rows);
