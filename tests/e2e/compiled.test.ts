/**
 * Standalone binaries (scripts/compile.ts, `deno task compile`).
 *
 * 1. Always, without building: the `deno compile` line of every target bakes in only the narrow permissions
 *    (net: Xyte hosts and the listener; env: exactly what `SETTINGS` reads; read: the secret directories),
 *    and the V8 flags of `deno task start`.
 * 2. Always: a build for this machine succeeds and embeds the lazily imported modules. Without a real denort
 *    runtime the output is built on `DENORT_BIN=<this deno>`, whose output only starts a REPL: it is never run.
 * 3. With a real denort (no `DENORT_BIN` or one named `denort*`, and the runtime cached or dl.deno.land
 *    reachable): the binary, built for the simulated hub on loopback, serves `initialize` and a tool call over
 *    stdio, then the probes and a tool call over HTTP (scripts/smoke.ts). Otherwise skipped with the reason.
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { fileURLToPath } from "node:url";
import manifest from "../../deno.json" with { type: "json" };
import {
  type BuildOptions,
  compileArgs,
  DEFAULT_OPTIONS,
  DEFAULT_READ_PATHS,
  denoDir,
  hostTarget,
  outputPath,
  parseCli,
  runArgs,
  settingsEnvVariables,
  type Target,
  TARGETS,
} from "../../scripts/compile.ts";
import { smoke } from "../../scripts/smoke.ts";
import { SETTINGS } from "../../src/settings.ts";
import { freePort } from "../helpers/free_port.ts";
import { platformEnv } from "../helpers/platform_env.ts";
import { serverEnv, startHub } from "./harness.ts";

const SCRIPT = fileURLToPath(new URL("../../scripts/compile.ts", import.meta.url));

/** Derived here independently of the script: every variable SETTINGS reads, with `_FILE` for secrets. */
const SETTINGS_VARIABLES = new Set(
  SETTINGS.flatMap((s) => (s.env ?? []).flatMap((n) => (s.secret ? [n, `${n}_FILE`] : [n]))),
);

function flagValue(args: readonly string[], flag: string): string | undefined {
  const found = args.find((a) => a === flag || a.startsWith(`${flag}=`));
  return found === undefined ? undefined : found === flag ? "" : found.slice(flag.length + 1);
}

function assertNarrow(args: readonly string[], label: string): void {
  const broad = [
    "-A",
    "--allow-all",
    "--allow-net",
    "--allow-env",
    "--allow-sys",
    "--allow-run",
    "--allow-ffi",
  ];
  for (const flag of broad) assert.ok(!args.includes(flag), `${label}: ${flag} without a list`);
  for (const prefix of ["--allow-write", "--allow-run", "--allow-sys", "--allow-ffi", "--allow-import"]) {
    assert.ok(!args.some((a) => a.startsWith(prefix)), `${label}: ${prefix} is never needed`);
  }
  const env = flagValue(args, "--allow-env")?.split(",") ?? [];
  assert.deepEqual(new Set(env), SETTINGS_VARIABLES, `${label}: --allow-env is exactly what SETTINGS reads`);
  assert.ok(args.includes("--ignore-env"), `${label}: other reads see "unset" instead of throwing`);
  assert.ok(args.includes("--no-prompt"), `${label}: never prompts`);
  const v8 = /--v8-flags=\S+/.exec(manifest.tasks.start)?.[0];
  assert.ok(v8 && args.includes(v8), `${label}: the V8 flags of deno task start (${v8})`);
}

Deno.test("compile lines: every target bakes in only the narrow permissions and the start task's V8 flags", () => {
  for (const target of TARGETS) {
    const args = compileArgs(target, DEFAULT_OPTIONS, "dist", ["/cache/bintrees/1.0.2/test"]);
    assert.equal(args[0], "compile");
    assert.equal(args[args.indexOf("--target") + 1], target);
    const output = args[args.indexOf("--output") + 1];
    assert.equal(output, `dist/xyte-mcp-${target}${target.includes("windows") ? ".exe" : ""}`);
    assert.ok(args.at(-1)!.endsWith("src/main.ts"));
    assert.equal(args[args.indexOf("--exclude") + 1], "/cache/bintrees/1.0.2/test");
    assert.ok(args.includes("--exclude-unused-npm"));
    assertNarrow(args, target);
    assert.equal(flagValue(args, "--allow-net"), "hub.xyte.io:443,entry.xyte.io:443,127.0.0.1:8080");
    assert.equal(flagValue(args, "--allow-read"), DEFAULT_READ_PATHS.join(","));
  }
  for (const name of ["XYTE_ORG_API_KEY_FILE", "MCP_HTTP_TOKEN_FILE", "REDIS_URL_FILE", "XYTE_HUB_URL"]) {
    assert.ok(SETTINGS_VARIABLES.has(name), name);
  }
});

Deno.test("compile flags: --hub/--entry/--bind/--redis/--oauth/--read shape the allow-lists", () => {
  const cli = parseCli([
    "--target",
    "x86_64-unknown-linux-gnu",
    "--hub",
    "https://hub.eu.example:8443/",
    "--entry",
    "entry.example.com:443",
    "--bind",
    "0.0.0.0:8080",
    "--redis",
    "xyte-mcp-redis:6379",
    "--oauth",
    "https://login.example.com/realms/ops",
    "--read",
    "/secrets,/etc/xyte-mcp",
  ]);
  const args = compileArgs(cli.targets[0]!, cli.options, cli.outDir);
  assertNarrow(args, "overrides");
  assert.equal(
    flagValue(args, "--allow-net"),
    "hub.eu.example:8443,entry.example.com:443,0.0.0.0:8080,xyte-mcp-redis:6379,login.example.com:443",
  );
  assert.equal(flagValue(args, "--allow-read"), "/secrets,/etc/xyte-mcp");

  const stdioOnly = compileArgs(
    "aarch64-apple-darwin",
    parseCli(["--bind", "none", "--read", "none"]).options,
  );
  assert.equal(flagValue(stdioOnly, "--allow-net"), "hub.xyte.io:443,entry.xyte.io:443");
  assert.equal(flagValue(stdioOnly, "--allow-read"), undefined, "--read none: no file access");
  const anyFile = compileArgs("x86_64-pc-windows-msvc", parseCli(["--read", "all"]).options);
  assert.equal(flagValue(anyFile, "--allow-read"), "", "--read all is an explicit opt-in");
  assert.deepEqual(parseCli([]).targets, [...TARGETS], "all targets by default");
  assert.deepEqual(parseCli(["--target", "host"]).targets, [hostTarget()]);
  assert.throws(() => parseCli(["--target", "sparc-sun-solaris"]), /unknown target/);
});

Deno.test("docs/running.md: the copy-paste deno run lines are exactly the script's (the ones the e2e test runs)", async () => {
  const text = await Deno.readTextFile(new URL("../../docs/running.md", import.meta.url));
  const blocks = [...text.matchAll(/```sh\n([\s\S]*?)```/g)]
    .map(([, body]) => body!.replace(/\\\n/g, " ").trim().split(/\s+/))
    .filter((words) => words[0] === "deno" && words[1] === "run");
  const stdio = ["deno", ...runArgs({ ...DEFAULT_OPTIONS, bind: [] }, "src/main.ts")];
  const http = ["deno", ...runArgs(DEFAULT_OPTIONS, "src/main.ts"), "--transport", "http"];
  assert.ok(
    blocks.some((b) => JSON.stringify(b) === JSON.stringify(stdio)),
    `the stdio line:\n${stdio.join(" ")}`,
  );
  assert.ok(
    blocks.some((b) => JSON.stringify(b) === JSON.stringify(http)),
    `the HTTP line:\n${http.join(" ")}`,
  );
  const names = settingsEnvVariables();
  assert.match(text, new RegExp(`<the ${names.length} names below>`));
  for (const name of names) assert.ok(text.includes(`\`${name}\``), `docs/running.md lists ${name}`);
});

/**
 * The metadata `deno compile` embeds in a binary (argv, permissions, V8 flags, …): the JSON object that
 * starts with `{"argv":`. Undefined when this Deno writes another format.
 */
// deno-lint-ignore no-explicit-any
async function embeddedMetadata(binary: string): Promise<Record<string, any> | undefined> {
  const bytes = Buffer.from(await Deno.readFile(binary));
  const start = bytes.lastIndexOf('{"argv":');
  if (start < 0) return undefined;
  const text = new TextDecoder().decode(bytes.subarray(start, start + 4_000_000));
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === "{" || c === "[") depth++;
    else if (c === "}" || c === "]") {
      if (--depth === 0) {
        try {
          return JSON.parse(text.slice(0, i + 1));
        } catch {
          return undefined;
        }
      }
    }
  }
  return undefined;
}

/** Why the compiled binary cannot run here, or undefined when a real denort runtime is available. */
async function denortUnavailable(): Promise<string | undefined> {
  let target: Target;
  try {
    target = hostTarget();
  } catch (error) {
    return (error as Error).message;
  }
  const bin = Deno.env.get("DENORT_BIN");
  if (bin !== undefined) {
    const name = bin.split(/[\\/]/).pop() ?? bin;
    if (!name.startsWith("denort")) {
      return `DENORT_BIN=${bin} is not a denort binary (compiled output would only start a REPL)`;
    }
    try {
      return Deno.statSync(bin).isFile ? undefined : `DENORT_BIN=${bin} is not a file`;
    } catch {
      return `DENORT_BIN=${bin} does not exist`;
    }
  }
  const version = Deno.version.deno;
  const dir = await denoDir();
  const cached = dir ? `${dir}/dl/release/v${version}/denort-${target}.zip` : undefined;
  if (cached) {
    try {
      if (Deno.statSync(cached).isFile) return undefined;
    } catch {
      // not cached
    }
  }
  const url = `https://dl.deno.land/release/v${version}/denort-${target}.zip`;
  try {
    const response = await fetch(url, { method: "HEAD", signal: AbortSignal.timeout(3000) });
    await response.body?.cancel();
    return response.ok ? undefined : `${url} answered ${response.status}`;
  } catch (error) {
    const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : "";
    const reason = (error instanceof Error ? error.message : String(error)) + cause;
    return `no DENORT_BIN, no runtime cached at ${
      cached ?? "(DENO_DIR unknown)"
    }, and ${url} is unreachable ` +
      `(${reason})`;
  }
}

const UNAVAILABLE = await denortUnavailable();

/** Runs scripts/compile.ts for this machine; returns the binary's path and the compiler's output. */
async function build(options: BuildOptions, outDir: string, denort: string | undefined) {
  const args = ["run", "--allow-all", SCRIPT, "--target", "host", "--no-check", "--out", outDir];
  args.push("--hub", options.hub, "--entry", options.entry);
  for (const bind of options.bind) args.push("--bind", bind);
  if (options.bind.length === 0) args.push("--bind", "none");
  for (const redis of options.redis) args.push("--redis", redis);
  args.push("--read", options.read === "all" ? "all" : options.read.join(",") || "none");
  const env: Record<string, string> = { ...Deno.env.toObject(), NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" };
  if (denort) env.DENORT_BIN = denort;
  const result = await new Deno.Command(Deno.execPath(), { args, env, clearEnv: true, stdin: "null" })
    .output();
  const output = new TextDecoder().decode(result.stdout) + new TextDecoder().decode(result.stderr);
  assert.ok(result.success, `compile failed:\n${output}`);
  return { binary: outputPath(hostTarget(), outDir), output };
}

Deno.test("compile: a build for this machine succeeds and embeds the lazily imported modules (output not run)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "xyte-mcp-compile-" });
  try {
    // Without a real runtime, this deno stands in: the output is checked for its contents, never run.
    const denort = UNAVAILABLE === undefined ? Deno.env.get("DENORT_BIN") : Deno.execPath();
    const { binary, output } = await build(DEFAULT_OPTIONS, dir, denort);
    assert.ok(Deno.statSync(binary).size > 1_000_000, `${binary} was written`);
    // Every dynamic import() in src/ names a literal specifier, so deno compile embeds them without --include.
    for (const embedded of ["tools/*", "transports/*", "simulator", "ioredis/", "dotenv/", "prom-client/"]) {
      assert.ok(output.includes(embedded), `${embedded} is embedded:\n${output}`);
    }
    for (const testOnly of ["@sinonjs", "yaml/"]) {
      assert.ok(!output.includes(testOnly), `${testOnly} (tests only) is not embedded`);
    }
    // What the runtime will enforce, read back from the binary's embedded metadata (not run).
    const metadata = await embeddedMetadata(binary);
    if (metadata === undefined) {
      // deno-lint-ignore no-console
      console.log("compiled.test.ts: this Deno's binary metadata format is not recognised; not checked");
    } else {
      const p = metadata.permissions;
      assert.deepEqual(new Set(p.allow_env), SETTINGS_VARIABLES, "baked --allow-env");
      assert.deepEqual(p.ignore_env, [], "baked --ignore-env (every other variable reads as unset)");
      assert.deepEqual(p.allow_net, ["hub.xyte.io:443", "entry.xyte.io:443", "127.0.0.1:8080"]);
      assert.deepEqual(p.allow_read, [...DEFAULT_READ_PATHS]);
      for (const key of ["allow_write", "allow_run", "allow_sys", "allow_ffi"]) {
        assert.equal(p[key], null, `baked ${key}: none`);
      }
      assert.equal(p.prompt, false);
      assert.ok(metadata.v8_flags.includes("--max-semi-space-size=2"), "baked V8 flags");
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: `compiled binary: initialize and a tool call over stdio, then probes and a tool call over HTTP${
    UNAVAILABLE ? ` (skipped: ${UNAVAILABLE})` : ""
  }`,
  ignore: UNAVAILABLE !== undefined,
  async fn() {
    const hub = await startHub();
    const dir = await Deno.makeTempDir({ prefix: "xyte-mcp-compiled-" });
    try {
      const port = freePort();
      const options: BuildOptions = {
        hub: hub.url,
        entry: hub.url,
        bind: [`127.0.0.1:${port}`],
        redis: [],
        oauth: [],
        read: [],
      };
      const { binary } = await build(options, dir, Deno.env.get("DENORT_BIN"));
      const lines: string[] = [];
      const env = serverEnv(hub, platformEnv());
      await smoke({ command: [binary], env, port, log: (line) => lines.push(line) });
      assert.ok(lines.length >= 4, lines.join("\n"));
      assert.ok(hub.requests.length > 0, "the binary reached the simulated hub");
    } finally {
      await hub.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

if (UNAVAILABLE) {
  // deno-lint-ignore no-console
  console.log(`compiled.test.ts: not running a compiled binary: ${UNAVAILABLE}`);
}
