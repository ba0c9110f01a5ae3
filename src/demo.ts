/** What `deno task demo` prints: the MCP URL, host configurations to paste, and a curl example. */

/** A complete, sessionless (protocol 2026-07-28) `tools/call` request, as the curl example sends it. */
export function exampleToolCall(): { headers: Record<string, string>; body: string } {
  const tool = "fleet_summary";
  return {
    headers: {
      "content-type": "application/json",
      "accept": "application/json, text/event-stream",
      "mcp-protocol-version": "2026-07-28",
      "mcp-method": "tools/call",
      "mcp-name": tool,
    },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "tools/call",
      params: {
        name: tool,
        arguments: {},
        _meta: {
          "io.modelcontextprotocol/protocolVersion": "2026-07-28",
          "io.modelcontextprotocol/clientCapabilities": {},
        },
      },
    }),
  };
}

export function demoBanner(mcpUrl: string): string {
  const serverEntry = { type: "http", url: mcpUrl };
  const claudeDesktop = { mcpServers: { xyte: { command: "npx", args: ["-y", "mcp-remote", mcpUrl] } } };
  const vscode = { servers: { xyte: serverEntry } };
  const call = exampleToolCall();
  const headerLines = Object.entries(call.headers).map(([name, value]) => `    -H '${name}: ${value}' \\`);
  return [
    "",
    "xyte-mcp demo: a simulated Xyte organization (250 devices, incidents, tickets) is being served.",
    "",
    `MCP endpoint (Streamable HTTP): ${mcpUrl}`,
    "",
    "Claude Code:",
    `  claude mcp add --transport http xyte ${mcpUrl}`,
    "",
    "Claude Desktop (claude_desktop_config.json):",
    indent(JSON.stringify(claudeDesktop, null, 2)),
    "",
    "VS Code (.vscode/mcp.json):",
    indent(JSON.stringify(vscode, null, 2)),
    "",
    "Cursor (~/.cursor/mcp.json):",
    indent(JSON.stringify({ mcpServers: { xyte: { url: mcpUrl } } }, null, 2)),
    "",
    "Try it with curl:",
    `  curl -s ${mcpUrl} \\`,
    ...headerLines,
    `    -d '${call.body}'`,
    "",
    "Stop with Ctrl+C.",
    "",
  ].join("\n");
}

function indent(text: string): string {
  return text.split("\n").map((line) => `  ${line}`).join("\n");
}
