/**
 * The floor `bench/http.ts` compares against: the MCP SDK alone, with none of xyte-mcp. One stateful
 * Streamable HTTP session per `initialize` on a bare `Deno.serve`, and one `get_device` tool that fetches
 * the device from the hub and returns the body as text. No auth, Host/Origin checks, rate limit, logging,
 * metrics, retries, validation of the upstream answer or structured output.
 *
 *   XYTE_HUB_URL=http://127.0.0.1:PORT XYTE_ORG_API_KEY=KEY deno run -A bench/sdk_floor_server.ts
 *
 * Prints `{"msg":"serving MCP over HTTP","url":…}` on stderr when it listens (as the real server logs).
 */
import { McpServer, WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/server";
import { floorSettings, serveFloor } from "./fixtures/floor_serve.ts";
import { z } from "zod";

const { hub, key } = floorSettings();

function floorServer(): McpServer {
  const server = new McpServer({ name: "sdk-floor", version: "1.0.0" });
  server.registerTool(
    "get_device",
    { description: "One device by id.", inputSchema: z.object({ device_id: z.string() }) },
    async ({ device_id }) => {
      const response = await fetch(`${hub}/core/v1/organization/devices/${encodeURIComponent(device_id)}`, {
        headers: { authorization: key },
      });
      return { content: [{ type: "text", text: await response.text() }] };
    },
  );
  return server;
}

const sessions = new Map<string, WebStandardStreamableHTTPServerTransport>();

serveFloor(async (request) => {
  const parsedBody = request.method === "POST" ? await request.json() : undefined;
  const sessionId = request.headers.get("mcp-session-id");
  const known = sessionId ? sessions.get(sessionId) : undefined;
  if (known) return await known.handleRequest(request, { parsedBody });
  const transport: WebStandardStreamableHTTPServerTransport = new WebStandardStreamableHTTPServerTransport({
    sessionIdGenerator: () => crypto.randomUUID(),
    onsessioninitialized: (id) => void sessions.set(id, transport),
  });
  await floorServer().connect(transport);
  return await transport.handleRequest(request, { parsedBody });
});
