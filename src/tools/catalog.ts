/** Catalog tools: every endpoint, searchable, describable, callable. */
import type { Tool } from "../mcp/tool.ts";

export const CATALOG_TOOLS: readonly Tool[] = [];
