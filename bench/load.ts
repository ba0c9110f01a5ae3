/**
 * Resilience under load: N concurrent MCP sessions × M tool calls each through the real HTTP server, against
 * the simulated hub with a transient fault rate on every endpoint (503, 502 and 429 with `Retry-After: 0`/`1`,
 * plus occasional slow answers). The calls mix idempotent reads (get_device, list_devices, list_incidents,
 * diagnose_device) and writes (send_command and send_ticket_message — POSTs, not idempotent — and
 * update_ticket, a PUT).
 *
 * Then, with the faults removed, every write is checked through the server's own read tools:
 * - every write the hub acknowledged (2xx in its request log) is visible in a later read (list_commands,
 *   get_ticket): otherwise it was lost; a write the tool reported as done must have been acknowledged;
 * - no non-idempotent request reached the hub twice for one tool call (each write carries a unique tag in
 *   `friendly_name`/`extra_params` or the message text, counted in the hub's request log and in the reads):
 *   otherwise it was duplicated;
 * - a write that failed failed with a typed error (`isError` and `structuredContent.error.code`).
 * The process exits with 1 when a write was lost or duplicated, or failed untyped.
 *
 *   deno run --allow-all bench/load.ts [sessions=8] [calls-per-session=100] [fault-rate=0.10] [seed=42]
 *
 * `fault-rate` is the share of upstream requests answered with a transient error; slow answers (400 ms, then
 * the normal response) come on top at a fifth of that rate. `seed` picks the workload (tools, devices,
 * tickets), the simulated organization's data and the offset into the simulator's fixed-seed fault PRNG;
 * which request meets a fault also depends on arrival order, so counts vary a little between runs.
 */
import { startSimulator } from "../src/simulator/mod.ts";
import type { FaultSpec, RecordedRequest, SimTicket } from "../src/simulator/mod.ts";
import { mixSeed, Prng } from "../src/simulator/prng.ts";
import { SimulatorImpl } from "../src/simulator/simulator.ts";
import { openRawSession, ORG_KEY, serverEnv, startHttpServer } from "../tests/e2e/harness.ts";

function numberArg(index: number, name: string, fallback: number, valid: (n: number) => boolean): number {
  const raw = Deno.args[index];
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || !valid(value)) {
    // deno-lint-ignore no-console
    console.error(`bad ${name}: ${raw}`);
    Deno.exit(2);
  }
  return value;
}

const SESSIONS = numberArg(0, "sessions", 8, (n) => Number.isInteger(n) && n >= 1 && n <= 256);
const CALLS = numberArg(1, "calls-per-session", 100, (n) => Number.isInteger(n) && n >= 1);
const FAULT_RATE = numberArg(2, "fault-rate", 0.10, (n) => n >= 0 && n <= 0.8);
const SEED = numberArg(3, "seed", 42, (n) => Number.isInteger(n));
const SLOW_RATE = FAULT_RATE / 5;
const SLOW_MS = 400;
/** Devices the workload touches (diagnose_device footprints are calibrated per device). */
const DEVICE_POOL = 32;

// ---------------------------------------------------------------------------------------------------------
// The simulated hub, the workload plan and the server.

const hub = await startSimulator({ organizations: [{ key: ORG_KEY, seed: SEED }] });
if (!(hub instanceof SimulatorImpl)) throw new Error("unexpected simulator implementation");
const org = hub.state.organizations[0]!;
const devicePool = org.devices.slice(0, DEVICE_POOL).map((d) => d.id);
const seededOpenTickets = org.tickets.filter((t) => t.status === "open").map((t) => t.id);

type ToolName =
  | "get_device"
  | "list_devices"
  | "list_incidents"
  | "diagnose_device"
  | "send_command"
  | "update_ticket"
  | "send_ticket_message";

/** Relative weights: 70% reads, 30% writes. */
const MIX: readonly (readonly [ToolName, number])[] = [
  ["get_device", 30],
  ["list_devices", 15],
  ["list_incidents", 15],
  ["diagnose_device", 10],
  ["send_command", 15],
  ["update_ticket", 7.5],
  ["send_ticket_message", 7.5],
];
const WRITES: ReadonlySet<ToolName> = new Set(["send_command", "update_ticket", "send_ticket_message"]);
/** Writes whose upstream request is a POST: a second copy upstream is a second effect. */
const NON_IDEMPOTENT: ReadonlySet<ToolName> = new Set(["send_command", "send_ticket_message"]);
/** The one upstream request each write makes. */
const WRITE_ENDPOINT: Partial<Record<ToolName, string>> = {
  send_command: "organization.commands.sendCommand",
  update_ticket: "organization.tickets.updateTicket",
  send_ticket_message: "organization.tickets.sendMessage",
};

const LIST_DEVICES_ARGS = [
  {},
  { status: "offline" },
  { effective_status: ["offline", "disconnected"] },
  { page: 2, per_page: 50 },
  { all: true },
];
const LIST_INCIDENTS_ARGS = [{}, { status: "active" }, { status: "active", priority: "high" }, { all: true }];
const COMMAND_NAMES = ["reboot", "identify", "refresh_state"];

interface PlannedCall {
  tool: ToolName;
  args: Record<string, unknown>;
  /** Unique value carried by a write, found again in the hub's request log and in reads. */
  tag?: string;
  /** The ticket a ticket write targets. */
  ticketId?: string;
}

/** A fresh open ticket per update_ticket call, so that every update (not only the last) can be checked. */
function freshTicket(prng: Prng, tag: string): SimTicket {
  const template = org.tickets[0]!;
  const at = Date.now() - 3_600_000;
  const ticket: SimTicket = {
    id: prng.uuid(),
    title: `Load bench ticket ${tag}`,
    description: "before the load run",
    status: "open",
    deviceId: prng.pick(devicePool),
    userName: template.userName,
    userEmail: template.userEmail,
    comments: [],
    createdAtMs: at,
    updatedAtMs: at,
  };
  org.tickets.push(ticket);
  return ticket;
}

function planSession(session: number): PlannedCall[] {
  const prng = new Prng(mixSeed(SEED, session + 1));
  const calls: PlannedCall[] = [];
  for (let i = 0; i < CALLS; i++) {
    const tool = prng.weighted(MIX);
    const tag = `load-${SEED}-s${session}-${i}`;
    switch (tool) {
      case "get_device":
        calls.push({ tool, args: { device_id: prng.pick(devicePool), notes: prng.chance(0.25) } });
        break;
      case "list_devices":
        calls.push({ tool, args: prng.pick(LIST_DEVICES_ARGS) });
        break;
      case "list_incidents":
        calls.push({ tool, args: prng.pick(LIST_INCIDENTS_ARGS) });
        break;
      case "diagnose_device":
        calls.push({ tool, args: { device_id: prng.pick(devicePool) } });
        break;
      case "send_command":
        calls.push({
          tool,
          tag,
          args: {
            device_id: prng.pick(devicePool),
            name: prng.pick(COMMAND_NAMES),
            friendly_name: tag,
            extra_params: { load_tag: tag },
          },
        });
        break;
      case "update_ticket": {
        const ticket = freshTicket(prng, tag);
        calls.push({ tool, tag, ticketId: ticket.id, args: { ticket_id: ticket.id, description: tag } });
        break;
      }
      case "send_ticket_message": {
        const ticketId = prng.pick(seededOpenTickets);
        calls.push({ tool, tag, ticketId, args: { ticket_id: ticketId, message: tag } });
        break;
      }
    }
  }
  return calls;
}

const plans = Array.from({ length: SESSIONS }, (_, s) => planSession(s));

const server = await startHttpServer(serverEnv(hub, { LOG_LEVEL: "info", MCP_RATE_LIMIT_RPM: "0" }));

// ---------------------------------------------------------------------------------------------------------
// A lean MCP client over plain fetch (as in bench/http.ts): one stateful session, then tools/call POSTs.

type Answer =
  | { kind: "result"; isError: boolean; structured: Record<string, unknown> | undefined }
  | { kind: "failure"; message: string };

class McpSession {
  #nextId = 1;
  private constructor(readonly url: string, readonly headers: Record<string, string>) {}

  static async open(url: string): Promise<McpSession> {
    return new McpSession(url, await openRawSession(url, "bench-load"));
  }

  async call(name: string, args: Record<string, unknown>): Promise<Answer> {
    const id = this.#nextId++;
    let text: string;
    let status: number;
    try {
      const response = await fetch(this.url, {
        method: "POST",
        headers: this.headers,
        body: JSON.stringify({ jsonrpc: "2.0", id, method: "tools/call", params: { name, arguments: args } }),
      });
      status = response.status;
      text = await response.text();
    } catch (error) {
      return { kind: "failure", message: `transport: ${error instanceof Error ? error.message : error}` };
    }
    // A JSON body, or SSE events whose `data:` lines carry JSON-RPC messages.
    const messages = text.trimStart().startsWith("{") ? [text] : text.split("\n")
      .filter((line) => line.startsWith("data:"))
      .map((line) => line.slice(5).trim());
    for (const raw of messages) {
      let message: { id?: unknown; result?: Record<string, unknown>; error?: { message?: string } };
      try {
        message = JSON.parse(raw);
      } catch {
        continue;
      }
      if (message.id !== id) continue;
      if (message.error) return { kind: "failure", message: `JSON-RPC error: ${message.error.message}` };
      const result = message.result ?? {};
      return {
        kind: "result",
        isError: result.isError === true,
        structured: result.structuredContent as Record<string, unknown> | undefined,
      };
    }
    return { kind: "failure", message: `HTTP ${status}: no answer to request ${id}: ${text.slice(0, 200)}` };
  }
}

/** The error code of a failed tool result, or undefined when the failure is not typed. */
function errorCode(answer: Answer): string | undefined {
  if (answer.kind !== "result" || !answer.isError) return undefined;
  const code = (answer.structured?.error as { code?: unknown } | undefined)?.code;
  return typeof code === "string" && code !== "" ? code : undefined;
}

// ---------------------------------------------------------------------------------------------------------
// Calibration: each distinct read, once, without faults — its upstream requests per endpoint. The expected
// upstream traffic of the run (no faults, no retries) follows; what the hub saw beyond it is retries.

const readKey = (c: PlannedCall) => `${c.tool} ${JSON.stringify(c.args)}`;
const footprints = new Map<string, Map<string, number>>();
const calibration = await McpSession.open(server.url);
for (const call of plans.flat()) {
  if (WRITES.has(call.tool)) continue;
  const key = readKey(call);
  if (footprints.has(key)) continue;
  const from = hub.requests.length;
  const answer = await calibration.call(call.tool, call.args);
  if (answer.kind !== "result" || answer.isError) {
    throw new Error(`calibration call ${key} failed: ${JSON.stringify(answer)}`);
  }
  footprints.set(key, countBy(hub.requests.slice(from), (r) => r.endpointKey ?? "(no route)"));
}

function countBy<T>(items: Iterable<T>, key: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
}

// ---------------------------------------------------------------------------------------------------------
// Faults: conditional probabilities so that each kind hits its share of all requests (the first matching
// fault that passes its draw wins). Counted where the simulator takes them.

const ERROR_MIX: readonly (readonly [number, FaultSpec])[] = [
  [0.25, { status: 503, retryAfter: 0 }],
  [0.15, { status: 503 }],
  [0.25, { status: 502, body: "<html><body><h1>502 Bad Gateway</h1></body></html>" }],
  [0.20, { status: 429, retryAfter: 0 }],
  [0.15, { status: 429, retryAfter: 1 }],
];

function faultLabel(spec: FaultSpec): string {
  if (spec.status === undefined) return `slow (${spec.delayMs} ms)`;
  return spec.retryAfter === undefined
    ? String(spec.status)
    : `${spec.status} Retry-After: ${spec.retryAfter}`;
}

const faultsTaken = new Map<string, number>();
const registry = hub.faultRegistry;
const take = registry.take.bind(registry);
registry.take = (target) => {
  const spec = take(target);
  if (spec) faultsTaken.set(faultLabel(spec), (faultsTaken.get(faultLabel(spec)) ?? 0) + 1);
  return spec;
};

function injectFaults(): void {
  const shares: [number, FaultSpec][] = [
    ...ERROR_MIX.map(([weight, spec]): [number, FaultSpec] => [weight * FAULT_RATE, spec]),
    [SLOW_RATE, { delayMs: SLOW_MS }],
  ];
  let taken = 0;
  for (const [share, spec] of shares) {
    if (share <= 0) continue;
    hub.faults.add({ ...spec, probability: Math.min(1, share / (1 - taken)) });
    taken += share;
  }
  // The simulator's fault PRNG has a fixed seed; advancing it by a seed-dependent number of draws makes the
  // seed pick the fault pattern too.
  for (let i = 0; i < SEED % 997; i++) take({ endpointKey: null, method: "GET", path: "/__bench/seed" });
}

// ---------------------------------------------------------------------------------------------------------
// Metrics of the server (Prometheus text), before and after the run.

/** Metric families the server declares (a labelled counter has no sample before its first increment). */
const declaredMetrics = new Set<string>();

async function scrape(): Promise<Map<string, number>> {
  const text = await (await fetch(new URL("/metrics", server.url))).text();
  for (const match of text.matchAll(/^# TYPE (\S+) /gm)) declaredMetrics.add(match[1]!);
  const samples = new Map<string, number>();
  for (const line of text.split("\n")) {
    const match = /^([a-z_:][a-z0-9_:]*(?:\{[^}]*\})?) (\S+)$/i.exec(line);
    if (match) samples.set(match[1]!, Number(match[2]));
  }
  return samples;
}

/** Sum of a metric's samples over labels, as the run's delta; per label value when `by` is given. */
function delta(before: Map<string, number>, after: Map<string, number>, metric: string, by?: string) {
  const out = new Map<string, number>();
  for (const [series, value] of after) {
    if (series !== metric && !series.startsWith(`${metric}{`)) continue;
    const label = by ? new RegExp(`${by}="([^"]*)"`).exec(series)?.[1] ?? "" : "";
    out.set(label, (out.get(label) ?? 0) + value - (before.get(series) ?? 0));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// The run.

interface Outcome {
  call: PlannedCall;
  ok: boolean;
  /** Error code of a failed call; "untyped" when it failed without one. */
  code?: string;
  detail?: string;
  ms: number;
}

const sessions = await Promise.all(plans.map(() => McpSession.open(server.url)));
const metricsBefore = await scrape();
const runFrom = hub.requests.length;
injectFaults();
const started = performance.now();
const outcomes = (await Promise.all(sessions.map(async (session, s) => {
  const done: Outcome[] = [];
  for (const call of plans[s]!) {
    const t0 = performance.now();
    const answer = await session.call(call.tool, call.args);
    const ms = performance.now() - t0;
    if (answer.kind === "result" && !answer.isError) done.push({ call, ok: true, ms });
    else {
      const detail = answer.kind === "failure" ? answer.message : JSON.stringify(answer.structured);
      done.push({ call, ok: false, code: errorCode(answer) ?? "untyped", detail, ms });
    }
  }
  return done;
}))).flat();
const wallSeconds = (performance.now() - started) / 1000;
hub.faults.clear();
const runRequests = hub.requests.slice(runFrom);
const metricsAfter = await scrape();

// ---------------------------------------------------------------------------------------------------------
// Read-after-write checks, without faults, through the server's own read tools.

const checker = await McpSession.open(server.url);
const verifyFailures: string[] = [];

async function read(tool: string, args: Record<string, unknown>): Promise<Record<string, unknown>> {
  const answer = await checker.call(tool, args);
  if (answer.kind !== "result" || answer.isError || !answer.structured) {
    verifyFailures.push(`${tool} ${JSON.stringify(args)}: ${JSON.stringify(answer)}`);
    return {};
  }
  return answer.structured;
}

/** Tag → how many times the write is visible. */
const visible = new Map<string, number>();
const bump = (tag: string) => visible.set(tag, (visible.get(tag) ?? 0) + 1);
const writeOutcomes = outcomes.filter((o) => WRITES.has(o.call.tool));
const tagged = new Set(writeOutcomes.map((o) => o.call.tag!));

const commandDevices = new Set(
  writeOutcomes.filter((o) => o.call.tool === "send_command").map((o) => o.call.args.device_id as string),
);
for (const deviceId of commandDevices) {
  const listed = await read("list_commands", { device_id: deviceId, all: true, limit: 10_000 });
  for (const row of (listed.commands ?? []) as { name: string | null }[]) {
    const tag = /\((load-[^)]+)\)$/.exec(row.name ?? "")?.[1];
    if (tag && tagged.has(tag)) bump(tag);
  }
}
const ticketIds = new Set(writeOutcomes.filter((o) => o.call.ticketId).map((o) => o.call.ticketId!));
for (const ticketId of ticketIds) {
  const ticket = await read("get_ticket", { ticket_id: ticketId });
  if (typeof ticket.description === "string" && tagged.has(ticket.description)) bump(ticket.description);
  for (const message of (ticket.messages ?? []) as { text: string | null }[]) {
    if (message.text && tagged.has(message.text)) bump(message.text);
  }
}

/** Upstream requests of each write, found by its tag in the request body. */
function tagOf(request: RecordedRequest): string | undefined {
  const body = request.body as Record<string, unknown> | undefined;
  const value = body?.friendly_name ?? body?.message ?? body?.description;
  return typeof value === "string" ? value : undefined;
}
const upstreamByTag = new Map<string, RecordedRequest[]>();
for (const request of runRequests) {
  const tag = tagOf(request);
  if (tag === undefined || !tagged.has(tag)) continue;
  upstreamByTag.set(tag, [...(upstreamByTag.get(tag) ?? []), request]);
}

const is2xx = (status: number) => status >= 200 && status < 300;
const problems: string[] = [];
let acknowledged = 0;
let verified = 0;
let lost = 0;
let duplicated = 0;
let repeatedPosts = 0;
let failedButApplied = 0;
let untypedWriteFailures = 0;
for (const o of writeOutcomes) {
  const tag = o.call.tag!;
  const requests = (upstreamByTag.get(tag) ?? []).filter((r) =>
    r.endpointKey === WRITE_ENDPOINT[o.call.tool]
  );
  const acks = requests.filter((r) => is2xx(r.status)).length;
  const seen = visible.get(tag) ?? 0;
  if (acks > 0) acknowledged++;
  if (acks > 0 && seen > 0) verified++;
  if ((acks > 0 || o.ok) && seen === 0) {
    lost++;
    problems.push(`LOST ${o.call.tool} ${tag}: tool ${o.ok ? "ok" : o.code}, ${acks} ack(s), not visible`);
  } else if (o.ok && acks === 0) {
    lost++;
    problems.push(`LOST ${o.call.tool} ${tag}: tool ok but the hub never acknowledged it`);
  }
  if (NON_IDEMPOTENT.has(o.call.tool) && (requests.length > 1 || acks > 1 || seen > 1)) {
    duplicated++;
    if (requests.length > 1) repeatedPosts++;
    problems.push(
      `DUPLICATED ${o.call.tool} ${tag}: ${requests.length} upstream POST(s) (statuses ${
        requests.map((r) => r.status).join(", ")
      }), ${acks} ack(s), visible ${seen}×`,
    );
  }
  if (!o.ok && acks > 0) failedButApplied++;
  if (!o.ok && o.code === "untyped") {
    untypedWriteFailures++;
    problems.push(`UNTYPED failure of ${o.call.tool} ${tag}: ${o.detail}`);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Report.

function percentile(sorted: readonly number[], q: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

function row(list: readonly Outcome[]) {
  const ms = list.map((o) => o.ms).sort((a, b) => a - b);
  const ok = list.filter((o) => o.ok).length;
  const codes = countBy(list.filter((o) => !o.ok), (o) => o.code!);
  return {
    calls: list.length,
    ok,
    "success %": list.length === 0 ? "" : ((ok / list.length) * 100).toFixed(1),
    "p50 ms": percentile(ms, 0.5).toFixed(1),
    "p99 ms": percentile(ms, 0.99).toFixed(1),
    "error codes": [...codes].sort((a, b) => b[1] - a[1]).map(([c, n]) => `${c}×${n}`).join(" "),
  };
}

const reads = outcomes.filter((o) => !WRITES.has(o.call.tool));
const table: Record<string, ReturnType<typeof row>> = {};
for (const [tool] of MIX) table[tool] = row(outcomes.filter((o) => o.call.tool === tool));
table["idempotent reads"] = row(reads);
table["writes"] = row(writeOutcomes);
table["all"] = row(outcomes);

const expected = new Map<string, number>();
for (const o of outcomes) {
  const footprint = WRITES.has(o.call.tool)
    ? new Map([[WRITE_ENDPOINT[o.call.tool]!, 1]])
    : footprints.get(readKey(o.call))!;
  for (const [endpoint, n] of footprint) expected.set(endpoint, (expected.get(endpoint) ?? 0) + n);
}
const actual = countBy(runRequests, (r) => r.endpointKey ?? "(no route)");
let beyondFaultFree = 0;
for (const [endpoint, n] of actual) beyondFaultFree += Math.max(0, n - (expected.get(endpoint) ?? 0));

/** Longest run of consecutive transient faults on one URL: ≥ retry budget + 1 means a request gave up. */
const TRANSIENT = new Set([429, 502, 503]);
const streaks = new Map<string, number>();
let longestStreak = 0;
for (const r of runRequests) {
  const key = `${r.method} ${r.path}?${r.query}`;
  const n = TRANSIENT.has(r.status) ? (streaks.get(key) ?? 0) + 1 : 0;
  streaks.set(key, n);
  longestStreak = Math.max(longestStreak, n);
}

const RETRY_METRIC = "xyte_mcp_upstream_retries_total";
const hasRetryMetric = declaredMetrics.has(RETRY_METRIC);
const retriesByReason = delta(metricsBefore, metricsAfter, RETRY_METRIC, "reason");
const retriesTotal = [...retriesByReason.values()].reduce((a, b) => a + b, 0);
const upstreamPerMetrics = [
  ...delta(metricsBefore, metricsAfter, "xyte_mcp_upstream_requests_total").values(),
]
  .reduce((a, b) => a + b, 0);
const faultsTotal = [...faultsTaken.values()].reduce((a, b) => a + b, 0);
const writeSuccess = writeOutcomes.filter((o) => o.ok).length;
const readSuccess = reads.filter((o) => o.ok).length;
const pct = (n: number, of: number) => `${n}/${of} (${of === 0 ? "–" : ((n / of) * 100).toFixed(1)}%)`;
const list = (m: Map<string, number>) =>
  [...m].filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k}: ${n}`).join(", ");

const summary: Record<string, string | number> = {
  "run": `${SESSIONS} sessions × ${CALLS} calls, fault rate ${FAULT_RATE} (+${SLOW_RATE} slow), seed ${SEED}`,
  "wall time": `${wallSeconds.toFixed(1)} s (${Math.round(outcomes.length / wallSeconds)} calls/s)`,
  "idempotent success": pct(readSuccess, reads.length),
  "write success": pct(writeSuccess, writeOutcomes.length),
  "upstream requests": `${runRequests.length} (server metrics: ${upstreamPerMetrics})`,
  "upstream retries": hasRetryMetric
    ? `${retriesTotal} (${RETRY_METRIC}${retriesTotal > 0 ? `: ${list(retriesByReason)}` : ""})`
    : "n/a (the server exposes no retry counter)",
  "requests beyond a fault-free run": beyondFaultFree,
  "faults injected": `${faultsTotal}${faultsTotal > 0 ? ` (${list(faultsTaken)})` : ""}`,
  "longest fault streak on one URL": longestStreak,
  "writes acknowledged by the hub": acknowledged,
  "acknowledged writes visible in reads": verified,
  "writes failed but applied": failedButApplied,
  "lost writes": lost,
  "duplicated writes": `${duplicated} (POST sent twice for one call: ${repeatedPosts})`,
  "untyped write failures": untypedWriteFailures,
};

// deno-lint-ignore no-console
console.table(table);
// deno-lint-ignore no-console
console.table(summary);
for (const line of [...problems.slice(0, 20), ...verifyFailures.slice(0, 10)]) {
  // deno-lint-ignore no-console
  console.log(line);
}
const failedReads = reads.filter((o) => !o.ok);
if (failedReads.length > 0) {
  // deno-lint-ignore no-console
  console.log(
    `idempotent target (100%) missed; first failure: ${failedReads[0]!.call.tool} ${failedReads[0]!.detail}`,
  );
}

await server.stop();
await hub.close();
const broken = lost + duplicated + untypedWriteFailures + verifyFailures.length;
// deno-lint-ignore no-console
console.log(broken === 0 ? "OK: no write lost or duplicated" : `FAIL: ${broken} write problem(s)`);
Deno.exit(broken === 0 ? 0 : 1);
