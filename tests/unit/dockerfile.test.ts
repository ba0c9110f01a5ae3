/**
 * The container image's essentials, read from the Dockerfile (no Docker engine needed): a pinned build stage
 * that caches dependencies and compiles with the narrow permissions, a pinned distroless runtime stage
 * running as a non-root user on 0.0.0.0:8080, and no secrets in the image or its build context.
 */
import assert from "node:assert/strict";
import { SETTINGS } from "../../src/settings.ts";
import { argsOf, envOf, parseDockerfile } from "../helpers/dockerfile.ts";

const ROOT = new URL("../../", import.meta.url);
const TEXT = await Deno.readTextFile(new URL("Dockerfile", ROOT));
const FILE = parseDockerfile(TEXT);
const BUILD = FILE.stages[0]!;
const RUNTIME = FILE.stages.at(-1)!;
/** The Deno version the project pins (.ci/run installs it). */
const PINNED_DENO = /deno@(\d+\.\d+\.\d+)/.exec(await Deno.readTextFile(new URL(".ci/run", ROOT)))?.[1];
const SETTINGS_VARIABLES = new Set(
  SETTINGS.flatMap((s) => (s.env ?? []).flatMap((n) => (s.secret ? [n, `${n}_FILE`] : [n]))),
);

Deno.test("Dockerfile: two stages from pinned images: the Deno version of the project, then distroless", () => {
  assert.equal(FILE.stages.length, 2);
  for (const stage of FILE.stages) {
    const image = stage.from;
    const tag = /^(?:[^/]+\/)*[^/:@]+(?::([^@]+))?(?:@sha256:[0-9a-f]{64})?$/.exec(image);
    assert.ok(tag, `FROM ${image} parses`);
    assert.ok(tag[1] !== undefined || image.includes("@sha256:"), `FROM ${image}: a tag or digest`);
    assert.notEqual(tag[1], "latest", `FROM ${image}: not latest`);
  }
  assert.equal(BUILD.from, `denoland/deno:${PINNED_DENO}`, "the build stage's Deno is the one CI pins");
  assert.equal(BUILD.name, "build");
  assert.equal(BUILD.platform, "$BUILDPLATFORM", "cross-compiles instead of emulating the target");
  assert.match(RUNTIME.from, /^gcr\.io\/distroless\/cc-debian\d+:nonroot$/);
});

Deno.test("Dockerfile: dependencies are cached from the lockfile before the sources, then compiled narrowly", async () => {
  const keys = BUILD.instructions.map((i) => `${i.keyword} ${i.value}`);
  const install = keys.findIndex((k) => k === "RUN deno install --frozen");
  const lockCopy = keys.findIndex((k) => /^COPY deno\.json deno\.lock/.test(k));
  const srcCopy = keys.findIndex((k) => k.startsWith("COPY src"));
  assert.ok(lockCopy >= 0 && install > lockCopy && srcCopy > install, keys.join("\n"));
  const compile = BUILD.instructions.find((i) =>
    i.keyword === "RUN" && i.value.includes("scripts/compile.ts")
  );
  assert.ok(compile, "compiles with scripts/compile.ts");
  assert.match(compile.value, /--bind 0\.0\.0\.0:8080/);
  assert.match(compile.value, /--target "\$target"/);
  assert.match(compile.value, /amd64\) target=x86_64-unknown-linux-gnu/);
  assert.match(compile.value, /arm64\) target=aarch64-unknown-linux-gnu/);
  assert.doesNotMatch(compile.value, /--read all|--allow-all src|-A src/);
  const args = argsOf(BUILD.instructions);
  assert.equal(args.get("XYTE_HUB"), "https://hub.xyte.io");
  assert.equal(args.get("XYTE_ENTRY"), "https://entry.xyte.io");
  assert.equal(args.get("REDIS"), "xyte-mcp-redis:6379", "the Redis host of deploy/redis.yaml");
  assert.equal(args.get("OAUTH"), "", "no OAuth issuer unless the build names one");
  // OAUTH names one URL or several (space-separated): each becomes an --oauth of the compile script.
  const oauth = /\$\{OAUTH:\+\$\(.*?\)\}/.exec(compile.value)?.[0];
  assert.ok(oauth, "the compile line takes OAUTH");
  const expand = async (value: string) => {
    const script = `OAUTH='${value}'; set -- ${oauth}; for a in "$@"; do echo "$a"; done`;
    const { stdout } = await new Deno.Command("sh", { args: ["-c", script] }).output();
    return new TextDecoder().decode(stdout).split("\n").filter((line) => line !== "");
  };
  assert.deepEqual(await expand(""), []);
  assert.deepEqual(await expand("https://login.example.com/realms/ops"), [
    "--oauth",
    "https://login.example.com/realms/ops",
  ]);
  assert.deepEqual(await expand("https://login.example.com https://keys.example.com/jwks"), [
    "--oauth",
    "https://login.example.com",
    "--oauth",
    "https://keys.example.com/jwks",
  ]);
});

Deno.test("Dockerfile: the runtime runs the binary as a non-root user, serving HTTP on 0.0.0.0:8080", () => {
  const user = RUNTIME.instructions.filter((i) => i.keyword === "USER").at(-1)?.value;
  assert.ok(user, "USER is set");
  const [uid, gid] = user.split(":");
  assert.match(uid!, /^\d+$/, "numeric, so Kubernetes can verify runAsNonRoot");
  assert.notEqual(Number(uid), 0);
  assert.notEqual(Number(gid ?? uid), 0);
  const expose = RUNTIME.instructions.filter((i) => i.keyword === "EXPOSE").map((i) => i.value);
  assert.deepEqual(expose, ["8080"]);
  const env = envOf(RUNTIME);
  assert.equal(env.get("MCP_TRANSPORT"), "http");
  assert.equal(env.get("MCP_HOST"), "0.0.0.0");
  assert.equal(env.get("MCP_PORT"), "8080");
  for (const name of env.keys()) assert.ok(SETTINGS_VARIABLES.has(name), `ENV ${name} is a setting`);
  const entrypoint = RUNTIME.instructions.find((i) => i.keyword === "ENTRYPOINT");
  assert.ok(entrypoint, "ENTRYPOINT is set");
  const argv = JSON.parse(entrypoint.value) as string[];
  assert.deepEqual(argv, ["/usr/local/bin/xyte-mcp"], "exec form, so the binary is PID 1 and gets SIGTERM");
  const copied = RUNTIME.instructions.filter((i) => i.keyword === "COPY").map((i) => i.value);
  assert.deepEqual(copied, ["--from=build /app/dist/xyte-mcp /usr/local/bin/xyte-mcp"], "only the binary");
  assert.ok(!RUNTIME.instructions.some((i) => i.keyword === "RUN"), "nothing runs in the runtime stage");
  // Distroless has no shell for a HEALTHCHECK: orchestrators probe /healthz (documented in the file).
  assert.ok(!RUNTIME.instructions.some((i) => i.keyword === "HEALTHCHECK"));
  assert.match(TEXT, /\/healthz/);
});

Deno.test("Dockerfile: no secrets baked in, and the build context is an allow-list without .env or .git", async () => {
  const secretNames = SETTINGS.filter((s) => s.secret).flatMap((s) => s.env ?? []);
  for (const stage of FILE.stages) {
    for (const { keyword, value } of stage.instructions) {
      if (keyword !== "ENV" && keyword !== "ARG") continue;
      for (const name of secretNames) {
        assert.ok(!new RegExp(`\\b${name}\\b`).test(value), `${keyword} ${value} names the secret ${name}`);
      }
      assert.doesNotMatch(value, /(TOKEN|PASSWORD|SECRET|API_KEY)\w*=/i, `${keyword} ${value}`);
    }
    for (
      const { keyword, value } of stage.instructions.filter((i) =>
        i.keyword === "COPY" || i.keyword === "ADD"
      )
    ) {
      assert.doesNotMatch(value, /\.env\b|secrets?\b|\.git\b/, `${keyword} ${value}`);
      assert.notEqual(keyword, "ADD", "COPY, not ADD (no remote fetches or archive unpacking)");
    }
  }
  const ignore = (await Deno.readTextFile(new URL(".dockerignore", ROOT))).split("\n")
    .map((l) => l.trim()).filter((l) => l !== "" && !l.startsWith("#"));
  assert.equal(ignore[0], "*", "everything is excluded first");
  const allowed = ignore.filter((l) => l.startsWith("!")).map((l) => l.slice(1));
  assert.deepEqual(allowed.sort(), ["deno.json", "deno.lock", "scripts/compile.ts", "src/"]);
  // Everything the build stage copies is in the allow-list.
  for (const { value } of BUILD.instructions.filter((i) => i.keyword === "COPY")) {
    const sources = value.split(/\s+/).filter((w) => !w.startsWith("--")).slice(0, -1);
    for (const source of sources) {
      assert.ok(
        allowed.some((a) => a === source || `${a}`.replace(/\/$/, "") === source),
        `${source} in context`,
      );
    }
  }
});
