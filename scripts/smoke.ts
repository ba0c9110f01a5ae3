/**
 * Smoke run of a built server: `--version`, then an MCP `initialize` and a tool call over stdio, then the
 * HTTP transport (`/healthz`, `/readyz`, a tool call over Streamable HTTP, clean stop).
 *
 * Usage: deno run -A scripts/smoke.ts <command> [args…]
 *   e.g. deno run -A scripts/smoke.ts dist/xyte-mcp-x86_64-unknown-linux-gnu
 * Without further settings it serves the simulated organization (`--demo`, no network needed) and listens
 * on 127.0.0.1:8080, the address a default build may bind. The release workflow runs it on each platform's
 * own runner; tests/e2e/compiled.test.ts runs `smoke()` against the simulated hub on loopback.
 */
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { StdioClientTransport } from "@modelcontextprotocol/client/stdio";
import { VERSION } from "../src/version.ts";

export interface SmokeOptions {
  /** The program and the arguments before the server's own flags (e.g. `deno run … src/main.ts`). */
  command: readonly string[];
  /** The server's whole environment (nothing else is inherited). */
  env: Record<string, string>;
  /** Server flags for both runs, e.g. `["--demo"]`. */
  args?: readonly string[];
  /** Port the HTTP run listens on (must be allowed by the build's --allow-net). */
  port: number;
  /** The tool to call in each run. */
  tool?: { name: string; arguments: Record<string, unknown> };
  /** Progress lines. */
  log?: (line: string) => void;
}

const DEFAULT_TOOL = { name: "list_devices", arguments: { per_page: 3 } };

/** Runs every check; throws with the server's stderr on the first failure. */
export async function smoke(options: SmokeOptions): Promise<void> {
  const log = options.log ?? (() => {});
  const [program, ...prefix] = options.command;
  if (!program) throw new Error("smoke: no command");
  const args = options.args ?? [];
  const tool = options.tool ?? DEFAULT_TOOL;

  const version = await new Deno.Command(program, {
    args: [...prefix, "--version"],
    env: options.env,
    clearEnv: true,
    stdin: "null",
  }).output();
  const printed = new TextDecoder().decode(version.stdout).trim();
  if (!version.success || printed !== `xyte-mcp ${VERSION}`) {
    throw new Error(
      `--version printed ${JSON.stringify(printed)} (exit ${version.code}), expected xyte-mcp ${VERSION}:\n` +
        new TextDecoder().decode(version.stderr),
    );
  }
  log(`ok: --version → ${printed}`);

  // stdio: initialize, tools/list, one call.
  let stdioErr = "";
  const transport = new StdioClientTransport({
    command: program,
    args: [...prefix, ...args],
    env: options.env,
    stderr: "pipe",
  });
  transport.stderr?.on("data", (chunk: Uint8Array | string) => {
    stdioErr += typeof chunk === "string" ? chunk : new TextDecoder().decode(chunk);
  });
  const client = new Client({ name: "xyte-mcp-smoke", version: VERSION });
  try {
    await client.connect(transport);
    const server = client.getServerVersion();
    if (server?.name !== "xyte-mcp") throw new Error(`initialize answered ${JSON.stringify(server)}`);
    const { tools } = await client.listTools();
    if (!tools.some((t) => t.name === tool.name)) throw new Error(`tools/list lacks ${tool.name}`);
    const result = await client.callTool(tool);
    if (result.isError) throw new Error(`${tool.name} failed: ${JSON.stringify(result.structuredContent)}`);
    log(`ok: stdio initialize (${server.name} ${server.version}), ${tools.length} tools, ${tool.name}`);
  } catch (error) {
    throw new Error(`stdio: ${error instanceof Error ? error.message : error}\n${stdioErr}`);
  } finally {
    await client.close();
  }

  // HTTP: probes, one call over Streamable HTTP, clean stop.
  const child = new Deno.Command(program, {
    args: [...prefix, ...args, "--transport", "http", "--port", String(options.port)],
    env: options.env,
    clearEnv: true,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let httpErr = "";
  const { promise: listening, resolve, reject } = Promise.withResolvers<string>();
  const timer = setTimeout(() => reject(new Error("no 'serving MCP over HTTP' line within 30 s")), 30_000);
  const drained = (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of child.stderr) {
      httpErr += decoder.decode(chunk, { stream: true });
      const line = httpErr.split("\n").find((l) => l.includes("serving MCP over HTTP"));
      if (line) resolve(JSON.parse(line).url);
    }
    reject(new Error("the server exited before listening"));
  })();
  let http: Client | undefined;
  try {
    const url = await listening;
    for (const path of ["/healthz", "/readyz"]) {
      const response = await fetch(new URL(path, url));
      const body = await response.text();
      if (response.status !== 200) throw new Error(`${path} answered ${response.status}: ${body}`);
    }
    http = new Client({ name: "xyte-mcp-smoke", version: VERSION });
    await http.connect(new StreamableHTTPClientTransport(new URL(url)));
    const result = await http.callTool(tool);
    if (result.isError) throw new Error(`${tool.name} failed: ${JSON.stringify(result.structuredContent)}`);
    log(`ok: HTTP ${url}: /healthz, /readyz, ${tool.name}`);
  } catch (error) {
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
    await drained.catch(() => {});
    throw new Error(`http: ${error instanceof Error ? error.message : error}\n${httpErr}`);
  } finally {
    clearTimeout(timer);
    await http?.close();
  }
  child.kill("SIGTERM");
  const status = await child.status;
  await drained.catch(() => {});
  // Windows has no SIGTERM handler: the process is terminated rather than drained.
  if (Deno.build.os !== "windows" && !status.success) {
    throw new Error(`http: exit ${status.code} after SIGTERM\n${httpErr}`);
  }
  log(`ok: HTTP stop (exit ${status.code})`);
}

if (import.meta.main) {
  if (Deno.args.length === 0) {
    // deno-lint-ignore no-console
    console.error("usage: deno run -A scripts/smoke.ts <command> [args…]");
    Deno.exit(2);
  }
  const env: Record<string, string> = { NO_COLOR: "1", LOG_LEVEL: "info" };
  for (const name of ["PATH", "HOME", "SYSTEMROOT", "TEMP", "TMP", "USERPROFILE", "DENO_DIR"]) {
    const value = Deno.env.get(name);
    if (value) env[name] = value;
  }
  try {
    await smoke({
      command: Deno.args,
      env,
      args: ["--demo"],
      port: 8080,
      tool: { name: "fleet_summary", arguments: {} },
      // deno-lint-ignore no-console
      log: (line) => console.log(line),
    });
  } catch (error) {
    // deno-lint-ignore no-console
    console.error(`smoke failed: ${error instanceof Error ? error.message : error}`);
    Deno.exit(1);
  }
}
