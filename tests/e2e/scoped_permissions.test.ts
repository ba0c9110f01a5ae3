/**
 * The server under the narrow `deno run` permissions of docs/running.md — the flags scripts/compile.ts also
 * bakes into binaries (`runArgs`): net only to the hub (here the simulated one) and the listener, env only
 * for the variables `SETTINGS` reads, reads only where secret files live.
 *
 * Each run records every permission check (`DENO_AUDIT_PERMISSIONS`), so the tests also prove what the
 * server touches: no variable outside `SETTINGS` except those docs/running.md names, no file outside the
 * read list, no host outside the net list.
 */
import assert from "node:assert/strict";
import { Client } from "@modelcontextprotocol/client";
import { StdioClientTransport } from "@modelcontextprotocol/client/stdio";
import { type BuildOptions, netEntry, runArgs, settingsEnvVariables } from "../../scripts/compile.ts";
import { freePort } from "../helpers/free_port.ts";
import { platformEnv } from "../helpers/platform_env.ts";
import { startTestRedis } from "../helpers/redis.ts";
import {
  connectHttp,
  type HttpServerProcess,
  ORG_KEY,
  PARTNER_KEY,
  serverEnv,
  spawnHttpServer,
  startHub,
} from "./harness.ts";

/**
 * Variables read by dependencies, outside `SETTINGS`; `--ignore-env` answers them "unset". DEBUG: the `debug`
 * package (through ioredis) reads it and lists the environment (`Object.keys(process.env)`) when loaded.
 */
const FOREIGN_ENV_READS = ["DEBUG"] as const;

/**
 * Reads tried and refused: prom-client's process collectors read /proc/self/{limits,status,fd}, which Deno
 * grants only under --allow-all (even `--allow-read` does not), so those gauges report 0 in every mode.
 */
const REFUSED_READS = ["/proc/self/limits", "/proc/self/status", "/proc/self/fd"] as const;
/**
 * ioredis reads its own package.json (its version, for `CLIENT SETINFO`) from Deno's npm cache, or from the
 * embedded file system of a binary; it sends "error-fetching-version" when the read is refused.
 */
const PACKAGE_OWN_READS = [/[\\/]ioredis[\\/][^\\/]+[\\/]package\.json$/];

interface Audit {
  env: Set<string>;
  /** Whether the whole environment was listed. */
  envListed: boolean;
  read: Set<string>;
  net: Set<string>;
}

async function readAudit(path: string): Promise<Audit> {
  const audit: Audit = { env: new Set(), envListed: false, read: new Set(), net: new Set() };
  const text = await Deno.readTextFile(path).catch(() => "");
  for (const line of text.split("\n").filter((l) => l.trim() !== "")) {
    const { permission, value } = JSON.parse(line) as { permission: string; value: string | null };
    if (permission === "env") value === null ? audit.envListed = true : audit.env.add(value);
    if (permission === "read" && value) audit.read.add(value);
    if (permission === "net" && value) audit.net.add(value);
  }
  return audit;
}

/** A path with forward slashes, to compare paths the audit log and Deno spell differently on Windows. */
const slashes = (path: string) => path.replaceAll("\\", "/");

/** Asserts the audit stays within the allow-lists. */
function assertWithin(audit: Audit, options: BuildOptions, label: string): void {
  const allowedEnv = new Set<string>([...settingsEnvVariables(), ...FOREIGN_ENV_READS]);
  const foreign = [...audit.env].filter((name) => !allowedEnv.has(name));
  assert.deepEqual(foreign, [], `${label}: variables read outside SETTINGS and docs/running.md's list`);
  const readable = options.read === "all" ? [] : options.read.map(slashes);
  for (const path of audit.read) {
    if ((REFUSED_READS as readonly string[]).includes(path)) continue;
    if (PACKAGE_OWN_READS.some((pattern) => pattern.test(path))) continue;
    assert.ok(
      readable.some((dir) => slashes(path).startsWith(dir)),
      `${label}: read ${path} outside --allow-read`,
    );
  }
  const allowed = new Set([options.hub, options.entry, ...options.bind, ...options.redis].map(netEntry));
  for (const target of audit.net) {
    const entry = target.includes("://") ? netEntry(new URL(target).origin) : target;
    assert.ok(allowed.has(entry), `${label}: network access to ${target} outside --allow-net`);
  }
}

/** Runs `fn` with a fresh temporary directory (its real path: on macOS it sits behind a symlink, and
 * permission paths are compared as given), removed afterwards whatever happens. */
async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = Deno.realPathSync(await Deno.makeTempDir({ prefix: "xyte-mcp-scoped-" }));
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** The server over HTTP with exactly `runArgs(options)`, on `port`. */
function startScopedHttp(
  options: BuildOptions,
  env: Record<string, string>,
  port: number,
): Promise<HttpServerProcess> {
  return spawnHttpServer([...runArgs(options), "--transport", "http", "--port", String(port)], env);
}

Deno.test("scoped stdio: initialize and a tool call with net to the hub only, the key from a _FILE, env from SETTINGS only", async () => {
  const hub = await startHub();
  await withTempDir(async (dir) => {
    const audit = `${dir}/audit.jsonl`;
    const secrets = `${dir}/secrets`;
    await Deno.mkdir(secrets);
    await Deno.writeTextFile(`${secrets}/org-key`, `${ORG_KEY}\n`);
    // docs/running.md's stdio line: no listener (--bind none), reads only where the secret lives.
    const options: BuildOptions = { hub: hub.url, entry: hub.url, bind: [], redis: [], read: [secrets] };
    const env = serverEnv(undefined, {
      ...platformEnv(),
      XYTE_ORG_API_KEY_FILE: `${secrets}/org-key`,
      XYTE_HUB_URL: hub.url,
      XYTE_ENTRY_URL: hub.url,
      DENO_AUDIT_PERMISSIONS: audit,
    });
    let stderr = "";
    const transport = new StdioClientTransport({
      command: Deno.execPath(),
      args: runArgs(options),
      env,
      stderr: "pipe",
    });
    transport.stderr?.on("data", (chunk: Uint8Array | string) => {
      stderr += typeof chunk === "string" ? chunk : new TextDecoder().decode(chunk);
    });
    const client = new Client({ name: "xyte-mcp-scoped", version: "1" });
    try {
      await client.connect(transport);
      assert.equal(client.getServerVersion()?.name, "xyte-mcp");
      const result = await client.callTool({ name: "list_devices", arguments: { per_page: 2 } });
      assert.ok(
        !result.isError,
        `list_devices failed: ${JSON.stringify(result.structuredContent)}\n${stderr}`,
      );
      assert.ok(hub.requests.length > 0, "the call reached the simulated hub");
    } finally {
      await client.close();
      await hub.close();
    }
    const seen = await readAudit(audit);
    assertWithin(seen, options, "stdio");
    assert.ok(
      [...seen.read].map(slashes).includes(slashes(`${secrets}/org-key`)),
      "the key came from its _FILE",
    );
  });
});

Deno.test("scoped HTTP: probes and a tool call with net to the hub and the listener (and Redis when available)", async () => {
  const hub = await startHub();
  const redis = await startTestRedis();
  await withTempDir(async (dir) => {
    const audit = `${dir}/audit.jsonl`;
    const port = freePort();
    const options: BuildOptions = {
      hub: hub.url,
      entry: hub.url,
      bind: [`127.0.0.1:${port}`],
      redis: redis ? [new URL(redis.url).host] : [],
      read: ["/run/secrets", "/etc/xyte-mcp"],
    };
    const env = serverEnv(hub, {
      ...platformEnv(),
      DENO_AUDIT_PERMISSIONS: audit,
      ...(redis ? { REDIS_URL: redis.url } : {}),
    });
    const server = await startScopedHttp(options, env, port);
    try {
      for (const path of ["/healthz", "/readyz"]) {
        const response = await fetch(new URL(path, server.url));
        const body = await response.text();
        assert.equal(response.status, 200, `${path}: ${body}\n${server.stderr()}`);
      }
      const client = await connectHttp(server.url);
      const result = await client.callTool({ name: "list_devices", arguments: { per_page: 2 } });
      assert.ok(!result.isError, `list_devices failed: ${JSON.stringify(result.structuredContent)}`);
      await client.close();
      const status = await server.stop();
      // Windows has no SIGTERM handler: the process is terminated rather than drained.
      if (Deno.build.os !== "windows") assert.equal(status.code, 0, server.stderr());
    } finally {
      await server.stop();
      await redis?.close();
      await hub.close();
    }
    const seen = await readAudit(audit);
    assertWithin(seen, options, "http");
    if (redis) {
      assert.ok(seen.env.has("DEBUG"), "ioredis' debug reads DEBUG (docs/running.md lists it)");
      assert.ok(
        seen.envListed,
        "…and lists the environment, which --ignore-env narrows to the allowed names",
      );
    }
  });
});

Deno.test("a Xyte host or listen address outside --allow-net: exit 2 naming the setting, nothing reaches the host", async () => {
  const hub = await startHub();
  // A live hub the allow-list does not name: without the permission check a call would reach it.
  const other = await startHub();
  const port = freePort();
  const options: BuildOptions = {
    hub: hub.url,
    entry: hub.url,
    bind: [`127.0.0.1:${port}`],
    redis: [],
    read: [],
  };
  const run = async (extraArgs: string[], env: Record<string, string>) => {
    const output = await new Deno.Command(Deno.execPath(), {
      args: [...runArgs(options), "--transport", "http", ...extraArgs],
      env: serverEnv(hub, { ...platformEnv(), ...env }),
      clearEnv: true,
      stdin: "null",
    }).output();
    return { code: output.code, stderr: new TextDecoder().decode(output.stderr) };
  };
  try {
    const otherHost = new URL(other.url).host;
    const hubDenied = await run(["--port", String(port)], { XYTE_HUB_URL: other.url });
    assert.equal(hubDenied.code, 2, hubDenied.stderr);
    assert.match(hubDenied.stderr, new RegExp(`XYTE_HUB_URL: .*--allow-net does not include ${otherHost}`));
    assert.doesNotMatch(hubDenied.stderr, /\n\s+at /, "no stack trace");
    assert.equal(other.requests.length, 0, "nothing reached the host outside the allow-list");

    const portDenied = await run(["--port", String(port + 1)], {});
    assert.equal(portDenied.code, 2, portDenied.stderr);
    assert.match(portDenied.stderr, new RegExp(`MCP_HOST/MCP_PORT .*127\\.0\\.0\\.1:${port + 1}`));
  } finally {
    await other.close();
    await hub.close();
  }
});

Deno.test("a secret file outside --allow-read: exit 2 naming the variable, nothing else read", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/org-key`, ORG_KEY);
    const options: BuildOptions = {
      hub: "https://hub.xyte.io",
      entry: "https://entry.xyte.io",
      bind: [],
      redis: [],
      read: ["/run/secrets"],
    };
    const output = await new Deno.Command(Deno.execPath(), {
      args: runArgs(options),
      env: serverEnv(undefined, {
        ...platformEnv(),
        XYTE_ORG_API_KEY_FILE: `${dir}/org-key`,
        XYTE_PARTNER_API_KEY: PARTNER_KEY,
      }),
      clearEnv: true,
      stdin: "null",
    }).output();
    const stderr = new TextDecoder().decode(output.stderr);
    assert.equal(output.code, 2, stderr);
    assert.match(stderr, /XYTE_ORG_API_KEY_FILE: cannot read .*org-key \(outside the paths .*--allow-read/);
    assert.doesNotMatch(stderr, /run again with/, "no advice that a compiled binary cannot follow");
    assert.ok(!stderr.includes(ORG_KEY));
  });
});
