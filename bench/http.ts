/**
 * HTTP service throughput and latency: `tools/call get_device` through the real server (stateful with a
 * session, and --stateless) at concurrency 1, 16 and 64, next to a direct `fetch` of the same simulator
 * endpoint in the same run; then the server's resident memory with 1,000 idle sessions.
 *
 * The response cache is off (every call reaches the simulator) and the rate limit is off, so the difference
 * to direct fetch is what the MCP layer adds.
 *
 *   deno run --allow-all bench/http.ts [seconds-per-cell=3]
 */
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { startSimulator } from "../src/simulator/mod.ts";
import { ORG_KEY, serverEnv, startHttpServer } from "../tests/e2e/harness.ts";

const SECONDS = Number(Deno.args[0] ?? 3);
const CONCURRENCY = [1, 16, 64];
const hub = await startSimulator({ organizations: [{ key: ORG_KEY }] });
const deviceIds = hub.state.organizations[0]!.devices.map((d) => d.id);
// The production default log level (info: one line per tool call).
const env = serverEnv(hub, { LOG_LEVEL: "info", MCP_RATE_LIMIT_RPM: "0", XYTE_CACHE_TTL_S: "0" });

interface Cell {
  calls: number;
  perSecond: number;
  p50: number;
  p99: number;
}

/** Runs `call` from `workers` loops for SECONDS; latencies in ms. */
async function drive(workers: number, call: (i: number) => Promise<void>): Promise<Cell> {
  const latencies: number[] = [];
  const deadline = performance.now() + SECONDS * 1000;
  let next = 0;
  await Promise.all(Array.from({ length: workers }, async () => {
    while (performance.now() < deadline) {
      const started = performance.now();
      await call(next++);
      latencies.push(performance.now() - started);
    }
  }));
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!;
  return { calls: latencies.length, perSecond: latencies.length / SECONDS, p50: at(0.5), p99: at(0.99) };
}

const direct = (i: number) =>
  fetch(`${hub.url}/core/v1/organization/devices/${deviceIds[i % deviceIds.length]}`, {
    headers: { authorization: ORG_KEY, accept: "application/json" },
  }).then((r) => r.text()).then(() => {});

async function mcpCell(url: string, workers: number): Promise<Cell> {
  const clients = await Promise.all(Array.from({ length: Math.min(workers, 16) }, async () => {
    const client = new Client({ name: "bench", version: "1" });
    await client.connect(new StreamableHTTPClientTransport(new URL(url)));
    return client;
  }));
  try {
    return await drive(workers, async (i) => {
      const result = await clients[i % clients.length]!.callTool({
        name: "get_device",
        arguments: { device_id: deviceIds[i % deviceIds.length] },
      });
      if (result.isError) throw new Error(JSON.stringify(result.structuredContent));
    });
  } finally {
    await Promise.all(clients.map((c) => c.close()));
  }
}

const rows: Record<string, Record<string, string | number>> = {};
const fmt = (cell: Cell) => ({
  "calls/s": Math.round(cell.perSecond),
  "p50 ms": cell.p50.toFixed(2),
  "p99 ms": cell.p99.toFixed(2),
});
for (const mode of ["stateful", "stateless"] as const) {
  const server = await startHttpServer(env, mode === "stateless" ? ["--stateless"] : []);
  try {
    await mcpCell(server.url, 4); // warm-up: JIT, connections, caches
    for (const workers of CONCURRENCY) {
      const baseline = await drive(workers, direct);
      const cell = await mcpCell(server.url, workers);
      rows[`direct fetch c=${workers}`] ??= fmt(baseline);
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
// deno-lint-ignore no-console
console.table(rows);

// Memory with 1,000 idle sessions (2025-era clients that initialized and went quiet).
const server = await startHttpServer(env);
try {
  const rss = () => {
    const status = Deno.readTextFileSync(`/proc/${server.child.pid}/status`);
    return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
  };
  const before = rss();
  const headers = { "content-type": "application/json", "accept": "application/json, text/event-stream" };
  const body = JSON.stringify({
    jsonrpc: "2.0",
    id: 1,
    method: "initialize",
    params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "idle", version: "1" } },
  });
  for (let batch = 0; batch < 1000; batch += 50) {
    await Promise.all(Array.from({ length: 50 }, async () => {
      const response = await fetch(server.url, { method: "POST", headers, body });
      await response.text();
      if (!response.headers.get("mcp-session-id")) throw new Error("no session");
    }));
  }
  const health = await (await fetch(new URL("/healthz", server.url))).json();
  const after = rss();
  // deno-lint-ignore no-console
  console.table({
    "idle sessions": {
      sessions: health.sessions,
      "RSS before MB": before.toFixed(1),
      "RSS with sessions MB": after.toFixed(1),
      "KB per session": (((after - before) * 1024) / health.sessions).toFixed(1),
    },
  });
} finally {
  await server.stop();
  await hub.close();
}
