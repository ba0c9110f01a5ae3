/** Asset (inventory) tools. */
import type { Tool } from "../mcp/tool.ts";

export const ASSET_TOOLS: readonly Tool[] = [];
