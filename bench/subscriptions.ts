/**
 * Resource subscriptions at volume, over HTTP sessions against the simulator:
 * - fan-out: SESSIONS clients each subscribe to the same DEVICES devices; how many upstream reads that
 *   costs (one per watched URI, not per subscription);
 * - write → notification: a tool call renames a device; the time from the call's answer to the first and
 *   to the last of the SESSIONS subscribers hearing `notifications/resources/updated` (p50/p99); then the
 *   same with the write made through a second replica sharing Redis (when redis-server is available);
 * - a write storm: WRITES renames one after another while one session watches 100 devices; the upstream
 *   reads they cost (the renamed device's, not every watched one's) and the time per write;
 * - polling: with `MCP_SUBSCRIPTION_POLL_S=1`, upstream reads per second and the server's CPU while nothing
 *   changes, next to the same sessions and subscriptions without polling.
 *
 *   deno run --allow-all bench/subscriptions.ts [sessions=50] [devices=20]
 */
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { startSimulator } from "../src/simulator/mod.ts";
import { ORG_KEY, serverEnv, startHttpServer } from "../tests/e2e/harness.ts";
import { startTestRedis } from "../tests/helpers/redis.ts";

const SESSIONS = Number(Deno.args[0] ?? 50);
const DEVICES = Number(Deno.args[1] ?? 20);
const WRITES = 100;
const GET_DEVICE = "organization.devices.getDevice";

const hub = await startSimulator({ organizations: [{ key: ORG_KEY }] });
const deviceIds = hub.state.organizations[0]!.devices.slice(0, DEVICES).map((d) => d.id);
const uriOf = (id: string) => `xyte://devices/${id}`;
const deviceReads = () => hub.requests.filter((r) => r.endpointKey === GET_DEVICE).length;

/** CPU time (ms) of a process so far, from /proc. */
function processStats(pid: number): { cpuMs: number } {
  const fields = Deno.readTextFileSync(`/proc/${pid}/stat`).split(") ")[1]!.split(" ");
  return { cpuMs: (Number(fields[11]) + Number(fields[12])) * 10 };
}

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function connect(url: string): Promise<Client> {
  const client = new Client({ name: "bench-subscriptions", version: "1" });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return client;
}

/**
 * WRITES renames through `writer`; for each, the time from the tool's answer to the first and to the last of
 * `subscribers` hearing of the device.
 */
async function writeToNotified(
  writer: Client,
  subscribers: Client[],
): Promise<Record<string, string | number>> {
  // Every subscriber records when it hears of each URI.
  const heard = new Map<string, number[]>();
  for (const client of subscribers) {
    client.setNotificationHandler("notifications/resources/updated", (n) => {
      const times = heard.get(n.params.uri) ?? [];
      times.push(performance.now());
      heard.set(n.params.uri, times);
    });
  }
  const first: number[] = [];
  const last: number[] = [];
  for (let i = 0; i < WRITES; i++) {
    const uri = uriOf(deviceIds[i % DEVICES]!);
    heard.delete(uri);
    const result = await writer.callTool({
      name: "update_device",
      arguments: { device_id: deviceIds[i % DEVICES], name: `Bench rename ${i}` },
    });
    const answered = performance.now();
    if (result.isError) throw new Error(JSON.stringify(result.structuredContent));
    const until = answered + 5_000;
    while ((heard.get(uri)?.length ?? 0) < subscribers.length) {
      if (performance.now() > until) throw new Error(`only ${heard.get(uri)?.length ?? 0} heard of ${uri}`);
      await pause(1);
    }
    const times = heard.get(uri)!;
    first.push(Math.min(...times) - answered);
    last.push(Math.max(...times) - answered);
  }
  first.sort((a, b) => a - b);
  last.sort((a, b) => a - b);
  return {
    subscriptions: subscribers.length,
    "first p50 ms": quantile(first, 0.5).toFixed(1),
    "first p99 ms": quantile(first, 0.99).toFixed(1),
    "last p50 ms": quantile(last, 0.5).toFixed(1),
    "last p99 ms": quantile(last, 0.99).toFixed(1),
  };
}

// ── fan-out and write → notification, no polling ───────────────────────────────────────────────────────────
const rows: Record<string, Record<string, string | number>> = {};
{
  const server = await startHttpServer(
    serverEnv(hub, { LOG_LEVEL: "info", MCP_RATE_LIMIT_RPM: "0", MCP_SUBSCRIPTION_POLL_S: "0" }),
  );
  const clients: Client[] = [];
  try {
    for (let i = 0; i < SESSIONS; i++) clients.push(await connect(server.url));
    await pause(500);
    const readsBefore = deviceReads();
    const started = performance.now();
    for (const client of clients) {
      for (const id of deviceIds) await client.subscribeResource({ uri: uriOf(id) });
    }
    const subscribeMs = performance.now() - started;
    rows["subscribe"] = {
      subscriptions: SESSIONS * DEVICES,
      "upstream reads": deviceReads() - readsBefore,
      "ms per subscribe": (subscribeMs / (SESSIONS * DEVICES)).toFixed(2),
    };

    rows["write → notified"] = await writeToNotified(clients[0]!, clients);
  } finally {
    for (const client of clients) await client.close();
    await server.stop();
  }
}

// ── a write through another replica, the two sharing Redis (no polling) ────────────────────────────────────
const redis = await startTestRedis();
if (redis) {
  const env = serverEnv(hub, {
    LOG_LEVEL: "info",
    MCP_RATE_LIMIT_RPM: "0",
    MCP_SUBSCRIPTION_POLL_S: "0",
    REDIS_URL: redis.url,
  });
  const [subscribed, writing] = await Promise.all([startHttpServer(env), startHttpServer(env)]);
  const clients: Client[] = [];
  try {
    for (let i = 0; i < SESSIONS; i++) {
      const client = await connect(subscribed.url);
      clients.push(client);
      for (const id of deviceIds) await client.subscribeResource({ uri: uriOf(id) });
    }
    const writer = await connect(writing.url);
    clients.push(writer);
    rows["write → notified, other replica"] = await writeToNotified(writer, clients.slice(0, SESSIONS));
  } finally {
    for (const client of clients) await client.close();
    await subscribed.stop();
    await writing.stop();
    await redis.close();
  }
}

// ── a write storm: renames one after another while one session watches every device it may ─────────────────
{
  const storm = await startSimulator({ organizations: [{ key: ORG_KEY, deviceCount: 100 }] });
  const ids = storm.state.organizations[0]!.devices.map((d) => d.id);
  const reads = () => storm.requests.filter((r) => r.endpointKey === GET_DEVICE).length;
  const server = await startHttpServer(
    serverEnv(storm, { LOG_LEVEL: "info", MCP_RATE_LIMIT_RPM: "0", MCP_SUBSCRIPTION_POLL_S: "0" }),
  );
  const client = await connect(server.url);
  try {
    for (const id of ids) await client.subscribeResource({ uri: uriOf(id) });
    const before = reads();
    const started = performance.now();
    for (let i = 0; i < WRITES; i++) {
      await client.callTool({
        name: "update_device",
        arguments: { device_id: ids[i % ids.length], name: `Storm ${i}` },
      });
    }
    const ms = performance.now() - started;
    await pause(1_500);
    rows["write storm"] = {
      subscriptions: ids.length,
      writes: WRITES,
      "upstream reads": reads() - before,
      "ms per write": (ms / WRITES).toFixed(1),
    };
  } finally {
    await client.close();
    await server.stop();
    await storm.close();
  }
}

// ── polling while nothing changes, next to the same sessions without polling ─────────────────────────────────
for (const poll of ["0", "1"]) {
  const server = await startHttpServer(
    serverEnv(hub, { LOG_LEVEL: "info", MCP_RATE_LIMIT_RPM: "0", MCP_SUBSCRIPTION_POLL_S: poll }),
  );
  const clients: Client[] = [];
  try {
    for (let i = 0; i < SESSIONS; i++) {
      const client = await connect(server.url);
      clients.push(client);
      for (const id of deviceIds) await client.subscribeResource({ uri: uriOf(id) });
    }
    await pause(1_500);
    const seconds = 10;
    const reads = deviceReads();
    const cpu = processStats(server.child.pid).cpuMs;
    await pause(seconds * 1000);
    rows[poll === "0" ? "idle, no polling" : "polling every 1 s"] = {
      subscriptions: SESSIONS * DEVICES,
      "upstream reads/s": ((deviceReads() - reads) / seconds).toFixed(1),
      "server CPU ms/s": ((processStats(server.child.pid).cpuMs - cpu) / seconds).toFixed(1),
    };
  } finally {
    for (const client of clients) await client.close();
    await server.stop();
  }
}
await hub.close();
// deno-lint-ignore no-console
console.log(`subscriptions: ${SESSIONS} sessions × ${DEVICES} devices (one tenant)`);
// deno-lint-ignore no-console
console.table(rows);
