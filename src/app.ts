/**
 * Wires a validated `Config` into running parts: the upstream (real Xyte, or the simulated hub in demo
 * mode), the process-wide Xyte client, and the server factory the transports use.
 */
import type { McpServer } from "@modelcontextprotocol/server";
import type { Config } from "./config.ts";
import { buildServer, type ServeContext, type ServerDeps } from "./mcp/server.ts";
import { log } from "./observability/log.ts";
import { exposedTools } from "./registry.ts";
import { DEFAULT_TOOLSETS, type Toolset } from "./toolsets.ts";
import { Secret } from "./secret.ts";
import { PROGRAM_NAME, VERSION } from "./version.ts";
import { XyteClient } from "./xyte/client.ts";

export interface App {
  deps: ServerDeps;
  /** A fresh MCP server over the shared client (one per connection, session or request). */
  buildServer(serve: ServeContext): McpServer;
  /** Set in demo mode: the simulated hub the client talks to. */
  demoHubUrl?: string;
  close(): Promise<void>;
}

export async function createApp(config: Config): Promise<App> {
  let { hubUrl, entryUrl, orgApiKey, partnerApiKey } = config.xyte;
  let closeUpstream = () => Promise.resolve();
  let demoHubUrl: string | undefined;
  if (config.demo) {
    // Loaded only in demo mode: production never pays for the simulator.
    const sim = await import("./simulator/mod.ts");
    const hub = await sim.startSimulator();
    hubUrl = entryUrl = demoHubUrl = hub.url;
    orgApiKey = new Secret(sim.DEMO_ORG_KEY);
    partnerApiKey = new Secret(sim.DEMO_PARTNER_KEY);
    closeUpstream = () => hub.close();
    log("main").info("demo mode: serving the simulated Xyte organization", { hubUrl: hub.url });
  }
  const xyte = new XyteClient({
    hubUrl,
    entryUrl,
    organizationKey: orgApiKey,
    partnerKey: partnerApiKey,
    timeoutMs: config.xyte.timeoutMs,
    userAgent: `${PROGRAM_NAME}/${VERSION}`,
  });
  const toolsets = resolveToolsets(config.toolsets, { organization: !!orgApiKey, partner: !!partnerApiKey });
  const deps: ServerDeps = {
    xyte,
    tools: await exposedTools({ readOnly: config.readOnly, toolsets }),
    readOnly: config.readOnly,
  };
  log("main").info("tools exposed", { toolsets: toolsets.join(","), tools: deps.tools.length });
  return {
    deps,
    buildServer: (serve) => buildServer(deps, serve),
    ...(demoHubUrl ? { demoHubUrl } : {}),
    close: closeUpstream,
  };
}

/**
 * The toolsets to expose. An explicit list is taken as is; the default is the everyday set for an
 * organization key, plus `partner` when a partner key is set (partner and catalog alone for a partner key).
 */
export function resolveToolsets(
  requested: readonly Toolset[] | "default",
  keys: { organization: boolean; partner: boolean },
): readonly Toolset[] {
  if (requested !== "default") return requested;
  if (!keys.organization && keys.partner) return ["partner", "catalog"];
  return keys.partner ? [...DEFAULT_TOOLSETS, "partner"] : DEFAULT_TOOLSETS;
}
