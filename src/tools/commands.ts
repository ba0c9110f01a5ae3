/** Device command tools. */
import type { Tool } from "../mcp/tool.ts";

export const COMMAND_TOOLS: readonly Tool[] = [];
