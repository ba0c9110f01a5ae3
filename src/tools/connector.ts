/** ChatGPT connector tools (search, fetch). */
import type { Tool } from "../mcp/tool.ts";

export const CONNECTOR_TOOLS: readonly Tool[] = [];
