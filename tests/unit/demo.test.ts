import assert from "node:assert/strict";
import { connectableUrl, demoBanner } from "../../src/demo.ts";

/** The JSON blocks of the banner (each host's configuration), parsed. */
function configs(banner: string): Record<string, unknown>[] {
  const blocks = banner.split("\n\n").map((block) => block.split("\n").slice(1).join("\n").trim());
  return blocks.filter((block) => block.startsWith("{")).map((block) => JSON.parse(block));
}

Deno.test("demo banner: with MCP_HTTP_TOKEN set, every configuration and the curl example send the token", () => {
  const banner = demoBanner({ url: "http://127.0.0.1:8080/mcp", tokenRequired: true });
  assert.match(
    banner,
    /claude mcp add --transport http xyte \S+ --header "Authorization: Bearer \$MCP_HTTP_TOKEN"/,
  );
  assert.match(banner, /-H "authorization: Bearer \$MCP_HTTP_TOKEN"/, "double quotes: the shell expands it");
  const [desktop, vscode, cursor] = configs(banner) as [
    { mcpServers: { xyte: { args: string[]; env: Record<string, string> } } },
    { servers: { xyte: { headers: Record<string, string> } } },
    { mcpServers: { xyte: { headers: Record<string, string> } } },
  ];
  assert.deepEqual(desktop.mcpServers.xyte.args.slice(-2), ["--header", "Authorization:${AUTH_HEADER}"]);
  assert.match(desktop.mcpServers.xyte.env.AUTH_HEADER!, /^Bearer <the value of MCP_HTTP_TOKEN>$/);
  assert.match(vscode.servers.xyte.headers.Authorization!, /^Bearer </);
  assert.match(cursor.mcpServers.xyte.headers.Authorization!, /^Bearer </);
});

Deno.test("demo banner: without a token no configuration carries a header", () => {
  const banner = demoBanner({ url: "http://127.0.0.1:8080/mcp", tokenRequired: false });
  assert.doesNotMatch(banner, /authorization|MCP_HTTP_TOKEN|headers/i);
  assert.equal(configs(banner).length, 3);
});

Deno.test("demo banner: a server bound to every address is shown at a loopback URL clients can open", () => {
  assert.equal(connectableUrl("http://0.0.0.0:8080/mcp"), "http://127.0.0.1:8080/mcp");
  assert.equal(connectableUrl("http://[::]:8080/mcp"), "http://[::1]:8080/mcp");
  assert.equal(connectableUrl("http://10.0.0.5:8080/mcp"), "http://10.0.0.5:8080/mcp");
  const banner = demoBanner({ url: "http://0.0.0.0:8080/mcp", tokenRequired: false });
  assert.doesNotMatch(banner, /0\.0\.0\.0/);
  assert.match(banner, /from other machines use this machine's name/);
});
