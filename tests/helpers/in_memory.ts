/**
 * A server built from `deps` (a fresh directory cache unless given) and an SDK client connected to it in
 * memory: the tool, resource and prompt handlers exactly as a host calls them, without a transport.
 */
import { Client } from "@modelcontextprotocol/client";
import { InMemoryTransport } from "@modelcontextprotocol/server";
import { buildServer, type ServerDeps } from "../../src/mcp/server.ts";
import { DirectoryCache } from "../../src/resources/directory.ts";

export interface InMemoryConnection {
  client: Client;
  /** Closes the client, then the server. */
  close(): Promise<void>;
}

export async function connectInMemory(
  deps: Omit<ServerDeps, "directories"> & Partial<Pick<ServerDeps, "directories">>,
  clientName: string,
): Promise<InMemoryConnection> {
  const server = buildServer({ directories: new DirectoryCache(), ...deps });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: clientName, version: "1.0.0" });
  await server.connect(serverSide);
  await client.connect(clientSide);
  return {
    client,
    async close() {
      await client.close();
      await server.close();
    },
  };
}
