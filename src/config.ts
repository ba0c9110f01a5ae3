/**
 * The only reader of command-line flags and environment variables.
 *
 * Every setting is declared once in `SETTINGS` (settings.ts: flag, variables, accepted values, default,
 * description); the help text and the README's configuration table come from the same table. Values are
 * validated with zod and every error names the flag or variable it came from. Precedence: flag > environment >
 * `--env-file` > default. Secrets may also come from `NAME_FILE` (a path to a file holding the value).
 */
import { parseArgs } from "node:util";
import { Secret } from "./secret.ts";
import {
  type CacheTtls,
  isLoopbackAddress,
  type LogLevel,
  type SettingId,
  SETTINGS,
  type SettingSpec,
  type ToolsetSelection,
  type Transport,
} from "./settings.ts";
import { PROGRAM_NAME, VERSION } from "./version.ts";

export interface XyteSettings {
  orgApiKey: Secret | undefined;
  partnerApiKey: Secret | undefined;
  hubUrl: string;
  entryUrl: string;
  /** Deadline of one upstream request. */
  timeoutMs: number;
  /** Retries of an idempotent upstream request. */
  retryMax: number;
  /** Upstream requests one tenant may have in flight. */
  maxConcurrency: number;
  /** Consecutive host failures that open the circuit breaker, and how long it stays open. */
  breakerFailures: number;
  breakerCooldownSeconds: number;
  /** Deadline of one tool call, retries and pages included. */
  toolTimeoutMs: number;
}

/** Settings of the Streamable HTTP service. */
export interface HttpSettings {
  /** Bearer tokens clients must present (any of them); empty = no inbound auth. */
  tokens: readonly Secret[];
  /** OAuth: access tokens of this authorization server are accepted too (see transports/oauth.ts). */
  oauth: OAuthSettings | undefined;
  allowUnauthenticated: boolean;
  /** Host header names accepted; empty = loopback names when bound to loopback, anything otherwise. */
  allowedHosts: readonly string[];
  /** Origin header values accepted (browser clients); CORS origins are accepted too. */
  allowedOrigins: readonly string[];
  /** Origins CORS is enabled for; empty = CORS off. */
  corsOrigins: readonly string[];
  maxBodyBytes: number;
  sessionIdleTtlSeconds: number;
  maxSessions: number;
  /**
   * Most sessions and listen streams of one tenant (one token, on a single-tenant server with several);
   * enforced only where there can be more than one such holder.
   */
  maxSessionsPerTenant: number;
  /** Multi-tenant mode: refuse a client's Xyte key unless Xyte accepts it (see transports/key_check.ts). */
  checkTenantKeys: boolean;
  /** How long a session keeps its SSE events for clients resuming with Last-Event-ID; 0 = not resumable. */
  sseReplaySeconds: number;
  /** Token bucket per tenant: refill per minute and bucket size; 0 per minute = no limit. */
  rateLimitPerMinute: number;
  rateLimitBurst: number;
  shutdownGraceMs: number;
}

/** Where and as whom opaque access tokens are introspected (RFC 7662). */
export interface IntrospectionSettings {
  url: string;
  clientId: string;
  clientSecret: Secret;
}

/** The server as an OAuth resource server: whose access tokens it accepts, and for what. */
export interface OAuthSettings {
  /** The authorization server's issuer identifier, exactly as its tokens' `iss` claim holds it. */
  issuer: string;
  /** This server's public MCP endpoint URL: the resource clients ask tokens for (RFC 8707, RFC 9728). */
  resource: string;
  /** The `aud` value tokens must carry (the resource URL unless configured). */
  audience: string;
  /** Where the issuer publishes its keys; undefined = its metadata's `jwks_uri`. */
  jwksUrl: string | undefined;
  /** Opaque (non-JWT) tokens are checked at this introspection endpoint (RFC 7662); undefined = refused. */
  introspection: IntrospectionSettings | undefined;
  /** Scopes every token must have (all of them); advertised as `scopes_supported`. */
  requiredScopes: readonly string[];
}

export interface Config {
  transport: Transport;
  host: string;
  port: number;
  stateless: boolean;
  demo: boolean;
  readOnly: boolean;
  /** Toolsets to expose; "default" lets the server pick from the configured keys. */
  toolsets: ToolsetSelection;
  logLevel: LogLevel;
  xyte: XyteSettings;
  http: HttpSettings;
  cacheTtls: CacheTtls;
  /** Seconds between two reads of a resource a client subscribed to; 0 = only after the tenant's writes. */
  subscriptionPollSeconds: number;
  /** Shared state for rate limits and the cache across replicas (`redis://…`); undefined = in memory. */
  redisUrl: Secret | undefined;
}

/** What the command line asked for. */
export type CliRequest =
  | { kind: "help"; text: string }
  | { kind: "version"; text: string }
  | { kind: "run"; config: Config };

/** A configuration mistake: the message names the flag or variable; the process exits with code 2. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

/** Where settings are read from; `Deno.env` in production, a plain map in tests. */
export interface ConfigSources {
  env: { get(name: string): string | undefined };
  readTextFile(path: string): string;
}

export const DENO_SOURCES: ConfigSources = {
  env: { get: (name) => Deno.env.get(name) },
  readTextFile: (path) => Deno.readTextFileSync(path),
};

const EXTRA_FLAGS = {
  help: { type: "boolean", short: "h" },
  version: { type: "boolean", short: "V" },
} as const;

/** Display name of a flag, e.g. `--log-level`. */
const flagName = (spec: SettingSpec) => `--${spec.flag}`;

/** Parses the command line and environment into what to do; throws `ConfigError` on any mistake. */
export async function loadConfig(
  argv: readonly string[],
  sources: ConfigSources = DENO_SOURCES,
): Promise<CliRequest> {
  const flags = parseFlags(argv);
  if (flags.help === true) return { kind: "help", text: helpText() };
  if (flags.version === true) return { kind: "version", text: `${PROGRAM_NAME} ${VERSION}` };

  const envFileSpec = settingById("envFile");
  const envFilePath = typeof flags[envFileSpec.flag!] === "string"
    ? String(flags[envFileSpec.flag!])
    : undefined;
  const fileVars = envFilePath === undefined ? {} : await readEnvFile(envFilePath, sources);
  // One layer per source, in precedence order: the real environment, then the env file.
  const layers: VariableLayer[] = [
    { get: (name) => sources.env.get(name), origin: (name) => name },
    { get: (name) => fileVars[name], origin: (name) => `${name} (from ${envFilePath})` },
  ];

  const values = new Map<SettingId, unknown>();
  for (const spec of SETTINGS) {
    if (spec.id === "envFile") continue;
    const raw = rawValue(spec, flags, layers, sources);
    if (raw === undefined) {
      if (spec.default !== undefined) values.set(spec.id, spec.schema.parse(spec.default));
      continue;
    }
    const parsed = spec.schema.safeParse(raw.value);
    if (!parsed.success) {
      // A URL's user:pass@ is shown masked: whatever it holds is meant to be secret.
      const shown = spec.secret ? "" : ` ${JSON.stringify(raw.value.replace(/\/\/.*@/, "//***@"))}`;
      const reason = parsed.error.issues.find((i) => i.code === "custom")?.message;
      throw new ConfigError(
        `invalid value for ${raw.origin}${shown ? `:${shown}` : ""}${
          reason ? ` — ${reason}` : ""
        } (accepted: ${spec.accepted})`,
      );
    }
    values.set(spec.id, parsed.data);
  }

  const config: Config = {
    transport: values.get("transport") as Transport,
    host: values.get("host") as string,
    port: values.get("port") as number,
    stateless: values.get("stateless") as boolean,
    demo: values.get("demo") as boolean,
    readOnly: values.get("readOnly") as boolean,
    toolsets: values.get("toolsets") as ToolsetSelection,
    logLevel: values.get("logLevel") as LogLevel,
    xyte: {
      orgApiKey: secretOrUndefined(values.get("orgApiKey")),
      partnerApiKey: secretOrUndefined(values.get("partnerApiKey")),
      hubUrl: values.get("hubUrl") as string,
      entryUrl: values.get("entryUrl") as string,
      timeoutMs: values.get("timeoutMs") as number,
      retryMax: values.get("retryMax") as number,
      maxConcurrency: values.get("maxConcurrency") as number,
      breakerFailures: values.get("breakerFailures") as number,
      breakerCooldownSeconds: values.get("breakerCooldown") as number,
      toolTimeoutMs: values.get("toolTimeoutMs") as number,
    },
    http: {
      tokens: ((values.get("httpTokens") as string[] | undefined) ?? []).map((t) => new Secret(t)),
      oauth: oauthSettings(values),
      allowUnauthenticated: values.get("allowUnauthenticated") as boolean,
      allowedHosts: (values.get("allowedHosts") as string[] | undefined) ?? [],
      allowedOrigins: (values.get("allowedOrigins") as string[] | undefined) ?? [],
      corsOrigins: (values.get("corsOrigins") as string[] | undefined) ?? [],
      maxBodyBytes: values.get("maxBodyBytes") as number,
      sessionIdleTtlSeconds: values.get("sessionTtl") as number,
      maxSessions: values.get("maxSessions") as number,
      maxSessionsPerTenant: values.get("maxSessionsPerTenant") as number,
      checkTenantKeys: values.get("checkTenantKeys") as boolean,
      sseReplaySeconds: values.get("sseReplay") as number,
      rateLimitPerMinute: values.get("rateLimitPerMinute") as number,
      rateLimitBurst: values.get("rateLimitBurst") as number,
      shutdownGraceMs: values.get("shutdownGraceMs") as number,
    },
    cacheTtls: values.get("cacheTtls") as CacheTtls,
    subscriptionPollSeconds: values.get("subscriptionPoll") as number,
    redisUrl: secretOrUndefined(values.get("redisUrl")),
  };
  // Over HTTP, no server key means multi-tenant mode: every client brings its own key (X-Xyte-Api-Key).
  if (!config.demo && !config.xyte.orgApiKey && !config.xyte.partnerApiKey && config.transport === "stdio") {
    throw new ConfigError(
      "no Xyte API key: set XYTE_ORG_API_KEY (or XYTE_ORG_API_KEY_FILE; XYTE_PARTNER_API_KEY for partner " +
        "access), or pass --demo to try the built-in simulated organization",
    );
  }
  if (
    config.transport === "http" && !isLoopbackAddress(config.host) && config.http.tokens.length === 0 &&
    !config.http.oauth && !config.http.allowUnauthenticated
  ) {
    throw new ConfigError(
      `refusing to serve HTTP on ${config.host} without authentication: set MCP_HTTP_TOKEN (or ` +
        "MCP_HTTP_TOKEN_FILE) or MCP_OAUTH_ISSUER, or pass --allow-unauthenticated if a proxy in front " +
        "authenticates clients",
    );
  }
  return { kind: "run", config };
}

/**
 * The OAuth settings, when MCP_OAUTH_ISSUER is set. The other OAuth variables without it, or the issuer
 * without MCP_PUBLIC_URL, are mistakes that would otherwise leave the server open or unusable.
 */
function oauthSettings(values: ReadonlyMap<SettingId, unknown>): OAuthSettings | undefined {
  const issuer = values.get("oauthIssuer") as string | undefined;
  const resource = values.get("publicUrl") as string | undefined;
  if (issuer === undefined) {
    const stray = ([
      "publicUrl",
      "oauthAudience",
      "oauthJwksUrl",
      "oauthScopes",
      "oauthIntrospectionUrl",
      "oauthClientId",
      "oauthClientSecret",
    ] as const).find((id) => values.has(id));
    if (stray) {
      throw new ConfigError(
        `${settingById(stray).env![0]} is set but MCP_OAUTH_ISSUER is not: set the issuer too`,
      );
    }
    return undefined;
  }
  if (resource === undefined) {
    throw new ConfigError(
      "MCP_OAUTH_ISSUER needs MCP_PUBLIC_URL: the URL clients use for /mcp (e.g. https://mcp.example.com/mcp)",
    );
  }
  return {
    issuer,
    resource,
    audience: (values.get("oauthAudience") as string | undefined) ?? resource,
    jwksUrl: values.get("oauthJwksUrl") as string | undefined,
    introspection: introspectionSettings(values),
    requiredScopes: (values.get("oauthScopes") as string[] | undefined) ?? [],
  };
}

/** Introspection needs its endpoint and this server's client id and secret: all three, or none. */
function introspectionSettings(values: ReadonlyMap<SettingId, unknown>): IntrospectionSettings | undefined {
  const parts = ["oauthIntrospectionUrl", "oauthClientId", "oauthClientSecret"] as const;
  const missing = parts.filter((id) => !values.has(id));
  if (missing.length === parts.length) return undefined;
  if (missing.length > 0) {
    const name = (id: SettingId) => settingById(id).env![0];
    throw new ConfigError(
      `${parts.filter((id) => values.has(id)).map(name).join(" and ")} ${
        parts.length - missing.length > 1 ? "are" : "is"
      } set but ${missing.map(name).join(" and ")} ${missing.length > 1 ? "are" : "is"} not: opaque access ` +
        "tokens are introspected at MCP_OAUTH_INTROSPECTION_URL as the client MCP_OAUTH_CLIENT_ID with " +
        "MCP_OAUTH_CLIENT_SECRET; set all three, or none",
    );
  }
  return {
    url: values.get("oauthIntrospectionUrl") as string,
    clientId: values.get("oauthClientId") as string,
    clientSecret: new Secret(values.get("oauthClientSecret") as string),
  };
}

/** A summary of the effective configuration that is safe to log: secrets appear only as set / not set. */
export function configSummary(config: Config): Record<string, unknown> {
  return {
    transport: config.transport,
    ...(config.transport === "http"
      ? { host: config.host, port: config.port, stateless: config.stateless }
      : {}),
    ...(config.transport === "http" && config.http.oauth
      ? {
        oauthIssuer: config.http.oauth.issuer,
        oauthIntrospection: config.http.oauth.introspection !== undefined,
      }
      : {}),
    demo: config.demo,
    readOnly: config.readOnly,
    toolsets: config.toolsets === "default" ? "default" : config.toolsets.join(","),
    logLevel: config.logLevel,
    hubUrl: config.xyte.hubUrl,
    entryUrl: config.xyte.entryUrl,
    timeoutMs: config.xyte.timeoutMs,
    retryMax: config.xyte.retryMax,
    toolTimeoutMs: config.xyte.toolTimeoutMs,
    cacheTtls: Object.entries(config.cacheTtls).map(([group, seconds]) => `${group}=${seconds}`).join(","),
    organizationKeySet: config.xyte.orgApiKey !== undefined,
    partnerKeySet: config.xyte.partnerApiKey !== undefined,
  };
}

/** The `--help` text, generated from `SETTINGS`. */
export function helpText(): string {
  const lines = [
    `${PROGRAM_NAME} ${VERSION} — MCP server for the Xyte device-management platform`,
    "",
    `Usage: ${PROGRAM_NAME} [flags]`,
    "",
    "Flags:",
  ];
  for (const spec of SETTINGS.filter((s) => s.flag)) {
    const value = spec.boolean
      ? ""
      : ` <${spec.accepted.includes("|") ? spec.accepted.replace(/ /g, "") : "value"}>`;
    const dflt = spec.default !== undefined && !spec.boolean ? ` (default ${spec.default})` : "";
    lines.push(`  ${flagName(spec)}${value}`, `      ${spec.description}${dflt}`);
  }
  lines.push(
    "  --version, -V",
    "      Print the version and exit.",
    "  --help, -h",
    "      Print this help and exit.",
  );
  lines.push("", "Environment:");
  for (const spec of SETTINGS.filter((s) => s.env)) {
    const names = spec.env!.join(", ") + (spec.secret ? ` (or ${spec.env![0]}_FILE)` : "");
    const dflt = spec.default !== undefined ? ` (default ${spec.default})` : "";
    lines.push(`  ${names}`, `      ${spec.description}${dflt}`);
  }
  lines.push("", "Exit codes: 0 ok, 1 runtime failure, 2 invalid flags or configuration.");
  return lines.join("\n");
}

function settingById(id: SettingId): SettingSpec {
  return SETTINGS.find((s) => s.id === id)!;
}

type ParsedFlags = Record<string, string | boolean | undefined>;

function parseFlags(argv: readonly string[]): ParsedFlags {
  const args = argv[0] === "--" ? argv.slice(1) : [...argv];
  const options: Record<string, { type: "string" | "boolean"; short?: string }> = { ...EXTRA_FLAGS };
  for (const spec of SETTINGS) {
    if (spec.flag) options[spec.flag] = { type: spec.boolean ? "boolean" : "string" };
  }
  const accepted = Object.keys(options).map((f) => `--${f}`).join(", ");
  try {
    const { values } = parseArgs({ args, options, strict: true, allowPositionals: false });
    return values as ParsedFlags;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const code = (error as { code?: string }).code;
    const named = /'(-{1,2}[^' ]+)/.exec(message)?.[1];
    if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
      throw new ConfigError(`unknown flag ${named ?? message} (accepted: ${accepted})`);
    }
    if (code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL") {
      const arg = /'([^']*)'/.exec(message)?.[1] ?? message;
      throw new ConfigError(
        `unexpected argument ${JSON.stringify(arg)} (flags start with --; accepted: ${accepted})`,
      );
    }
    if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
      const spec = SETTINGS.find((s) => s.flag && named?.startsWith(`--${s.flag}`));
      const name = spec ? flagName(spec) : named ?? "";
      // `--port -1`: a value starting with "-" reads as a flag, unless attached with "=".
      const next = spec && !spec.boolean ? args[args.indexOf(name) + 1] : undefined;
      if (spec && next?.startsWith("-") && !/^--?[a-z]/i.test(next)) {
        throw new ConfigError(
          `flag ${name}: a value starting with "-" must be attached with "=": ${name}=${next} ` +
            `(accepted: ${spec.accepted})`,
        );
      }
      const what = spec
        ? (spec.boolean ? "takes no value" : `needs a value (accepted: ${spec.accepted})`)
        : message;
      throw new ConfigError(`flag ${name} ${what}`);
    }
    throw new ConfigError(message);
  }
}

interface VariableLayer {
  get(name: string): string | undefined;
  origin(name: string): string;
}

/**
 * The raw value of one setting: its flag, else the first layer (environment before env file) that sets any
 * of its variables — the primary name, an alias, or `<NAME>_FILE` for secrets.
 */
function rawValue(
  spec: SettingSpec,
  flags: ParsedFlags,
  layers: readonly VariableLayer[],
  sources: ConfigSources,
): { value: string; origin: string } | undefined {
  if (spec.flag && flags[spec.flag] !== undefined) {
    const v = flags[spec.flag];
    return { value: typeof v === "boolean" ? String(v) : v!, origin: flagName(spec) };
  }
  for (const layer of layers) {
    const read = (name: string) => {
      const value = layer.get(name);
      return value === undefined || value === "" ? undefined : value;
    };
    // Every variable of this setting set in this layer: a name, its aliases, their _FILE forms. Two of them
    // would leave it to this server to choose (XYTE_ORG_API_KEY and XYTE_API_KEY naming two organizations,
    // say), unless they are the same value.
    const set = (spec.env ?? []).flatMap((name) => [
      { variable: name, value: read(name), file: false },
      ...(spec.secret ? [{ variable: `${name}_FILE`, value: read(`${name}_FILE`), file: true }] : []),
    ]).filter((entry): entry is { variable: string; value: string; file: boolean } =>
      entry.value !== undefined
    );
    const [first, ...others] = set;
    if (!first) continue;
    const differing = others.find((other) => other.file || first.file || other.value !== first.value);
    if (differing) {
      throw new ConfigError(
        `both ${layer.origin(first.variable)} and ${layer.origin(differing.variable)} are set; set only one`,
      );
    }
    return first.file
      ? { value: readSecretFile(first.variable, first.value, sources), origin: layer.origin(first.variable) }
      : { value: first.value, origin: layer.origin(first.variable) };
  }
  return undefined;
}

function readSecretFile(variable: string, path: string, sources: ConfigSources): string {
  let text: string;
  try {
    text = sources.readTextFile(path);
  } catch (error) {
    throw new ConfigError(`${variable}: cannot read ${path} (${describeFsError(error)})`);
  }
  const value = text.trim();
  if (value === "") throw new ConfigError(`${variable}: ${path} is empty`);
  return value;
}

async function readEnvFile(path: string, sources: ConfigSources): Promise<Record<string, string>> {
  let text: string;
  try {
    text = sources.readTextFile(path);
  } catch (error) {
    throw new ConfigError(`--env-file: cannot read ${path} (${describeFsError(error)})`);
  }
  // Loaded on demand: dotenv pulls in node:crypto, which costs start-up time when no env file is used.
  const { parse } = await import("dotenv");
  return parse(text);
}

function describeFsError(error: unknown): string {
  if (error instanceof Deno.errors.NotFound) return "no such file";
  if (error instanceof Deno.errors.PermissionDenied) return "permission denied";
  if (error instanceof Deno.errors.NotCapable) {
    return "outside the paths this server's --allow-read allows; the released binaries and image read " +
      "/run/secrets and /etc/xyte-mcp";
  }
  if (error instanceof Deno.errors.IsADirectory) return "is a directory";
  return error instanceof Error ? error.message.split("\n")[0]! : String(error);
}

function secretOrUndefined(value: unknown): Secret | undefined {
  return typeof value === "string" && value !== "" ? new Secret(value) : undefined;
}
