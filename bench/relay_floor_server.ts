/**
 * The lowest floor `bench/http.ts` compares against: no MCP at all. A bare `Deno.serve` that speaks just
 * enough JSON-RPC for the bench client (an `initialize` answered with a session id, notifications accepted,
 * `tools/call` answered as plain JSON) and relays each call to the hub with one `fetch`. No SDK, no schema
 * validation, no sessions kept, no SSE. What any Deno server that forwards a call to the hub and answers it
 * costs on this machine: the share of direct fetch no MCP server on it can pass.
 *
 *   XYTE_HUB_URL=http://127.0.0.1:PORT XYTE_ORG_API_KEY=KEY deno run -A bench/relay_floor_server.ts
 *
 * Prints `{"msg":"serving MCP over HTTP","url":…}` on stderr when it listens (as the real server logs).
 */

import { floorSettings, serveFloor } from "./fixtures/floor_serve.ts";

const { hub, key } = floorSettings();

interface Message {
  id?: string | number;
  method?: string;
  params?: { protocolVersion?: string; arguments?: { device_id?: string } };
}

const json = (body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { headers: { "content-type": "application/json", ...headers } });

serveFloor(async (request) => {
  const message = await request.json() as Message;
  if (message.id === undefined) return new Response(null, { status: 202 });
  if (message.method === "initialize") {
    return json({
      jsonrpc: "2.0",
      id: message.id,
      result: {
        protocolVersion: message.params?.protocolVersion,
        capabilities: { tools: {} },
        serverInfo: { name: "relay-floor", version: "1.0.0" },
      },
    }, { "mcp-session-id": crypto.randomUUID() });
  }
  const deviceId = encodeURIComponent(message.params?.arguments?.device_id ?? "");
  const upstream = await fetch(`${hub}/core/v1/organization/devices/${deviceId}`, {
    headers: { authorization: key },
  });
  return json({
    jsonrpc: "2.0",
    id: message.id,
    result: { content: [{ type: "text", text: await upstream.text() }] },
  });
});
