/**
 * Every setting of the server, declared once: flag, variables, accepted values, default, description and the
 * zod schema that validates it. config.ts reads them (it alone reads flags and the environment); the help
 * text and the README's configuration table are written from the same table.
 */
import { z } from "zod";
import { isToolset, type Toolset, TOOLSET_NAMES } from "./toolsets.ts";
import { ENDPOINTS } from "./xyte/endpoints.ts";

export const LOG_LEVELS = ["trace", "debug", "info", "warning", "error", "fatal"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const TRANSPORTS = ["stdio", "http"] as const;
export type Transport = (typeof TRANSPORTS)[number];

/** Response cache for read calls: seconds per endpoint group, `default` for the rest; 0 = not cached. */
export type CacheTtls = Readonly<Record<string, number>>;

export type SettingId =
  | "transport"
  | "host"
  | "port"
  | "stateless"
  | "demo"
  | "readOnly"
  | "toolsets"
  | "logLevel"
  | "orgApiKey"
  | "partnerApiKey"
  | "hubUrl"
  | "entryUrl"
  | "timeoutMs"
  | "retryMax"
  | "maxConcurrency"
  | "breakerFailures"
  | "breakerCooldown"
  | "toolTimeoutMs"
  | "subscriptionPoll"
  | "httpTokens"
  | "allowUnauthenticated"
  | "publicUrl"
  | "oauthIssuer"
  | "oauthAudience"
  | "oauthJwksUrl"
  | "oauthScopes"
  | "oauthIntrospectionUrl"
  | "oauthClientId"
  | "oauthClientSecret"
  | "allowedHosts"
  | "allowedOrigins"
  | "corsOrigins"
  | "maxBodyBytes"
  | "sessionTtl"
  | "maxSessions"
  | "maxSessionsPerTenant"
  | "checkTenantKeys"
  | "sseReplay"
  | "rateLimitPerMinute"
  | "rateLimitBurst"
  | "shutdownGraceMs"
  | "cacheTtls"
  | "redisUrl"
  | "envFile";

export interface SettingSpec {
  id: SettingId;
  /** Long flag name without dashes. */
  flag?: string;
  /** Environment variable, then accepted aliases. */
  env?: readonly string[];
  /** Secret: never logged, also readable from `<VAR>_FILE`. */
  secret?: boolean;
  /** A flag that takes no value. */
  boolean?: boolean;
  /** What is accepted, for help and error messages. */
  accepted: string;
  default?: string;
  description: string;
  schema: z.ZodType;
}

const integer = (min: number, max: number) =>
  z.string().trim().regex(/^\d+$/).transform(Number).pipe(z.number().int().min(min).max(max));
const httpUrl = z.url({ protocol: /^https?$/ })
  // fetch refuses such URLs anyway, and the start-up log would show them.
  .refine(hasNoCredentials, { message: "a base URL cannot carry a user name or password (user:pass@)" })
  .transform((u) => u.replace(/\/+$/, ""));
const flag = z.stringbool();
/** An https URL, or http on a loopback host (a local authorization server, tests); never user:pass@. */
const secureUrl = z.url({ protocol: /^https?$/ }).refine((u) => {
  const url = URL.parse(u);
  return url !== null && isHttpsOrLoopback(url);
}, { message: "must be https (http only for localhost)" }).refine(hasNoCredentials, {
  message: "no user:pass@",
});
/** Items separated by `separator` (default: commas), trimmed, empty ones dropped. */
const listOf = (separator: RegExp = /,/) =>
  z.string().transform((v) => v.split(separator).map((item) => item.trim()).filter((item) => item !== ""));
const list = listOf();
/** A list whose every item must pass `valid`; the first that does not is named in the error. */
const checkedList = (valid: (item: string) => boolean, what: string) =>
  list.superRefine((items, ctx) => {
    const bad = items.find((item) => !valid(item));
    if (bad !== undefined) ctx.addIssue({ code: "custom", message: `${JSON.stringify(bad)} is not ${what}` });
  });
/** `host` or `host:port` as a Host header carries it (no scheme, path or wildcard). */
const HOST =
  /^(\[[0-9a-f:.]+\]|[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*)(:\d{1,5})?$/i;
/** An origin as browsers send it: scheme, host and optional port, nothing more (`*` is not one). */
function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return /^https?:$/.test(url.protocol) && url.origin === value.replace(/\/+$/, "").toLowerCase();
  } catch {
    return false;
  }
}
const hostList = checkedList((item) => HOST.test(item), "a host name (with an optional :port, no scheme)");
const originList = checkedList(isOrigin, "an origin such as https://app.example.com");

const cacheTtls = z.string().trim().transform((value, ctx): CacheTtls => {
  if (/^\d+$/.test(value)) return { default: Number(value) };
  const ttls: Record<string, number> = {};
  for (const part of value.split(",").map((p) => p.trim()).filter((p) => p !== "")) {
    const match = /^([a-z_.-]+)=(\d+)$/.exec(part);
    if (!match) {
      ctx.addIssue({ code: "custom", message: `cannot read ${JSON.stringify(part)}` });
      return z.NEVER;
    }
    ttls[match[1]!] = Number(match[2]);
  }
  // A misspelt group (`ticket=0`) would silently leave that group on the default.
  const unknown = Object.keys(ttls).filter((group) => group !== "default" && !CACHE_GROUPS.has(group));
  if (unknown.length > 0) {
    ctx.addIssue({
      code: "custom",
      message: `unknown endpoint group(s) ${
        unknown.map((g) => JSON.stringify(g)).join(", ")
      }; the groups are ` +
        `default, ${[...CACHE_GROUPS].sort().join(", ")}`,
    });
    return z.NEVER;
  }
  return ttls;
});
const CACHE_GROUPS: ReadonlySet<string> = new Set(ENDPOINTS.map((spec) => spec.group));
/** The toolsets asked for: the default selection, or a list that may include it (`default,spaces`). */
export type ToolsetSelection = readonly (Toolset | "default")[] | "default";

/**
 * `default`, `all`, or a list of toolsets, which may name `default` (the default selection, resolved with the
 * keys at start: see resolveToolsets) and `all` among them: `default,spaces` adds spaces to the default.
 */
const toolsetList = z.string().trim().toLowerCase().transform(
  (value, ctx): ToolsetSelection => {
    const names = value.split(",").map((n) => n.trim()).filter((n) => n !== "");
    const unknown = names.filter((n) => n !== "default" && n !== "all" && !isToolset(n));
    if (names.length === 0 || unknown.length > 0) {
      ctx.addIssue({ code: "custom", message: `unknown toolset(s): ${unknown.join(", ") || "(empty)"}` });
      return z.NEVER;
    }
    if (names.includes("all")) return TOOLSET_NAMES;
    if (names.length === 1 && names[0] === "default") return "default";
    return [...new Set(names)] as (Toolset | "default")[];
  },
);

export const SETTINGS: readonly SettingSpec[] = [
  {
    id: "transport",
    flag: "transport",
    env: ["MCP_TRANSPORT"],
    accepted: "stdio | http",
    default: "stdio",
    description: "How MCP clients connect: stdio (a local host spawns the server) or Streamable HTTP.",
    schema: z.enum(TRANSPORTS),
  },
  {
    id: "host",
    flag: "host",
    env: ["MCP_HOST"],
    accepted: "a hostname or IP address",
    default: "127.0.0.1",
    description: "Address the HTTP transport binds to.",
    schema: z.string().trim().regex(/^[A-Za-z0-9.:\-\[\]]+$/),
  },
  {
    id: "port",
    flag: "port",
    env: ["MCP_PORT"],
    accepted: "an integer from 0 to 65535 (0 picks a free port)",
    default: "8080",
    description: "Port the HTTP transport listens on.",
    schema: integer(0, 65535),
  },
  {
    id: "stateless",
    flag: "stateless",
    env: ["MCP_STATELESS"],
    boolean: true,
    accepted: "true | false",
    default: "false",
    description:
      "HTTP without sessions (every request stands alone, no legacy SSE), for horizontally scaled deployments.",
    schema: flag,
  },
  {
    id: "demo",
    flag: "demo",
    env: ["XYTE_MCP_DEMO"],
    boolean: true,
    accepted: "true | false",
    default: "false",
    description: "Serve the built-in simulated Xyte organization; no API key needed.",
    schema: flag,
  },
  {
    id: "readOnly",
    flag: "read-only",
    env: ["XYTE_MCP_READ_ONLY"],
    boolean: true,
    accepted: "true | false",
    default: "false",
    description: "Expose no tool that changes anything in Xyte.",
    schema: flag,
  },
  {
    id: "toolsets",
    flag: "toolsets",
    env: ["XYTE_TOOLSETS"],
    accepted: `a comma-separated list of ${TOOLSET_NAMES.join(", ")}, all, default (e.g. default,spaces)`,
    default: "default",
    description:
      "Which groups of tools to expose (e.g. catalog alone for the smallest context). The default " +
      "exposes the everyday toolsets, plus partner when a partner key is set.",
    schema: toolsetList,
  },
  {
    id: "logLevel",
    flag: "log-level",
    env: ["LOG_LEVEL"],
    accepted: LOG_LEVELS.join(" | "),
    default: "info",
    description: "Minimum level of the JSON log lines written to stderr.",
    schema: z.string().trim().toLowerCase().transform((v) => (v === "warn" ? "warning" : v)).pipe(
      z.enum(LOG_LEVELS),
    ),
  },
  {
    id: "orgApiKey",
    env: ["XYTE_ORG_API_KEY", "XYTE_API_KEY"],
    secret: true,
    accepted: "an organization API key",
    description: "Organization API key (Xyte: Settings → API keys). Required unless --demo or a partner key.",
    schema: z.string().trim().min(1),
  },
  {
    id: "partnerApiKey",
    env: ["XYTE_PARTNER_API_KEY"],
    secret: true,
    accepted: "a partner API key",
    description: "Partner API key, for the partner endpoints (devices and tickets across customers).",
    schema: z.string().trim().min(1),
  },
  {
    id: "hubUrl",
    env: ["XYTE_HUB_URL"],
    accepted: "an http(s) URL",
    default: "https://hub.xyte.io",
    description: "Base URL of the Xyte hub (organization, partner and device APIs).",
    schema: httpUrl,
  },
  {
    id: "entryUrl",
    env: ["XYTE_ENTRY_URL"],
    accepted: "an http(s) URL",
    default: "https://entry.xyte.io",
    description: "Base URL of the Xyte entry service (device registration).",
    schema: httpUrl,
  },
  {
    id: "timeoutMs",
    env: ["XYTE_TIMEOUT_MS"],
    accepted: "an integer of milliseconds from 100 to 600000",
    default: "15000",
    description: "Deadline of one upstream request to Xyte.",
    schema: integer(100, 600_000),
  },
  {
    id: "retryMax",
    env: ["XYTE_RETRY_MAX"],
    accepted: "an integer from 0 to 10",
    // Five retries: at a 10% transient fault rate a read then fails once in a million requests, where three
    // retries lose about one read in every 1,600-read load run (bench/load.ts).
    default: "5",
    description: "Retries of an idempotent Xyte request (GET, PUT, DELETE) after 5xx, 429, timeouts or no " +
      "answer, with exponential backoff and jitter or the server's Retry-After. POST and PATCH are never retried.",
    schema: integer(0, 10),
  },
  {
    id: "maxConcurrency",
    env: ["XYTE_MAX_CONCURRENCY"],
    accepted: "an integer from 1 to 256",
    default: "8",
    description: "Requests one tenant may have in flight to Xyte at once; more wait their turn.",
    schema: integer(1, 256),
  },
  {
    id: "breakerFailures",
    env: ["XYTE_BREAKER_FAILURES"],
    accepted: "an integer from 1 to 1000",
    default: "10",
    description:
      "Consecutive failures of a Xyte host (no answer, timeout, 502/503/504) that open its circuit " +
      "breaker. A tool call counts with its most-tried request: retries count, the requests it sends at " +
      "once (fleet_summary's lists, the pages of all: true) do not add up, so with the defaults one call " +
      "that exhausts its retries alone does not open it.",
    schema: integer(1, 1000),
  },
  {
    id: "breakerCooldown",
    env: ["XYTE_BREAKER_COOLDOWN_S"],
    accepted: "an integer of seconds from 1 to 3600",
    default: "10",
    description: "How long an open circuit fails fast before one trial request checks the host again.",
    schema: integer(1, 3600),
  },
  {
    id: "toolTimeoutMs",
    env: ["MCP_TOOL_TIMEOUT_MS"],
    accepted: "an integer of milliseconds from 100 to 3600000",
    default: "60000",
    description: "Deadline of one tool call, retries and pages included; then it fails with code timeout.",
    schema: integer(100, 3_600_000),
  },
  {
    id: "subscriptionPoll",
    env: ["MCP_SUBSCRIPTION_POLL_S"],
    accepted: "an integer of seconds from 0 to 3600",
    default: "30",
    description:
      "How often a resource a client subscribed to is read again to see whether it changed (it is also read " +
      "right after the tenant's own writes that name it); 0 reads it only after those writes.",
    schema: integer(0, 3600),
  },
  {
    id: "httpTokens",
    env: ["MCP_HTTP_TOKEN"],
    secret: true,
    accepted: "one or more tokens of at least 16 characters, comma-separated (or one per line in the file)",
    description: "Bearer tokens HTTP clients must send (Authorization: Bearer …). Required to listen on a " +
      "non-loopback address unless --allow-unauthenticated.",
    // Custom issues: the error names what is wrong (never the token itself).
    schema: listOf(/[,\r\n]/).superRefine((tokens, ctx) => {
      if (tokens.length === 0) ctx.addIssue({ code: "custom", message: "no token given" });
      else if (tokens.some((token) => token.length < 16)) {
        ctx.addIssue({ code: "custom", message: "each token must be at least 16 characters" });
      } else if (tokens.some((token) => /\s/.test(token))) {
        ctx.addIssue({ code: "custom", message: "a token cannot contain spaces or tabs" });
      }
    }),
  },
  {
    id: "allowUnauthenticated",
    flag: "allow-unauthenticated",
    env: ["MCP_ALLOW_UNAUTHENTICATED"],
    boolean: true,
    accepted: "true | false",
    default: "false",
    description:
      "Allow HTTP on a non-loopback address without MCP_HTTP_TOKEN (e.g. behind an authenticating proxy).",
    schema: flag,
  },
  {
    id: "publicUrl",
    env: ["MCP_PUBLIC_URL"],
    accepted: "the URL clients connect to, e.g. https://mcp.example.com/mcp",
    description: "This server's public /mcp URL, as clients reach it (through any proxy). Required with " +
      "MCP_OAUTH_ISSUER: it is the resource clients ask tokens for, and where the OAuth metadata says it is.",
    schema: secureUrl.refine((u) => {
      const url = URL.parse(u);
      return url !== null && url.search === "" && url.hash === "";
    }, { message: "no query or fragment" }),
  },
  {
    id: "oauthIssuer",
    env: ["MCP_OAUTH_ISSUER"],
    accepted: "the issuer URL of an OAuth 2.1 / OpenID Connect authorization server (https)",
    description:
      "Accept access tokens (JWTs) of this authorization server as Authorization: Bearer, checked " +
      "for signature, issuer, audience, expiry and MCP_OAUTH_SCOPES; clients find it through " +
      "/.well-known/oauth-protected-resource. MCP_HTTP_TOKEN values stay valid next to it.",
    schema: secureUrl,
  },
  {
    id: "oauthAudience",
    env: ["MCP_OAUTH_AUDIENCE"],
    accepted: "the aud value the authorization server puts in tokens for this server",
    description: "Audience access tokens must carry. Default: MCP_PUBLIC_URL (what MCP clients ask for, " +
      "RFC 8707); set it when the authorization server uses its own identifier (e.g. api://xyte-mcp).",
    schema: z.string().trim().min(1),
  },
  {
    id: "oauthJwksUrl",
    env: ["MCP_OAUTH_JWKS_URL"],
    accepted: "an https URL of a JSON Web Key Set",
    description: "Where the authorization server publishes its signing keys. Default: the jwks_uri of its " +
      "metadata (RFC 8414, else OpenID Connect discovery).",
    schema: secureUrl,
  },
  {
    id: "oauthScopes",
    env: ["MCP_OAUTH_SCOPES"],
    accepted: "scope names, comma- or space-separated (e.g. xyte-mcp)",
    description:
      "Scopes every access token must have (403 insufficient_scope otherwise); clients ask for them.",
    schema: listOf(/[,\s]/),
  },
  {
    id: "oauthIntrospectionUrl",
    env: ["MCP_OAUTH_INTROSPECTION_URL"],
    accepted: "an https URL: the authorization server's introspection_endpoint",
    description: "Accept opaque (non-JWT) access tokens too, checked by asking the authorization server " +
      "(RFC 7662 token introspection) as the client MCP_OAUTH_CLIENT_ID. Default: only JWTs are accepted.",
    schema: secureUrl,
  },
  {
    id: "oauthClientId",
    env: ["MCP_OAUTH_CLIENT_ID"],
    accepted: "a client id registered at the authorization server",
    description: "The client this server introspects tokens as (with MCP_OAUTH_INTROSPECTION_URL).",
    schema: z.string().trim().min(1),
  },
  {
    id: "oauthClientSecret",
    env: ["MCP_OAUTH_CLIENT_SECRET"],
    secret: true,
    accepted: "that client's secret",
    description: "The secret of MCP_OAUTH_CLIENT_ID (sent as HTTP Basic to the introspection endpoint only).",
    schema: z.string().trim().min(1),
  },
  {
    id: "allowedHosts",
    env: ["MCP_ALLOWED_HOSTS"],
    accepted: "host names, comma-separated (e.g. mcp.example.com; a :port is accepted but not compared)",
    description:
      "Host header values accepted (DNS-rebinding protection). Default: loopback names when bound " +
      "to loopback, any host otherwise.",
    schema: hostList,
  },
  {
    id: "allowedOrigins",
    env: ["MCP_ALLOWED_ORIGINS"],
    accepted: "origins, comma-separated (e.g. https://app.example.com)",
    description: "Origin header values accepted from browsers. Default: loopback origins when bound to " +
      "loopback, none otherwise (requests without Origin are not affected).",
    schema: originList,
  },
  {
    id: "corsOrigins",
    env: ["MCP_CORS_ORIGINS"],
    accepted: "origins, comma-separated (e.g. https://app.example.com; no *)",
    description: "Enable CORS for these origins (off by default); they are accepted as origins too.",
    schema: originList,
  },
  {
    id: "maxBodyBytes",
    env: ["MCP_MAX_BODY_BYTES"],
    accepted: "an integer from 1024 to 67108864",
    default: "1048576",
    description: "Largest HTTP request body accepted (413 above).",
    schema: integer(1024, 64 * 1024 * 1024),
  },
  {
    id: "sessionTtl",
    env: ["MCP_SESSION_TTL_S"],
    accepted: "an integer of seconds from 10 to 86400",
    default: "1800",
    description: "Idle time after which a 2025-era HTTP session is closed.",
    schema: integer(10, 86_400),
  },
  {
    id: "maxSessions",
    env: ["MCP_MAX_SESSIONS"],
    accepted: "an integer from 1 to 1000000",
    default: "10000",
    description: "Most concurrent HTTP sessions, Streamable HTTP and legacy SSE together, and 2026-07-28 " +
      "subscriptions/listen streams; new ones get 503 beyond it.",
    schema: integer(1, 1_000_000),
  },
  {
    id: "maxSessionsPerTenant",
    env: ["MCP_MAX_SESSIONS_PER_TENANT"],
    accepted: "an integer from 1 to 1000000",
    default: "1000",
    description: "Most of those one tenant may hold at once, so that one cannot lock out the others; " +
      "new ones get 429 beyond it. Multi-tenant mode: per Xyte key; single-tenant with several " +
      "MCP_HTTP_TOKEN values: per token; otherwise not applied.",
    schema: integer(1, 1_000_000),
  },
  {
    id: "checkTenantKeys",
    env: ["MCP_CHECK_TENANT_KEYS"],
    boolean: true,
    accepted: "true | false",
    default: "false",
    description:
      "Multi-tenant mode: serve a client only once Xyte accepts each key it sends (one cheap read " +
      "per new key; an accepted key is checked again in the background every 10 min, a refused one gets " +
      "401 for a minute, a new one 503 while Xyte does not answer). First checks of new keys share one " +
      "MCP_RATE_LIMIT_RPM bucket server-wide (429 beyond), so invented keys neither get a fresh allowance " +
      "each nor make the server call Xyte at will. Not applied with a configured key.",
    schema: flag,
  },
  {
    id: "sseReplay",
    env: ["MCP_SSE_REPLAY_S"],
    accepted: "an integer of seconds from 0 to 3600",
    default: "60",
    description:
      "How long a 2025-era HTTP session keeps the events it sent (at most 4 MiB a session, 256 MiB in all), " +
      "so a client whose stream dropped resumes with Last-Event-ID and still gets its result; 0 turns " +
      "resumption off.",
    schema: integer(0, 3600),
  },
  {
    id: "rateLimitPerMinute",
    env: ["MCP_RATE_LIMIT_RPM"],
    accepted: "an integer from 0 to 1000000 (0 = no limit)",
    default: "600",
    description: "Sustained MCP requests per minute per tenant (token bucket): per Xyte key in " +
      "multi-tenant mode (a request carrying two keys counts against both); a single-tenant server with " +
      "several MCP_HTTP_TOKEN values gives each token its own bucket.",
    schema: integer(0, 1_000_000),
  },
  {
    id: "rateLimitBurst",
    env: ["MCP_RATE_LIMIT_BURST"],
    accepted: "an integer from 1 to 100000",
    default: "60",
    description: "Requests a tenant may make at once before the per-minute rate applies.",
    schema: integer(1, 100_000),
  },
  {
    id: "shutdownGraceMs",
    env: ["MCP_SHUTDOWN_GRACE_MS"],
    accepted: "an integer of milliseconds from 0 to 600000",
    default: "10000",
    description:
      "On SIGTERM/SIGINT (over stdio also at the end of stdin), how long in-flight calls may finish before " +
      "the server closes.",
    schema: integer(0, 600_000),
  },
  {
    id: "cacheTtls",
    env: ["XYTE_CACHE_TTL_S"],
    accepted:
      "seconds for every group (e.g. 10), or group=seconds pairs (e.g. default=10,devices=30,tickets=0)",
    default: "10",
    description:
      "How long read calls are cached, per endpoint group (devices, tickets, spaces, …); 0 = off. " +
      "Writes invalidate the tenant's cache; a tool call with cache: false bypasses it.",
    schema: cacheTtls,
  },
  {
    id: "redisUrl",
    env: ["REDIS_URL"],
    secret: true,
    accepted: "a redis:// or rediss:// URL",
    description:
      "Redis for rate limits, the cache and write announcements shared across replicas; in memory when unset.",
    schema: z.string().trim().regex(/^rediss?:\/\//).refine(isRedisUrl, {
      // The value is a secret (it may hold a password), so the message says what is wrong, never what it is.
      message:
        "not a URL: percent-encode / # ? @ : in the password (e.g. / as %2F); the port is at most 65535",
    }),
  },
  {
    id: "envFile",
    flag: "env-file",
    accepted: "a path to a dotenv file",
    description: "Read variables from this file; variables already set in the environment win.",
    schema: z.string().min(1),
  },
];

/**
 * https (or http to a loopback host) and no user:pass@: the rule of the OAuth URLs (MCP_OAUTH_ISSUER,
 * MCP_OAUTH_JWKS_URL, …) and of a `jwks_uri` found in the issuer's metadata.
 */
export function isSecureUrl(value: string): boolean {
  const url = URL.parse(value);
  return url !== null && isHttpsOrLoopback(url) && url.username + url.password === "";
}

/**
 * Whether `value` is a Redis URL as written: it parses, and no `@` or `#` follows its host. A password with an
 * unencoded `/`, `?` or `#` ends the host early, leaving the rest, password and all, for a path, query or
 * fragment (where messages would show it) and an address that is not the Redis meant.
 */
function isRedisUrl(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const { pathname, search, hash } = new URL(value);
  return hash === "" && !`${pathname}${search}`.includes("@");
}

/** Whether a URL carries no user name or password (user:pass@); what is no URL is left to the URL check. */
function hasNoCredentials(value: string): boolean {
  const url = URL.parse(value);
  return url === null || url.username + url.password === "";
}

/** https, or http to a loopback host: where OAuth metadata, keys and this server's public URL may be. */
export function isHttpsOrLoopback(url: URL): boolean {
  return url.protocol === "https:" || (url.protocol === "http:" && isLoopbackAddress(url.hostname));
}

/** Whether a bind address only accepts connections from this machine. */
export function isLoopbackAddress(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, "");
  return bare === "localhost" || bare === "::1" || /^127\.\d+\.\d+\.\d+$/.test(bare);
}
