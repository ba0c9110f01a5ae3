/**
 * Real-client smoke test: the MCP Inspector CLI (a Node program, fetched by `npx`) lists the tools of the real
 * server and calls one, over stdio (`deno run … src/main.ts --demo` as the command) and over Streamable HTTP
 * (`--transport http` against a running `--demo --transport http` server).
 *
 *   deno run -A tests/e2e/inspector_smoke.ts        (also run by `deno task conformance`)
 *
 * Skipped, with the reason printed, when `npx` is missing or cannot fetch the Inspector from the registry.
 * Not a `*.test.ts` file on purpose: it needs the npm registry and Node, which `deno task test` does not.
 *
 * Inspector CLI quirks: it starts only when its working directory's parent holds a `package.json`, so it runs
 * from a scratch `dir/run` with `{}` in `dir/package.json`; its own options (`-e`, `--config`, `--server`) are
 * also picked out of the server command line, so the command passed to it must not contain them.
 */
import { MAIN, RUN_ARGS, serverEnv, startHttpServer } from "./harness.ts";

export const INSPECTOR_PACKAGE = "@modelcontextprotocol/inspector-cli@1.0.3";
/** Checks a full run makes: tools/list and one tools/call, over stdio and over HTTP. */
export const SMOKE_CHECKS = 4;

export interface SmokeCheck {
  name: string;
  ok: boolean;
  detail: string;
  ms: number;
}

export interface SmokeReport {
  /** Why nothing was checked (no npx, registry unreachable); undefined when the checks ran. */
  skipped?: string;
  checks: SmokeCheck[];
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
  timedOut: boolean;
}

/** Signs that npm could not reach the registry (as opposed to the Inspector failing). */
const REGISTRY_TROUBLE =
  /E(NOTFOUND|AI_AGAIN|CONNREFUSED|CONNRESET|TIMEDOUT|NETUNREACH|HOSTUNREACH)|network|registry|npm (ERR!|error) code E\d{3}|ETARGET|E404|E403|E5\d\d|self[- ]signed|certificate/i;

/** Runs the Inspector CLI and the two transports; never throws for a failed check. */
export async function runInspectorSmoke(
  options: { progress?: (line: string) => void } = {},
): Promise<SmokeReport> {
  const progress = options.progress ?? (() => {});
  const scratch = await Deno.makeTempDir({ prefix: "xyte-inspector-" });
  const cwd = `${scratch}/run`;
  await Deno.mkdir(cwd);
  await Deno.writeTextFile(`${scratch}/package.json`, "{}\n");
  const checks: SmokeCheck[] = [];
  try {
    progress(`fetching ${INSPECTOR_PACKAGE} with npx (first run downloads it)`);
    let warm: Run;
    try {
      warm = await npx(cwd, ["--help"], 240_000);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) {
        return { skipped: "npx not found (Node.js is not installed)", checks };
      }
      throw error;
    }
    if (warm.code !== 0) {
      const tail = lastLines(warm.stderr || warm.stdout, 6);
      if (warm.timedOut) return { skipped: `npx timed out fetching ${INSPECTOR_PACKAGE}`, checks };
      if (REGISTRY_TROUBLE.test(warm.stderr)) {
        return { skipped: `npx could not fetch ${INSPECTOR_PACKAGE}: ${npmReason(warm.stderr)}`, checks };
      }
      checks.push({ name: "inspector starts", ok: false, detail: tail, ms: warm.ms });
      return { checks };
    }

    // Inspector options first (`-e` must not appear after the server command), then the command itself.
    // The Inspector gives the server a minimal environment (PATH, HOME, …) plus these.
    const env = ["-e", "DENO_NO_UPDATE_CHECK=1", "-e", "NO_COLOR=1"];
    const denoDir = Deno.env.get("DENO_DIR");
    if (denoDir) env.push("-e", `DENO_DIR=${denoDir}`);
    const stdioCommand = [...env, "--cli", Deno.execPath(), ...RUN_ARGS, "--demo"];
    progress("stdio: tools/list, tools/call fleet_summary");
    checks.push(
      listCheck("stdio: tools/list", await npx(cwd, [...stdioCommand, "--method", "tools/list"])),
      callCheck(
        "stdio: tools/call fleet_summary attention_limit=1",
        await npx(cwd, [
          ...stdioCommand,
          "--method",
          "tools/call",
          "--tool-name",
          "fleet_summary",
          "--tool-arg",
          "attention_limit=1",
        ]),
        (s) =>
          typeof s.devices === "number" && s.devices > 0 && Array.isArray(s.needs_attention) &&
          s.needs_attention.length <= 1,
      ),
    );

    progress("http: tools/list, tools/call list_devices");
    const server = await startHttpServer(
      serverEnv(undefined, { LOG_LEVEL: "info", MCP_RATE_LIMIT_RPM: "0" }),
      ["--demo"],
    );
    try {
      const httpCommand = ["--cli", server.url, "--transport", "http"];
      checks.push(
        listCheck("http: tools/list", await npx(cwd, [...httpCommand, "--method", "tools/list"])),
        callCheck(
          "http: tools/call list_devices name_contains=Rally",
          await npx(cwd, [
            ...httpCommand,
            "--method",
            "tools/call",
            "--tool-name",
            "list_devices",
            "--tool-arg",
            "name_contains=Rally",
          ]),
          (s) =>
            Array.isArray(s.devices) && s.devices.length > 0 &&
            s.devices.every((d: { name?: string }) => /rally/i.test(d.name ?? "")),
        ),
      );
    } finally {
      await server.stop();
    }
    return { checks };
  } finally {
    await Deno.remove(scratch, { recursive: true }).catch(() => {});
  }
}

async function npx(cwd: string, args: string[], timeoutMs = 90_000): Promise<Run> {
  const started = performance.now();
  const signal = AbortSignal.timeout(timeoutMs);
  const command = new Deno.Command("npx", {
    args: ["-y", INSPECTOR_PACKAGE, ...args],
    cwd,
    env: { NO_COLOR: "1", npm_config_update_notifier: "false", npm_config_fund: "false" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    signal,
  });
  let output: Deno.CommandOutput;
  try {
    output = await command.output();
  } catch (error) {
    if (!signal.aborted) throw error;
    const ms = Math.round(performance.now() - started);
    return { code: -1, stdout: "", stderr: `timed out after ${timeoutMs} ms`, ms, timedOut: true };
  }
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return {
    code: output.code,
    stdout: decode(output.stdout),
    stderr: decode(output.stderr),
    ms: Math.round(performance.now() - started),
    timedOut: signal.aborted,
  };
}

function parse(run: Run): { value?: Record<string, unknown>; problem?: string } {
  if (run.code !== 0) {
    return { problem: `exit ${run.code}${run.timedOut ? " (timed out)" : ""}: ${lastLines(run.stderr, 4)}` };
  }
  try {
    return { value: JSON.parse(run.stdout) };
  } catch {
    return { problem: `stdout is not JSON: ${run.stdout.slice(0, 200)}` };
  }
}

function listCheck(name: string, run: Run): SmokeCheck {
  const { value, problem } = parse(run);
  if (problem) return { name, ok: false, detail: problem, ms: run.ms };
  const tools = Array.isArray(value?.tools) ? (value.tools as { name?: string }[]).map((t) => t.name) : [];
  const missing = ["fleet_summary", "list_devices"].filter((t) => !tools.includes(t));
  return {
    name,
    ok: missing.length === 0,
    detail: missing.length === 0
      ? `${tools.length} tools`
      : `missing ${missing.join(", ")} among ${tools.length}`,
    ms: run.ms,
  };
}

function callCheck(
  name: string,
  run: Run,
  // deno-lint-ignore no-explicit-any
  expect: (structured: any) => boolean,
): SmokeCheck {
  const { value, problem } = parse(run);
  if (problem) return { name, ok: false, detail: problem, ms: run.ms };
  const content = value?.content as { type: string; text?: string }[] | undefined;
  const summary = content?.find((c) => c.type === "text")?.text ?? "(no text)";
  if (value?.isError === true) return { name, ok: false, detail: `isError: ${summary}`, ms: run.ms };
  const ok = value?.structuredContent !== undefined && expect(value.structuredContent);
  return {
    name,
    ok,
    detail: ok ? summary.slice(0, 100) : `unexpected result: ${JSON.stringify(value).slice(0, 300)}`,
    ms: run.ms,
  };
}

/** npm's own words for a failed fetch: "code ECONNREFUSED: request to … failed". */
function npmReason(stderr: string): string {
  const code = /npm (?:error|ERR!) code (\S+)/.exec(stderr)?.[1];
  const what = /npm (?:error|ERR!) ((?:request to|network|\d{3} ).*)/.exec(stderr)?.[1];
  return [code ? `code ${code}` : undefined, what].filter(Boolean).join(": ") || lastLines(stderr, 3);
}

function lastLines(text: string, count: number): string {
  return text.trim().split("\n").filter((l) => l.trim() !== "").slice(-count).join(" | ");
}

if (import.meta.main) {
  // deno-lint-ignore no-console
  const say = (line: string) => console.log(line);
  say(`Inspector CLI smoke test against ${MAIN}`);
  const report = await runInspectorSmoke({ progress: (line) => say(`  … ${line}`) });
  if (report.skipped) {
    say(`skipped: ${report.skipped}`);
    Deno.exit(0);
  }
  for (const check of report.checks) {
    say(`${check.ok ? "ok  " : "FAIL"} ${check.name} (${check.ms} ms): ${check.detail}`);
  }
  const failed = report.checks.filter((c) => !c.ok).length;
  say(`inspector: ${report.checks.length - failed} passed, ${failed} failed`);
  Deno.exit(failed > 0 ? 1 : 0);
}
