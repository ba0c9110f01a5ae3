/**
 * Listing a whole fleet: `list_devices all=true limit=10000` through the real server (stdio, `deno task start`
 * flags, cache off) over a simulated organization of 10,000 devices — 100 upstream pages of 100 — next to a
 * sequential baseline: the same pages fetched one after another with plain `fetch` from this process.
 * Each runs at two upstream latencies: none (loopback) and an injected delay per page request that stands in
 * for the round trip to Xyte's hub.
 *
 * The server is driven by a lean JSON-RPC client over its stdin/stdout (one line out, one line back), so the
 * figure is the server's work, not an SDK client validating 6 MB of results in this process.
 *
 *   deno run --allow-all bench/list_all.ts [runs=3] [latency-ms=50]
 */
import { startSimulator } from "../src/simulator/mod.ts";
import { LIST_CONCURRENCY } from "../src/tools/listing.ts";
import { ORG_KEY, RUN_ARGS, serverEnv } from "../tests/e2e/harness.ts";

const DEVICES = 10_000;
const PER_PAGE = 100;
const runs = Number(Deno.args[0] ?? 3);
const latencyMs = Number(Deno.args[1] ?? 50);
if (!Number.isInteger(runs) || runs < 1 || !Number.isFinite(latencyMs) || latencyMs < 0) {
  throw new Error("usage: bench/list_all.ts [runs=3] [latency-ms=50]");
}

/** The server over stdio, spoken to line by line. */
class StdioLines {
  readonly #child: Deno.ChildProcess;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #lines: AsyncIterator<string>;
  #id = 0;

  constructor(env: Record<string, string>) {
    this.#child = new Deno.Command(Deno.execPath(), {
      args: RUN_ARGS,
      env,
      clearEnv: true,
      stdin: "piped",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    this.#writer = this.#child.stdin.getWriter();
    this.#lines = splitLines(this.#child.stdout.pipeThrough(new TextDecoderStream()));
  }

  async request(method: string, params: unknown): Promise<unknown> {
    const id = ++this.#id;
    await this.#write({ jsonrpc: "2.0", id, method, params });
    for (;;) {
      const next = await this.#lines.next();
      if (next.done) throw new Error("the server closed stdout");
      const message = JSON.parse(next.value) as { id?: number; result?: unknown; error?: unknown };
      if (message.id !== id) continue; // notifications (progress) and the like
      if (message.error) throw new Error(`${method}: ${JSON.stringify(message.error)}`);
      return message.result;
    }
  }

  notify(method: string): Promise<void> {
    return this.#write({ jsonrpc: "2.0", method });
  }

  async close(): Promise<void> {
    await this.#writer.close();
    await this.#child.status;
  }

  #write(message: unknown): Promise<void> {
    return this.#writer.write(new TextEncoder().encode(`${JSON.stringify(message)}\n`));
  }
}

async function* splitLines(text: ReadableStream<string>): AsyncGenerator<string> {
  let pending = "";
  for await (const chunk of text) {
    pending += chunk;
    let newline: number;
    while ((newline = pending.indexOf("\n")) >= 0) {
      yield pending.slice(0, newline);
      pending = pending.slice(newline + 1);
    }
  }
}

const hub = await startSimulator({ organizations: [{ key: ORG_KEY, deviceCount: DEVICES }] });
const server = new StdioLines(serverEnv(hub, { LOG_LEVEL: "warning" }));
await server.request("initialize", {
  protocolVersion: "2025-06-18",
  capabilities: {},
  clientInfo: { name: "bench-list-all", version: "1" },
});
await server.notify("notifications/initialized");

/** `list_devices all=true` through the server; returns the rows it reported and the upstream pages used. */
async function viaServer(): Promise<{ rows: number; pages: number }> {
  const before = hub.requests.length;
  const result = await server.request("tools/call", {
    name: "list_devices",
    arguments: { all: true, limit: DEVICES },
  }) as { isError?: boolean; structuredContent: { devices: unknown[] } };
  if (result.isError) throw new Error(`list_devices failed: ${JSON.stringify(result.structuredContent)}`);
  return { rows: result.structuredContent.devices.length, pages: hub.requests.length - before };
}

/** The sequential baseline: page after page with fetch until has_next_page is false. */
async function sequentialFetch(): Promise<{ rows: number; pages: number }> {
  let rows = 0;
  let page = 1;
  for (;; page++) {
    const url = new URL("/core/v1/organization/devices", hub.url);
    url.searchParams.set("page", String(page));
    url.searchParams.set("per_page", String(PER_PAGE));
    const response = await fetch(url, { headers: { authorization: ORG_KEY } });
    const body = await response.json() as { items: unknown[]; has_next_page: boolean };
    rows += body.items.length;
    if (!body.has_next_page) return { rows, pages: page };
  }
}

async function median(fn: () => Promise<{ rows: number; pages: number }>) {
  await fn(); // warm-up: connections, JIT, the simulator's first sort
  const samples: number[] = [];
  let last = { rows: 0, pages: 0 };
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    last = await fn();
    samples.push(performance.now() - started);
  }
  samples.sort((a, b) => a - b);
  return { ms: samples[Math.floor(samples.length / 2)]!, ...last };
}

const table: Record<string, Record<string, string | number>> = {};
try {
  for (const delay of [0, latencyMs]) {
    hub.faults.clear();
    if (delay > 0) hub.faults.add({ endpointKey: "organization.devices.getDevices", delayMs: delay });
    const server = await median(viaServer);
    const baseline = await median(sequentialFetch);
    if (server.rows !== DEVICES || baseline.rows !== DEVICES) {
      throw new Error(
        `expected ${DEVICES} rows, got ${server.rows} (server) and ${baseline.rows} (baseline)`,
      );
    }
    table[`upstream latency ${delay} ms`] = {
      "server, all=true (ms)": Math.round(server.ms),
      "pages": server.pages,
      "sequential fetch (ms)": Math.round(baseline.ms),
      "speed-up": `${(baseline.ms / server.ms).toFixed(2)}×`,
      "server rows/s": Math.round(DEVICES / (server.ms / 1000)),
    };
  }
} finally {
  await server.close();
  await hub.close();
}
// deno-lint-ignore no-console
console.log(
  `${DEVICES} devices, ${PER_PAGE} per page, page concurrency ${LIST_CONCURRENCY}, median of ${runs}`,
);
// deno-lint-ignore no-console
console.table(table);
