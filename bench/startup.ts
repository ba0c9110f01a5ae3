/**
 * Cold start over stdio: spawn `src/main.ts --demo` (same permissions as `deno task start`) → first byte of the
 * `initialize` result on stdout. One warm-up run (fills Deno's module and code caches), then N measured runs.
 * The same is measured for an SDK server with no tools (the floor any SDK v2 server on Deno pays).
 *
 *   deno run --allow-all bench/startup.ts [runs=20]
 */
import { RUN_ARGS } from "../tests/e2e/harness.ts";

const runs = Number(Deno.args[0] ?? 20);
const initialize = JSON.stringify({
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "bench", version: "1" } },
}) + "\n";

const FLOOR = new URL("./fixtures/minimal_server.ts", import.meta.url).pathname;

async function once(args: string[]): Promise<number> {
  const started = performance.now();
  const child = new Deno.Command(Deno.execPath(), {
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

async function measure(args: string[]) {
  await once(args);
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) samples.push(await once(args));
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

// deno-lint-ignore no-console
console.table({
  "xyte-mcp --demo (stdio)": await measure([...RUN_ARGS, "--demo", "--log-level", "error"]),
  "floor: SDK server, no tools": await measure(["run", FLOOR]),
});
