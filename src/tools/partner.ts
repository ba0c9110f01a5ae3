/** Partner API tools. */
import type { Tool } from "../mcp/tool.ts";

export const PARTNER_TOOLS: readonly Tool[] = [];
