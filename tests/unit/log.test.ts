import assert from "node:assert/strict";
import type { LogLevel } from "../../src/settings.ts";
import {
  log,
  newRequestId,
  setupLogging,
  stopLogging,
  withRequestContext,
} from "../../src/observability/log.ts";
import { rememberSecret, Secret } from "../../src/secret.ts";

/** Configures logging into memory, runs `fn`, stops logging, and returns the parsed JSON records. */
async function capture(
  level: LogLevel,
  fn: () => void | Promise<void>,
): Promise<{ lines: string[]; records: Record<string, unknown>[] }> {
  const lines: string[] = [];
  await setupLogging(level, (line) => lines.push(line));
  try {
    await fn();
  } finally {
    await stopLogging();
  }
  const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  return { lines, records };
}

Deno.test("each record is one JSON line with level, message and logger", async () => {
  const { lines, records } = await capture("info", () => {
    log("http").info("listening on {url}", { url: "http://127.0.0.1:8080" });
    log("xyte").error("upstream failed", { status: 502 });
  });
  assert.equal(lines.length, 2);
  for (const line of lines) {
    assert.ok(line.endsWith("\n"), JSON.stringify(line));
    assert.equal(line.trimEnd().includes("\n"), false);
  }
  assert.equal(records[0]!.level, "INFO");
  assert.equal(records[0]!.message, 'listening on "http://127.0.0.1:8080"');
  assert.equal(records[0]!.logger, "xyte-mcp.http");
  assert.equal(records[0]!.url, "http://127.0.0.1:8080");
  assert.equal(typeof records[0]!["@timestamp"], "string");
  assert.equal(records[1]!.level, "ERROR");
  assert.equal(records[1]!.message, "upstream failed");
  assert.equal(records[1]!.status, 502);
});

Deno.test("a property named like a line field (message, level, …) keeps the line's own field", async () => {
  const { records } = await capture("info", () => {
    log("redis").warning("redis error", { message: "connect ECONNREFUSED", level: 3, code: "x" });
  });
  assert.equal(records[0]!.message, "redis error");
  assert.equal(records[0]!.level, "WARN");
  assert.equal(records[0]!._message, "connect ECONNREFUSED");
  assert.equal(records[0]!._level, 3);
  assert.equal(records[0]!.code, "x");
});

Deno.test("records below the configured level are dropped", async () => {
  const { records } = await capture("warning", () => {
    const logger = log("t");
    logger.debug("debug");
    logger.info("info");
    logger.warn("warn");
    logger.error("error");
  });
  assert.deepEqual(records.map((r) => r.message), ["warn", "error"]);
  assert.deepEqual(records.map((r) => r.level), ["WARN", "ERROR"]);
});

Deno.test("fields named like secrets (apiKey, authorization, token, nested) are masked", async () => {
  const values = [
    "apikey-value-111",
    "auth-value-222",
    "token-value-333",
    "nested-value-444",
    "header-value-555",
  ];
  const { lines, records } = await capture("info", () => {
    log("t").info("request", {
      apiKey: values[0],
      authorization: values[1],
      access_token: values[2],
      upstream: { api_key: values[3], headers: { Authorization: values[4] } },
      method: "GET",
    });
  });
  for (const value of values) assert.ok(!lines[0]!.includes(value), lines[0]);
  const record = records[0]!;
  assert.equal(record.apiKey, "[redacted]");
  assert.equal(record.authorization, "[redacted]");
  assert.equal(record.access_token, "[redacted]");
  assert.deepEqual(record.upstream, { api_key: "[redacted]", headers: { Authorization: "[redacted]" } });
  assert.equal(record.method, "GET");
});

Deno.test("a secret-named field interpolated into the message is masked in the message too", async () => {
  const { lines, records } = await capture("info", () => {
    log("t").info("using key {apiKey}", { apiKey: "interpolated-key-666" });
  });
  assert.ok(!lines[0]!.includes("interpolated-key-666"), lines[0]);
  assert.ok(String(records[0]!.message).includes("[redacted]"));
});

Deno.test("a remembered secret value is replaced by [redacted] anywhere in a message or field", async () => {
  const secret = "remembered-secret-777abc";
  rememberSecret(new Secret(secret));
  const { lines, records } = await capture("info", () => {
    const logger = log("t");
    logger.warn(`upstream said: invalid key ${secret}!`);
    logger.info("response", { body: `{"error":"key ${secret} revoked"}`, list: ["a", `b${secret}c`] });
    logger.error("failed", { error: new Error(`sent ${secret}`) });
  });
  for (const line of lines) assert.ok(!line.includes(secret), line);
  assert.equal(records[0]!.message, "upstream said: invalid key [redacted]!");
  assert.equal(records[1]!.body, '{"error":"key [redacted] revoked"}');
  assert.deepEqual(records[1]!.list, ["a", "b[redacted]c"]);
});

Deno.test("withRequestContext adds requestId to records logged inside, across awaits, and not outside", async () => {
  const { records } = await capture("info", async () => {
    const logger = log("mcp");
    await withRequestContext({ requestId: "req-1" }, async () => {
      logger.info("start");
      await new Promise((resolve) => setTimeout(resolve, 1));
      logger.info("after await");
    });
    withRequestContext({ requestId: "req-2", tool: "get_device" }, () => logger.info("other"));
    logger.info("outside");
  });
  assert.deepEqual(records.map((r) => [r.message, r.requestId]), [
    ["start", "req-1"],
    ["after await", "req-1"],
    ["other", "req-2"],
    ["outside", undefined],
  ]);
  assert.equal(records[2]!.tool, "get_device");
});

Deno.test("withRequestContext returns the function's result", () => {
  assert.equal(withRequestContext({ requestId: "x" }, () => 42), 42);
});

Deno.test("newRequestId returns distinct 12-hex-character ids", () => {
  const ids = new Set(Array.from({ length: 50 }, () => newRequestId()));
  assert.equal(ids.size, 50);
  for (const id of ids) assert.match(id, /^[0-9a-f]{12}$/);
});

Deno.test("no console method writes to stdout once logging is set up (stdout is JSON-RPC's over stdio)", async () => {
  const lines = await childScript(`
    await setupLogging("debug");
    console.log("log"); console.info("info"); console.debug("debug"); console.dir({ dir: 1 });
    console.table([{ table: 1 }]); console.trace("trace"); console.assert(false, "assert");
    console.warn("warn"); console.error("error"); console.dirxml("dirxml");
    await stopLogging();
  `);
  assert.equal(lines.length, 10, lines.join("\n"));
  for (const line of lines) assert.equal((JSON.parse(line) as { logger: string }).logger, "xyte-mcp.console");
});

Deno.test("nothing is written after stopLogging", async () => {
  const lines: string[] = [];
  await setupLogging("info", (line) => lines.push(line));
  log("t").info("before");
  await stopLogging();
  log("t").info("after");
  assert.equal(lines.length, 1);
});

Deno.test("console output of libraries and the runtime becomes JSON lines on the log, never plain text", async () => {
  const { records } = await capture("debug", () => {
    globalThis.console.warn("a library warns", { code: 7 });
    globalThis.console.log("a library prints %s of %d", "page", 3);
    globalThis.console.warn(
      "Deno.serve: request.signal aborts on successful responses (legacy behavior). To detect …",
    );
  });
  assert.deepEqual(records.map((r) => [r.level, r.logger]), [
    ["WARN", "xyte-mcp.console"],
    ["INFO", "xyte-mcp.console"],
    ["DEBUG", "xyte-mcp.console"],
  ]);
  assert.equal(records[0]!.message, "a library warns { code: 7 }");
  assert.equal(records[1]!.message, "a library prints page of 3");
  // After stopLogging the console writes for itself again.
  assert.notEqual(globalThis.console.warn.name, "");
});

/** Runs a child Deno process that logs `count` lines to the real stderr, then ends as `ending` says. */
function childLog(count: number, ending: "Deno.exit" | "return"): Promise<string[]> {
  return childScript(`
    await setupLogging("info");
    for (let i = 0; i < ${count}; i++) log("t").info("line", { i, pad: "x".repeat(200) });
    ${ending === "Deno.exit" ? "await stopLogging(); Deno.exit(0);" : ""}
  `);
}

/**
 * Runs `body` in a child Deno process with the log module's `log`, `setupLogging` and `stopLogging` in scope;
 * asserts it exits 0 and writes nothing to stdout, and returns its stderr lines.
 */
async function childScript(body: string): Promise<string[]> {
  const logModule = new URL("../../src/observability/log.ts", import.meta.url).href;
  const script = `import { log, setupLogging, stopLogging } from ${JSON.stringify(logModule)};\n${body}`;
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--quiet", script],
    env: { DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
  assert.equal(output.stdout.length, 0, "logs never go to stdout");
  return new TextDecoder().decode(output.stderr).trimEnd().split("\n");
}

// main.ts ends with stopLogging() then Deno.exit(), which skips timers and the unload event.
for (const ending of ["Deno.exit", "return"] as const) {
  Deno.test(`stderr gets every line, whole and in order, in batches (process ends by ${ending})`, async () => {
    // 2,000 lines of ~300 bytes: far more than one pipe buffer, so batches need several writes each.
    const lines = await childLog(2000, ending);
    assert.equal(lines.length, 2000);
    lines.forEach((line, i) => assert.equal((JSON.parse(line) as { i: number }).i, i));
  });
}
