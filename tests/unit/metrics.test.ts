import assert from "node:assert/strict";
import { createMetrics, type Metrics } from "../../src/observability/metrics.ts";
import type { KeyCheckOutcome, SessionTransport } from "../../src/observability/telemetry.ts";
import { VERSION } from "../../src/version.ts";

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of the exposition text (comments dropped). */
function parse(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split("\n")) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[pair[1]!] = pair[2]!;
    }
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

/** The value of the one sample named `name` whose labels are exactly `labels`; undefined when none. */
async function value(metrics: Metrics, name: string, labels: Record<string, string> = {}) {
  const found = parse(await metrics.render()).filter((s) =>
    s.name === name && JSON.stringify(sorted(s.labels)) === JSON.stringify(sorted(labels))
  );
  assert.ok(found.length <= 1, `one ${name} sample`);
  return found[0]?.value;
}

const sorted = (o: Record<string, string>) => Object.fromEntries(Object.entries(o).sort());

/** Every label value that appears for `label` on samples named `name`. */
async function labelValues(metrics: Metrics, name: string, label: string): Promise<string[]> {
  const values = parse(await metrics.render()).filter((s) => s.name === name).map((s) => s.labels[label]!);
  return [...new Set(values)].sort();
}

Deno.test("metrics: tool calls count by outcome and code, errors separately, durations per tool", async () => {
  const m = createMetrics();
  m.toolCall("list_devices", "ok", undefined, 0.004);
  m.toolCall("list_devices", "ok", undefined, 0.2);
  m.toolCall("list_devices", "error", "timeout", 30);
  const calls = "xyte_mcp_tool_calls_total";
  assert.equal(await value(m, calls, { tool: "list_devices", outcome: "ok", code: "" }), 2);
  assert.equal(await value(m, calls, { tool: "list_devices", outcome: "error", code: "timeout" }), 1);
  assert.equal(await value(m, "xyte_mcp_tool_errors_total", { tool: "list_devices", code: "timeout" }), 1);
  const hist = "xyte_mcp_tool_duration_seconds";
  assert.equal(await value(m, `${hist}_count`, { tool: "list_devices" }), 3);
  assert.ok(Math.abs((await value(m, `${hist}_sum`, { tool: "list_devices" }))! - 30.204) < 1e-9);
  assert.equal(await value(m, `${hist}_bucket`, { tool: "list_devices", le: "0.005" }), 1);
  assert.equal(await value(m, `${hist}_bucket`, { tool: "list_devices", le: "0.001" }), 0);
  assert.equal(await value(m, `${hist}_bucket`, { tool: "list_devices", le: "30" }), 3);
  assert.equal(await value(m, `${hist}_bucket`, { tool: "list_devices", le: "+Inf" }), 3);
});

Deno.test("metrics: upstream requests by catalog endpoint and status, cache events, sessions, rate limits", async () => {
  const m = createMetrics();
  const key = "organization.devices.getDevices";
  m.upstreamRequest(key, 200, 0.05);
  m.upstreamRequest(key, 404, 0.01);
  m.upstreamRequest(key, "timeout", 10);
  const up = "xyte_mcp_upstream_requests_total";
  assert.equal(await value(m, up, { endpoint: key, status: "200" }), 1);
  assert.equal(await value(m, up, { endpoint: key, status: "404" }), 1);
  assert.equal(await value(m, up, { endpoint: key, status: "timeout" }), 1);
  assert.equal(await value(m, "xyte_mcp_upstream_duration_seconds_count", { endpoint: key }), 3);

  m.cache("hit", "devices");
  m.cache("hit", "devices");
  m.cache("miss", "tickets");
  m.cache("bypass", "devices");
  const cache = "xyte_mcp_cache_events_total";
  assert.equal(await value(m, cache, { event: "hit", group: "devices" }), 2);
  assert.equal(await value(m, cache, { event: "miss", group: "tickets" }), 1);
  assert.equal(await value(m, cache, { event: "bypass", group: "devices" }), 1);

  const sessions = "xyte_mcp_sessions_active";
  assert.equal(
    await value(m, sessions, { transport: "streamable_http" }),
    0,
    "every series exists from the start",
  );
  assert.equal(await value(m, sessions, { transport: "sse" }), 0);
  assert.equal(await value(m, sessions, { transport: "listen" }), 0);
  m.sessions("streamable_http", 3);
  m.sessions("streamable_http", 2);
  m.sessions("sse", 1);
  assert.equal(await value(m, sessions, { transport: "streamable_http" }), 2);
  assert.equal(await value(m, sessions, { transport: "sse" }), 1);
  m.circuit("https://hub.example.com", true);
  m.circuit("https://hub.example.com", true);
  assert.equal(
    await value(m, "xyte_mcp_circuit_open", { host: "hub.example.com" }),
    2,
    "two tenants' circuits",
  );
  m.circuit("https://hub.example.com", false);
  m.circuit("https://hub.example.com", false);
  assert.equal(await value(m, "xyte_mcp_circuit_open", { host: "hub.example.com" }), 0, "closed again: 0");
  m.watches(4);
  assert.equal(await value(m, "xyte_mcp_resource_watches"), 4);
  assert.equal(await value(m, "xyte_mcp_rate_limited_total"), 0);
  m.rateLimited();
  m.rateLimited();
  assert.equal(await value(m, "xyte_mcp_rate_limited_total"), 2);
});

Deno.test("metrics: default process metrics carry the prefix; content type is Prometheus text", async () => {
  const m = createMetrics();
  const names = new Set(parse(await m.render()).map((s) => s.name));
  assert.ok(names.has("xyte_mcp_process_cpu_seconds_total"));
  assert.ok([...names].every((n) => n.startsWith("xyte_mcp_")), "no unprefixed series");
  assert.match(m.contentType, /^text\/plain; version=0\.0\.4/);
});

Deno.test("metrics: resident memory is measured without /proc access; /proc-only gauges are left out", async () => {
  const samples = parse(await createMetrics().render());
  const rss = samples.find((s) => s.name === "xyte_mcp_process_resident_memory_bytes");
  assert.ok(rss && rss.value > 1_000_000, `resident memory reported: ${JSON.stringify(rss)}`);
  for (const gone of ["virtual_memory_bytes", "heap_bytes", "open_fds", "max_fds"]) {
    assert.ok(!samples.some((s) => s.name === `xyte_mcp_process_${gone}`), `${gone} is not reported`);
  }
});

Deno.test("metrics: two instances share no state", async () => {
  const a = createMetrics();
  const b = createMetrics();
  a.toolCall("get_device", "ok", undefined, 0.1);
  a.rateLimited();
  a.sessions("streamable_http", 5);
  assert.equal(
    await value(a, "xyte_mcp_tool_calls_total", { tool: "get_device", outcome: "ok", code: "" }),
    1,
  );
  assert.equal(
    await value(b, "xyte_mcp_tool_calls_total", { tool: "get_device", outcome: "ok", code: "" }),
    undefined,
  );
  assert.equal(await value(b, "xyte_mcp_rate_limited_total"), 0);
  assert.equal(await value(b, "xyte_mcp_sessions_active", { transport: "streamable_http" }), 0);
});

Deno.test("metrics: HTTP responses by route and status, and the build's version", async () => {
  const m = createMetrics();
  m.httpResponse("/mcp", 200);
  m.httpResponse("/mcp", 200);
  m.httpResponse("/mcp", 401);
  m.httpResponse("/devices/d-123/secret-looking-path", 404);
  m.httpResponse("/healthz", 999);
  const responses = "xyte_mcp_http_responses_total";
  assert.equal(await value(m, responses, { route: "/mcp", status: "200" }), 2);
  assert.equal(await value(m, responses, { route: "/mcp", status: "401" }), 1);
  assert.equal(
    await value(m, responses, { route: "other", status: "404" }),
    1,
    "unknown paths are not labels",
  );
  assert.equal(await value(m, responses, { route: "/healthz", status: "other" }), 1);
  assert.deepEqual(await labelValues(m, responses, "route"), ["/healthz", "/mcp", "other"]);
  assert.equal(await value(m, "xyte_mcp_build_info", { version: VERSION }), 1);
});

Deno.test("metrics: label values stay bounded", async () => {
  const m = createMetrics();
  m.toolCall("x".repeat(65), "ok", undefined, 0.1);
  m.toolCall("x".repeat(64), "ok", undefined, 0.1);
  m.toolCall("List-Devices", "ok", undefined, 0.1);
  m.toolCall("get_device?id=42", "error", "made_up_code_1234", 0.1);
  m.toolCall("get_device", "error", undefined, 0.1);
  assert.deepEqual(await labelValues(m, "xyte_mcp_tool_calls_total", "tool"), [
    "get_device",
    "other",
    "x".repeat(64),
  ]);
  assert.deepEqual(await labelValues(m, "xyte_mcp_tool_errors_total", "code"), ["other", "unknown"]);

  m.upstreamRequest("organization.devices.getDevice/12345", 200, 0.1);
  m.upstreamRequest("/core/v1/organization/devices", "ECONNRESET", 0.1);
  m.upstreamRequest("organization.devices.getDevices", 99999, 0.1);
  m.upstreamRequest("organization.devices.getDevices", "503", 0.1);
  assert.deepEqual(await labelValues(m, "xyte_mcp_upstream_requests_total", "endpoint"), [
    "organization.devices.getDevices",
    "other",
  ]);
  assert.deepEqual(await labelValues(m, "xyte_mcp_upstream_requests_total", "status"), [
    "200",
    "503",
    "other",
  ]);

  m.cache("hit", "tenant-42/devices");
  m.cache("stale" as "hit", "devices");
  assert.deepEqual(await labelValues(m, "xyte_mcp_cache_events_total", "group"), ["devices", "other"]);
  assert.deepEqual(await labelValues(m, "xyte_mcp_cache_events_total", "event"), ["hit", "other"]);

  m.keyCheck("invalid");
  m.keyCheck("key-0123456789" as KeyCheckOutcome);
  assert.deepEqual(await labelValues(m, "xyte_mcp_tenant_key_checks_total", "outcome"), ["invalid", "other"]);

  // Non-finite durations and session counts are ignored rather than corrupting the series.
  m.toolCall("get_device", "ok", undefined, Number.NaN);
  m.sessions("streamable_http", -1);
  m.sessions("other" as SessionTransport, 4);
  m.watches(Number.NaN);
  assert.equal(
    await value(m, "xyte_mcp_tool_calls_total", { tool: "get_device", outcome: "ok", code: "" }),
    1,
  );
  assert.equal(await value(m, "xyte_mcp_sessions_active", { transport: "streamable_http" }), 0);
  assert.equal(await value(m, "xyte_mcp_sessions_active", { transport: "other" }), undefined);
  assert.equal(await value(m, "xyte_mcp_resource_watches"), 0);
});
