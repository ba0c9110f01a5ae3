/** Space tree tools. */
import type { Tool } from "../mcp/tool.ts";

export const SPACE_TOOLS: readonly Tool[] = [];
