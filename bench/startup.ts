/**
 * Cold start over stdio: spawn `src/main.ts --demo` (same permissions as `deno task start`) → first byte of the
 * `initialize` result on stdout. One warm-up run (fills Deno's module and code caches), then N measured runs.
 * The same is measured for an SDK server with no tools (the floor any SDK v2 server on Deno pays), and for the
 * compiled binary of this machine's target when `deno task compile --target host` has built one in dist/.
 *
 *   deno run --allow-all bench/startup.ts [runs=20]
 */
import { hostTarget, outputPath } from "../scripts/compile.ts";
import { RUN_ARGS } from "../tests/e2e/harness.ts";

const runs = Number(Deno.args[0] ?? 20);
const initialize = JSON.stringify({
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "bench", version: "1" } },
}) + "\n";

const FLOOR = new URL("./fixtures/minimal_server.ts", import.meta.url).pathname;

async function once(args: string[], command = Deno.execPath()): Promise<number> {
  const started = performance.now();
  const child = new Deno.Command(command, {
    args,
    env: { DENO_NO_UPDATE_CHECK: "1" },
    stdin: "piped",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(initialize));
  const reader = child.stdout.getReader();
  const { value } = await reader.read();
  const elapsed = performance.now() - started;
  if (!value || !new TextDecoder().decode(value).includes('"serverInfo"')) {
    throw new Error("no initialize result");
  }
  reader.releaseLock();
  await writer.close();
  await child.stdout.cancel();
  await child.status;
  return elapsed;
}

async function measure(args: string[], command?: string) {
  await once(args, command);
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) samples.push(await once(args, command));
  samples.sort((a, b) => a - b);
  const at = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))]!;
  const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
  const sd = Math.sqrt(samples.reduce((a, b) => a + (b - mean) ** 2, 0) / samples.length);
  const ms = (v: number) => `${v.toFixed(0)} ms`;
  return {
    runs,
    median: ms(at(0.5)),
    p90: ms(at(0.9)),
    min: ms(samples[0]!),
    max: ms(samples.at(-1)!),
    stdev: ms(sd),
  };
}

/** The compiled binary of this machine, when one was built and is a real build (not a REPL-only test build). */
async function compiledBinary(): Promise<{ path: string } | { skipped: string }> {
  const path = new URL(`../${outputPath(hostTarget(), "dist")}`, import.meta.url).pathname;
  try {
    Deno.statSync(path);
  } catch {
    return { skipped: `no ${path}; build it with deno task compile --target host (needs a denort)` };
  }
  const version = await new Deno.Command(path, { args: ["--version"], stdin: "null", stderr: "null" })
    .output().catch(() => undefined);
  const text = version ? new TextDecoder().decode(version.stdout) : "";
  if (!text.startsWith("xyte-mcp ")) {
    return { skipped: `${path} is not a runnable build (--version: ${text})` };
  }
  return { path };
}

const rows: Record<string, unknown> = {
  "xyte-mcp --demo (stdio)": await measure([...RUN_ARGS, "--demo", "--log-level", "error"]),
  "floor: SDK server, no tools": await measure(["run", FLOOR]),
};
const binary = await compiledBinary();
if ("path" in binary) {
  rows["compiled binary --demo (stdio)"] = await measure(["--demo", "--log-level", "error"], binary.path);
}
// deno-lint-ignore no-console
console.table(rows);
// deno-lint-ignore no-console
if ("skipped" in binary) console.log(`compiled binary: skipped: ${binary.skipped}`);
