/**
 * Resource subscriptions end to end: a client subscribed to a resource hears when it changes, whether the
 * change came through the server's own tools or from elsewhere (seen by polling), and hears nothing after
 * unsubscribing; tenants never hear of each other's changes; per-request servers do not offer subscriptions.
 */
import assert from "node:assert/strict";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { MAX_SUBSCRIPTIONS_PER_SESSION } from "../../src/mcp/register_subscriptions.ts";
import type { SimulatorServer } from "../../src/simulator/mod.ts";
import { catalogUri } from "../../src/resources/catalog.ts";
import { ENDPOINTS } from "../../src/xyte/catalog.ts";
import { startTestRedis } from "../helpers/redis.ts";
import { connectStdio, serverEnv, startHttpServer, startHub, startTwoTenants, waitFor } from "./harness.ts";

const deviceUri = (id: string) => `xyte://devices/${id}`;

/** Collects the URIs of `notifications/resources/updated` a client receives. */
function collectUpdates(client: Client): string[] {
  const updated: string[] = [];
  client.setNotificationHandler("notifications/resources/updated", (notification) => {
    updated.push(notification.params.uri);
  });
  return updated;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function subscribeFails(client: Client, uri: string): Promise<{ code: number; message: string }> {
  try {
    await client.subscribeResource({ uri });
  } catch (error) {
    return error as { code: number; message: string };
  }
  throw new Error(`subscribing to ${uri} was expected to fail`);
}

Deno.test("with the response cache on, a client that re-reads a resource it was told changed gets the new document", async () => {
  const hub = await startHub();
  const session = await connectStdio(
    serverEnv(hub, { MCP_SUBSCRIPTION_POLL_S: "1", XYTE_CACHE_TTL_S: "300" }),
  );
  const client = session.client;
  const updated = collectUpdates(client);
  const device = hub.state.organizations[0]!.devices[0]!;
  const uri = deviceUri(device.id);
  const nameIn = async () => {
    const read = await client.readResource({ uri });
    const text = (read.contents[0] as { text: string }).text;
    return (JSON.parse(text) as { name?: string }).name;
  };
  try {
    const before = await nameIn(); // now in the response cache for 300 s
    await client.subscribeResource({ uri });
    device.name = "Renamed in the Xyte portal while cached";
    await waitFor(() => updated.includes(uri), "the update seen by polling");
    assert.notEqual(before, device.name);
    assert.equal(
      await nameIn(),
      device.name,
      "the read after the notification is not served the stale entry",
    );
  } finally {
    await session.close();
    await hub.close();
  }
});

Deno.test("stdio: with polling off, a write through a tool notifies its resource, and only that one", async () => {
  // No poll can announce the change here: only the read the write itself sets off can, however long it takes.
  const hub = await startHub();
  const session = await connectStdio(serverEnv(hub, { MCP_SUBSCRIPTION_POLL_S: "0" }));
  const client = session.client;
  const updated = collectUpdates(client);
  const [written, other] = hub.state.organizations[0]!.devices;
  try {
    await client.subscribeResource({ uri: deviceUri(written!.id) });
    await client.subscribeResource({ uri: deviceUri(other!.id) });
    const result = await client.callTool({
      name: "update_device",
      arguments: { device_id: written!.id, name: "Renamed with polling off" },
    });
    assert.ok(!result.isError, JSON.stringify(result.structuredContent));
    await waitFor(() => updated.includes(deviceUri(written!.id)), "the update of the written device");
    assert.deepEqual(updated, [deviceUri(written!.id)], "one notification, for the written device only");
  } finally {
    await session.close();
    await hub.close();
  }
});

Deno.test("stdio: subscribed resources notify after the server's writes and after changes made elsewhere", async (t) => {
  const hub = await startHub();
  const session = await connectStdio(serverEnv(hub, { MCP_SUBSCRIPTION_POLL_S: "1" }));
  const client = session.client;
  const updated = collectUpdates(client);
  const org = hub.state.organizations[0]!;
  const [a, b, c, quiet] = org.devices;
  const count = (uri: string) => updated.filter((u) => u === uri).length;
  try {
    await t.step("the server offers subscriptions", () => {
      assert.equal(client.getServerCapabilities()?.resources?.subscribe, true);
    });
    for (const device of [a!, b!, c!, quiet!]) await client.subscribeResource({ uri: deviceUri(device.id) });

    // That the write itself (not the next poll) notifies is the next test's, with polling off.
    await t.step("a write through a tool notifies its resource", async () => {
      const result = await client.callTool({
        name: "update_device",
        arguments: { device_id: a!.id, name: "Renamed by the subscription test" },
      });
      assert.ok(!result.isError, JSON.stringify(result.structuredContent));
      await waitFor(() => count(deviceUri(a!.id)) === 1, "the update of device a");
    });

    await t.step("a change made outside the server is seen by polling", async () => {
      b!.name = "Renamed in the Xyte portal";
      await waitFor(() => count(deviceUri(b!.id)) === 1, "the update of device b");
    });

    await t.step("a deleted resource notifies too (a read now answers not found)", async () => {
      org.devices = org.devices.filter((d) => d !== c);
      await waitFor(() => count(deviceUri(c!.id)) === 1, "the update of device c");
    });

    await t.step("after unsubscribing, changes are no longer announced", async () => {
      await client.unsubscribeResource({ uri: deviceUri(a!.id) });
      await client.callTool({
        name: "update_device",
        arguments: { device_id: a!.id, name: "Renamed again" },
      });
      await pause(1_500);
      assert.equal(count(deviceUri(a!.id)), 1);
      assert.equal(count(deviceUri(quiet!.id)), 0, "an unchanged resource never notifies");
      assert.equal(count(deviceUri(b!.id)), 1, "one change, one notification");
    });

    await t.step("unknown resources and malformed URIs are refused like reads", async () => {
      const missing = await subscribeFails(client, deviceUri("no-such-device"));
      assert.equal(missing.code, -32602);
      assert.match(missing.message, /no-such-device/);
      const unknown = await subscribeFails(client, "xyte://nothing-here");
      assert.equal(unknown.code, -32602);
      const malformed = await subscribeFails(client, "not a uri");
      assert.equal(malformed.code, -32602);
      assert.match(malformed.message, /invalid/);
    });

    await t.step("a session holds at most 100 subscriptions", async () => {
      // Three devices are still subscribed; the catalog's documents are built in (no upstream reads).
      const keys = ENDPOINTS.slice(0, MAX_SUBSCRIPTIONS_PER_SESSION - 3).map((e) => e.key);
      for (const key of keys) await client.subscribeResource({ uri: catalogUri(key) });
      const refused = await subscribeFails(client, catalogUri(ENDPOINTS.at(-1)!.key));
      assert.equal(refused.code, -32600);
      assert.match(refused.message, /already has 100 subscriptions/);
      await client.subscribeResource({ uri: catalogUri(keys[0]!) }); // already subscribed: fine
      await client.unsubscribeResource({ uri: catalogUri(keys[0]!) });
      await client.subscribeResource({ uri: catalogUri(ENDPOINTS.at(-1)!.key) });
    });
  } finally {
    await session.close();
    await hub.close();
  }
});

/** A 2025-era HTTP client with extra request headers (a tenant key). */
async function connect(
  url: string,
  headers: Record<string, string>,
  options: { modern?: boolean } = {},
): Promise<Client> {
  const client = new Client(
    { name: "e2e-subscriptions", version: "1" },
    options.modern ? { versionNegotiation: { mode: "auto" } } : {},
  );
  await client.connect(
    new StreamableHTTPClientTransport(new URL(url), {
      requestInit: { headers },
      fetch: fetchHoldingSignals(),
    }),
  );
  return client;
}

/**
 * `fetch` whose response bodies end when the request's signal aborts. The SDK client closes a listen stream
 * by aborting its request's signal (one made with `AbortSignal.any`); under Deno 2.9.6, when a garbage
 * collection falls between opening and closing the stream, that abort no longer reaches the connection
 * (forced with --expose-gc it fails every time; which weak link drops it, in the SDK client or in Deno's
 * signal following, was not isolated, and a plain fetch with such a signal aborts fine). The connection then
 * stays open and the server, rightly, keeps watching. Here the signal is held, and its abort cancels the body.
 */
function fetchHoldingSignals(): typeof fetch {
  const held = new Set<AbortSignal>();
  return async (input, init) => {
    const response = await fetch(input, init);
    const signal = init?.signal;
    if (!signal || !response.body) return response;
    const reader = response.body.getReader();
    held.add(signal);
    const release = () => held.delete(signal);
    signal.addEventListener("abort", () => {
      release();
      reader.cancel().catch(() => {});
    }, { once: true });
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        try {
          const { done, value } = await reader.read();
          if (done) {
            release();
            controller.close();
          } else controller.enqueue(value);
        } catch (error) {
          release();
          controller.error(error);
        }
      },
      cancel: (reason) => {
        release();
        return reader.cancel(reason);
      },
    });
    return new Response(body, response);
  };
}

/** Two organizations behind a multi-tenant server that never polls: only writes through it trigger a read. */
const twoTenants = () => startTwoTenants({ MCP_SUBSCRIPTION_POLL_S: "0" });

Deno.test("HTTP sessions: a tenant hears of its own changes only", async () => {
  const { hub, server, keyA, keyB } = await twoTenants();
  const alpha = await connect(server.url, { "x-xyte-api-key": keyA });
  const beta = await connect(server.url, { "x-xyte-api-key": keyB });
  try {
    const alphaUpdates = collectUpdates(alpha);
    const betaUpdates = collectUpdates(beta);
    // The same URI for both: each names its own organization.
    await alpha.subscribeResource({ uri: "xyte://organization" });
    await beta.subscribeResource({ uri: "xyte://organization" });

    const [orgA, orgB] = hub.state.organizations;
    const deleteFirstDevice = (client: Client, deviceId: string) =>
      client.callTool({ name: "delete_device", arguments: { device_id: deviceId, confirm: deviceId } });
    const deleted = await deleteFirstDevice(alpha, orgA!.devices[0]!.id);
    assert.ok(!deleted.isError, JSON.stringify(deleted.structuredContent));
    await waitFor(() => alphaUpdates.length === 1, "alpha's organization update");
    await pause(300);
    assert.deepEqual(betaUpdates, [], "beta's organization did not change");

    await deleteFirstDevice(beta, orgB!.devices[0]!.id);
    await waitFor(() => betaUpdates.length === 1, "beta's organization update");
    await pause(300);
    assert.deepEqual(alphaUpdates, ["xyte://organization"]);
    const log = server.stderr();
    assert.ok(!log.includes(keyA) && !log.includes(keyB), "tenant keys never reach the logs");
  } finally {
    await alpha.close();
    await beta.close();
    await server.stop();
    await hub.close();
  }
});

async function metricsText(mcpUrl: string): Promise<string> {
  return await (await fetch(new URL("/metrics", mcpUrl))).text();
}

/** Asks /metrics until the server watches `count` resources; fails after 5 s saying how many it watched. */
async function untilWatches(mcpUrl: string, count: number, what: string): Promise<void> {
  const end = Date.now() + 5_000;
  for (;;) {
    const watches = /^xyte_mcp_resource_watches (\d+)$/m.exec(await metricsText(mcpUrl))?.[1];
    if (watches === String(count)) return;
    if (Date.now() > end) assert.fail(`${what}: still ${watches} watched resources after 5 s, not ${count}`);
    await pause(20);
  }
}

/** How many requests of `endpointKey` (with a path ending in `pathEnd`) the hub has answered, from `since` on. */
function answeredSince(hub: SimulatorServer, since: number, endpointKey: string, pathEnd = ""): number {
  return hub.requests.slice(since).filter((r) =>
    r.endpointKey === endpointKey && r.path.endsWith(pathEnd) && r.status !== 0
  ).length;
}

Deno.test("HTTP sessions: when a session ends, its subscriptions stop reading upstream", async () => {
  const hub = await startHub();
  const server = await startHttpServer(serverEnv(hub, { MCP_SUBSCRIPTION_POLL_S: "1" }));
  const client = await connect(server.url, {});
  const deviceReads = () =>
    hub.requests.filter((r) => r.endpointKey === "organization.devices.getDevice").length;
  try {
    await client.subscribeResource({ uri: deviceUri(hub.state.organizations[0]!.devices[0]!.id) });
    const subscribed = deviceReads();
    assert.match(await metricsText(server.url), /^xyte_mcp_resource_watches 1$/m);
    await waitFor(() => deviceReads() >= subscribed + 2, "two polls", 4_000);
    await (client.transport as StreamableHTTPClientTransport).terminateSession();
    await untilWatches(server.url, 0, "the session ended");
    const ended = deviceReads();
    await pause(2_200);
    assert.equal(deviceReads(), ended, "no reads for a session that is gone");
  } finally {
    await client.close();
    await server.stop();
    await hub.close();
  }
});

Deno.test("HTTP sessions: a session that ends while its subscribe is still reading keeps no watch", async () => {
  const hub = await startHub();
  const server = await startHttpServer(serverEnv(hub, { MCP_SUBSCRIPTION_POLL_S: "0" }));
  const client = await connect(server.url, {});
  try {
    hub.faults.add({ endpointKey: "organization.devices.getDevice", delayMs: 800, times: 1 });
    // Its answer never comes (the session is gone); closing the client below settles it.
    const before = hub.requests.length;
    const pending = client.subscribeResource({ uri: deviceUri(hub.state.organizations[0]!.devices[0]!.id) })
      .catch(() => "ended");
    await waitFor(
      () => hub.requests.slice(before).some((r) => r.endpointKey === "organization.devices.getDevice"),
      "the subscribe's first read to reach the hub",
    );
    await (client.transport as StreamableHTTPClientTransport).terminateSession();
    // The watch is counted while its first read is under way (800 ms), and must be gone once it is done.
    await untilWatches(server.url, 0, "no watch left polling");
    await client.close();
    await pending;
  } finally {
    await client.close();
    await server.stop();
    await hub.close();
  }
});

Deno.test("replicas sharing Redis: a write through one notifies the subscribers of another at once", async () => {
  const redis = await startTestRedis();
  if (!redis) return; // startTestRedis printed why (REDIS_UNAVAILABLE_REASON)
  const hub = await startHub();
  // No polling: only the other replica's announcement can tell the first one that something changed.
  const env = serverEnv(hub, { REDIS_URL: redis.url, MCP_SUBSCRIPTION_POLL_S: "0" });
  const [first, second] = await Promise.all([startHttpServer(env), startHttpServer(env)]);
  const subscriber = await connect(first.url, {});
  const writer = await connect(second.url, {});
  try {
    const updated = collectUpdates(subscriber);
    const [device, untouched] = hub.state.organizations[0]!.devices;
    await subscriber.subscribeResource({ uri: deviceUri(device!.id) });
    await subscriber.subscribeResource({ uri: deviceUri(untouched!.id) });
    // The first replica's completion list of devices, read before the write and kept for a while.
    const completeByNewName = async () =>
      (await subscriber.complete({
        ref: { type: "ref/resource", uri: "xyte://devices/{device_id}" },
        argument: { name: "device_id", value: "Renamed through" },
      })).completion.values;
    assert.deepEqual(await completeByNewName(), []);

    const renamed = await writer.callTool({
      name: "update_device",
      arguments: { device_id: device!.id, name: "Renamed through the other replica" },
    });
    assert.ok(!renamed.isError, JSON.stringify(renamed.structuredContent));
    await waitFor(() => updated.length === 1, "the update heard through Redis", 3_000);
    await pause(300);
    assert.deepEqual(updated, [deviceUri(device!.id)], "only the changed resource is announced");
    assert.deepEqual(await completeByNewName(), [device!.id], "its completion list is read again too");
    await subscriber.close();
    await writer.close();
    const statuses = await Promise.all([first.stop(), second.stop()]);
    assert.deepEqual(statuses.map((s) => s.code), [0, 0], "the Redis listener does not hold up SIGTERM");
  } finally {
    await subscriber.close();
    await writer.close();
    await first.stop();
    await second.stop();
    await hub.close();
    await redis.close();
  }
});

Deno.test("stateless HTTP: no subscriptions offered (nothing could carry the notification)", async () => {
  const hub = await startHub();
  const server = await startHttpServer(serverEnv(hub), ["--stateless"]);
  const client = await connect(server.url, {});
  try {
    assert.equal(client.getServerCapabilities()?.resources?.subscribe, undefined);
    const refused = await subscribeFails(client, "xyte://organization");
    assert.equal(refused.code, -32601);
  } finally {
    await client.close();
    await server.stop();
    await hub.close();
  }
});

Deno.test("2026-07-28 over stdio: a listen stream hears of its URIs until it is closed", async () => {
  const hub = await startHub();
  const session = await connectStdio(serverEnv(hub, { MCP_SUBSCRIPTION_POLL_S: "0" }), [], { modern: true });
  const client = session.client;
  const updated = collectUpdates(client);
  const [a, b] = hub.state.organizations[0]!.devices;
  const rename = (id: string, name: string) =>
    client.callTool({ name: "update_device", arguments: { device_id: id, name } });
  try {
    const before = hub.requests.length;
    const stream = await client.listen({ resourceSubscriptions: [deviceUri(a!.id)] });
    assert.deepEqual(stream.honoredFilter.resourceSubscriptions, [deviceUri(a!.id)]);
    // The watch takes its first look in the background, after the stream is acknowledged: a change before
    // that look is in what it saw. Writes from here on land during or after it.
    await waitFor(
      () => answeredSince(hub, before, "organization.devices.getDevice", `/${a!.id}`) > 0,
      "the watch's first look",
    );
    await rename(b!.id, "Not listened to");
    await rename(a!.id, "Listened to");
    await waitFor(() => updated.length === 1, "the update of device a");
    assert.deepEqual(updated, [deviceUri(a!.id)]);

    await stream.close();
    await pause(200);
    await rename(a!.id, "After the stream closed");
    await pause(500);
    assert.deepEqual(updated, [deviceUri(a!.id)], "a closed stream hears nothing");
  } finally {
    await session.close();
    await hub.close();
  }
});

Deno.test("2026-07-28 over HTTP: listen streams hear of their own tenant's changes only", async () => {
  const { hub, server, keyA, keyB } = await twoTenants();
  const alpha = await connect(server.url, { "x-xyte-api-key": keyA }, { modern: true });
  const beta = await connect(server.url, { "x-xyte-api-key": keyB }, { modern: true });
  try {
    const alphaUpdates = collectUpdates(alpha);
    const betaUpdates = collectUpdates(beta);
    assert.equal(alpha.getServerCapabilities()?.resources?.subscribe, true);
    const before = hub.requests.length;
    const streams = [
      await alpha.listen({ resourceSubscriptions: ["xyte://organization"] }),
      await beta.listen({ resourceSubscriptions: ["xyte://organization"] }),
    ];
    await waitFor(
      () => answeredSince(hub, before, "organization.getOrganizationInfo") >= 2,
      "each watch's first look",
    );
    const [orgA] = hub.state.organizations;
    const deviceId = orgA!.devices[0]!.id;
    const deleted = await alpha.callTool({
      name: "delete_device",
      arguments: { device_id: deviceId, confirm: deviceId },
    });
    assert.ok(!deleted.isError, JSON.stringify(deleted.structuredContent));
    await waitFor(() => alphaUpdates.length === 1, "alpha's organization update");
    await pause(300);
    assert.deepEqual(betaUpdates, [], "beta listens to the same URI, for its own organization");
    for (const stream of streams) await stream.close();
    await untilWatches(server.url, 0, "closed streams stop watching");
  } finally {
    await alpha.close();
    await beta.close();
    await server.stop();
    await hub.close();
  }
});

Deno.test("2026-07-28 over HTTP: an open listen stream does not hold up a graceful shutdown", async () => {
  const hub = await startHub();
  const server = await startHttpServer(serverEnv(hub, { MCP_SHUTDOWN_GRACE_MS: "10000" }));
  const client = await connect(server.url, {}, { modern: true });
  try {
    const stream = await client.listen({ resourceSubscriptions: ["xyte://organization"] });
    await pause(200);
    const started = performance.now();
    const status = await server.stop("SIGTERM");
    assert.equal(status.code, 0);
    assert.ok(performance.now() - started < 5_000, "the drain does not wait out the grace period for it");
    assert.equal(await stream.closed, "graceful", "the server ends the stream with its final answer");
    assert.match(server.stderr(), /"draining done".*"drained":true/);
  } finally {
    await client.close();
    await server.stop();
    await hub.close();
  }
});

Deno.test("2026-07-28 over stdio: an open listen stream does not hold up the end of stdin", async () => {
  const hub = await startHub();
  const session = await connectStdio(serverEnv(hub, { MCP_SHUTDOWN_GRACE_MS: "10000" }), [], {
    modern: true,
  });
  try {
    await session.client.listen({ resourceSubscriptions: ["xyte://organization"] });
    await pause(200);
    const started = performance.now();
    await session.close(); // EOF; the client would send SIGTERM after 2 s, and SIGKILL 2 s later
    assert.ok(performance.now() - started < 2_000, "the drain does not wait out the grace period for it");
    assert.match(session.stderr(), /"draining done".*"drained":true/);
  } finally {
    await session.close();
    await hub.close();
  }
});

Deno.test("documents with a rolling window (incidents, a device's histories) notify on new rows only, not as the clock moves", async () => {
  const hub = await startHub();
  const session = await connectStdio(serverEnv(hub, { MCP_SUBSCRIPTION_POLL_S: "1" }));
  const client = session.client;
  const updated = collectUpdates(client);
  const org = hub.state.organizations[0]!;
  const [watched, commanded] = org.devices.filter((d) => d.lastSeenAtMs !== null);
  const incidentsUri = "xyte://incidents";
  const historiesUri = `${deviceUri(watched!.id)}/histories`;
  const count = (uri: string) => updated.filter((u) => u === uri).length;
  try {
    await client.subscribeResource({ uri: incidentsUri });
    await client.subscribeResource({ uri: historiesUri });
    await pause(3_500); // three polls or more, each a second later than the one before
    assert.deepEqual(updated, [], "nothing changed: the window moving with the clock is no change");

    const sent = await client.callTool({
      name: "send_command",
      arguments: { device_id: commanded!.id, name: "reboot" },
    });
    assert.ok(!sent.isError, JSON.stringify(sent.structuredContent));
    const ticket = org.tickets.find((t) => t.status === "open")!;
    const posted = await client.callTool({
      name: "send_ticket_message",
      arguments: { ticket_id: ticket.id, message: "Looking into it" },
    });
    assert.ok(!posted.isError, JSON.stringify(posted.structuredContent));
    await pause(1_500);
    assert.deepEqual(updated, [], "writes that change neither document do not notify");

    const now = Date.now();
    org.incidents.unshift({
      id: "incident-opened-during-the-test",
      deviceId: watched!.id,
      title: "Lamp failure",
      issue: "lamp",
      description: "",
      status: "active",
      priority: "high",
      openedByDevice: true,
      createdAtMs: now,
      closedAtMs: null,
    });
    const lastRow = org.history.find((r) => r.deviceId === watched!.id)!;
    org.history.unshift({ ...lastRow, id: 1e9, createdAtMs: now });
    await waitFor(() => count(incidentsUri) === 1 && count(historiesUri) === 1, "both updates");
    await pause(2_500);
    assert.equal(count(incidentsUri), 1, "one new incident, one notification");
    assert.equal(count(historiesUri), 1, "one new history row, one notification");
  } finally {
    await session.close();
    await hub.close();
  }
});
