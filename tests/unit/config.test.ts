import assert from "node:assert/strict";
import {
  type Config,
  ConfigError,
  type ConfigSources,
  configSummary,
  helpText,
  loadConfig,
} from "../../src/config.ts";

const ORG_KEY = "org-key-7f3a9c1e";
const PARTNER_KEY = "partner-key-55b2d0aa";

/** Sources backed by plain maps; a path not in `files` behaves like a missing file. */
function sources(env: Record<string, string> = {}, files: Record<string, string> = {}): ConfigSources {
  return {
    env: { get: (name) => env[name] },
    readTextFile: (path) => {
      if (Object.hasOwn(files, path)) return files[path]!;
      throw new Deno.errors.NotFound(`No such file or directory (os error 2): readfile '${path}'`);
    },
  };
}

async function run(
  argv: string[],
  env: Record<string, string> = {},
  files: Record<string, string> = {},
): Promise<Config> {
  const request = await loadConfig(argv, sources(env, files));
  assert.equal(request.kind, "run");
  return (request as { kind: "run"; config: Config }).config;
}

async function configError(
  argv: string[],
  env: Record<string, string> = {},
  files: Record<string, string> = {},
): Promise<string> {
  try {
    await loadConfig(argv, sources(env, files));
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected ConfigError, got ${error}`);
    return error.message;
  }
  assert.fail(`expected a ConfigError for ${JSON.stringify(argv)} ${JSON.stringify(env)}`);
}

function assertIncludesAll(text: string, parts: string[]): void {
  for (const part of parts) {
    assert.ok(text.includes(part), `expected ${JSON.stringify(text)} to include ${part}`);
  }
}

Deno.test("defaults apply when only the organization key is set", async () => {
  const config = await run([], { XYTE_ORG_API_KEY: ORG_KEY });
  assert.equal(config.transport, "stdio");
  assert.equal(config.host, "127.0.0.1");
  assert.equal(config.port, 8080);
  assert.equal(config.stateless, false);
  assert.equal(config.demo, false);
  assert.equal(config.readOnly, false);
  assert.equal(config.logLevel, "info");
  assert.equal(config.xyte.hubUrl, "https://hub.xyte.io");
  assert.equal(config.xyte.entryUrl, "https://entry.xyte.io");
  assert.equal(config.xyte.timeoutMs, 15000);
  assert.equal(config.xyte.orgApiKey?.reveal(), ORG_KEY);
  assert.equal(config.xyte.partnerApiKey, undefined);
});

Deno.test("flags, environment and boolean variables are all read", async () => {
  const config = await run(
    [
      "--transport",
      "http",
      "--host",
      "0.0.0.0",
      "--port",
      "9000",
      "--stateless",
      "--read-only",
      "--log-level",
      "debug",
      "--allow-unauthenticated",
    ],
    { XYTE_ORG_API_KEY: ORG_KEY, XYTE_TIMEOUT_MS: "2500", XYTE_ENTRY_URL: "http://localhost:9999" },
  );
  assert.equal(config.transport, "http");
  assert.equal(config.host, "0.0.0.0");
  assert.equal(config.port, 9000);
  assert.equal(config.stateless, true);
  assert.equal(config.readOnly, true);
  assert.equal(config.logLevel, "debug");
  assert.equal(config.xyte.timeoutMs, 2500);
  assert.equal(config.xyte.entryUrl, "http://localhost:9999");
  assert.equal(
    (await run([], { XYTE_ORG_API_KEY: ORG_KEY, MCP_STATELESS: "true", XYTE_MCP_READ_ONLY: "1" })).readOnly,
    true,
  );
});

Deno.test("a flag beats the environment, which beats --env-file, which beats the default", async () => {
  const files = { "/cfg/.env": "MCP_PORT=9100\nMCP_TRANSPORT=http\nXYTE_ORG_API_KEY=" + ORG_KEY + "\n" };
  const env = { MCP_PORT: "9000" };
  assert.equal((await run(["--env-file", "/cfg/.env", "--port", "9200"], env, files)).port, 9200);
  assert.equal((await run(["--env-file", "/cfg/.env"], env, files)).port, 9000);
  assert.equal((await run(["--env-file", "/cfg/.env"], {}, files)).port, 9100);
  assert.equal((await run(["--env-file", "/cfg/.env"], {}, files)).transport, "http");
  assert.equal(
    (await run(["--env-file", "/cfg/.env", "--transport", "stdio"], { MCP_TRANSPORT: "http" }, files))
      .transport,
    "stdio",
  );
  assert.equal((await run([], { XYTE_ORG_API_KEY: ORG_KEY })).port, 8080);
});

Deno.test("an empty environment variable counts as unset", async () => {
  const files = { ".env": "MCP_PORT=9100\n" };
  assert.equal(
    (await run(["--env-file", ".env"], { XYTE_ORG_API_KEY: ORG_KEY, MCP_PORT: "" }, files)).port,
    9100,
  );
  assert.equal((await run([], { XYTE_ORG_API_KEY: ORG_KEY, MCP_PORT: "" })).port, 8080);
});

Deno.test("the key can come from --env-file, and the environment's key wins over the file's", async () => {
  const files = { ".env": `XYTE_ORG_API_KEY=${ORG_KEY}\n` };
  assert.equal((await run(["--env-file", ".env"], {}, files)).xyte.orgApiKey?.reveal(), ORG_KEY);
  assert.equal(
    (await run(["--env-file", ".env"], { XYTE_ORG_API_KEY: "env-wins-key" }, files)).xyte.orgApiKey?.reveal(),
    "env-wins-key",
  );
});

Deno.test("an unreadable --env-file is an error naming --env-file and the path", async () => {
  const message = await configError(["--env-file", "/nope/.env"], { XYTE_ORG_API_KEY: ORG_KEY });
  assertIncludesAll(message, ["--env-file", "/nope/.env", "no such file"]);
});

Deno.test("XYTE_API_KEY is accepted as an alias of XYTE_ORG_API_KEY; both set to different keys is an error naming both", async () => {
  assert.equal((await run([], { XYTE_API_KEY: ORG_KEY })).xyte.orgApiKey?.reveal(), ORG_KEY);
  assert.equal(
    (await run([], { XYTE_API_KEY: ORG_KEY, XYTE_ORG_API_KEY: ORG_KEY })).xyte.orgApiKey?.reveal(),
    ORG_KEY,
    "the same key twice is no conflict",
  );
  const message = await configError([], { XYTE_API_KEY: "alias-key-0000", XYTE_ORG_API_KEY: ORG_KEY });
  assertIncludesAll(message, ["XYTE_ORG_API_KEY", "XYTE_API_KEY", "set only one"]);
  assert.ok(!message.includes(ORG_KEY) && !message.includes("alias-key-0000"), message);
  const withFile = await configError([], { XYTE_API_KEY_FILE: "/s", XYTE_ORG_API_KEY: ORG_KEY }, {
    "/s": ORG_KEY,
  });
  assertIncludesAll(withFile, ["XYTE_ORG_API_KEY", "XYTE_API_KEY_FILE"]);
});

Deno.test({
  name: "an environment XYTE_API_KEY beats an XYTE_ORG_API_KEY that only comes from --env-file",
  async fn() {
    const files = { ".env": "XYTE_ORG_API_KEY=file-key-0000\n" };
    assert.equal(
      (await run(["--env-file", ".env"], { XYTE_API_KEY: ORG_KEY }, files)).xyte.orgApiKey?.reveal(),
      ORG_KEY,
    );
  },
});

Deno.test("XYTE_ORG_API_KEY_FILE is read and trimmed", async () => {
  const config = await run([], { XYTE_ORG_API_KEY_FILE: "/run/secrets/org" }, {
    "/run/secrets/org": `  ${ORG_KEY}\n\n`,
  });
  assert.equal(config.xyte.orgApiKey?.reveal(), ORG_KEY);
});

Deno.test("XYTE_PARTNER_API_KEY_FILE is read and trimmed", async () => {
  const config = await run([], { XYTE_PARTNER_API_KEY_FILE: "/run/secrets/p" }, {
    "/run/secrets/p": `${PARTNER_KEY}\r\n`,
  });
  assert.equal(config.xyte.partnerApiKey?.reveal(), PARTNER_KEY);
});

Deno.test("an unreadable XYTE_ORG_API_KEY_FILE is an error naming the variable and the path", async () => {
  const message = await configError([], { XYTE_ORG_API_KEY_FILE: "/run/secrets/missing" });
  assertIncludesAll(message, ["XYTE_ORG_API_KEY_FILE", "/run/secrets/missing"]);
});

Deno.test("an empty XYTE_ORG_API_KEY_FILE is an error naming the variable", async () => {
  const message = await configError([], { XYTE_ORG_API_KEY_FILE: "/run/secrets/empty" }, {
    "/run/secrets/empty": " \n",
  });
  assertIncludesAll(message, ["XYTE_ORG_API_KEY_FILE", "empty"]);
});

Deno.test("setting both XYTE_ORG_API_KEY and XYTE_ORG_API_KEY_FILE is an error naming both, without the key", async () => {
  const message = await configError([], { XYTE_ORG_API_KEY: ORG_KEY, XYTE_ORG_API_KEY_FILE: "/s" }, {
    "/s": ORG_KEY,
  });
  assertIncludesAll(message, ["XYTE_ORG_API_KEY ", "XYTE_ORG_API_KEY_FILE"]);
  assert.ok(!message.includes(ORG_KEY));
});

Deno.test("a REDIS_URL that is no URL (a password with unencoded / ? #, a port past 65535) is refused without showing it", async () => {
  for (
    const url of [
      "redis://:Ab3/kQ9+zz@redis.internal:6379",
      "redis://:Ab3#kQ9@redis.internal:6379",
      "redis://h:99999",
      // Passwords whose unencoded / ? # leave a URL that parses: the host ends early ("xyte-mcp:1234", "ss"),
      // and the rest, password and all, would be a path, query or fragment, shown in messages.
      "redis://xyte-mcp:1234/Ab3kQ9@redis.internal:6379",
      "redis://xyte-mcp:p@ss/Ab3#kQ?9@redis.internal:6379",
      "redis://:6380?Ab3kQ9@redis.internal:6379",
      "redis://:Ab3@ss#kQ9@redis.internal:6379",
    ]
  ) {
    const message = await configError([], { XYTE_ORG_API_KEY: ORG_KEY, REDIS_URL: url });
    assert.match(message, /^invalid value for REDIS_URL — not a URL: percent-encode/);
    assert.ok(!message.includes("Ab3") && !message.includes("99999"), message);
  }
  const encoded = await run([], {
    XYTE_ORG_API_KEY: ORG_KEY,
    REDIS_URL: "redis://:Ab3%2FkQ9@redis.internal:6379",
  });
  assert.equal(encoded.redisUrl?.reveal(), "redis://:Ab3%2FkQ9@redis.internal:6379");
  const withUser = "redis://xyte-mcp:p%40ss%2FAb3%23kQ%3F9@redis.internal:6379/2";
  const parsed = await run([], { XYTE_ORG_API_KEY: ORG_KEY, REDIS_URL: withUser });
  assert.equal(parsed.redisUrl?.reveal(), withUser);
});

Deno.test("no key and no --demo is a ConfigError naming XYTE_ORG_API_KEY and --demo", async () => {
  const message = await configError([], {});
  assertIncludesAll(message, ["XYTE_ORG_API_KEY", "--demo"]);
});

Deno.test("--demo (or XYTE_MCP_DEMO) needs no key", async () => {
  const config = await run(["--demo"]);
  assert.equal(config.demo, true);
  assert.equal(config.xyte.orgApiKey, undefined);
  assert.equal((await run([], { XYTE_MCP_DEMO: "true" })).demo, true);
});

Deno.test("a partner key alone is enough", async () => {
  const config = await run([], { XYTE_PARTNER_API_KEY: PARTNER_KEY });
  assert.equal(config.xyte.orgApiKey, undefined);
  assert.equal(config.xyte.partnerApiKey?.reveal(), PARTNER_KEY);
});

Deno.test("an unknown flag is an error naming it and listing the accepted flags", async () => {
  const message = await configError(["--bogus"], { XYTE_ORG_API_KEY: ORG_KEY });
  assertIncludesAll(message, [
    "unknown flag --bogus",
    "--transport",
    "--port",
    "--demo",
    "--env-file",
    "--help",
  ]);
  assertIncludesAll(await configError(["-x"]), ["-x"]);
});

Deno.test("a positional argument is an error naming it", async () => {
  assertIncludesAll(await configError(["serve"], { XYTE_ORG_API_KEY: ORG_KEY }), ['"serve"', "--"]);
});

Deno.test("a bad --port is an error naming --port, the value and the accepted range", async () => {
  for (const bad of ["70000", "abc", "-1", "80.5"]) {
    assertIncludesAll(await configError([`--port=${bad}`], { XYTE_ORG_API_KEY: ORG_KEY }), [
      "--port",
      `"${bad}"`,
      "0 to 65535",
    ]);
  }
  assertIncludesAll(await configError([], { XYTE_ORG_API_KEY: ORG_KEY, MCP_PORT: "http" }), [
    "MCP_PORT",
    "0 to 65535",
  ]);
});

Deno.test("--port without a value is an error naming --port", async () => {
  assertIncludesAll(await configError(["--port"], { XYTE_ORG_API_KEY: ORG_KEY }), [
    "--port",
    "needs a value",
    "0 to 65535",
  ]);
});

Deno.test("a value given to a boolean flag is an error naming the flag", async () => {
  assertIncludesAll(await configError(["--demo=true"]), ["--demo", "takes no value"]);
});

Deno.test("a bad --transport is an error naming --transport and stdio | http", async () => {
  assertIncludesAll(await configError(["--transport", "sse"], { XYTE_ORG_API_KEY: ORG_KEY }), [
    "--transport",
    '"sse"',
    "stdio | http",
  ]);
  assertIncludesAll(await configError([], { XYTE_ORG_API_KEY: ORG_KEY, MCP_TRANSPORT: "websocket" }), [
    "MCP_TRANSPORT",
  ]);
});

Deno.test("a bad XYTE_TIMEOUT_MS is an error naming it and the accepted range", async () => {
  for (const bad of ["fast", "50", "600001", "1e5"]) {
    assertIncludesAll(await configError([], { XYTE_ORG_API_KEY: ORG_KEY, XYTE_TIMEOUT_MS: bad }), [
      "XYTE_TIMEOUT_MS",
      `"${bad}"`,
      "100 to 600000",
    ]);
  }
});

Deno.test("a bad value from --env-file names the variable and the file", async () => {
  const message = await configError(["--env-file", "/cfg/.env"], { XYTE_ORG_API_KEY: ORG_KEY }, {
    "/cfg/.env": "XYTE_TIMEOUT_MS=soon\n",
  });
  assertIncludesAll(message, ["XYTE_TIMEOUT_MS", "/cfg/.env", "100 to 600000"]);
});

Deno.test("a bad LOG_LEVEL is an error naming it and listing the levels", async () => {
  assertIncludesAll(await configError([], { XYTE_ORG_API_KEY: ORG_KEY, LOG_LEVEL: "verbose" }), [
    "LOG_LEVEL",
    '"verbose"',
    "trace | debug | info | warning | error | fatal",
  ]);
  assertIncludesAll(await configError(["--log-level", "loud"], { XYTE_ORG_API_KEY: ORG_KEY }), [
    "--log-level",
  ]);
});

Deno.test("warn is accepted as warning, in any case", async () => {
  assert.equal((await run([], { XYTE_ORG_API_KEY: ORG_KEY, LOG_LEVEL: "warn" })).logLevel, "warning");
  assert.equal((await run(["--log-level", "WARN"], { XYTE_ORG_API_KEY: ORG_KEY })).logLevel, "warning");
  assert.equal((await run(["--log-level", "Error"], { XYTE_ORG_API_KEY: ORG_KEY })).logLevel, "error");
});

Deno.test("a bad boolean variable is an error naming it and true | false", async () => {
  assertIncludesAll(await configError([], { XYTE_ORG_API_KEY: ORG_KEY, MCP_STATELESS: "maybe" }), [
    "MCP_STATELESS",
    "true | false",
  ]);
});

Deno.test("a bad XYTE_HUB_URL is an error naming it and http(s) URL", async () => {
  for (const bad of ["hub.xyte.io", "ftp://hub.xyte.io", "https://", "not a url"]) {
    assertIncludesAll(await configError([], { XYTE_ORG_API_KEY: ORG_KEY, XYTE_HUB_URL: bad }), [
      "XYTE_HUB_URL",
      "http(s) URL",
    ]);
  }
  assertIncludesAll(await configError([], { XYTE_ORG_API_KEY: ORG_KEY, XYTE_ENTRY_URL: "entry" }), [
    "XYTE_ENTRY_URL",
  ]);
});

Deno.test("a hub URL carrying a user name or password is refused (without echoing it)", async () => {
  const message = await configError([], {
    XYTE_ORG_API_KEY: ORG_KEY,
    XYTE_HUB_URL: "https://admin:hunter2-secret@hub.example.com",
  });
  assertIncludesAll(message, ["XYTE_HUB_URL", "user name or password"]);
  assert.ok(!message.includes("hunter2"), message);
  for (
    const url of ["https://user:p@ssw0rd-secret@hub.example.com", "https://user:top/secret@hub.example.com"]
  ) {
    const shown = await configError([], { XYTE_ORG_API_KEY: ORG_KEY, XYTE_HUB_URL: url });
    assert.ok(!shown.includes("secret"), shown);
  }
});

Deno.test("trailing slashes are stripped from the hub and entry URLs", async () => {
  const config = await run([], {
    XYTE_ORG_API_KEY: ORG_KEY,
    XYTE_HUB_URL: "https://hub.example.com/",
    XYTE_ENTRY_URL: "http://localhost:8787/base//",
  });
  assert.equal(config.xyte.hubUrl, "https://hub.example.com");
  assert.equal(config.xyte.entryUrl, "http://localhost:8787/base");
});

Deno.test("a secret's value never appears in an error message", async () => {
  const whitespaceKey = "  \t ";
  const cases: [string[], Record<string, string>, Record<string, string>][] = [
    [[], { XYTE_ORG_API_KEY: ORG_KEY, XYTE_ORG_API_KEY_FILE: "/s" }, { "/s": ORG_KEY }],
    [[], { XYTE_PARTNER_API_KEY: PARTNER_KEY, XYTE_PARTNER_API_KEY_FILE: "/p" }, { "/p": PARTNER_KEY }],
    [["--port", "x"], { XYTE_ORG_API_KEY: ORG_KEY, XYTE_PARTNER_API_KEY: PARTNER_KEY }, {}],
    [["--bogus"], { XYTE_ORG_API_KEY: ORG_KEY }, {}],
    [["--env-file", "/e"], {}, { "/e": `XYTE_ORG_API_KEY=${ORG_KEY}\nXYTE_TIMEOUT_MS=x\n` }],
    [[], { XYTE_ORG_API_KEY: whitespaceKey, XYTE_PARTNER_API_KEY: PARTNER_KEY }, {}],
  ];
  for (const [argv, env, files] of cases) {
    const message = await configError(argv, env, files);
    assert.ok(!message.includes(ORG_KEY), message);
    assert.ok(!message.includes(PARTNER_KEY), message);
  }
  const invalidSecret = await configError([], { XYTE_ORG_API_KEY: whitespaceKey });
  assert.ok(invalidSecret.includes("XYTE_ORG_API_KEY"));
  assert.ok(!invalidSecret.includes(JSON.stringify(whitespaceKey)), invalidSecret);
});

Deno.test("a loaded config never prints or serializes a key", async () => {
  const config = await run([], { XYTE_ORG_API_KEY: ORG_KEY, XYTE_PARTNER_API_KEY: PARTNER_KEY });
  const texts = [JSON.stringify(config), String(config.xyte.orgApiKey), Deno.inspect(config, { depth: 10 })];
  for (const text of texts) {
    assert.ok(!text.includes(ORG_KEY), text);
    assert.ok(!text.includes(PARTNER_KEY), text);
  }
});

Deno.test("a leading -- (from deno task start -- …) is ignored", async () => {
  assert.equal((await run(["--", "--port", "9001"], { XYTE_ORG_API_KEY: ORG_KEY })).port, 9001);
  assert.equal((await loadConfig(["--", "--version"], sources())).kind, "version");
});

Deno.test("--help and -h return the help text, which names every flag and variable, without needing a key", async () => {
  for (const argv of [["--help"], ["-h"], ["--help", "--port", "99999999"]]) {
    const request = await loadConfig(argv, sources());
    assert.equal(request.kind, "help");
    assert.equal((request as { text: string }).text, helpText());
  }
  assertIncludesAll(helpText(), [
    "--transport",
    "--host",
    "--port",
    "--stateless",
    "--demo",
    "--read-only",
    "--log-level",
    "--env-file",
    "--version",
    "XYTE_ORG_API_KEY, XYTE_API_KEY (or XYTE_ORG_API_KEY_FILE)",
    "XYTE_PARTNER_API_KEY",
    "XYTE_HUB_URL",
    "XYTE_TIMEOUT_MS",
    "LOG_LEVEL",
  ]);
});

Deno.test("--version and -V return the program name and the version from deno.json", async () => {
  const manifest = JSON.parse(await Deno.readTextFile(new URL("../../deno.json", import.meta.url)));
  for (const argv of [["--version"], ["-V"]]) {
    const request = await loadConfig(argv, sources());
    assert.deepEqual(request, { kind: "version", text: `xyte-mcp ${manifest.version}` });
  }
});

Deno.test("configSummary never contains a secret value, only whether each key is set", async () => {
  const config = await run(["--transport", "http"], {
    XYTE_ORG_API_KEY: ORG_KEY,
    XYTE_PARTNER_API_KEY: PARTNER_KEY,
  });
  const summary = configSummary(config);
  const text = JSON.stringify(summary);
  assert.ok(!text.includes(ORG_KEY));
  assert.ok(!text.includes(PARTNER_KEY));
  assert.equal(summary.organizationKeySet, true);
  assert.equal(summary.partnerKeySet, true);
  assert.equal(summary.port, 8080);
  for (const value of Object.values(summary)) assert.ok(typeof value !== "object" || value === null);
  const partnerOnly = configSummary(await run([], { XYTE_PARTNER_API_KEY: PARTNER_KEY }));
  assert.equal(partnerOnly.organizationKeySet, false);
  assert.equal("port" in partnerOnly, false);
});

// ---- The real CLI, as a subprocess ----

const ROOT = new URL("../../", import.meta.url);

async function runCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: Record<string, string> = { DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" };
  for (const name of ["PATH", "HOME", "DENO_DIR", "XDG_CACHE_HOME", "TMPDIR"]) {
    const value = Deno.env.get(name);
    if (value !== undefined) env[name] = value;
  }
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", "--quiet", "src/main.ts", ...args],
    cwd: ROOT,
    clearEnv: true,
    env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return { code: output.code, stdout: decoder.decode(output.stdout), stderr: decoder.decode(output.stderr) };
}

Deno.test("the CLI exits 2 with one stderr line naming an unknown flag, and nothing on stdout", async () => {
  const { code, stdout, stderr } = await runCli(["--bogus"]);
  assert.equal(code, 2);
  assert.equal(stdout, "");
  const lines = stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1, stderr);
  assertIncludesAll(lines[0]!, ["xyte-mcp:", "--bogus"]);
});

Deno.test("the CLI exits 2 with one stderr line naming XYTE_ORG_API_KEY when no key is set", async () => {
  const { code, stdout, stderr } = await runCli([]);
  assert.equal(code, 2);
  assert.equal(stdout, "");
  const lines = stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1, stderr);
  assertIncludesAll(lines[0]!, ["xyte-mcp:", "XYTE_ORG_API_KEY"]);
});

Deno.test("--toolsets takes a comma list, all, or default; XYTE_TOOLSETS is the same setting", async () => {
  const key = { XYTE_ORG_API_KEY: ORG_KEY };
  assert.equal((await run([], key)).toolsets, "default");
  assert.deepEqual((await run(["--toolsets", "catalog"], key)).toolsets, ["catalog"]);
  assert.deepEqual((await run(["--toolsets", " Devices , tickets,devices"], key)).toolsets, [
    "devices",
    "tickets",
  ]);
  assert.ok(((await run(["--toolsets", "all"], key)).toolsets as string[]).includes("partner"));
  assert.deepEqual((await run([], { ...key, XYTE_TOOLSETS: "workflows,catalog" })).toolsets, [
    "workflows",
    "catalog",
  ]);
  // default and all may be part of a list.
  assert.deepEqual((await run(["--toolsets", "default,spaces"], key)).toolsets, ["default", "spaces"]);
  assert.ok(((await run(["--toolsets", "spaces,all"], key)).toolsets as string[]).includes("partner"));
});

Deno.test("a flag value starting with '-' is told to be attached with '=', not said to be missing", async () => {
  const message = await configError(["--port", "-1"], { XYTE_ORG_API_KEY: ORG_KEY });
  assert.match(message, /--port: a value starting with "-" must be attached with "=": --port=-1/);
  assert.match(await configError(["--port", "--demo"]), /flag --port needs a value/);
  assert.match(
    await configError(["--port=-1"], { XYTE_ORG_API_KEY: ORG_KEY }),
    /invalid value for --port: "-1"/,
  );
});

Deno.test("an unknown toolset is an error naming it and every valid toolset", async () => {
  const message = await configError(["--toolsets", "devices,gadgets"], { XYTE_ORG_API_KEY: ORG_KEY });
  assert.match(message, /--toolsets/);
  assert.match(message, /unknown toolset\(s\): gadgets/);
  for (const name of ["organization", "devices", "catalog", "connector", "workflows", "partner"]) {
    assert.match(message, new RegExp(name));
  }
});

Deno.test("HTTP on a non-loopback address without MCP_HTTP_TOKEN is refused, naming the variable", async () => {
  const key = { XYTE_ORG_API_KEY: ORG_KEY };
  const message = await configError(["--transport", "http", "--host", "0.0.0.0"], key);
  assert.match(message, /MCP_HTTP_TOKEN/);
  assert.match(message, /--allow-unauthenticated/);
  const loopback = await run(["--transport", "http", "--host", "127.0.0.1"], key);
  assert.equal(loopback.http.tokens.length, 0, "loopback needs no token");
  const token = "t0ken-with-enough-entropy-1234";
  const open = await run(["--transport", "http", "--host", "0.0.0.0"], {
    ...key,
    MCP_HTTP_TOKEN: `${token}, second-token-abcdefgh`,
  });
  assert.deepEqual(open.http.tokens.map((t) => t.reveal()), [token, "second-token-abcdefgh"]);
  const short = await configError(["--transport", "http"], { ...key, MCP_HTTP_TOKEN: "short" });
  assert.match(short, /MCP_HTTP_TOKEN/);
  assert.match(short, /at least 16 characters/, "says what is wrong");
  assert.ok(!short.includes("short"), "the token itself is not echoed");
});

Deno.test("MCP_HTTP_TOKEN_FILE may hold one token per line; a token with a space inside is refused", async () => {
  const key = { XYTE_ORG_API_KEY: ORG_KEY };
  const fromFile = await run(["--transport", "http"], { ...key, MCP_HTTP_TOKEN_FILE: "/run/tokens" }, {
    "/run/tokens": "first-token-0123456789\r\nsecond-token-abcdefgh\n\n",
  });
  assert.deepEqual(fromFile.http.tokens.map((t) => t.reveal()), [
    "first-token-0123456789",
    "second-token-abcdefgh",
  ]);
  const spaced = await configError(["--transport", "http"], {
    ...key,
    MCP_HTTP_TOKEN: "token with spaces inside",
  });
  assert.match(spaced, /MCP_HTTP_TOKEN.*cannot contain spaces/);
  assert.ok(!spaced.includes("with spaces"), "the token itself is not echoed");
});

Deno.test("over HTTP, no Xyte key means multi-tenant mode; over stdio it is still an error", async () => {
  const http = await run(["--transport", "http"], {});
  assert.equal(http.xyte.orgApiKey, undefined);
  assert.match(await configError([], {}), /XYTE_ORG_API_KEY/);
});

Deno.test("XYTE_CACHE_TTL_S takes seconds for all groups or group=seconds pairs", async () => {
  const key = { XYTE_ORG_API_KEY: ORG_KEY };
  assert.deepEqual((await run([], key)).cacheTtls, { default: 10 });
  assert.deepEqual((await run([], { ...key, XYTE_CACHE_TTL_S: "0" })).cacheTtls, { default: 0 });
  assert.deepEqual(
    (await run([], { ...key, XYTE_CACHE_TTL_S: "default=5, devices=30,tickets=0" })).cacheTtls,
    {
      default: 5,
      devices: 30,
      tickets: 0,
    },
  );
  assert.match(await configError([], { ...key, XYTE_CACHE_TTL_S: "devices=soon" }), /XYTE_CACHE_TTL_S/);
  // A misspelt group would silently stay on the default: refused, naming it and the groups there are.
  const typo = await configError([], { ...key, XYTE_CACHE_TTL_S: "default=30,ticket=0,devices=0" });
  assert.match(typo, /XYTE_CACHE_TTL_S/);
  assert.match(typo, /unknown endpoint group\(s\) "ticket"; the groups are default, .*\btickets\b/);
});

Deno.test("HTTP lists, limits and REDIS_URL are read and validated", async () => {
  const config = await run([], {
    XYTE_ORG_API_KEY: ORG_KEY,
    MCP_ALLOWED_HOSTS: "mcp.example.com, localhost",
    MCP_CORS_ORIGINS: "https://app.example.com",
    MCP_RATE_LIMIT_RPM: "0",
    REDIS_URL: "redis://127.0.0.1:6379/0",
  });
  assert.deepEqual(config.http.allowedHosts, ["mcp.example.com", "localhost"]);
  assert.deepEqual(config.http.corsOrigins, ["https://app.example.com"]);
  assert.equal(config.http.rateLimitPerMinute, 0);
  assert.equal(config.redisUrl?.reveal(), "redis://127.0.0.1:6379/0");
  assert.match(
    await configError([], { XYTE_ORG_API_KEY: ORG_KEY, REDIS_URL: "localhost:6379" }),
    /REDIS_URL/,
  );
  assert.match(
    await configError([], { XYTE_ORG_API_KEY: ORG_KEY, MCP_MAX_BODY_BYTES: "12" }),
    /MCP_MAX_BODY_BYTES/,
  );
});

Deno.test("Host and origin lists refuse items that could never match, naming the item", async () => {
  const accepted = await run([], {
    XYTE_ORG_API_KEY: ORG_KEY,
    MCP_ALLOWED_HOSTS: "mcp.example.com,localhost:8080,[::1]:80,10.0.0.5",
    MCP_ALLOWED_ORIGINS: "https://app.example.com,http://localhost:6274",
  });
  assert.deepEqual(accepted.http.allowedHosts, ["mcp.example.com", "localhost:8080", "[::1]:80", "10.0.0.5"]);
  // Each of these started, then refused every request (or matched nothing) without a word.
  for (
    const [name, value, bad] of [
      ["MCP_ALLOWED_HOSTS", "https://mcp.example.com", "https://mcp.example.com"],
      ["MCP_ALLOWED_HOSTS", "mcp.example.com/mcp", "mcp.example.com/mcp"],
      ["MCP_ALLOWED_ORIGINS", "https://ok.example.com,mcp.example.com", "mcp.example.com"],
      ["MCP_CORS_ORIGINS", "*", "*"],
      ["MCP_CORS_ORIGINS", "https://app.example.com/path", "https://app.example.com/path"],
    ]
  ) {
    const message = await configError([], { XYTE_ORG_API_KEY: ORG_KEY, [name!]: value! });
    assert.match(message, new RegExp(name!), value);
    assert.ok(message.includes(JSON.stringify(bad)), message);
  }
});

Deno.test("OAuth: the issuer with a public URL turns it on; audience defaults to that URL; scopes split on commas or spaces", async () => {
  const config = await run(["--transport", "http", "--host", "0.0.0.0"], {
    XYTE_ORG_API_KEY: ORG_KEY,
    MCP_OAUTH_ISSUER: "https://login.example.com/realms/ops/",
    MCP_PUBLIC_URL: "https://mcp.example.com/mcp",
    MCP_OAUTH_SCOPES: "xyte-mcp, devices  tickets",
  });
  // A non-loopback address needs no MCP_HTTP_TOKEN with OAuth; the issuer keeps its trailing slash (iss).
  assert.deepEqual(config.http.oauth, {
    issuer: "https://login.example.com/realms/ops/",
    resource: "https://mcp.example.com/mcp",
    audience: "https://mcp.example.com/mcp",
    jwksUrl: undefined,
    introspection: undefined,
    requiredScopes: ["xyte-mcp", "devices", "tickets"],
  });
  const custom = await run(["--transport", "http"], {
    XYTE_ORG_API_KEY: ORG_KEY,
    MCP_OAUTH_ISSUER: "http://localhost:8081/realms/dev",
    MCP_PUBLIC_URL: "http://localhost:8080/mcp",
    MCP_OAUTH_AUDIENCE: "api://xyte-mcp",
    MCP_OAUTH_JWKS_URL: "http://127.0.0.1:8081/realms/dev/certs",
  });
  assert.equal(custom.http.oauth?.audience, "api://xyte-mcp");
  assert.equal(custom.http.oauth?.jwksUrl, "http://127.0.0.1:8081/realms/dev/certs");
  assert.equal((await run([], { XYTE_ORG_API_KEY: ORG_KEY })).http.oauth, undefined);
});

Deno.test("OAuth introspection: endpoint, client id and secret (also from a _FILE) together; the secret stays hidden", async () => {
  const config = await run(["--transport", "http"], {
    XYTE_ORG_API_KEY: ORG_KEY,
    MCP_OAUTH_ISSUER: "https://login.example.com/realms/ops",
    MCP_PUBLIC_URL: "https://mcp.example.com/mcp",
    MCP_OAUTH_INTROSPECTION_URL: "https://login.example.com/realms/ops/introspect",
    MCP_OAUTH_CLIENT_ID: "xyte-mcp",
    MCP_OAUTH_CLIENT_SECRET_FILE: "/run/secrets/client",
  }, { "/run/secrets/client": "s3cret-introspection-pw\n" });
  const introspection = config.http.oauth?.introspection;
  assert.equal(introspection?.url, "https://login.example.com/realms/ops/introspect");
  assert.equal(introspection?.clientId, "xyte-mcp");
  assert.equal(introspection?.clientSecret.reveal(), "s3cret-introspection-pw");
  assert.ok(!JSON.stringify(config).includes("s3cret-introspection-pw"));
  assert.equal(configSummary(config).oauthIntrospection, true);
  const oauth = {
    XYTE_ORG_API_KEY: ORG_KEY,
    MCP_OAUTH_ISSUER: "https://login.example.com",
    MCP_PUBLIC_URL: "https://mcp.example.com/mcp",
  };
  const partial: [Record<string, string>, RegExp][] = [
    [
      { MCP_OAUTH_INTROSPECTION_URL: "https://login.example.com/introspect" },
      /^MCP_OAUTH_INTROSPECTION_URL is set but MCP_OAUTH_CLIENT_ID and MCP_OAUTH_CLIENT_SECRET are not/,
    ],
    [
      { MCP_OAUTH_CLIENT_ID: "xyte-mcp", MCP_OAUTH_CLIENT_SECRET: "s3cret-introspection-pw" },
      /^MCP_OAUTH_CLIENT_ID and MCP_OAUTH_CLIENT_SECRET are set but MCP_OAUTH_INTROSPECTION_URL is not/,
    ],
    [
      { MCP_OAUTH_INTROSPECTION_URL: "http://login.example.com/introspect" },
      /MCP_OAUTH_INTROSPECTION_URL.*must be https/,
    ],
  ];
  for (const [env, expected] of partial) {
    const message = await configError(["--transport", "http"], { ...oauth, ...env });
    assert.match(message, expected);
    assert.ok(!message.includes("s3cret-introspection-pw"), "the secret is not echoed");
  }
});

Deno.test("OAuth: mistakes name the variable: no public URL, settings without an issuer, plain http to a remote issuer", async () => {
  const base = { XYTE_ORG_API_KEY: ORG_KEY };
  assert.match(
    await configError(["--transport", "http"], { ...base, MCP_OAUTH_ISSUER: "https://login.example.com" }),
    /MCP_OAUTH_ISSUER needs MCP_PUBLIC_URL/,
  );
  for (
    const name of [
      "MCP_PUBLIC_URL",
      "MCP_OAUTH_AUDIENCE",
      "MCP_OAUTH_SCOPES",
      "MCP_OAUTH_JWKS_URL",
      "MCP_OAUTH_INTROSPECTION_URL",
      "MCP_OAUTH_CLIENT_ID",
      "MCP_OAUTH_CLIENT_SECRET",
    ]
  ) {
    const message = await configError(["--transport", "http"], {
      ...base,
      [name]: name.endsWith("_URL") ? "https://login.example.com/x" : "x",
    });
    assert.match(message, new RegExp(`^${name} is set but MCP_OAUTH_ISSUER is not`));
  }
  const mistakes: [Record<string, string>, string[]][] = [
    [
      { MCP_OAUTH_ISSUER: "http://login.example.com", MCP_PUBLIC_URL: "https://mcp.example.com/mcp" },
      ["MCP_OAUTH_ISSUER", "must be https (http only for localhost)"],
    ],
    [
      { MCP_OAUTH_ISSUER: "https://login.example.com", MCP_PUBLIC_URL: "https://mcp.example.com/mcp?x=1" },
      ["MCP_PUBLIC_URL", "no query or fragment"],
    ],
    [
      { MCP_OAUTH_ISSUER: "https://login.example.com", MCP_PUBLIC_URL: "http://mcp.example.com/mcp" },
      ["MCP_PUBLIC_URL", "must be https (http only for localhost)"],
    ],
    [
      {
        MCP_OAUTH_ISSUER: "https://user:secret-pw@login.example.com",
        MCP_PUBLIC_URL: "https://mcp.example.com/mcp",
      },
      ["MCP_OAUTH_ISSUER", "no user:pass@"],
    ],
  ];
  for (const [env, parts] of mistakes) {
    const message = await configError(["--transport", "http"], { ...base, ...env });
    assertIncludesAll(message, parts);
    assert.ok(!message.includes("secret-pw"), "the password is not echoed");
  }
  assertIncludesAll(await configError(["--transport", "http", "--host", "0.0.0.0"], base), [
    "MCP_OAUTH_ISSUER",
    "--allow-unauthenticated",
  ]);
});
