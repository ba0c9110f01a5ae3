/**
 * Protocol conformance and real-client checks (`deno task conformance`).
 *
 * 1. The conformance fixture (tests/conformance/serve_fixture.ts: the suite's `test_*` tools, resources and
 *    prompts on the project's own HTTP stack) must pass 100% of the default suite of the official
 *    `@modelcontextprotocol/conformance@0.1.16`.
 * 2. The real server (`src/main.ts --demo --transport http`, the `deno task start` permissions, no rate limit)
 *    runs the same suite with tests/conformance/demo-expected-failures.yaml: every scenario not listed must
 *    pass, and every listed one must still fail (a listed scenario that passes is a stale entry: the CLI exits
 *    1 for it too).
 * 3. Report only, never gating: the suite's pending scenarios on the fixture, and the 2026-07-28 revision
 *    (`@0.2.0-alpha.12 --requirements 2026-07-28`) on both servers.
 * 4. The MCP Inspector CLI lists and calls tools over stdio and HTTP (tests/e2e/inspector_smoke.ts); skipped
 *    with the reason when npx cannot fetch it.
 *
 * Flags: --skip-2026, --skip-inspector, --keep (keep the logs and result files even when everything passed).
 * Exit code 1 on any regression. The suites' full output is written to a temporary directory, named on failure.
 */
import { parseArgs } from "node:util";
import { serverEnv, startHttpServer } from "../tests/e2e/harness.ts";
import {
  INSPECTOR_PACKAGE,
  runInspectorSmoke,
  SMOKE_CHECKS,
  type SmokeReport,
} from "../tests/e2e/inspector_smoke.ts";

const SUITE = "npm:@modelcontextprotocol/conformance@0.1.16";
const NEXT_SUITE = "npm:@modelcontextprotocol/conformance@0.2.0-alpha.12";
const NEXT_REVISION = "2026-07-28";
const EXPECTED_FAILURES =
  new URL("../tests/conformance/demo-expected-failures.yaml", import.meta.url).pathname;
const SERVE_FIXTURE = new URL("../tests/conformance/serve_fixture.ts", import.meta.url).pathname;
/** The permissions and V8 flags of `deno task start`, for the fixture too. */
const FIXTURE_RUN_ARGS = [
  "run",
  "--allow-net",
  "--allow-env",
  "--allow-read",
  "--v8-flags=--max-semi-space-size=2",
];
const SUITE_TIMEOUT_MS = 150_000;

// deno-lint-ignore no-console
const say = (line = ""): void => console.log(line);

interface ScenarioResult {
  name: string;
  passed: number;
  failed: number;
  warnings: number;
  /** The first failure or warning message. */
  problem?: string;
  /** Every check that did not succeed (skipped and informational checks aside). */
  issues: Issue[];
}

interface Issue {
  id: string;
  status: "FAILURE" | "WARNING";
  message: string;
  /** The suite could not exercise the requirement (a missing fixture). */
  untestable: boolean;
}

interface SuiteRun {
  code: number;
  timedOut: boolean;
  /** Scenarios the CLI said it would run. */
  announced?: number;
  scenarios: Map<string, ScenarioResult>;
  /** Scenarios run but not scored for the requested revision (extensions, pending). */
  unscored: Set<string>;
  log: string;
}

const ok = (s: ScenarioResult | undefined): boolean => !!s && s.failed === 0 && s.warnings === 0;
const cut = (text: string, max: number): string => (text.length > max ? `${text.slice(0, max - 1)}…` : text);
const ANSI_COLOR = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g");
const stripAnsi = (text: string): string => text.replace(ANSI_COLOR, "");

/** Runs one conformance CLI against `url`; its output goes to `<dir>/<label>.log` and its results under it. */
async function runSuite(
  pkg: string,
  url: string,
  dir: string,
  label: string,
  extra: string[] = [],
): Promise<SuiteRun> {
  const resultDir = `${dir}/${label}`;
  const log = `${dir}/${label}.log`;
  const signal = AbortSignal.timeout(SUITE_TIMEOUT_MS);
  const command = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--no-lock", pkg, "server", "--url", url, "-o", resultDir, ...extra],
    // Outside the repository: the suite must not pick up this project's deno.json or lock file.
    cwd: dir,
    env: { NO_COLOR: "1", FORCE_COLOR: "0", DENO_NO_UPDATE_CHECK: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    signal,
  });
  let output: Pick<Deno.CommandOutput, "code" | "stdout" | "stderr">;
  try {
    output = await command.output();
  } catch (error) {
    if (!signal.aborted) throw error;
    output = { code: -1, stdout: new Uint8Array(), stderr: new TextEncoder().encode("timed out\n") };
  }
  const text = stripAnsi(new TextDecoder().decode(output.stdout) + new TextDecoder().decode(output.stderr));
  await Deno.writeTextFile(log, text);

  const scenarios = new Map<string, ScenarioResult>();
  for (const match of text.matchAll(/^[✓✗] ([\w.-]+): (\d+) passed, (\d+) failed$/gm)) {
    scenarios.set(match[1]!, {
      name: match[1]!,
      passed: Number(match[2]),
      failed: Number(match[3]),
      warnings: 0,
      issues: [],
    });
  }
  // Warnings and messages come from each scenario's checks.json (server-<scenario>-<timestamp>/).
  for await (const entry of safeReadDir(resultDir)) {
    const name = /^server-(.+)-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z$/.exec(entry)?.[1];
    if (!name) continue;
    const checks: {
      id: string;
      status: string;
      errorMessage?: string;
      description?: string;
      details?: { untestable?: unknown };
    }[] = JSON.parse(
      await Deno.readTextFile(`${resultDir}/${entry}/checks.json`).catch(() => "[]"),
    );
    const result = scenarios.get(name) ?? { name, passed: 0, failed: 0, warnings: 0, issues: [] };
    result.warnings = checks.filter((c) => c.status === "WARNING").length;
    result.issues = checks.filter((c) => c.status === "FAILURE" || c.status === "WARNING").map((c) => ({
      id: c.id,
      status: c.status as Issue["status"],
      message: c.errorMessage ?? c.description ?? "?",
      untestable: c.details?.untestable === true,
    }));
    const problem = result.issues.find((i) => i.status === "FAILURE") ?? result.issues[0];
    if (problem) result.problem = `${problem.status}: ${problem.message}`;
    scenarios.set(name, result);
  }
  for (const result of scenarios.values()) {
    if (result.failed > 0 && !result.problem) {
      result.problem = "FAILURE (no checks recorded: the scenario crashed)";
    }
  }
  const unscoredBlock = /^Not scored for [^\n]*\n((?: {2}[✓✗] .*\n?)*)/m.exec(text)?.[1] ?? "";
  const unscored = new Set([...unscoredBlock.matchAll(/^ {2}[✓✗] ([\w.-]+)/gm)].map((m) => m[1]!));
  const announced = /\((\d+) scenarios\) against/.exec(text)?.[1];
  return {
    code: output.code,
    timedOut: signal.aborted,
    ...(announced ? { announced: Number(announced) } : {}),
    scenarios,
    unscored,
    log,
  };
}

async function* safeReadDir(path: string): AsyncGenerator<string> {
  try {
    for await (const entry of Deno.readDir(path)) if (entry.isDirectory) yield entry.name;
  } catch {
    // no results written
  }
}

/** The expected failures and the reason given (the comment block above each group) for each. */
async function loadExpectedFailures(path: string): Promise<Map<string, string>> {
  const expected = new Map<string, string>();
  let inServer = false;
  let reason: string[] = [];
  let lastWasComment = false;
  for (const line of (await Deno.readTextFile(path)).split("\n")) {
    if (/^\S/.test(line)) {
      inServer = /^server:\s*$/.test(line);
      reason = [];
      continue;
    }
    if (!inServer) continue;
    const comment = /^\s+#\s?(.*)$/.exec(line);
    if (comment) {
      if (!lastWasComment) reason = [];
      reason.push(comment[1]!.trim());
      lastWasComment = true;
      continue;
    }
    lastWasComment = false;
    const item = /^\s+-\s+([\w.-]+)\s*(?:#.*)?$/.exec(line);
    if (item) expected.set(item[1]!, reason.join(" "));
  }
  return expected;
}

/** Spawns serve_fixture.ts on a free port and waits for the URL it prints on stderr. */
async function startFixtureProcess(
  logPath: string,
): Promise<{ url: string; stop(): Promise<void> }> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [...FIXTURE_RUN_ARGS, SERVE_FIXTURE, "0"],
    env: { DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" },
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let stderr = "";
  const { promise: url, resolve, reject } = Promise.withResolvers<string>();
  const timer = setTimeout(() => reject(new Error(`the fixture did not start in 30 s:\n${stderr}`)), 30_000);
  const reading = (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of child.stderr) {
      stderr += decoder.decode(chunk, { stream: true });
      const found = /listening on (\S+)/.exec(stderr)?.[1];
      if (found) resolve(found);
    }
    reject(new Error(`the fixture exited before listening:\n${stderr}`));
  })();
  const stop = async () => {
    try {
      child.kill("SIGTERM");
    } catch {
      // already gone
    }
    await child.status;
    await reading.catch(() => {});
    await Deno.writeTextFile(logPath, stderr);
  };
  try {
    return { url: await url, stop };
  } catch (error) {
    await stop();
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

interface Outcome {
  passed: number;
  failed: number;
  skipped: number;
  problems: string[];
}

function suiteProblems(label: string, run: SuiteRun): string[] {
  const problems: string[] = [];
  if (run.timedOut) problems.push(`${label}: the suite did not finish within ${SUITE_TIMEOUT_MS / 1000} s`);
  if (run.scenarios.size === 0) problems.push(`${label}: no scenario ran (see ${run.log})`);
  if (run.announced !== undefined && run.announced !== run.scenarios.size) {
    problems.push(`${label}: ${run.announced} scenarios announced, ${run.scenarios.size} reported`);
  }
  return problems;
}

async function main(): Promise<number> {
  const flags = parseArgs({
    args: Deno.args,
    options: {
      "skip-2026": { type: "boolean", default: false },
      "skip-inspector": { type: "boolean", default: false },
      keep: { type: "boolean", default: false },
    },
  }).values;
  const started = performance.now();
  const dir = await Deno.makeTempDir({ prefix: "xyte-conformance-" });
  const outcome: Outcome = { passed: 0, failed: 0, skipped: 0, problems: [] };
  const expected = await loadExpectedFailures(EXPECTED_FAILURES);

  say(
    `Conformance: ${SUITE.slice(4)} (gating)${flags["skip-2026"] ? "" : `, ${NEXT_SUITE.slice(4)} (report)`}`,
  );
  say(`  logs and results: ${dir}`);

  // 1. The fixture, through the production HTTP stack.
  say("  … fixture: starting tests/conformance/serve_fixture.ts");
  const fixture = await startFixtureProcess(`${dir}/fixture-server.log`);
  let fixtureRun: SuiteRun;
  let fixtureNext: SuiteRun | undefined;
  let fixturePending: SuiteRun;
  try {
    say(`  … fixture: running the default suite against ${fixture.url}`);
    fixtureRun = await runSuite(SUITE, fixture.url, dir, "fixture");
    say("  … fixture: pending scenarios of the same suite (report)");
    fixturePending = await runSuite(SUITE, fixture.url, dir, "fixture-pending", ["--suite", "pending"]);
    if (!flags["skip-2026"]) {
      say(`  … fixture: ${NEXT_REVISION} report`);
      fixtureNext = await runSuite(NEXT_SUITE, fixture.url, dir, "fixture-2026", [
        "--requirements",
        NEXT_REVISION,
      ]);
    }
  } finally {
    await fixture.stop();
  }

  // 2. The real server, demo mode, `deno task start` permissions; the suite bursts past the default rate limit.
  say("  … demo: starting src/main.ts --demo --transport http --port 0 (MCP_RATE_LIMIT_RPM=0)");
  const demo = await startHttpServer(
    serverEnv(undefined, { LOG_LEVEL: "info", MCP_RATE_LIMIT_RPM: "0", XYTE_CACHE_TTL_S: "10" }),
    ["--demo"],
  );
  let demoRun: SuiteRun;
  let demoNext: SuiteRun | undefined;
  try {
    say(`  … demo: running the default suite against ${demo.url}`);
    demoRun = await runSuite(SUITE, demo.url, dir, "demo", ["--expected-failures", EXPECTED_FAILURES]);
    if (!flags["skip-2026"]) {
      say(`  … demo: ${NEXT_REVISION} report`);
      demoNext = await runSuite(NEXT_SUITE, demo.url, dir, "demo-2026", ["--requirements", NEXT_REVISION]);
    }
  } finally {
    await demo.stop();
    await Deno.writeTextFile(`${dir}/demo-server.log`, demo.stderr());
  }

  // 3. A real client.
  let smoke: SmokeReport | undefined;
  if (!flags["skip-inspector"]) {
    say(`  … inspector: ${INSPECTOR_PACKAGE} over stdio and HTTP`);
    smoke = await runInspectorSmoke({ progress: (line) => say(`  … inspector: ${line}`) });
  }

  reportDefaultSuite(fixtureRun, demoRun, expected, outcome);
  reportPending(fixturePending);
  if (fixtureNext && demoNext) reportNextRevision(fixtureNext, demoNext);
  if (smoke) reportSmoke(smoke, outcome);

  // A problem no table row counted (a CLI exit status, a scenario count) still fails the closing line.
  if (outcome.problems.length > 0 && outcome.failed === 0) outcome.failed = 1;
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  say();
  if (outcome.problems.length > 0) {
    say("Regressions:");
    for (const problem of outcome.problems) say(`  ✗ ${problem}`);
    say(`Full output: ${dir}`);
  } else if (flags.keep) {
    say(`Full output kept in ${dir}`);
  } else {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
  say(`Finished in ${seconds} s.`);
  say(`conformance: ${outcome.passed} passed, ${outcome.failed} failed, ${outcome.skipped} skipped`);
  return outcome.problems.length > 0 || outcome.failed > 0 ? 1 : 0;
}

function reportDefaultSuite(
  fixture: SuiteRun,
  demo: SuiteRun,
  expected: Map<string, string>,
  outcome: Outcome,
): void {
  say();
  say(`${SUITE.slice(4)}, default suite: fixture (must pass all) and demo (src/main.ts --demo)`);
  const names = [...new Set([...fixture.scenarios.keys(), ...demo.scenarios.keys()])];
  const width = Math.max(8, ...names.map((n) => n.length)) + 2;
  say(`  ${"scenario".padEnd(width)}${"fixture".padEnd(10)}demo`);
  let fixturePassed = 0;
  const demoCount = { passed: 0, expected: 0, unexpected: 0, stale: 0 };
  for (const name of names) {
    const f = fixture.scenarios.get(name);
    const d = demo.scenarios.get(name);
    const fixtureCell = !f ? "missing" : ok(f) ? "pass" : "FAIL";
    if (ok(f)) fixturePassed++;
    else {outcome.problems.push(
        `fixture: ${name} ${f ? `failed — ${cut(f.problem ?? "", 200)}` : "did not run"}`,
      );}
    let demoCell: string;
    if (!d) {
      demoCell = "missing";
      outcome.problems.push(`demo: ${name} did not run`);
    } else if (expected.has(name)) {
      if (ok(d)) {
        demoCell = "PASS, but listed as an expected failure (stale entry)";
        demoCount.stale++;
        outcome.problems.push(`demo: ${name} passes now: remove it from demo-expected-failures.yaml`);
      } else {
        demoCell = `expected failure — ${/^[^.]*/.exec(expected.get(name) ?? "")![0] || "listed"}`;
        demoCount.expected++;
      }
    } else if (ok(d)) {
      demoCell = "pass";
      demoCount.passed++;
    } else {
      demoCell = `FAIL — ${cut(d.problem ?? "", 120)}`;
      demoCount.unexpected++;
      outcome.problems.push(`demo: ${name} failed — ${cut(d.problem ?? "", 200)}`);
    }
    say(`  ${name.padEnd(width)}${fixtureCell.padEnd(10)}${demoCell}`);
  }
  for (const name of expected.keys()) {
    if (!demo.scenarios.has(name)) {
      outcome.problems.push(`demo-expected-failures.yaml names ${name}, which did not run`);
    }
  }
  outcome.problems.push(...suiteProblems("fixture", fixture), ...suiteProblems("demo", demo));
  if (fixture.code !== 0) {
    outcome.problems.push(`fixture: the conformance CLI exited ${fixture.code} (see ${fixture.log})`);
  }
  // With --expected-failures the CLI exits 1 on a new failure or a stale entry: it must agree with the table.
  if (demo.code !== 0) {
    outcome.problems.push(`demo: the conformance CLI's baseline check exited ${demo.code} (see ${demo.log})`);
  }

  say(`  fixture: ${fixturePassed}/${fixture.scenarios.size} scenarios passed`);
  say(
    `  demo: ${demoCount.passed} passed, ${demoCount.expected} expected failures, ` +
      `${demoCount.unexpected} new failures, ${demoCount.stale} stale expected failures`,
  );
  outcome.passed += fixturePassed + demoCount.passed;
  outcome.failed += fixture.scenarios.size - fixturePassed + demoCount.unexpected + demoCount.stale;
  outcome.skipped += demoCount.expected;
}

/** The suite's pending scenarios (not in its default run) on the fixture: report only. */
function reportPending(run: SuiteRun): void {
  say();
  say(`${SUITE.slice(4)} --suite pending, fixture (report only, not gating)`);
  if (run.scenarios.size === 0) {
    say(`  no result (see ${run.log})`);
    return;
  }
  for (const scenario of run.scenarios.values()) {
    say(`  ${ok(scenario) ? "pass" : scenario.failed > 0 ? "fail" : "warn"}  ${scenario.name}`);
    for (const issue of scenario.issues) {
      say(`        ${issue.id} ${issue.status}: ${cut(issue.message, 150)}`);
    }
  }
}

/**
 * Whether a demo check failed only because the product lacks the suite's fixtures: it names one (`test_*`,
 * `test://…`), could not be exercised, or belongs to the multi-round scenarios, which all call fixture tools.
 */
function fixtureOnly(scenario: string, issue: Issue): boolean {
  return issue.untestable || scenario.startsWith("input-required-result-") ||
    /\btest_\w+|test:\/\/|Not testable|Prerequisite failed/.test(issue.message);
}

function reportNextRevision(fixture: SuiteRun, demo: SuiteRun): void {
  say();
  say(`${NEXT_SUITE.slice(4)} --requirements ${NEXT_REVISION} (report only, not gating)`);
  const scored = (run: SuiteRun) => [...run.scenarios.values()].filter((s) => !run.unscored.has(s.name));
  for (const [label, run] of [["fixture", fixture], ["demo", demo]] as const) {
    if (run.scenarios.size === 0) {
      say(`  ${label}: no result (see ${run.log})`);
      continue;
    }
    const list = scored(run);
    say(
      `  ${label}: ${list.filter(ok).length}/${list.length} scored scenarios passed ` +
        `(${run.unscored.size} more run but not scored: extensions, pending)`,
    );
  }
  const fixtureIssues = scored(fixture).flatMap((s) => s.issues.map((i) => ({ scenario: s.name, ...i })));
  const demoIssues = scored(demo).flatMap((s) => s.issues.map((i) => ({ scenario: s.name, ...i })));
  const demoFindings = demoIssues.filter((i) => !fixtureOnly(i.scenario, i));
  const fixtureOnlyScenarios = new Set(
    demoIssues.filter((i) => fixtureOnly(i.scenario, i)).map((i) => i.scenario),
  );
  say(`  demo: ${fixtureOnlyScenarios.size} scenarios fail for lack of the suite's fixtures (test_* names)`);
  const rows = [
    ...fixtureIssues.map((i) => ({ where: "fixture", ...i })),
    ...demoFindings.map((i) => ({ where: "demo", ...i })),
  ];
  if (rows.length === 0) return;
  say("  other checks not passing:");
  for (const row of rows) {
    say(`    ${row.where.padEnd(8)}${row.scenario} / ${row.id} ${row.status}: ${cut(row.message, 150)}`);
  }
}

function reportSmoke(smoke: SmokeReport, outcome: Outcome): void {
  say();
  say(`${INSPECTOR_PACKAGE}: the real server over stdio and HTTP`);
  if (smoke.skipped) {
    say(`  skipped: ${smoke.skipped}`);
    outcome.skipped += SMOKE_CHECKS;
    return;
  }
  for (const check of smoke.checks) {
    say(`  ${check.ok ? "ok  " : "FAIL"} ${check.name} (${check.ms} ms): ${check.detail}`);
    if (check.ok) outcome.passed++;
    else {
      outcome.failed++;
      outcome.problems.push(`inspector: ${check.name} — ${check.detail}`);
    }
  }
}

if (import.meta.main) Deno.exit(await main());
