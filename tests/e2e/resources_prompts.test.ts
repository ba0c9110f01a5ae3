/**
 * Resources, completions and prompts end to end over stdio against the simulated hub: what a host lists,
 * reads, completes and renders, checked against the simulator's own state.
 */
import assert from "node:assert/strict";
import type { Client } from "@modelcontextprotocol/client";
import { mentionedTools } from "../../src/mcp/prompt.ts";
import { loadTools } from "../../src/registry.ts";

/** Every registered tool, from every toolset. */
const TOOLS = await loadTools();
import type { SimOrganization } from "../../src/simulator/mod.ts";
import { ENDPOINTS, findEndpoint } from "../../src/xyte/catalog.ts";
import { connectStdio, ORG_KEY, PARTNER_KEY, serverEnv, startHub } from "./harness.ts";

async function readJson<T = Record<string, unknown>>(client: Client, uri: string): Promise<T> {
  const { contents } = await client.readResource({ uri });
  assert.equal(contents.length, 1);
  const content = contents[0] as { uri: string; mimeType?: string; text?: string };
  assert.equal(content.uri, uri);
  assert.equal(content.mimeType, "application/json");
  return JSON.parse(content.text!) as T;
}

async function readFails(
  client: Client,
  uri: string,
): Promise<{ code: number; message: string; data?: unknown }> {
  try {
    await client.readResource({ uri });
  } catch (error) {
    return error as { code: number; message: string; data?: unknown };
  }
  throw new Error(`reading ${uri} was expected to fail`);
}

async function complete(
  client: Client,
  ref: { type: "ref/resource"; uri: string } | { type: "ref/prompt"; name: string },
  name: string,
  value: string,
): Promise<{ values: string[]; total?: number; hasMore?: boolean }> {
  return (await client.complete({ ref, argument: { name, value } })).completion;
}

Deno.test("stdio: resources, completions and prompts match the simulated organization", async (t) => {
  const hub = await startHub();
  const session = await connectStdio(serverEnv(hub));
  const client = session.client;
  const org: SimOrganization = hub.state.organizations[0]!;
  const deviceIds = new Set(org.devices.map((d) => d.id));
  const openTickets = org.tickets.filter((tk) => tk.status === "open");
  try {
    await t.step("resources/templates/list shows every URI template as JSON", async () => {
      const { resourceTemplates } = await client.listResourceTemplates();
      assert.deepEqual(resourceTemplates.map((rt) => rt.uriTemplate), [
        "xyte://devices/{device_id}",
        "xyte://devices/{device_id}/commands",
        "xyte://devices/{device_id}/histories",
        "xyte://spaces/{space_id}",
        "xyte://tickets/{ticket_id}",
        "xyte://catalog/{key}",
      ]);
      assert.ok(resourceTemplates.every((rt) => rt.mimeType === "application/json" && rt.description));
    });

    await t.step("resources/list shows the fixed resources and bounded lists of live ones", async () => {
      const { resources } = await client.listResources();
      const uris = resources.map((r) => r.uri);
      assert.ok(uris.includes("xyte://organization") && uris.includes("xyte://incidents"));
      const devices = uris.filter((u) => u.startsWith("xyte://devices/"));
      assert.equal(devices.length, 100, "the first page of devices");
      assert.ok(devices.every((u) => deviceIds.has(decodeURIComponent(u.slice("xyte://devices/".length)))));
      const spaces = uris.filter((u) => u.startsWith("xyte://spaces/")).map((u) => u.slice(14));
      assert.deepEqual(new Set(spaces), new Set(org.spaces.map((s) => String(s.id))));
      const tickets = uris.filter((u) => u.startsWith("xyte://tickets/")).map((u) => u.slice(15));
      assert.deepEqual(new Set(tickets), new Set(openTickets.map((tk) => tk.id)));
      assert.equal(uris.filter((u) => u.startsWith("xyte://catalog/")).length, ENDPOINTS.length);
      const first = resources.find((r) => r.uri === devices[0])!;
      const device = org.devices.find((d) => d.id === devices[0]!.slice(15))!;
      assert.equal(first.title, device.name, "a device is listed under its name");
      assert.ok(resources.every((r) => r.mimeType === "application/json"));
    });

    await t.step("xyte://organization holds the organization and its live totals", async () => {
      const doc = await readJson<
        { id: string; name: string; lab: unknown; statistics: Record<string, number> }
      >(
        client,
        "xyte://organization",
      );
      assert.equal(doc.id, org.id);
      // The same document get_organization_info returns (one projection serves both).
      assert.ok("lab" in doc && "pending_invoices" in doc.statistics, JSON.stringify(doc));
      assert.equal(doc.name, org.name);
      assert.equal(doc.statistics.devices, org.devices.length);
      assert.equal(doc.statistics.spaces, org.spaces.length - 1);
      assert.equal(doc.statistics.open_tickets, openTickets.length);
      assert.equal(doc.statistics.open_incidents, org.incidents.filter((i) => i.status === "active").length);
    });

    await t.step("xyte://devices/{id} holds the device", async () => {
      const device = org.devices.find((d) => d.effectiveStatus === "offline")!;
      const doc = await readJson(client, `xyte://devices/${device.id}`);
      assert.equal(doc.id, device.id);
      assert.equal(doc.name, device.name);
      assert.equal(doc.sn, device.sn);
      assert.equal(doc.status, device.status);
      assert.equal(doc.effective_status, device.effectiveStatus);
      assert.equal(doc.firmware, device.firmwareVersion);
      assert.equal(doc.space_id, device.spaceId === null ? null : String(device.spaceId));
      assert.equal(
        doc.last_seen_at,
        device.lastSeenAtMs === null ? null : new Date(device.lastSeenAtMs).toISOString(),
      );
    });

    await t.step("xyte://devices/{id}/commands holds its commands, newest first", async () => {
      const device = org.devices.find((d) => d.commands.length > 1)!;
      const doc = await readJson<{ device_id: string; commands: { id: string; status: string }[] }>(
        client,
        `xyte://devices/${device.id}/commands`,
      );
      assert.equal(doc.device_id, device.id);
      const expected = [...device.commands].reverse().slice(0, 100);
      assert.deepEqual(doc.commands.map((c) => c.id), expected.map((c) => c.id));
      assert.deepEqual(doc.commands.map((c) => c.status), expected.map((c) => c.status));
    });

    await t.step("xyte://devices/{id}/histories holds its state history of the last 7 days", async () => {
      const device = org.devices.find((d) => org.history.some((r) => r.deviceId === d.id))!;
      const doc = await readJson<{ from: string; to: string; rows: { at: string; status: string }[] }>(
        client,
        `xyte://devices/${device.id}/histories`,
      );
      const [fromMs, toMs] = [Date.parse(doc.from), Date.parse(doc.to)];
      assert.ok(toMs - fromMs === 7 * 86_400_000);
      const expected = org.history
        .filter((r) => r.deviceId === device.id && r.createdAtMs >= fromMs && r.createdAtMs <= toMs)
        .sort((a, b) => b.createdAtMs - a.createdAtMs);
      assert.ok(expected.length > 0, "the seeded device has recent history");
      assert.deepEqual(
        doc.rows.map((r) => [r.at, r.status]),
        expected.map((r) => [new Date(r.createdAtMs).toISOString(), r.status]),
      );
    });

    await t.step("xyte://spaces/{id} holds the space and its children", async () => {
      const site = org.spaces.find((s) => s.name === "London Office")!;
      const doc = await readJson<{
        id: string;
        name: string;
        parent_id: string;
        children: { id: string }[];
        more_children: boolean;
      }>(client, `xyte://spaces/${site.id}`);
      // Named as get_space names it.
      assert.equal(doc.more_children, false);
      assert.equal(doc.id, String(site.id));
      assert.equal(doc.name, site.name);
      assert.equal(doc.parent_id, String(site.parentId));
      assert.deepEqual(
        doc.children.map((c) => c.id),
        org.spaces.filter((s) => s.parentId === site.id).map((s) => String(s.id)),
      );
    });

    await t.step("xyte://incidents holds the active incidents of its window", async () => {
      const doc = await readJson<
        { since: string; until: string; count: number; incidents: { id: string }[] }
      >(
        client,
        "xyte://incidents",
      );
      const [since, until] = [Date.parse(doc.since), Date.parse(doc.until)];
      const expected = org.incidents.filter((i) =>
        i.status === "active" && i.createdAtMs >= since && i.createdAtMs <= until
      );
      assert.ok(expected.length > 0);
      assert.equal(doc.count, expected.length);
      assert.deepEqual(new Set(doc.incidents.map((i) => i.id)), new Set(expected.map((i) => i.id)));
    });

    await t.step("xyte://tickets/{id} holds the ticket with its messages", async () => {
      const ticket = openTickets.find((tk) => tk.comments.length > 1)!;
      const doc = await readJson<{ id: string; title: string; messages: { text: string }[] }>(
        client,
        `xyte://tickets/${ticket.id}`,
      );
      assert.equal(doc.id, ticket.id);
      assert.equal(doc.title, ticket.title);
      assert.deepEqual(doc.messages.map((m) => m.text), ticket.comments.map((c) => c.text));
    });

    await t.step("xyte://catalog/{key} describes the endpoint without calling Xyte", async () => {
      const before = hub.requests.length;
      const doc = await readJson(client, "xyte://catalog/organization.tickets.getTicket");
      assert.equal(doc.path, findEndpoint("organization.tickets.getTicket")!.path);
      assert.deepEqual(doc.path_params, ["ticket_id"], "snake_case, as describe_endpoint");
      assert.equal(hub.requests.length, before);
      const described = await client.callTool({
        name: "describe_endpoint",
        arguments: { key: "organization.tickets.getTicket" },
      });
      assert.deepEqual(doc, described.structuredContent, "the resource and describe_endpoint agree");
    });

    await t.step(
      "an unknown id is a resource-not-found MCP error naming the URI, and the server goes on",
      async () => {
        for (const uri of ["xyte://devices/no-such-device", "xyte://devices/no-such-device/histories"]) {
          const error = await readFails(client, uri);
          assert.equal(error.code, -32602);
          assert.deepEqual(error.data, { uri });
          assert.match(error.message, /not_found, HTTP 404/);
        }
        const unknownKey = await readFails(client, "xyte://catalog/organization.devices.getDevic");
        assert.match(unknownKey.message, /Did you mean organization\.devices\.getDevice/);
        const doc = await readJson(client, "xyte://organization");
        assert.equal(doc.id, org.id);
      },
    );

    await t.step(
      "an upstream failure is an MCP error with code, hint and retriable, no secrets",
      async () => {
        hub.faults.add({ endpointKey: "organization.getOrganizationInfo", status: 503 });
        try {
          const error = await readFails(client, "xyte://organization");
          assert.equal(error.code, -32603);
          assert.match(error.message, /upstream, HTTP 503/);
          const data = error.data as { error: { code: string; retriable: boolean } };
          assert.equal(data.error.code, "upstream");
          assert.equal(data.error.retriable, true);
          assert.ok(!JSON.stringify(error).includes(ORG_KEY));
        } finally {
          hub.faults.clear();
        }
      },
    );

    await t.step("device_id completes to live device ids, by id prefix or by name", async () => {
      const all = await complete(
        client,
        { type: "ref/resource", uri: "xyte://devices/{device_id}" },
        "device_id",
        "",
      );
      assert.equal(all.values.length, 100);
      assert.equal(all.total, org.devices.length);
      assert.equal(all.hasMore, true);
      assert.ok(all.values.every((id) => deviceIds.has(id)));
      const target = org.devices[17]!;
      const byId = await complete(
        client,
        { type: "ref/resource", uri: "xyte://devices/{device_id}/commands" },
        "device_id",
        target.id.slice(0, 8),
      );
      assert.equal(byId.values[0], target.id);
      const byName = await complete(
        client,
        { type: "ref/prompt", name: "troubleshoot_offline_device" },
        "device_id",
        target.name.toUpperCase(),
      );
      assert.ok(byName.values.includes(target.id));
      assert.ok(
        byName.values.every((id) =>
          org.devices.find((d) => d.id === id)!.name.toLowerCase().includes(target.name.toLowerCase())
        ),
      );
    });

    await t.step("space_id, ticket_id and key complete to live ids and catalog keys", async () => {
      const london = org.spaces.find((s) => s.name === "London Office")!;
      const spaces = await complete(
        client,
        { type: "ref/resource", uri: "xyte://spaces/{space_id}" },
        "space_id",
        "lond",
      );
      assert.equal(spaces.values[0], String(london.id));
      assert.ok(spaces.values.every((id) => org.spaces.some((s) => String(s.id) === id)));
      const promptSpaces = await complete(
        client,
        { type: "ref/prompt", name: "fleet_health_report" },
        "space",
        "",
      );
      assert.equal(promptSpaces.values.length, Math.min(100, org.spaces.length));
      const tickets = await complete(
        client,
        { type: "ref/resource", uri: "xyte://tickets/{ticket_id}" },
        "ticket_id",
        "",
      );
      assert.deepEqual(new Set(tickets.values), new Set(openTickets.map((tk) => tk.id)));
      const keys = await complete(
        client,
        { type: "ref/resource", uri: "xyte://catalog/{key}" },
        "key",
        "organization.tickets.",
      );
      assert.deepEqual(
        keys.values,
        ENDPOINTS.map((e) => e.key).filter((k) => k.startsWith("organization.tickets.")),
      );
      const priority = await complete(
        client,
        { type: "ref/prompt", name: "triage_open_incidents" },
        "priority",
        "c",
      );
      assert.deepEqual(priority.values, ["critical"]);
    });

    await t.step("prompts/list shows the four prompts with their arguments", async () => {
      const { prompts } = await client.listPrompts();
      const shape = Object.fromEntries(
        prompts.map((p) => [p.name, (p.arguments ?? []).map((a) => `${a.name}${a.required ? "" : "?"}`)]),
      );
      assert.deepEqual(shape, {
        troubleshoot_offline_device: ["device_id"],
        fleet_health_report: ["space?"],
        triage_open_incidents: ["space?", "priority?"],
        reboot_device_safely: ["device_id"],
      });
      assert.ok(prompts.every((p) => p.title && p.description && p.arguments!.every((a) => a.description)));
    });

    await t.step(
      "prompts/get renders each prompt with real arguments, naming only registered tools",
      async () => {
        const { tools } = await client.listTools();
        const listedTools = new Set(tools.map((tool) => tool.name));
        const registered = new Set(TOOLS.map((tool) => tool.name));
        const offline = org.devices.find((d) => d.effectiveStatus === "offline")!;
        const online = org.devices.find((d) => d.effectiveStatus === "ok")!;
        const london = org.spaces.find((s) => s.name === "London Office")!;
        const cases: [string, Record<string, string>, string][] = [
          ["troubleshoot_offline_device", { device_id: offline.id }, offline.id],
          ["fleet_health_report", { space: String(london.id) }, String(london.id)],
          ["fleet_health_report", {}, "whole organization"],
          ["triage_open_incidents", { space: String(london.id), priority: "high" }, 'priority "high"'],
          ["reboot_device_safely", { device_id: online.id }, online.id],
        ];
        for (const [name, args, expected] of cases) {
          const result = await client.getPrompt({ name, arguments: args });
          assert.equal(result.messages.length, 1);
          const content = result.messages[0]!.content as { type: string; text: string };
          assert.equal(content.type, "text");
          assert.ok(content.text.includes(expected), `${name} uses its arguments`);
          const named = mentionedTools(content.text);
          assert.ok(named.length >= 2, `${name} names the tools to call`);
          for (const tool of named) {
            assert.ok(registered.has(tool), `${name} names ${tool}, which is not registered`);
            assert.ok(listedTools.has(tool), `${name} names ${tool}, which this server does not list`);
          }
        }
      },
    );

    await t.step("prompts/get rejects a missing required argument and an unknown priority", async () => {
      await assert.rejects(() => client.getPrompt({ name: "troubleshoot_offline_device", arguments: {} }));
      await assert.rejects(
        () => client.getPrompt({ name: "triage_open_incidents", arguments: { priority: "urgent" } }),
        /must be one of: critical, high, moderate, low, planning/,
      );
    });

    const stderr = session.stderr();
    assert.ok(!stderr.includes(ORG_KEY) && !stderr.includes(PARTNER_KEY), "keys never reach the logs");
  } finally {
    await session.close();
    await hub.close();
  }
});

Deno.test("stdio: a 2026-07-28 client reads resources, completes ids and gets prompts", async () => {
  const hub = await startHub();
  const session = await connectStdio(serverEnv(hub), [], { modern: true });
  const client = session.client;
  const device = hub.state.organizations[0]!.devices[3]!;
  try {
    const doc = await readJson(client, `xyte://devices/${device.id}`);
    assert.equal(doc.name, device.name);
    const error = await readFails(client, "xyte://tickets/no-such-ticket");
    assert.equal(error.code, -32602);
    assert.match(error.message, /Ticket not found/);
    const ids = await complete(
      client,
      { type: "ref/resource", uri: "xyte://devices/{device_id}/histories" },
      "device_id",
      device.id.slice(0, 6),
    );
    assert.equal(ids.values[0], device.id);
    const prompt = await client.getPrompt({
      name: "troubleshoot_offline_device",
      arguments: { device_id: device.id },
    });
    assert.ok((prompt.messages[0]!.content as { text: string }).text.includes(device.id));
  } finally {
    await session.close();
    await hub.close();
  }
});

Deno.test("stdio: completions show a space created a moment ago (a write forgets the cached directories)", async () => {
  const hub = await startHub();
  const session = await connectStdio(serverEnv(hub, { XYTE_TOOLSETS: "spaces" }));
  const client = session.client;
  const spaceRef = { type: "ref/resource", uri: "xyte://spaces/{space_id}" } as const;
  try {
    const before = await complete(client, spaceRef, "space_id", "");
    const created = await client.callTool({
      name: "create_space",
      arguments: { name: "Completion Test Room" },
    });
    assert.ok(!created.isError, JSON.stringify(created.structuredContent));
    const id = String((created.structuredContent as { id: string | number }).id);
    assert.ok(!before.values.includes(id));
    const after = await complete(client, spaceRef, "space_id", id);
    assert.ok(after.values.includes(id), `the new space ${id} completes at once: ${after.values.join(", ")}`);
  } finally {
    await session.close();
    await hub.close();
  }
});

Deno.test("stdio: a prompt argument over 1,000 characters is refused as invalid params, not quoted into the prompt", async () => {
  const hub = await startHub();
  const session = await connectStdio(serverEnv(hub));
  try {
    const get = (deviceId: string) =>
      session.client.getPrompt({ name: "troubleshoot_offline_device", arguments: { device_id: deviceId } });
    await assert.rejects(get("d".repeat(1001)), (error: { code?: number; message?: string }) => {
      assert.equal(error.code, -32602, String(error.message));
      return true;
    });
    const ok = await get("d".repeat(1000));
    assert.ok(ok.messages.length > 0);
  } finally {
    await session.close();
    await hub.close();
  }
});
