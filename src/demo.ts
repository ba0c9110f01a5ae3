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

/** What the banner needs to know of the server: where it listens, and whether clients need its token. */
export interface DemoBannerOptions {
  /** The URL the server listens on (`0.0.0.0` / `[::]` when bound to every address). */
  url: string;
  /** MCP_HTTP_TOKEN is set: every configuration sends it (as a placeholder: the token is never printed). */
  tokenRequired: boolean;
}

/** Placeholders for the token: a shell variable in commands, the variable's name in JSON files. */
const TOKEN_IN_SHELL = "Authorization: Bearer $MCP_HTTP_TOKEN";
const TOKEN_IN_FILES = "Bearer <the value of MCP_HTTP_TOKEN>";

export function demoBanner(options: DemoBannerOptions): string {
  const mcpUrl = connectableUrl(options.url);
  const auth = options.tokenRequired ? { Authorization: TOKEN_IN_FILES } : undefined;
  const withHeaders = auth ? { headers: auth } : {};
  const serverEntry = { type: "http", url: mcpUrl, ...withHeaders };
  const remoteArgs = [
    "-y",
    "mcp-remote",
    mcpUrl,
    // mcp-remote's advice: the header's value in an environment variable, as some hosts split arguments at
    // spaces.
    ...(auth ? ["--header", "Authorization:${AUTH_HEADER}"] : []),
  ];
  const remoteEnv = auth ? { env: { AUTH_HEADER: TOKEN_IN_FILES } } : {};
  const claudeDesktop = { mcpServers: { xyte: { command: "npx", args: remoteArgs, ...remoteEnv } } };
  const vscode = { servers: { xyte: serverEntry } };
  const cursor = { mcpServers: { xyte: { url: mcpUrl, ...withHeaders } } };
  const call = exampleToolCall();
  const headers = {
    ...call.headers,
    ...(options.tokenRequired ? { authorization: "Bearer $MCP_HTTP_TOKEN" } : {}),
  };
  // The token header in double quotes, so that the shell expands $MCP_HTTP_TOKEN.
  const headerLines = Object.entries(headers).map(([name, value]) =>
    name === "authorization" ? `    -H "${name}: ${value}" \\` : `    -H '${name}: ${value}' \\`
  );
  return [
    "",
    "xyte-mcp demo: a simulated Xyte organization (250 devices, incidents, tickets) is being served.",
    "",
    `MCP endpoint (Streamable HTTP): ${mcpUrl}`,
    ...(mcpUrl === options.url ? [] : [
      `  (listening on every address: from other machines use this machine's name instead of ${
        new URL(mcpUrl).hostname
      })`,
    ]),
    ...(options.tokenRequired
      ? ["", "MCP_HTTP_TOKEN is set: clients send it as a bearer token (put its value where shown)."]
      : []),
    "",
    "Claude Code:",
    `  claude mcp add --transport http xyte ${mcpUrl}${
      options.tokenRequired ? ` --header "${TOKEN_IN_SHELL}"` : ""
    }`,
    "",
    "Claude Desktop (claude_desktop_config.json):",
    indent(JSON.stringify(claudeDesktop, null, 2)),
    "",
    "VS Code (.vscode/mcp.json):",
    indent(JSON.stringify(vscode, null, 2)),
    "",
    "Cursor (~/.cursor/mcp.json):",
    indent(JSON.stringify(cursor, null, 2)),
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

/** A URL clients can connect to: bound to every address, this machine is reached on loopback. */
export function connectableUrl(listening: string): string {
  const url = new URL(listening);
  if (url.hostname === "0.0.0.0") url.hostname = "127.0.0.1";
  else if (url.hostname === "[::]") url.hostname = "[::1]";
  return url.href;
}

function indent(text: string): string {
  return text.split("\n").map((line) => `  ${line}`).join("\n");
}
