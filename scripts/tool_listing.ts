/** What a client sees from `tools/list`, for a given set of tools (in-memory client ↔ server, no network). */
import { Client } from "@modelcontextprotocol/client";
import { InMemoryTransport } from "@modelcontextprotocol/server";
import { buildServer } from "../src/mcp/server.ts";
import type { Tool } from "../src/mcp/tool.ts";
import { VERSION } from "../src/version.ts";
import { XyteClient } from "../src/xyte/client.ts";

export interface ListedTool {
  name: string;
  title?: string;
  description?: string;
  inputSchema: Record<string, unknown>;
  outputSchema?: Record<string, unknown>;
  annotations?: Record<string, unknown>;
}

export async function listToolsAsClientSees(tools: readonly Tool[]): Promise<ListedTool[]> {
  const xyte = new XyteClient({
    hubUrl: "http://unused.invalid",
    entryUrl: "http://unused.invalid",
    timeoutMs: 1000,
  });
  const server = buildServer({ xyte, tools, readOnly: false });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: "introspect", version: VERSION });
  await server.connect(serverSide);
  await client.connect(clientSide);
  try {
    return (await client.listTools()).tools as ListedTool[];
  } finally {
    await client.close();
    await server.close();
  }
}
