/**
 * Cold start over stdio: spawn `src/main.ts --demo` (same permissions as `deno task start`) → the `initialize`
 * result on stdout, and → the `tools/list` result asked for right after it (what a host needs before an agent
 * can use the server). One warm-up run (fills Deno's module and code caches), then N measured runs.
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

const listTools = JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }) + "\n" +
  JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/list" }) + "\n";

/** One cold start: ms to the initialize result, then to the tools/list result sent right after it. */
async function once(
  args: string[],
  command = Deno.execPath(),
): Promise<{ initialize: number; tools: number }> {
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
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let received = "";
  const readUntil = async (done: () => boolean) => {
    while (!done()) {
      const { value, done: ended } = await reader.read();
      if (ended) throw new Error(`the server closed stdout after: ${received.slice(0, 200)}`);
      received += value;
    }
  };
  await readUntil(() => received.includes("\n"));
  const initialized = performance.now() - started;
  if (!received.includes('"serverInfo"')) throw new Error("no initialize result");
  await writer.write(new TextEncoder().encode(listTools));
  await readUntil(() => /"id":2[,}]/.test(received) && received.endsWith("\n"));
  const listed = performance.now() - started;
  reader.releaseLock();
  await writer.close();
  await child.status;
  return { initialize: initialized, tools: listed };
}

function stats(samples: number[]) {
  samples.sort((a, b) => a - b);
  const at = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))]!;
  const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
  const sd = Math.sqrt(samples.reduce((a, b) => a + (b - mean) ** 2, 0) / samples.length);
  const ms = (v: number) => `${v.toFixed(0)} ms`;
  return {
    median: ms(at(0.5)),
    p90: ms(at(0.9)),
    min: ms(samples[0]!),
    max: ms(samples.at(-1)!),
    stdev: ms(sd),
  };
}

async function measure(args: string[], command?: string) {
  await once(args, command);
  const initializes: number[] = [];
  const lists: number[] = [];
  for (let i = 0; i < runs; i++) {
    const { initialize, tools } = await once(args, command);
    initializes.push(initialize);
    lists.push(tools);
  }
  return { initialize: { runs, ...stats(initializes) }, tools: { runs, ...stats(lists) } };
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

const rows: Record<string, unknown> = {};
async function add(label: string, args: string[], command?: string) {
  const { initialize, tools } = await measure(args, command);
  rows[`${label}: initialize`] = initialize;
  rows[`${label}: + tools/list`] = tools;
}
await add("xyte-mcp --demo (stdio)", [...RUN_ARGS, "--demo", "--log-level", "error"]);
await add("floor: SDK server, no tools", ["run", FLOOR]);
const binary = await compiledBinary();
if ("path" in binary) await add("compiled binary --demo", ["--demo", "--log-level", "error"], binary.path);
// deno-lint-ignore no-console
console.table(rows);
// deno-lint-ignore no-console
if ("skipped" in binary) console.log(`compiled binary: skipped: ${binary.skipped}`);
