/**
 * Standalone `xyte-mcp` binaries (`deno task compile`): `deno compile --target …` for every supported
 * platform into `dist/`, with the narrowest permissions the server works with baked in.
 *
 * Permissions (docs/running.md explains each):
 * - `--allow-net`: the Xyte hub and entry hosts (host:port from `--hub`/`--entry`, default the `SETTINGS`
 *   defaults, https → :443), the HTTP listen address(es) (`--bind`, default `MCP_HOST:MCP_PORT` defaults),
 *   Redis (`--redis host:port`) when the deployment shares state through it, and the OAuth authorization
 *   server (`--oauth <url>`: its issuer URL, and its key set's or introspection endpoint's when on another
 *   host);
 * - `--allow-env`: exactly the variables `SETTINGS` (src/settings.ts) declares, each secret's `_FILE` variant
 *   included, derived when this script runs; `--ignore-env` makes any other read (ioredis' `debug` reads
 *   `DEBUG` and lists the environment) see "unset" instead of throwing — it grants nothing;
 * - `--allow-read`: only where secret files and env files live (`--read`, default /run/secrets and
 *   /etc/xyte-mcp; `--read all` for unrestricted, `--read none` for no file access);
 * - the V8 flags of `deno task start`.
 *
 * Usage: deno task compile [--target <triple>|host|all]… [--hub <url>] [--entry <url>]
 *          [--bind <host:port>|none]… [--redis <host:port>]… [--oauth <url>]… [--read <paths>|all|none]
 *          [--out <dir>]
 *          [--no-check] [--print] [--print-run]
 * `--print` shows the `deno compile` lines instead of running them; `--print-run` shows the equivalent
 * `deno run` line (docs/running.md); `--no-check` skips the type check (`deno task check` covers it).
 *
 * `DENORT_BIN` (a denort executable) is used instead of downloading the runtime from dl.deno.land, for
 * offline builds; it serves every target, so it must match the target. A `deno` binary there lets compile
 * finish, but the output then only starts a REPL: use it to check a build, never to ship or run.
 */
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import manifest from "../deno.json" with { type: "json" };
import { SETTINGS } from "../src/settings.ts";

export const TARGETS = [
  "x86_64-unknown-linux-gnu",
  "aarch64-unknown-linux-gnu",
  "x86_64-apple-darwin",
  "aarch64-apple-darwin",
  "x86_64-pc-windows-msvc",
] as const;
export type Target = (typeof TARGETS)[number];

/** Where secret files (`*_FILE`) and env files may be read from by default: Docker's and our own. */
export const DEFAULT_READ_PATHS = ["/run/secrets", "/etc/xyte-mcp"] as const;

const ROOT = new URL("../", import.meta.url);
export const MAIN_PATH = fileURLToPath(new URL("src/main.ts", ROOT));

/**
 * npm package folders that `deno compile` 2.9 cannot embed: bintrees' test data (`test/perf/100k`, a 2 MB
 * extensionless file of numbers, reached through prom-client → tdigest) aborts the compiler with a stack
 * overflow (seen with 2.9.6; the crash of denoland/deno#36746, a regression since 2.9.0). Nothing loads it
 * at run time.
 */
const UNEMBEDDABLE = [{ name: "bintrees", dir: "test" }] as const;

export interface BuildOptions {
  /** Base URL of the Xyte hub, or a host[:port] allow-list entry. */
  hub: string;
  /** Base URL of the Xyte entry service, or a host[:port] allow-list entry. */
  entry: string;
  /** host:port addresses the HTTP transport may listen on. */
  bind: readonly string[];
  /** host:port of Redis, when REDIS_URL will be set. */
  redis: readonly string[];
  /** URLs (or host:port) of the OAuth issuer and its keys or introspection endpoint, with MCP_OAUTH_ISSUER. */
  oauth?: readonly string[];
  /** Paths readable (secret and env files), or "all". */
  read: readonly string[] | "all";
}

function settingDefault(id: string): string {
  const value = SETTINGS.find((s) => s.id === id)?.default;
  if (value === undefined) throw new Error(`SETTINGS has no default for ${id}`);
  return value;
}

export const DEFAULT_OPTIONS: BuildOptions = {
  hub: settingDefault("hubUrl"),
  entry: settingDefault("entryUrl"),
  bind: [`${settingDefault("host")}:${settingDefault("port")}`],
  redis: [],
  oauth: [],
  read: DEFAULT_READ_PATHS,
};

/** Every environment variable `SETTINGS` reads, in declaration order: names, aliases and `_FILE` variants. */
export function settingsEnvVariables(): string[] {
  return SETTINGS.flatMap((spec) =>
    (spec.env ?? []).flatMap((name) => spec.secret ? [name, `${name}_FILE`] : [name])
  );
}

/** `host:port` for a URL (default port of its scheme); any other value is taken as an allow-list entry. */
export function netEntry(value: string): string {
  if (!value.includes("://")) return value;
  const url = new URL(value);
  const port = url.port || (url.protocol === "https:" ? "443" : url.protocol === "http:" ? "80" : "");
  if (port === "") throw new Error(`cannot tell the port of ${value}`);
  return `${url.hostname}:${port}`; // IPv6 hostnames keep their brackets, as --allow-net wants them
}

export function netAllowList(options: BuildOptions): string[] {
  const entries = [options.hub, options.entry, ...options.bind, ...options.redis, ...(options.oauth ?? [])];
  return [...new Set(entries.map(netEntry))];
}

/** The permission flags shared by `deno compile` and the scoped `deno run` lines. */
export function permissionFlags(options: BuildOptions): string[] {
  const read = options.read === "all"
    ? ["--allow-read"]
    : options.read.length > 0
    ? [`--allow-read=${options.read.join(",")}`]
    : [];
  return [
    `--allow-net=${netAllowList(options).join(",")}`,
    `--allow-env=${settingsEnvVariables().join(",")}`,
    "--ignore-env",
    ...read,
    "--no-prompt",
  ];
}

/** The `--v8-flags=…` of `deno task start`, so binaries get the same young-generation cap. */
export function v8Flags(): string {
  const flag = /--v8-flags=\S+/.exec(manifest.tasks.start)?.[0];
  if (!flag) throw new Error("deno.json's start task has no --v8-flags");
  return flag;
}

export function outputPath(target: Target, outDir: string): string {
  return `${outDir.replace(/[\\/]+$/, "")}/xyte-mcp-${target}${target.includes("windows") ? ".exe" : ""}`;
}

/** The `deno compile` arguments for one target. `exclude`: paths to leave out (see `unembeddablePaths`). */
export function compileArgs(
  target: Target,
  options: BuildOptions,
  outDir = "dist",
  exclude: readonly string[] = [],
  typeCheck = true,
): string[] {
  return [
    "compile",
    ...(typeCheck ? [] : ["--no-check"]),
    "--target",
    target,
    "--output",
    outputPath(target, outDir),
    // Embed only the npm packages the server imports (not the test-only ones); every dynamic import in
    // src/ names a literal specifier, so the lazily loaded tools, transports, simulator, ioredis and
    // dotenv are found without --include.
    "--exclude-unused-npm",
    ...exclude.flatMap((path) => ["--exclude", path]),
    ...permissionFlags(options),
    v8Flags(),
    MAIN_PATH,
  ];
}

/** The `deno run` arguments with the same permissions and V8 flags. */
export function runArgs(options: BuildOptions, main = MAIN_PATH): string[] {
  return ["run", ...permissionFlags(options), v8Flags(), main];
}

export function hostTarget(): Target {
  const target = TARGETS.find((t) => t === Deno.build.target);
  if (!target) throw new Error(`no supported target for this machine (${Deno.build.target})`);
  return target;
}

/** Deno's cache directory (`deno info --json`), or undefined when it cannot be told. */
export async function denoDir(): Promise<string | undefined> {
  const info = await new Deno.Command(Deno.execPath(), { args: ["info", "--json"], stderr: "null" }).output();
  if (!info.success) return undefined;
  return (JSON.parse(new TextDecoder().decode(info.stdout)) as { denoDir?: string }).denoDir;
}

/** Folders of npm packages in the lockfile that cannot be embedded, wherever Deno keeps them here. */
export async function unembeddablePaths(): Promise<string[]> {
  const lock = JSON.parse(await Deno.readTextFile(new URL("deno.lock", ROOT))) as {
    npm?: Record<string, unknown>;
  };
  const cache = await denoDir();
  const paths: string[] = [];
  for (const key of Object.keys(lock.npm ?? {})) {
    const at = key.lastIndexOf("@");
    const [name, version] = [key.slice(0, at), key.slice(at + 1).split("_")[0]];
    for (const skip of UNEMBEDDABLE.filter((u) => u.name === name)) {
      const candidates = [
        // The global npm cache, and a local node_modules/ directory when the project uses one.
        ...(cache ? [`${cache}/npm/registry.npmjs.org/${name}/${version}/${skip.dir}`] : []),
        fileURLToPath(
          new URL(`node_modules/.deno/${name}@${version}/node_modules/${name}/${skip.dir}`, ROOT),
        ),
      ];
      for (const path of candidates) {
        try {
          if (Deno.statSync(path).isDirectory) paths.push(path);
        } catch {
          // not installed there
        }
      }
    }
  }
  return paths;
}

function parseTargets(values: readonly string[]): Target[] {
  if (values.length === 0 || values.includes("all")) return [...TARGETS];
  return values.map((value) => {
    if (value === "host") return hostTarget();
    const target = TARGETS.find((t) => t === value);
    if (!target) throw new Error(`unknown target ${value} (accepted: ${TARGETS.join(", ")}, host, all)`);
    return target;
  });
}

/** Command-line flags → build options. */
export function parseCli(argv: readonly string[]): {
  targets: Target[];
  options: BuildOptions;
  outDir: string;
  print: boolean;
  printRun: boolean;
  typeCheck: boolean;
} {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      target: { type: "string", multiple: true },
      hub: { type: "string" },
      entry: { type: "string" },
      bind: { type: "string", multiple: true },
      redis: { type: "string", multiple: true },
      oauth: { type: "string", multiple: true },
      read: { type: "string" },
      out: { type: "string" },
      print: { type: "boolean" },
      "print-run": { type: "boolean" },
      "no-check": { type: "boolean" },
    },
    strict: true,
    allowPositionals: false,
  });
  const read = values.read === undefined
    ? DEFAULT_OPTIONS.read
    : values.read === "all"
    ? "all" as const
    : values.read === "none"
    ? []
    : values.read.split(",").map((p) => p.trim()).filter((p) => p !== "");
  return {
    targets: parseTargets(values.target ?? []),
    options: {
      hub: values.hub ?? DEFAULT_OPTIONS.hub,
      entry: values.entry ?? DEFAULT_OPTIONS.entry,
      // --bind none: stdio only, no listener.
      bind: values.bind === undefined ? DEFAULT_OPTIONS.bind : values.bind.filter((b) => b !== "none"),
      redis: values.redis ?? [],
      oauth: values.oauth ?? [],
      read,
    },
    outDir: values.out ?? "dist",
    print: values.print ?? false,
    printRun: values["print-run"] ?? false,
    typeCheck: !(values["no-check"] ?? false),
  };
}

/** Shell-quotes an argument for printing. */
export function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

async function main(argv: readonly string[]): Promise<number> {
  let cli;
  try {
    cli = parseCli(argv);
  } catch (error) {
    // deno-lint-ignore no-console
    console.error(`compile: ${error instanceof Error ? error.message : error}`);
    return 2;
  }
  const { targets, options, outDir } = cli;
  if (cli.printRun) {
    // deno-lint-ignore no-console
    console.log(["deno", ...runArgs(options, "src/main.ts")].map(shellQuote).join(" "));
    return 0;
  }
  const exclude = await unembeddablePaths();
  if (cli.print) {
    for (const target of targets) {
      // deno-lint-ignore no-console
      console.log(
        ["deno", ...compileArgs(target, options, outDir, exclude, cli.typeCheck)].map(shellQuote).join(" "),
      );
    }
    return 0;
  }
  const denort = Deno.env.get("DENORT_BIN");
  if (denort) {
    const name = denort.split(/[\\/]/).pop() ?? denort;
    // deno-lint-ignore no-console
    console.error(
      name.startsWith("denort")
        ? `compile: DENORT_BIN=${denort} is the runtime of every target built now`
        : `compile: DENORT_BIN=${denort} is not a denort binary: the output only starts a REPL — ` +
          "fine to check that a build succeeds, never run or ship it",
    );
  }
  await Deno.mkdir(outDir, { recursive: true });
  let failed = 0;
  for (const target of targets) {
    const args = compileArgs(target, options, outDir, exclude, cli.typeCheck);
    // deno-lint-ignore no-console
    console.error(`compile: ${target} → ${outputPath(target, outDir)}`);
    const status = await new Deno.Command(Deno.execPath(), {
      args,
      stdout: "inherit",
      stderr: "inherit",
    }).spawn().status;
    if (!status.success) {
      failed++;
      // deno-lint-ignore no-console
      console.error(`compile: ${target} failed (exit ${status.code})`);
    }
  }
  return failed === 0 ? 0 : 1;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
