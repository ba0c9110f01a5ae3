import assert from "node:assert/strict";
import { callEveryTool } from "./every_tool.ts";
import {
  connectStdio,
  ORG_KEY,
  PARTNER_KEY,
  RUN_ARGS,
  serverEnv,
  spawnStdioServer,
  startHub,
} from "./harness.ts";

Deno.test("stdio: a 2025-era client initializes, lists and calls every tool against the simulated hub", async () => {
  const hub = await startHub();
  const session = await connectStdio(serverEnv(hub));
  try {
    assert.equal(session.client.getServerVersion()?.name, "xyte-mcp");
    await callEveryTool(session.client);
    const stderr = session.stderr();
    assert.ok(!stderr.includes(ORG_KEY) && !stderr.includes(PARTNER_KEY), "keys never reach the logs");
    assert.ok(hub.requests.every((r) => r.authorized), "every upstream request carried a valid key");
  } finally {
    await session.close();
    await hub.close();
  }
});

Deno.test("stdio: a 2026-07-28 client (version negotiation) calls every tool", async () => {
  const hub = await startHub();
  const session = await connectStdio(serverEnv(hub), [], { modern: true });
  try {
    await callEveryTool(session.client);
  } finally {
    await session.close();
    await hub.close();
  }
});

/** Runs the server with raw JSON-RPC on stdin, waits for every answer, then ends it by EOF or a signal. */
async function rawStdio(
  env: Record<string, string>,
  args: string[],
  messages: { id?: number }[],
  end: "eof" | Deno.Signal,
): Promise<{ code: number; lines: string[]; stderr: string }> {
  const child = spawnStdioServer(env, args);
  const stderr = new Response(child.stderr).text();
  const writer = child.stdin.getWriter();
  const encoder = new TextEncoder();
  for (const message of messages) await writer.write(encoder.encode(JSON.stringify(message) + "\n"));
  const pending = new Set(messages.flatMap((m) => (m.id === undefined ? [] : [m.id])));
  const decoder = new TextDecoder();
  const reader = child.stdout.getReader();
  let text = "";
  const timeout = setTimeout(() => child.kill("SIGKILL"), 30_000);
  while (pending.size > 0) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
    for (const line of text.split("\n").slice(0, -1)) {
      const id = (JSON.parse(line) as { id?: number }).id;
      if (id !== undefined) pending.delete(id);
    }
  }
  if (end === "eof") await writer.close();
  else child.kill(end);
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  const status = await child.status;
  clearTimeout(timeout);
  return { code: status.code, lines: text.split("\n").filter((l) => l !== ""), stderr: await stderr };
}

const handshake = [
  {
    jsonrpc: "2.0",
    id: 1,
    method: "initialize",
    params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "1" } },
  },
  { jsonrpc: "2.0", method: "notifications/initialized" },
  { jsonrpc: "2.0", id: 2, method: "tools/list" },
  {
    jsonrpc: "2.0",
    id: 3,
    method: "tools/call",
    params: { name: "list_devices", arguments: { per_page: 2 } },
  },
  { jsonrpc: "2.0", id: 4, method: "no/such/method" },
];

function assertAllJsonRpc(lines: string[], atLeast = 4): void {
  assert.ok(lines.length >= atLeast);
  for (const line of lines) {
    const message = JSON.parse(line) as { jsonrpc?: string };
    assert.equal(message.jsonrpc, "2.0", `stdout line is JSON-RPC: ${line.slice(0, 80)}`);
  }
}

Deno.test("stdio: stdout carries only JSON-RPC, and stdin EOF ends the process with code 0", async () => {
  const hub = await startHub();
  try {
    const run = await rawStdio(serverEnv(hub), [], handshake, "eof");
    assertAllJsonRpc(run.lines);
    assert.equal(run.code, 0);
    assert.match(run.stderr, /"stdin closed"/);
    const unknown = run.lines.map((l) => JSON.parse(l)).find((m) => m.id === 4);
    assert.equal(unknown.error.code, -32601);
  } finally {
    await hub.close();
  }
});

Deno.test("stdio: --demo serves the simulated organization without a key, stdout stays JSON-RPC, SIGTERM exits 0", async () => {
  const run = await rawStdio(serverEnv(undefined), ["--demo"], handshake, "SIGTERM");
  assertAllJsonRpc(run.lines);
  const listed = run.lines.map((l) => JSON.parse(l)).find((m) => m.id === 3);
  assert.equal(listed.result.structuredContent.devices.length, 2);
  assert.equal(run.code, 0);
  assert.match(run.stderr, /"SIGTERM"/);
});

Deno.test("stdio: without any key the server exits 2 naming XYTE_ORG_API_KEY before reading stdin", async () => {
  const output = await new Deno.Command(Deno.execPath(), {
    args: RUN_ARGS,
    env: serverEnv(undefined),
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(output.code, 2);
  assert.equal(output.stdout.length, 0);
  assert.match(new TextDecoder().decode(output.stderr), /XYTE_ORG_API_KEY/);
});

/**
 * Runs the server with `messages` written to stdin at once, then ends it: by EOF right after them, or by
 * `end` (a signal) once `ready()` holds. Reads stdout to its end; nothing waits for answers first.
 */
async function endedStdio(
  env: Record<string, string>,
  messages: unknown[],
  end: "eof" | { signal: Deno.Signal; ready: () => boolean },
): Promise<{ code: number; messages: { id?: unknown; result?: unknown; error?: { code: number } }[] }> {
  const child = spawnStdioServer(env);
  const stderr = new Response(child.stderr).text();
  const stdout = new Response(child.stdout).text();
  const timeout = setTimeout(() => child.kill("SIGKILL"), 30_000);
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(messages.map((m) => JSON.stringify(m) + "\n").join("")));
  if (end === "eof") await writer.close();
  else {
    while (!end.ready()) await new Promise((r) => setTimeout(r, 20));
    child.kill(end.signal);
  }
  const status = await child.status;
  clearTimeout(timeout);
  await writer.close().catch(() => {});
  const [text, log] = await Promise.all([stdout, stderr]);
  const lines = text.split("\n").filter((l) => l !== "");
  assertAllJsonRpc(lines, 0);
  assert.equal(status.code, 0, log.slice(-600));
  return { code: status.code, messages: lines.map((l) => JSON.parse(l)) };
}

const getDeviceCall = (id: number, deviceId: string) => ({
  jsonrpc: "2.0",
  id,
  method: "tools/call",
  params: { name: "get_device", arguments: { device_id: deviceId } },
});

Deno.test("stdio: requests piped in just before EOF are all answered before the process exits 0", async () => {
  const hub = await startHub();
  try {
    // The call is still running at EOF.
    hub.faults.add({ endpointKey: "organization.devices.getDevice", delayMs: 500 });
    const device = hub.state.organizations[0]!.devices[0]!;
    const run = await endedStdio(serverEnv(hub), [handshake[0], getDeviceCall(2, device.id)], "eof");
    assert.deepEqual(run.messages.map((m) => m.id), [1, 2]);
    assert.ok(run.messages.every((m) => m.result !== undefined), JSON.stringify(run.messages));
  } finally {
    await hub.close();
  }
});

Deno.test("stdio: SIGTERM lets a call in flight finish and answers it before exiting 0", async () => {
  const hub = await startHub();
  try {
    hub.faults.add({ endpointKey: "organization.devices.getDevice", delayMs: 1500 });
    const device = hub.state.organizations[0]!.devices[0]!;
    const started = () => hub.requests.some((r) => r.endpointKey === "organization.devices.getDevice");
    const run = await endedStdio(serverEnv(hub), [handshake[0], getDeviceCall(2, device.id)], {
      signal: "SIGTERM",
      ready: started,
    });
    const answer = run.messages.find((m) => m.id === 2);
    assert.ok(answer?.result !== undefined, `the call's result: ${JSON.stringify(run.messages)}`);
  } finally {
    await hub.close();
  }
});

Deno.test("stdio: a call still running when MCP_SHUTDOWN_GRACE_MS ends gets an error answer, then exit 0", async () => {
  const hub = await startHub();
  try {
    hub.faults.add({ endpointKey: "organization.devices.getDevice", hang: true });
    const device = hub.state.organizations[0]!.devices[0]!;
    const started = () => hub.requests.some((r) => r.endpointKey === "organization.devices.getDevice");
    const before = performance.now();
    const run = await endedStdio(
      serverEnv(hub, { MCP_SHUTDOWN_GRACE_MS: "300" }),
      [handshake[0], getDeviceCall(2, device.id)],
      { signal: "SIGINT", ready: started },
    );
    const answers = run.messages.filter((m) => m.id === 2);
    assert.equal(answers.length, 1, JSON.stringify(run.messages));
    assert.equal(answers[0]!.error?.code, -32000);
    assert.ok(performance.now() - before < 10_000, "the grace period, not the tool deadline, ended it");
  } finally {
    await hub.close();
  }
});
