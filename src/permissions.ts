/**
 * Start-up check of the network permission against the configuration. A scoped build (`deno task compile`,
 * the container image, the documented `deno run` lines) may only reach the hosts it was built for; pointing
 * it elsewhere should fail at start, naming the setting, rather than at the first tool call.
 */
import type { Config } from "./config.ts";

/** One address the configuration needs to reach or listen on, and the setting that names it. */
export interface NetNeed {
  /** `host:port`, as `--allow-net` lists it. */
  address: string;
  /** What a user changes to fix it: variables and flags. */
  setting: string;
  /** What the address is for. */
  purpose: string;
}

/** The addresses a configuration needs; the simulated hub of `--demo` runs in-process and needs none. */
export function netNeeds(config: Config): NetNeed[] {
  const needs: NetNeed[] = [];
  if (!config.demo) {
    needs.push({ address: urlAddress(config.xyte.hubUrl), setting: "XYTE_HUB_URL", purpose: "the Xyte hub" });
    needs.push({
      address: urlAddress(config.xyte.entryUrl),
      setting: "XYTE_ENTRY_URL",
      purpose: "the Xyte entry service",
    });
  }
  if (config.transport === "http") {
    needs.push({
      address: `${bracketed(config.host)}:${config.port}`,
      setting: "MCP_HOST/MCP_PORT (--host/--port)",
      purpose: "the HTTP listener",
    });
  }
  const oauth = config.transport === "http" ? config.http.oauth : undefined;
  if (oauth) {
    // A key set discovered through the issuer's metadata may live elsewhere: that shows at the first token.
    needs.push({
      address: urlAddress(oauth.issuer),
      setting: "MCP_OAUTH_ISSUER",
      purpose: "the OAuth authorization server",
    });
    if (oauth.jwksUrl) {
      needs.push({
        address: urlAddress(oauth.jwksUrl),
        setting: "MCP_OAUTH_JWKS_URL",
        purpose: "the OAuth signing keys",
      });
    }
    if (oauth.introspection) {
      needs.push({
        address: urlAddress(oauth.introspection.url),
        setting: "MCP_OAUTH_INTROSPECTION_URL",
        purpose: "the OAuth introspection endpoint",
      });
    }
  }
  // Only the HTTP service uses Redis: a REDIS_URL set for a shared environment does not stop a stdio server.
  const redis = config.transport === "http" ? config.redisUrl?.reveal() : undefined;
  if (redis) needs.push({ address: urlAddress(redis, 6379), setting: "REDIS_URL", purpose: "Redis" });
  return needs;
}

/**
 * The first need the process's `--allow-net` does not grant, as a message naming the setting; undefined when
 * all are granted. Never prompts.
 */
export function deniedNetNeed(
  needs: readonly NetNeed[],
  granted: (address: string) => boolean = isNetGranted,
): string | undefined {
  const denied = needs.find((need) => !granted(need.address));
  if (!denied) return undefined;
  return `${denied.setting}: this server's --allow-net does not include ${denied.address} (${denied.purpose}); ` +
    "use an address it allows, or widen the permission (deno run --allow-net=…, or rebuild with " +
    "deno task compile --hub/--entry/--bind/--redis/--oauth, see docs/running.md)";
}

function isNetGranted(address: string): boolean {
  return Deno.permissions.querySync({ name: "net", host: address }).state === "granted";
}

/** `host:port` of a URL, with the scheme's default port; credentials and path are dropped. */
function urlAddress(url: string, defaultPort?: number): string {
  const parsed = new URL(url);
  const port = parsed.port ||
    String(defaultPort ?? (parsed.protocol === "https:" ? 443 : parsed.protocol === "http:" ? 80 : 0));
  return `${parsed.hostname}:${port}`;
}

function bracketed(host: string): string {
  return host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
}
