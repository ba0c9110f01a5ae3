/**
 * HTTP service throughput and latency: `tools/call get_device` through the real server (stateful with a
 * session, and --stateless) at concurrency 1, 16 and 64, next to a direct `fetch` of the same simulator
 * endpoint in the same run; then the server's resident memory with 1,000 idle sessions, single-tenant and
 * multi-tenant (each session with a key of its own).
 *
 * The response cache is off (every call reaches the simulator) and the rate limit is off, so the difference
 * to direct fetch is what the MCP layer adds. A third server, `sdk_floor_server.ts` (the MCP SDK alone with one
 * bare tool, none of xyte-mcp), shows how much of that the SDK itself costs on the same machine; a fourth,
 * `relay_floor_server.ts` (no MCP at all: a bare Deno.serve relaying each call to the hub), what any server
 * that forwards a call costs here.
 *
 *   deno run --allow-all bench/http.ts [seconds-per-cell=3]
 */
import { startSimulator } from "../src/simulator/mod.ts";
import {
  JSON_RPC_HEADERS,
  openRawSession,
  openSessions,
  ORG_KEY,
  RUN_ARGS,
  serverEnv,
  spawnHttpServer,
  startHttpServer,
} from "../tests/e2e/harness.ts";

const SECONDS = Number(Deno.args[0] ?? 3);
const CONCURRENCY = Deno.env.get("BENCH_MEMORY_ONLY") ? [] : [1, 16, 64];
const hub = await startSimulator({ organizations: [{ key: ORG_KEY }] });
const deviceIds = hub.state.organizations[0]!.devices.map((d) => d.id);
// The production default log level (info: one line per tool call); V8 flags come from RUN_ARGS (deno task start).
const env = serverEnv(hub, {
  LOG_LEVEL: "info",
  MCP_RATE_LIMIT_RPM: "0",
  XYTE_CACHE_TTL_S: "0",
});

interface Cell {
  calls: number;
  perSecond: number;
  p50: number;
  p99: number;
  /** CPU time (user + system, all threads) the measured process spent per call, in ms; Linux only. */
  cpuMsPerCall?: number;
  /** That CPU time over the wall time: how many cores the process kept busy. */
  coresBusy?: number;
}

/**
 * CPU time a process has used so far, in ms (utime + stime of `/proc/<pid>/stat`, in the kernel's 100 Hz
 * clock ticks), or undefined where there is no procfs.
 */
function cpuMs(pid: number | "self"): number | undefined {
  try {
    const fields = Deno.readTextFileSync(`/proc/${pid}/stat`).split(") ")[1]!.split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

/**
 * Runs `call` from `workers` loops for SECONDS; latencies in ms. `pid` is the process whose CPU time per call
 * is measured: the server, or this process (client and hub) for the direct fetch.
 */
async function drive(
  workers: number,
  call: (i: number) => Promise<void>,
  pid: number | "self",
): Promise<Cell> {
  const latencies: number[] = [];
  const cpuBefore = cpuMs(pid);
  const started = performance.now();
  const deadline = started + SECONDS * 1000;
  let next = 0;
  await Promise.all(Array.from({ length: workers }, async () => {
    while (performance.now() < deadline) {
      const started = performance.now();
      await call(next++);
      latencies.push(performance.now() - started);
    }
  }));
  const cpuUsed = cpuBefore === undefined ? undefined : cpuMs(pid)! - cpuBefore;
  const wallMs = performance.now() - started;
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!;
  return {
    calls: latencies.length,
    perSecond: latencies.length / SECONDS,
    p50: at(0.5),
    p99: at(0.99),
    cpuMsPerCall: cpuUsed === undefined ? undefined : cpuUsed / latencies.length,
    coresBusy: cpuUsed === undefined ? undefined : cpuUsed / wallMs,
  };
}

const direct = (i: number) =>
  fetch(`${hub.url}/core/v1/organization/devices/${deviceIds[i % deviceIds.length]}`, {
    headers: { authorization: ORG_KEY, accept: "application/json" },
  }).then((r) => r.text()).then(() => {});

/**
 * A lean MCP client over plain fetch (what a production host's HTTP stack does, without an SDK's own CPU
 * cost in this process): `initialize` once for a session, then `tools/call` POSTs; the answer is read from
 * the JSON body or the SSE `data:` line.
 */
function openSession(url: string, stateless: boolean): Promise<Record<string, string>> {
  if (stateless) return Promise.resolve({ ...JSON_RPC_HEADERS, "mcp-protocol-version": "2025-06-18" });
  return openRawSession(url, "bench");
}

/** One `tools/call get_device` over plain fetch; throws unless the answer is a tool result. */
async function mcpCall(url: string, headers: Record<string, string>, i: number): Promise<void> {
  const response = await fetch(url, {
    method: "POST",
    headers,
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: i + 1,
      method: "tools/call",
      params: { name: "get_device", arguments: { device_id: deviceIds[i % deviceIds.length] } },
    }),
  });
  const text = await response.text();
  const json = text.startsWith("{")
    ? text
    : text.slice(text.indexOf("data: ") + 6, text.indexOf("\n", text.indexOf("data: ")));
  if (JSON.parse(json).result?.isError !== undefined) throw new Error(json);
}

async function mcpCell(url: string, pid: number, workers: number, stateless: boolean): Promise<Cell> {
  const sessions = await Promise.all(
    Array.from({ length: Math.min(workers, 16) }, () => openSession(url, stateless)),
  );
  return await drive(workers, (i) => mcpCall(url, sessions[i % sessions.length]!, i), pid);
}

const rows: Record<string, Record<string, string | number>> = {};
const shareOfDirect = new Map<string, number>();
const cells = new Map<string, { cell: Cell; baseline: Cell }>();
const fmt = (cell: Cell) => ({
  "calls/s": Math.round(cell.perSecond),
  "p50 ms": cell.p50.toFixed(2),
  "p99 ms": cell.p99.toFixed(2),
  "CPU ms/call": cell.cpuMsPerCall?.toFixed(3) ?? "n/a",
  "cores busy": cell.coresBusy?.toFixed(2) ?? "n/a",
});
const MODES = {
  stateful: () => startHttpServer(env),
  stateless: () => startHttpServer(env, ["--stateless"]),
  // Same runtime flags as the real server; only the script differs.
  "SDK alone, stateful": () =>
    spawnHttpServer(
      [...RUN_ARGS.slice(0, -1), new URL("./sdk_floor_server.ts", import.meta.url).pathname],
      env,
    ),
  "relay, no MCP": () =>
    spawnHttpServer(
      [...RUN_ARGS.slice(0, -1), new URL("./relay_floor_server.ts", import.meta.url).pathname],
      env,
    ),
};
for (const [mode, start] of Object.entries(MODES)) {
  const stateless = mode === "stateless";
  const server = await start();
  try {
    await mcpCell(server.url, server.child.pid, 4, stateless); // warm-up: JIT, connections, caches
    for (const workers of CONCURRENCY) {
      const baseline = await drive(workers, direct, "self");
      const cell = await mcpCell(server.url, server.child.pid, workers, stateless);
      rows[`direct fetch c=${workers}`] ??= fmt(baseline);
      shareOfDirect.set(`${mode} c=${workers}`, cell.perSecond / baseline.perSecond);
      cells.set(`${mode} c=${workers}`, { cell, baseline });
      rows[`${mode} c=${workers}`] = {
        ...fmt(cell),
        "added p50 ms": (cell.p50 - baseline.p50).toFixed(2),
        "vs direct": `${Math.round((cell.perSecond / baseline.perSecond) * 100)}%`,
      };
    }
  } finally {
    await server.stop();
  }
}
// Throughput against the SDK alone at the same concurrency, each as its share of the direct fetch measured
// next to it (the direct baseline moves between cells).
for (const [row, share] of shareOfDirect) {
  const workers = row.slice(row.lastIndexOf(" c=") + 3);
  const sdk = shareOfDirect.get(`SDK alone, stateful c=${workers}`);
  if (sdk && !row.startsWith("SDK alone") && !row.startsWith("relay")) {
    rows[row]!["vs SDK alone"] = `${Math.round((share / sdk) * 100)}%`;
  }
}
// deno-lint-ignore no-console
console.table(rows);

// The throughput target as a CPU budget. A server that keeps `cores busy` cores working reaches 40% of the
// direct fetch when each call costs it at most cores / (0.4 × direct calls/s) of CPU. The direct fetch is
// bound by this one process (client and hub on one JS thread), so a machine with more cores speeds up both
// sides alike: the budget, not the core count, decides the share.
const budgetRows: Record<string, Record<string, string | number>> = {};
for (const workers of CONCURRENCY) {
  const stateful = cells.get(`stateful c=${workers}`);
  const cores = stateful?.cell.coresBusy;
  if (!stateful || cores === undefined) continue;
  const row: Record<string, string | number> = {
    "40% of direct, calls/s": Math.round(0.4 * stateful.baseline.perSecond),
    "CPU budget ms/call": (cores / (0.4 * stateful.baseline.perSecond) * 1000).toFixed(3),
  };
  for (const mode of Object.keys(MODES)) {
    row[`${mode} ms/call`] = cells.get(`${mode} c=${workers}`)?.cell.cpuMsPerCall?.toFixed(3) ?? "n/a";
  }
  budgetRows[`c=${workers} (${cores.toFixed(2)} cores busy)`] = row;
}
if (Object.keys(budgetRows).length > 0) {
  // deno-lint-ignore no-console
  console.table(budgetRows);
}

// Added latency at c=1 with every kind of call measured in the same moments: one direct fetch, one stateful
// and one stateless call per round (in turn first), so that a slow spell of this shared machine, which can
// last seconds, weighs on all of them alike. The rows above measure each server in its own 3 s window, next
// to a direct fetch of the 3 s before it.
if (CONCURRENCY.length > 0) {
  const statefulServer = await startHttpServer(env);
  const statelessServer = await startHttpServer(env, ["--stateless"]);
  try {
    const session = await openSession(statefulServer.url, false);
    const plain = await openSession(statelessServer.url, true);
    const kinds: [string, (i: number) => Promise<void>][] = [
      ["direct fetch", direct],
      ["stateful", (i) => mcpCall(statefulServer.url, session, i)],
      ["stateless", (i) => mcpCall(statelessServer.url, plain, i)],
    ];
    for (let i = 0; i < 300; i++) for (const [, call] of kinds) await call(i); // warm-up
    const latencies = new Map<string, number[]>(kinds.map(([name]) => [name, []]));
    const deadline = performance.now() + 3 * SECONDS * 1000;
    for (let round = 0; performance.now() < deadline; round++) {
      for (let k = 0; k < kinds.length; k++) {
        const [name, call] = kinds[(round + k) % kinds.length]!;
        const started = performance.now();
        await call(round);
        latencies.get(name)!.push(performance.now() - started);
      }
    }
    const p50 = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
    const directP50 = p50(latencies.get("direct fetch")!);
    const interleaved: Record<string, Record<string, string | number>> = {};
    for (const [name, values] of latencies) {
      interleaved[`${name} c=1, interleaved`] = {
        calls: values.length,
        "p50 ms": p50(values).toFixed(2),
        ...(name === "direct fetch" ? {} : { "added p50 ms": (p50(values) - directP50).toFixed(2) }),
      };
    }
    // deno-lint-ignore no-console
    console.table(interleaved);
  } finally {
    await statefulServer.stop();
    await statelessServer.stop();
  }
}

// Memory with 1,000 idle sessions (2025-era clients that initialized and went quiet): single-tenant, and
// multi-tenant with each session bringing its own key (a session then has a Xyte client of its own).
const memoryRows: Record<string, Record<string, string | number>> = {};
const MEMORY_MODES = {
  "single-tenant": { env, key: () => undefined },
  "multi-tenant, a key each": {
    env: serverEnv(undefined, {
      XYTE_HUB_URL: hub.url,
      XYTE_ENTRY_URL: hub.url,
      LOG_LEVEL: "info",
      MCP_RATE_LIMIT_RPM: "0",
      XYTE_CACHE_TTL_S: "0",
    }),
    key: () => `bench-key-${crypto.randomUUID()}`,
  },
};
for (const [mode, { env: modeEnv, key }] of Object.entries(MEMORY_MODES)) {
  const server = await startHttpServer(modeEnv);
  try {
    const rss = () => {
      const status = Deno.readTextFileSync(`/proc/${server.child.pid}/status`);
      return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
    };
    const heapUsed = async () =>
      Number(
        /xyte_mcp_nodejs_heap_size_used_bytes (\d+)/.exec(
          await (await fetch(new URL("/metrics", server.url))).text(),
        )?.[1],
      ) / 1048576;
    const heapBefore = await heapUsed();
    const before = rss();
    const body = JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "idle", version: "1" } },
    });
    for (let batch = 0; batch < 1000; batch += 50) {
      await Promise.all(Array.from({ length: 50 }, async () => {
        const tenantKey = key();
        const headers = {
          "content-type": "application/json",
          "accept": "application/json, text/event-stream",
          ...(tenantKey ? { "x-xyte-api-key": tenantKey } : {}),
        };
        const response = await fetch(server.url, { method: "POST", headers, body });
        await response.text();
        if (!response.headers.get("mcp-session-id")) throw new Error("no session");
      }));
    }
    const sessions = await openSessions(server.url);
    // Let the server go idle (V8 collects garbage left by the 1,000 initialize requests), then read.
    await new Promise((r) => setTimeout(r, 5000));
    const after = rss();
    memoryRows[mode] = {
      sessions,
      "RSS before MB": before.toFixed(1),
      "JS heap before MB": heapBefore.toFixed(1),
      "RSS with sessions MB": after.toFixed(1),
      "RSS KB per session": (((after - before) * 1024) / sessions).toFixed(1),
      "JS heap used MB": (await heapUsed()).toFixed(1),
    };
  } finally {
    await server.stop();
  }
}
await hub.close();
// deno-lint-ignore no-console
console.table(memoryRows);
