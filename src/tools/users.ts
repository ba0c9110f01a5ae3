/** User and group tools. */
import type { Tool } from "../mcp/tool.ts";

export const USER_TOOLS: readonly Tool[] = [];
