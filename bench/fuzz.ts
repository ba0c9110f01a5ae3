/**
 * Fuzzing at volume: the cases of tests/e2e/fuzz.test.ts (malformed and edge-case JSON-RPC, HTTP header,
 * method, framing and size garbage) against one real server per transport, split evenly between stdio and
 * HTTP, then a table of what went wrong.
 *
 *   deno run --allow-all bench/fuzz.ts [cases=20000] [seed=random]
 *
 * The seed is printed; run again with it to reproduce a failure (each failure names its case index).
 * Exits 1 when any property is violated.
 */
import { describeFailures, fuzzHttp, type FuzzReport, fuzzStdio } from "../tests/fuzz/generators.ts";
import { ORG_KEY, PARTNER_KEY, serverEnv, startHub } from "../tests/e2e/harness.ts";

const positional = Deno.args.filter((a) => !a.startsWith("--"));
const CASES = Number(positional[0] ?? 20_000);
const SEED = positional[1] !== undefined ? Number(positional[1]) : Math.floor(Math.random() * 2 ** 31);
if (!Number.isInteger(CASES) || CASES < 2 || !Number.isInteger(SEED)) {
  throw new Error("usage: bench/fuzz.ts [cases=20000] [seed]");
}

// deno-lint-ignore no-console
const say = (line: string) => console.log(line);
say(`fuzz: ${CASES} cases, seed ${SEED}`);

const hub = await startHub();
const env = serverEnv(hub, { LOG_LEVEL: "info", MCP_RATE_LIMIT_RPM: "0" });
const perTransport = Math.floor(CASES / 2);
const common = {
  seed: SEED,
  env,
  secrets: [ORG_KEY, PARTNER_KEY],
  hugeCases: Math.max(4, Math.round(perTransport / 2000)),
  answerTimeoutMs: 10_000,
};
const reports: FuzzReport[] = [];
try {
  reports.push(
    await fuzzStdio({
      ...common,
      cases: CASES - perTransport,
      progress: (n) => say(`  stdio: ${n} cases sent`),
    }),
  );
  reports.push(
    await fuzzHttp({
      ...common,
      cases: perTransport,
      progress: (n) => say(`  http: ${n} cases done`),
    }),
  );
} finally {
  await hub.close();
}

const columns = [
  "transport",
  "cases",
  "sent",
  "requests",
  "crashes",
  "unanswered",
  "malformed w/ id unanswered",
  "5xx",
  "stack traces",
  "key leaks",
  "not JSON-RPC",
  "elapsed",
  "cases/s",
];
const rows = reports.map((r) => [
  r.transport,
  r.cases.toLocaleString("en-US"),
  r.sent.toLocaleString("en-US"),
  r.requests.toLocaleString("en-US"),
  String(r.crashes),
  String(r.unanswered),
  `${r.malformedUnanswered} of ${r.malformedWithId}`,
  String(r.serverErrors),
  String(r.stackTraces),
  String(r.secretLeaks),
  String(r.notJsonRpc),
  `${(r.elapsedMs / 1000).toFixed(1)} s`,
  String(Math.round(r.cases / (r.elapsedMs / 1000))),
]);
const widths = columns.map((c, i) => Math.max(c.length, ...rows.map((row) => row[i]!.length)));
const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
say("");
say(line(columns));
say(`| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`);
for (const row of rows) say(line(row));
const http = reports.find((r) => r.transport === "http");
if (http) say(`\nHTTP statuses: ${JSON.stringify(http.statuses)}`);
say("malformed w/ id: JSON that is not a valid MCP message but carries an id; each must get a -32600 back.");

const violated = reports.filter((r) => r.failures.length > 0 || r.malformedUnanswered > 0);
for (const r of violated) say(`\n${r.transport} failures (seed ${r.seed}):\n${describeFailures(r, 20)}`);
Deno.exit(violated.length > 0 ? 1 : 0);
