/**
 * The GitHub Actions workflows' essentials: CI runs every check on Linux, macOS and Windows with Deno 2 (and
 * Redis on Linux); a version tag builds every target of scripts/compile.ts on its own platform, smoke-runs
 * it there, publishes it with checksums, and pushes a multi-arch image to GHCR.
 */
import assert from "node:assert/strict";
import { parse } from "yaml";
import { TARGETS } from "../../scripts/compile.ts";

// deno-lint-ignore no-explicit-any
type Workflow = Record<string, any>;

const ROOT = new URL("../../", import.meta.url);
const read = async (name: string) =>
  parse(await Deno.readTextFile(new URL(`.github/workflows/${name}`, ROOT))) as Workflow;
const CI = await read("ci.yml");
const RELEASE = await read("release.yml");
const PINNED_DENO = /deno@(\d+\.\d+\.\d+)/.exec(await Deno.readTextFile(new URL(".ci/run", ROOT)))?.[1];

// deno-lint-ignore no-explicit-any
const stepsOf = (job: Workflow): any[] => job.steps ?? [];
const runs = (job: Workflow): string[] => stepsOf(job).map((s) => s.run).filter((r) => typeof r === "string");
const uses = (job: Workflow): string[] =>
  stepsOf(job).map((s) => s.uses).filter((u) => typeof u === "string");

function osesOf(job: Workflow): string[] {
  const runsOn = String(job["runs-on"]);
  if (!runsOn.includes("matrix.")) return [runsOn];
  return job.strategy.matrix.os ?? job.strategy.matrix.include.map((i: Workflow) => i.runner);
}

Deno.test("workflows: every action is pinned to a release (no branches), permissions are explicit", () => {
  for (const [name, workflow] of [["ci.yml", CI], ["release.yml", RELEASE]] as const) {
    assert.ok(workflow.permissions, `${name}: top-level permissions`);
    for (const [id, job] of Object.entries(workflow.jobs as Record<string, Workflow>)) {
      for (const action of uses(job)) {
        assert.match(action, /^[\w.-]+\/[\w./-]+@(v\d+(\.\d+)*|[0-9a-f]{40})$/, `${name}/${id}: ${action}`);
      }
      assert.ok(job["timeout-minutes"], `${name}/${id}: a timeout`);
    }
  }
});

Deno.test("ci.yml: fmt, lint, check, tests and conformance on ubuntu, macOS and Windows with Deno 2.x", () => {
  assert.ok("push" in CI.on && "pull_request" in CI.on, "on push and pull request");
  const jobs = Object.values(CI.jobs as Record<string, Workflow>);
  const oses = jobs.flatMap(osesOf);
  for (const family of ["ubuntu", "macos", "windows"]) {
    assert.ok(oses.some((os) => os.startsWith(family)), `runs on ${family}: ${oses.join(", ")}`);
  }
  for (const job of jobs) {
    const setup = stepsOf(job).find((s) => String(s.uses).startsWith("denoland/setup-deno@"));
    assert.ok(setup, "sets up Deno");
    assert.match(String(setup.with["deno-version"]), /^v?2(\.|$)/, "Deno 2");
    const commands = runs(job);
    for (
      const expected of [
        "deno install --frozen",
        "deno fmt --check",
        "deno lint",
        "deno check",
        "deno test --allow-all --parallel",
        "deno task conformance",
      ]
    ) {
      assert.ok(commands.includes(expected), `${osesOf(job)}: ${expected}`);
    }
    const order = ["deno fmt --check", "deno lint", "deno check", "deno test --allow-all --parallel"]
      .map((c) => commands.indexOf(c));
    assert.deepEqual(order, [...order].sort((a, b) => a - b), "cheap checks first");
  }
  const linux = jobs.find((job) => osesOf(job).some((os) => os.startsWith("ubuntu")))!;
  const redis = linux.services?.redis;
  assert.ok(redis, "a Redis service on Linux");
  assert.match(redis.image, /^redis:[\d.]+/);
  const port = String(redis.ports[0]).split(":")[0];
  assert.equal(
    linux.env.REDIS_TEST_URL,
    `redis://127.0.0.1:${port}`,
    "tests find it (tests/helpers/redis.ts)",
  );
  for (const job of jobs.filter((j) => osesOf(j).some((os) => os.startsWith("windows")))) {
    const autocrlf = runs(job).findIndex((r) => r.includes("core.autocrlf false"));
    const checkout = stepsOf(job).findIndex((s) => String(s.uses).startsWith("actions/checkout@"));
    assert.ok(autocrlf >= 0 && autocrlf < checkout, "Windows keeps LF endings for deno fmt --check");
  }
});

Deno.test("release.yml: on v* tags, every target built and smoke-run on its own platform, checksums, release, GHCR image", () => {
  assert.deepEqual(RELEASE.on.push.tags, ["v*"]);
  const binaries = RELEASE.jobs.binaries as Workflow;
  const include = binaries.strategy.matrix.include as { target: string; runner: string }[];
  assert.deepEqual(
    include.map((i) => i.target).sort(),
    [...TARGETS].sort(),
    "every target of scripts/compile.ts",
  );
  const native: Record<string, RegExp> = {
    "x86_64-unknown-linux-gnu": /^ubuntu-(latest|\d+\.\d+)$/,
    "aarch64-unknown-linux-gnu": /^ubuntu-[\d.]+-arm$/,
    "x86_64-apple-darwin": /^macos-(13|\d+-intel)$/,
    "aarch64-apple-darwin": /^macos-(latest|1[4-9]|[2-9]\d)$/,
    "x86_64-pc-windows-msvc": /^windows-/,
  };
  for (const { target, runner } of include) {
    assert.match(runner, native[target]!, `${target} runs on ${runner}`);
  }
  assert.equal(binaries["runs-on"], "${{ matrix.runner }}");
  const setup = stepsOf(binaries).find((s) => String(s.uses).startsWith("denoland/setup-deno@"));
  assert.equal(String(setup.with["deno-version"]), PINNED_DENO, "releases are built with the pinned Deno");
  const commands = runs(binaries).join("\n");
  assert.match(commands, /deno install --frozen/);
  assert.match(commands, /deno task compile --target \$\{\{ matrix\.target \}\}/);
  assert.match(commands, /scripts\/smoke\.ts "\$bin"/, "smoke-runs the built binary");
  const upload = stepsOf(binaries).find((s) => String(s.uses).startsWith("actions/upload-artifact@"));
  assert.equal(upload.with["if-no-files-found"], "error");

  const release = RELEASE.jobs.release as Workflow;
  assert.deepEqual([release.needs].flat(), ["binaries"], "releases only smoke-tested binaries");
  assert.equal(release.permissions.contents, "write");
  const releaseCommands = runs(release).join("\n");
  assert.match(releaseCommands, /sha256sum xyte-mcp-\* > SHA256SUMS/);
  assert.match(releaseCommands, /gh release create "\$GITHUB_REF_NAME" dist\/xyte-mcp-\* dist\/SHA256SUMS/);
  assert.match(releaseCommands, /git-cliff/, "notes from cliff.toml");

  const image = RELEASE.jobs.image as Workflow;
  assert.deepEqual([image.needs].flat(), ["binaries"]);
  assert.equal(image.permissions.packages, "write");
  assert.ok(uses(image).some((u) => u.startsWith("docker/setup-buildx-action@")), "buildx");
  const login = stepsOf(image).find((s) => String(s.uses).startsWith("docker/login-action@"));
  assert.equal(login.with.registry, "ghcr.io");
  const meta = stepsOf(image).find((s) => String(s.uses).startsWith("docker/metadata-action@"));
  assert.match(meta.with.images, /^ghcr\.io\//);
  const build = stepsOf(image).find((s) => String(s.uses).startsWith("docker/build-push-action@"));
  assert.deepEqual(build.with.platforms.split(","), ["linux/amd64", "linux/arm64"]);
  assert.equal(build.with.push, true);
});
