/**
 * End-to-end harness: runs the real entry point (`src/main.ts`, with the same permissions as
 * `deno task start`) as a child process against the simulated hub, and connects SDK clients to it.
 */
import { until } from "../helpers/until.ts";
import { Client } from "@modelcontextprotocol/client";
import { StdioClientTransport } from "@modelcontextprotocol/client/stdio";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { AjvJsonSchemaValidator } from "@modelcontextprotocol/server/validators/ajv";
import { type SimulatorServer, startSimulator } from "../../src/simulator/mod.ts";

export const MAIN = new URL("../../src/main.ts", import.meta.url).pathname;
/** Exactly the permissions and V8 flags of `deno task start`. */
export const RUN_ARGS = [
  "run",
  "--allow-net",
  "--allow-env",
  "--allow-read",
  "--v8-flags=--max-semi-space-size=2",
  MAIN,
];

export const ORG_KEY = "e2e-org-key-5f1c2a";
export const PARTNER_KEY = "e2e-partner-key-9b7d3e";

export function startHub(): Promise<SimulatorServer> {
  return startSimulator({ organizations: [{ key: ORG_KEY }], partnerKey: PARTNER_KEY });
}

/** Environment for a server talking to `hub`; nothing is inherited but PATH/HOME and Deno's cache. */
export function serverEnv(
  hub: { url: string } | undefined,
  extra: Record<string, string> = {},
): Record<string, string> {
  // No response cache by default: tests observe upstream effects (faults, writes) call by call. Tests of the
  // cache set XYTE_CACHE_TTL_S themselves.
  const env: Record<string, string> = {
    DENO_NO_UPDATE_CHECK: "1",
    LOG_LEVEL: "debug",
    NO_COLOR: "1",
    XYTE_CACHE_TTL_S: "0",
  };
  for (const name of ["PATH", "HOME", "DENO_DIR"]) {
    const value = Deno.env.get(name);
    if (value) env[name] = value;
  }
  if (hub) {
    Object.assign(env, {
      XYTE_ORG_API_KEY: ORG_KEY,
      XYTE_PARTNER_API_KEY: PARTNER_KEY,
      XYTE_HUB_URL: hub.url,
      XYTE_ENTRY_URL: hub.url,
    });
  }
  return { ...env, ...extra };
}

export interface StdioSession {
  client: Client;
  stderr(): string;
  close(): Promise<void>;
}

/** Spawns the server over stdio and connects a v2 SDK client (2025-era handshake unless `modern`). */
export async function connectStdio(
  env: Record<string, string>,
  args: string[] = [],
  options: ClientOptions = {},
): Promise<StdioSession> {
  const transport = new StdioClientTransport({
    command: Deno.execPath(),
    args: [...RUN_ARGS, ...args],
    env,
    stderr: "pipe",
  });
  let stderr = "";
  transport.stderr?.on("data", (chunk: Uint8Array | string) => {
    stderr += typeof chunk === "string" ? chunk : new TextDecoder().decode(chunk);
  });
  const client = newClient(options);
  await client.connect(transport);
  return { client, stderr: () => stderr, close: () => client.close() };
}

export interface ClientOptions {
  /** Negotiate the 2026-07-28 revision (otherwise a 2025-era `initialize` handshake). */
  modern?: boolean;
  /** Declare form elicitation and answer every request with this. */
  onElicit?: (
    params: { message?: string },
  ) => Promise<
    {
      action: "accept" | "decline" | "cancel";
      content?: Record<string, string | number | boolean | string[]>;
    }
  >;
}

function newClient(options: ClientOptions = {}): Client {
  const client = new Client(
    { name: "xyte-mcp-e2e", version: "1.0.0" },
    {
      ...(options.modern ? { versionNegotiation: { mode: "auto" as const } } : {}),
      ...(options.onElicit ? { capabilities: { elicitation: { form: {} } } } : {}),
    },
  );
  const onElicit = options.onElicit;
  if (onElicit) {
    client.setRequestHandler(
      "elicitation/create",
      (request) => onElicit(request.params as { message?: string }),
    );
  }
  return client;
}

export interface HttpServerProcess {
  url: string;
  child: Deno.ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Sends `signal` and waits for the exit status. */
  stop(signal?: Deno.Signal): Promise<Deno.CommandStatus>;
}

/** The server as a stdio process (`RUN_ARGS`, exactly `env`), its stdin, stdout and stderr piped. */
export function spawnStdioServer(env: Record<string, string>, args: string[] = []): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: [...RUN_ARGS, ...args],
    env,
    clearEnv: true,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

/** Spawns the server with `--transport http --port 0` and waits for its "serving MCP over HTTP" log line. */
export function startHttpServer(
  env: Record<string, string>,
  args: string[] = [],
): Promise<HttpServerProcess> {
  return spawnHttpServer([...RUN_ARGS, "--transport", "http", "--port", "0", ...args], env);
}

/**
 * Runs `deno <args>` (a server command line that serves HTTP) with exactly `env`, and waits for its
 * "serving MCP over HTTP" log line; kills the process when it does not get there within 20 s.
 */
export async function spawnHttpServer(
  args: string[],
  env: Record<string, string>,
): Promise<HttpServerProcess> {
  const child = new Deno.Command(Deno.execPath(), {
    args,
    env,
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let stderr = "";
  const { promise: url, resolve, reject } = Promise.withResolvers<string>();
  const timer = setTimeout(() => reject(new Error(`server did not start:\n${stderr}`)), 20_000);
  (async () => {
    const decoder = new TextDecoder();
    let listening = false;
    for await (const chunk of child.stderr) {
      stderr += decoder.decode(chunk, { stream: true });
      // Scan only until the listening line: a busy server logs a line per call, and re-splitting the
      // whole log on every chunk would cost this process time quadratic in the log's length.
      if (listening) continue;
      const line = stderr.split("\n").find((l) => l.includes("serving MCP over HTTP"));
      if (line) {
        listening = true;
        resolve(JSON.parse(line).url);
      }
    }
    reject(new Error(`server exited before listening:\n${stderr}`));
  })();
  let stdout = "";
  const stdoutDone = child.stdout.pipeThrough(new TextDecoderStream()).pipeTo(
    new WritableStream({ write: (chunk) => void (stdout += chunk) }),
  );
  const stop = async (signal: Deno.Signal = "SIGTERM") => {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
    const status = await child.status;
    await stdoutDone.catch(() => {});
    return status;
  };
  try {
    return { url: await url, child, stdout: () => stdout, stderr: () => stderr, stop };
  } catch (error) {
    await stop("SIGKILL");
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/** Headers of a JSON-RPC POST to /mcp that accepts either a JSON or an SSE answer. */
export const JSON_RPC_HEADERS: Readonly<Record<string, string>> = {
  "content-type": "application/json",
  "accept": "application/json, text/event-stream",
};

/**
 * Opens a 2025-era session with plain fetch (`initialize`, then `notifications/initialized`), for clients
 * that measure or fuzz the server without an SDK; returns the headers every later request sends.
 */
export async function openRawSession(
  url: string | URL,
  clientName: string,
  protocolVersion = "2025-06-18",
): Promise<Record<string, string>> {
  const init = await fetch(url, {
    method: "POST",
    headers: JSON_RPC_HEADERS,
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 0,
      method: "initialize",
      params: { protocolVersion, capabilities: {}, clientInfo: { name: clientName, version: "1" } },
    }),
  });
  await init.text();
  const id = init.headers.get("mcp-session-id");
  if (!init.ok || !id) throw new Error(`initialize: HTTP ${init.status}, no session id`);
  const headers = { ...JSON_RPC_HEADERS, "mcp-session-id": id, "mcp-protocol-version": protocolVersion };
  await (await fetch(url, {
    method: "POST",
    headers,
    body: JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }),
  })).text();
  return headers;
}

/** Connects a v2 SDK client over Streamable HTTP (2025-era with sessions unless `modern`). */
export async function connectHttp(url: string, options: ClientOptions = {}): Promise<Client> {
  const client = newClient(options);
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return client;
}

const validator = new AjvJsonSchemaValidator();

/** Validates a tool's `structuredContent` against the `outputSchema` the server published for it. */
export function assertMatchesOutputSchema(schema: unknown, value: unknown, label: string): void {
  const result = validator.getValidator(schema as Parameters<typeof validator.getValidator>[0])(value);
  if (!result.valid) {
    throw new Error(`${label}: structuredContent does not match outputSchema: ${result.errorMessage}`);
  }
}

/**
 * A simulator holding two organizations (keys `keyA`, `keyB`) and a multi-tenant HTTP server over it (no
 * Xyte key of its own: each client sends one), with `env` added to the server's environment.
 */
export async function startTwoTenants(
  env: Record<string, string> = {},
  args: string[] = [],
): Promise<{ hub: SimulatorServer; server: HttpServerProcess; keyA: string; keyB: string }> {
  const keyA = "two-tenants-a-key-1111";
  const keyB = "two-tenants-b-key-2222";
  const hub = await startSimulator({
    organizations: [{ key: keyA, seed: 1, name: "Alpha Corp" }, { key: keyB, seed: 2, name: "Beta Ltd" }],
  });
  const server = await startHttpServer(
    serverEnv(undefined, { XYTE_HUB_URL: hub.url, XYTE_ENTRY_URL: hub.url, ...env }),
    args,
  );
  return { hub, server, keyA, keyB };
}

/**
 * Polls `condition` until it holds; fails naming `what` (and what `state` tells of how far it got) after
 * `timeoutMs` (helpers/until.ts, with the e2e tests' 5 s default).
 */
/**
 * Open 2025-era sessions (Streamable HTTP and legacy SSE) of the server at `url`, as its /metrics reports them
 * (`/healthz` answers the status alone). `headers`: the bearer token, where one is configured.
 */
export async function openSessions(url: string, headers: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(new URL("/metrics", url), { headers })).text();
  let open = 0;
  for (const transport of ["streamable_http", "sse"]) {
    const series = new RegExp(`^xyte_mcp_sessions_active\\{transport="${transport}"\\} (\\d+)$`, "m").exec(
      text,
    );
    open += Number(series?.[1] ?? 0);
  }
  return open;
}

export function waitFor(
  condition: () => boolean,
  what: string,
  timeoutMs = 5000,
  state?: () => string,
): Promise<void> {
  return until(condition, what, timeoutMs, state);
}
