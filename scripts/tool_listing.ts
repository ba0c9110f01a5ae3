/**
 * What a client sees from a server exposing given tools: an in-memory client ↔ server pair over an offline
 * Xyte client (every upstream call fails fast; nothing leaves the process). Used by the docs generator and the
 * context benchmark.
 */
import { Client } from "@modelcontextprotocol/client";
import { InMemoryTransport } from "@modelcontextprotocol/server";
import { buildServer } from "../src/mcp/server.ts";
import type { Tool } from "../src/mcp/tool.ts";
import { DirectoryCache } from "../src/resources/directory.ts";
import { Secret } from "../src/secret.ts";
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

/** Runs `use` with a client connected to a fresh server exposing `tools`; closes both afterwards. */
export async function withOfflineServer<T>(
  tools: readonly Tool[],
  use: (client: Client) => Promise<T>,
): Promise<T> {
  const xyte = new XyteClient({
    hubUrl: "http://unused.invalid",
    entryUrl: "http://unused.invalid",
    // Organization resources are offered only with an organization key; this one is never sent.
    organizationKey: new Secret("offline-placeholder-key"),
    timeoutMs: 1000,
    fetch: () => Promise.reject(new TypeError("offline: no upstream call is made")),
  });
  const server = buildServer({ xyte, tools, readOnly: false, directories: new DirectoryCache() });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: "introspect", version: VERSION });
  await server.connect(serverSide);
  await client.connect(clientSide);
  try {
    return await use(client);
  } finally {
    await client.close();
    await server.close();
  }
}

export function listToolsAsClientSees(tools: readonly Tool[]): Promise<ListedTool[]> {
  return withOfflineServer(tools, async (client) => (await client.listTools()).tools as ListedTool[]);
}
