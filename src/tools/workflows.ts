/** One-call workflow tools. */
import type { Tool } from "../mcp/tool.ts";

export const WORKFLOW_TOOLS: readonly Tool[] = [];
