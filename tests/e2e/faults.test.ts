/**
 * Upstream faults, injected in the simulated hub, against the real server over stdio: retries of idempotent
 * requests only, Retry-After, deadlines, cancellation, malformed bodies, no answer at all, the circuit
 * breaker — and the key never shows up in what the agent or the logs see.
 */
import assert from "node:assert/strict";
import type { Client } from "@modelcontextprotocol/client";
import { freePort } from "../helpers/free_port.ts";
import { connectStdio, ORG_KEY, PARTNER_KEY, serverEnv, startHub, waitFor } from "./harness.ts";

interface Outcome {
  isError?: boolean;
  content?: { type: string; text?: string }[];
  structuredContent?: { error?: { code: string; message: string; hint: string; retriable: boolean } };
}

const seen: string[] = [];
async function call(client: Client, name: string, args: Record<string, unknown>): Promise<Outcome> {
  const result = await client.callTool({ name, arguments: args }) as Outcome;
  seen.push(JSON.stringify(result));
  return result;
}

function requestsTo(hub: { requests: { endpointKey: string | null }[] }, key: string): number {
  return hub.requests.filter((r) => r.endpointKey === key).length;
}

Deno.test("upstream faults: retries, Retry-After, no POST retries, deadlines, bad bodies", async (t) => {
  const hub = await startHub();
  const session = await connectStdio(
    // The breaker has its own test; here it must not open between steps.
    serverEnv(hub, {
      XYTE_RETRY_MAX: "3",
      XYTE_TIMEOUT_MS: "1000",
      MCP_TOOL_TIMEOUT_MS: "2500",
      XYTE_BREAKER_FAILURES: "1000",
    }),
  );
  const { client } = session;
  const device = hub.state.organizations[0]!.devices[0]!;
  try {
    await t.step("a 5xx burst shorter than the retry budget ends in success", async () => {
      const before = requestsTo(hub, "organization.devices.getDevice");
      hub.faults.add({ endpointKey: "organization.devices.getDevice", status: 503, times: 2 });
      hub.faults.add({ endpointKey: "organization.devices.getDevice", status: 502, times: 1 });
      const result = await call(client, "get_device", { device_id: device.id });
      assert.notEqual(result.isError, true, JSON.stringify(result.structuredContent));
      assert.equal(requestsTo(hub, "organization.devices.getDevice") - before, 4, "3 failures + 1 success");
      hub.faults.clear();
    });

    await t.step("POST + 503: exactly one request upstream, and an isError result", async () => {
      const before = requestsTo(hub, "organization.commands.sendCommand");
      hub.faults.add({ endpointKey: "organization.commands.sendCommand", status: 503, times: 5 });
      const result = await call(client, "send_command", { device_id: device.id, name: "reboot" });
      assert.equal(result.isError, true);
      assert.equal(result.structuredContent?.error?.code, "upstream");
      assert.equal(result.structuredContent?.error?.retriable, true);
      assert.equal(requestsTo(hub, "organization.commands.sendCommand") - before, 1, "never retried");
      hub.faults.clear();
    });

    await t.step("429 with Retry-After: 1 waits, then succeeds", async () => {
      hub.faults.add({ endpointKey: "organization.devices.getDevice", status: 429, retryAfter: 1, times: 1 });
      const started = performance.now();
      const result = await call(client, "get_device", { device_id: device.id });
      const elapsed = performance.now() - started;
      assert.notEqual(result.isError, true);
      assert.ok(elapsed >= 950, `waited ${elapsed.toFixed(0)} ms`);
      hub.faults.clear();
    });

    await t.step("a hung upstream fails with timeout within the deadline plus a small margin", async () => {
      hub.faults.add({ endpointKey: "organization.devices.getDevice", hang: true });
      const before = hub.requests.length;
      const result = await call(client, "get_device", { device_id: device.id });
      const answeredAt = Date.now();
      assert.equal(result.structuredContent?.error?.code, "timeout");
      // Timed from the first upstream request, which the call's deadline runs before: how long the request
      // took to reach the server (a loaded machine) is not the server's to answer for. Without the deadline
      // the four 1000 ms tries alone would take 4000 ms from there.
      const firstRequest = hub.requests.slice(before).find((r) =>
        r.endpointKey === "organization.devices.getDevice"
      );
      assert.ok(firstRequest, "the call reached the hub");
      const elapsed = answeredAt - firstRequest.at;
      assert.ok(elapsed < 2500 + 750, `answered ${elapsed} ms after the first request (deadline 2500 ms)`);
      hub.faults.clear();
    });

    await t.step("HTML and truncated JSON bodies are invalid_response", async () => {
      hub.faults.add({
        endpointKey: "organization.devices.getDevice",
        status: 200,
        contentType: "text/html",
        body: "<html><body><h1>Gateway</h1></body></html>",
        times: 1,
      });
      const html = await call(client, "get_device", { device_id: device.id });
      assert.equal(html.structuredContent?.error?.code, "invalid_response");
      hub.faults.add({
        endpointKey: "organization.devices.getDevice",
        status: 200,
        body: '{"id": "abc", "na',
        times: 1,
      });
      const truncated = await call(client, "get_device", { device_id: device.id });
      assert.equal(truncated.structuredContent?.error?.code, "invalid_response");
      hub.faults.clear();
    });

    await t.step("cancellation aborts the upstream requests and stops the page loop", async () => {
      hub.faults.add({ endpointKey: "organization.devices.getDevices", delayMs: 600 });
      const before = hub.requests.length;
      const controller = new AbortController();
      const pending = client.callTool({ name: "list_devices", arguments: { all: true } }, {
        signal: controller.signal,
      })
        .catch((error: unknown) => error);
      // Cancelled while the first page is upstream (it takes 600 ms), however long the call took to get there.
      await waitFor(
        () => hub.requests.slice(before).some((r) => r.endpointKey === "organization.devices.getDevices"),
        "the first page request",
        15_000,
      );
      controller.abort();
      const outcome = await pending;
      assert.ok(
        outcome instanceof Error || outcome instanceof DOMException,
        `the client saw its call cancelled: ${JSON.stringify(outcome)}`,
      );
      await new Promise((r) => setTimeout(r, 1500));
      const during = hub.requests.slice(before).filter((r) =>
        r.endpointKey === "organization.devices.getDevices"
      );
      // The first four pages are asked for at once when the listing starts, before the cancellation (which of
      // them the hub had seen by then varies); a later page only once page 1 answers, 600 ms after it came.
      const pages = during.map((r) => Number(new URLSearchParams(r.query).get("page") ?? 1));
      assert.ok(during.length > 0 && during.length <= 4, `${during.length} page request(s) started`);
      assert.ok(pages.every((page) => page <= 4), `no page request after the cancellation: pages ${pages}`);
      hub.faults.clear();
    });
  } finally {
    await session.close();
    await hub.close();
  }
  const stderr = session.stderr();
  for (const secret of [ORG_KEY, PARTNER_KEY]) {
    assert.ok(!stderr.includes(secret), "the key never reaches stderr");
    assert.ok(!seen.some((text) => text.includes(secret)), "the key never reaches a tool result");
  }
  assert.match(stderr, /"upstream retry"/, "retries are logged");
});

Deno.test("no answer at all (connection refused) is a network error", async () => {
  const port = freePort(); // nothing listens there
  const session = await connectStdio(serverEnv({ url: `http://127.0.0.1:${port}` }, { XYTE_RETRY_MAX: "1" }));
  try {
    const result = await call(session.client, "get_device", { device_id: "d-1" });
    assert.equal(result.structuredContent?.error?.code, "network");
    assert.equal(result.structuredContent?.error?.retriable, true);
    assert.ok(!JSON.stringify(result).includes(ORG_KEY));
  } finally {
    await session.close();
  }
});

Deno.test("a call reading several lists at once from a host refusing connections gets network; calls after it open the circuit", async () => {
  const port = freePort(); // nothing listens there
  const session = await connectStdio(
    // 3 tries a request: fleet_summary's 7 requests at once (4 device pages, 2 incident pages, the tickets)
    // failed 21 times and opened the circuit by themselves; as one call they count 3 of 5.
    serverEnv({ url: `http://127.0.0.1:${port}` }, { XYTE_RETRY_MAX: "2", XYTE_BREAKER_FAILURES: "5" }),
  );
  try {
    const lone = await call(session.client, "fleet_summary", {});
    assert.equal(lone.structuredContent?.error?.code, "network", JSON.stringify(lone.structuredContent));
    assert.match(lone.structuredContent?.error?.hint ?? "", /could not be reached/);
    const pages = await call(session.client, "list_devices", { all: true });
    assert.ok(
      ["network", "circuit_open"].includes(pages.structuredContent?.error?.code ?? ""),
      "the second call's failures open the circuit (6 of 5), maybe before its own retries",
    );
    const after = await call(session.client, "get_device", { device_id: "d-1" });
    assert.equal(after.structuredContent?.error?.code, "circuit_open");
    assert.match(after.structuredContent?.error?.message ?? "", /failed 5 times in a row/);
  } finally {
    await session.close();
  }
});

Deno.test("the circuit breaker opens after consecutive failures, fails fast naming the cool-down, then recovers", async () => {
  const hub = await startHub();
  const session = await connectStdio(
    serverEnv(hub, { XYTE_RETRY_MAX: "0", XYTE_BREAKER_FAILURES: "3", XYTE_BREAKER_COOLDOWN_S: "1" }),
  );
  const device = hub.state.organizations[0]!.devices[0]!;
  try {
    hub.faults.add({ endpointKey: "organization.devices.getDevice", status: 500, times: 3 });
    for (let i = 0; i < 3; i++) {
      const failed = await call(session.client, "get_device", { device_id: device.id });
      assert.equal(failed.structuredContent?.error?.code, "upstream");
    }
    const stillClosed = await call(session.client, "get_device", { device_id: device.id });
    assert.notEqual(
      stillClosed.isError,
      true,
      "a 500 is one request failing, not the host: the circuit stays closed",
    );
    hub.faults.add({ endpointKey: "organization.devices.getDevice", status: 503 });
    for (let i = 0; i < 3; i++) {
      const failed = await call(session.client, "get_device", { device_id: device.id });
      assert.equal(failed.structuredContent?.error?.code, "upstream");
    }
    const before = hub.requests.length;
    const open = await call(session.client, "get_device", { device_id: device.id });
    assert.equal(open.structuredContent?.error?.code, "circuit_open");
    assert.equal(open.structuredContent?.error?.retriable, true);
    assert.match(open.structuredContent?.error?.hint ?? "", /Retry in about 1 s/);
    assert.equal(hub.requests.length, before, "an open circuit sends nothing");

    hub.faults.clear();
    await new Promise((r) => setTimeout(r, 1100));
    const trial = await call(session.client, "get_device", { device_id: device.id });
    assert.notEqual(trial.isError, true, "after the cool-down a trial request goes through and closes it");
    const after = await call(session.client, "get_device", { device_id: device.id });
    assert.notEqual(after.isError, true);
  } finally {
    await session.close();
    await hub.close();
  }
});
