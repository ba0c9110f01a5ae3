/**
 * Simultaneous A/B of the server's CPU per call: two or more checkouts of xyte-mcp serve `tools/call
 * get_device` (stateful session, response cache and rate limit off) side by side under the same load, so a
 * slow spell of a shared machine weighs on all alike, where sequential runs move ±20%. Prints each variant's
 * median CPU ms per call (from /proc, Linux only) and its median per-round ratio to the first variant.
 *
 *   git worktree add /tmp/before <rev>
 *   deno run -A bench/ab.ts /tmp/before .          # the first checkout is the baseline
 *
 * Environment: ROUNDS (per restart, default 6), N (calls per server per round, default 2000), C (concurrency
 * per server, default 16), RESTARTS (default 2; each restart starts the servers in the other order).
 */
import { resolve } from "node:path";
import { startSimulator } from "../src/simulator/mod.ts";
import { openRawSession, ORG_KEY, serverEnv, spawnHttpServer } from "../tests/e2e/harness.ts";

const roots = Deno.args.map((root) => resolve(root));
/** Each variant by its place in the arguments (the same checkout twice is an A/A run: the noise). */
const labels = roots.map((root, i) => `${i + 1}: ${root}`);
if (roots.length < 2 || Deno.build.os !== "linux") {
  // deno-lint-ignore no-console
  console.error("usage (Linux): deno run -A bench/ab.ts <baseline checkout> <checkout>…");
  Deno.exit(2);
}
const setting = (name: string, fallback: number) => Number(Deno.env.get(name) ?? fallback);
const ROUNDS = setting("ROUNDS", 6), N = setting("N", 2000), C = setting("C", 16);
const RESTARTS = setting("RESTARTS", 2);
const WARM_UP_CALLS = 1500;

const hub = await startSimulator({ organizations: [{ key: ORG_KEY }] });
const deviceIds = hub.state.organizations[0]!.devices.map((device) => device.id);

/** CPU time (user + system, ms) a process has used so far. */
function cpuMs(pid: number): number {
  const fields = Deno.readTextFileSync(`/proc/${pid}/stat`).split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

async function startServer(label: string, root: string) {
  const env = serverEnv(hub, { LOG_LEVEL: "info", MCP_RATE_LIMIT_RPM: "0", XYTE_CACHE_TTL_S: "0" });
  const server = await spawnHttpServer([
    "run",
    "-A",
    "--v8-flags=--max-semi-space-size=2",
    `${root}/src/main.ts`,
    "--transport",
    "http",
    "--port",
    "0",
  ], env);
  const headers = await openRawSession(server.url, "ab");
  let next = 1;
  const call = async () => {
    const id = next++;
    const response = await fetch(server.url, {
      method: "POST",
      headers,
      body: JSON.stringify({
        jsonrpc: "2.0",
        id,
        method: "tools/call",
        params: { name: "get_device", arguments: { device_id: deviceIds[id % deviceIds.length] } },
      }),
    });
    const text = await response.text();
    if (!text.includes('"result"')) throw new Error(`${root}: ${text.slice(0, 200)}`);
  };
  /** `count` calls, C at a time. */
  const load = async (count: number) => {
    let started = 0;
    await Promise.all(Array.from({ length: C }, async () => {
      while (started < count) {
        started++;
        await call();
      }
    }));
  };
  return { label, server, load, pid: server.child.pid };
}

const cpu = new Map<string, number[]>(labels.map((label) => [label, []]));
const ratio = new Map<string, number[]>(labels.map((label) => [label, []]));
for (let restart = 0; restart < RESTARTS; restart++) {
  const servers = [];
  const order = restart % 2 === 0 ? labels.map((_, i) => i) : labels.map((_, i) => labels.length - 1 - i);
  for (const i of order) servers.push(await startServer(labels[i]!, roots[i]!));
  await Promise.all(servers.map((server) => server.load(WARM_UP_CALLS)));
  for (let round = 0; round < ROUNDS; round++) {
    const before = servers.map((server) => cpuMs(server.pid));
    await Promise.all(servers.map((server) => server.load(N)));
    const perCall = new Map(servers.map((server, i) => [server.label, (cpuMs(server.pid) - before[i]!) / N]));
    for (const label of labels) {
      cpu.get(label)!.push(perCall.get(label)!);
      ratio.get(label)!.push(perCall.get(label)! / perCall.get(labels[0]!)!);
    }
  }
  for (const server of servers) await server.server.stop();
}
await hub.close();

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
// deno-lint-ignore no-console
console.log(`get_device, stateful, c=${C} per server, ${RESTARTS} × ${ROUNDS} rounds of ${N} calls`);
// deno-lint-ignore no-console
console.table(Object.fromEntries(labels.map((label) => [label, {
  "CPU ms/call (median)": median(cpu.get(label)!).toFixed(3),
  "ratio to first (median)": median(ratio.get(label)!).toFixed(3),
  "ratio range": `${Math.min(...ratio.get(label)!).toFixed(2)}–${Math.max(...ratio.get(label)!).toFixed(2)}`,
}])));
