/** Scenarios for the catalog (search_endpoints, describe_endpoint, call_endpoint) and connector (search, fetch) tools. */
import assert from "node:assert/strict";
import type { SimDevice } from "../../../src/simulator/mod.ts";
import { ORG_KEY } from "../harness.ts";
import type { Scenario, ScenarioContext, ToolCallResult } from "./types.ts";

interface EndpointRow {
  key: string;
  method: string;
  path: string;
  scope: string;
  mutating: boolean;
  summary: string;
}

interface CallAnswer {
  key: string;
  method: string;
  url: string;
  dry_run: boolean;
  request?: { headers: Record<string, string>; body?: unknown };
  response?: unknown;
  response_text?: string;
  truncated: boolean;
  note?: string;
}

interface Doc {
  id: string;
  title: string;
  text: string;
  url: string;
  metadata: Record<string, string>;
}

/** Runs `body`, then asserts the hub received no request meanwhile. */
async function sendsNothing(ctx: ScenarioContext, body: () => Promise<unknown>): Promise<void> {
  const before = ctx.hub.requests.length;
  await body();
  assert.deepEqual(ctx.hub.requests.slice(before), [], "no request reached the hub");
}

/** A device of the scenario organization nobody else is likely to pick: from the end of the list. */
function quietDevice(ctx: ScenarioContext, skip = 0): SimDevice {
  const org = ctx.hub.state.organizations[0]!;
  return org.devices.filter((d) => d.mergedInto === null && d.parentId === null).at(-1 - skip)!;
}

/** ChatGPT connectors read exactly one text item holding the JSON of the result. */
function assertConnectorContent(result: ToolCallResult): void {
  assert.equal(result.content?.length, 1, "exactly one content item");
  assert.equal(result.content[0]!.type, "text");
  assert.deepEqual(JSON.parse(result.content[0]!.text!), result.structuredContent);
}

export const CATALOG_SCENARIOS: Record<string, Scenario> = {
  async search_endpoints({ ok }) {
    const reboot = await ok<{ results: EndpointRow[]; total: number }>("search_endpoints", {
      text: "reboot",
    });
    assert.equal(reboot.results[0]?.key, "organization.commands.sendCommand");
    assert.deepEqual(Object.keys(reboot.results[0]!).sort(), [
      "key",
      "method",
      "mutating",
      "path",
      "scope",
      "summary",
    ]);

    const byName = await ok<{ results: EndpointRow[] }>("search_endpoints", { text: "get device" });
    assert.equal(byName.results[0]?.key, "organization.devices.getDevice");

    const deviceReads = await ok<{ results: EndpointRow[]; total: number }>("search_endpoints", {
      namespace: "device",
      mutating: false,
      limit: 50,
    });
    assert.equal(deviceReads.total, 10);
    assert.ok(deviceReads.results.every((r) => r.scope === "device" && r.method === "GET" && !r.mutating));

    const small = await ok<{ results: EndpointRow[]; total: number }>("search_endpoints", { text: "device" });
    assert.equal(small.results.length, 8, "small default limit");
    assert.ok(small.total > 8);

    const deletes = await ok<{ results: EndpointRow[] }>("search_endpoints", { method: "DELETE", limit: 50 });
    assert.equal(deletes.results.length, 12);

    const none = await ok<{ results: EndpointRow[]; total: number }>("search_endpoints", { text: "zzqx" });
    assert.equal(none.total, 0);
  },

  async describe_endpoint({ ok, fails }) {
    const cancel = await ok<{
      method: string;
      path_params: string[];
      destructive: boolean;
      mutating: boolean;
      call_example: Record<string, unknown>;
      notes: string[];
    }>("describe_endpoint", { key: "organization.commands.cancelCommand" });
    assert.equal(cancel.method, "DELETE");
    assert.deepEqual(cancel.path_params, ["device_id", "command_id"]);
    assert.equal(cancel.destructive, true);
    assert.equal(cancel.call_example.confirm, "<command_id>");
    assert.ok(!("device_key" in cancel.call_example));

    const telemetry = await ok<
      { scope: string; call_example: Record<string, unknown>; body_fields: string[] }
    >(
      "describe_endpoint",
      { key: "device.telemetries.sendTelemetry" },
    );
    assert.equal(telemetry.scope, "device");
    assert.equal(telemetry.call_example.device_key, "<device access key>");
    assert.ok(telemetry.body_fields.includes("status"));

    const incidents = await ok<{ query_params: string[]; response: string; constraints: string[] }>(
      "describe_endpoint",
      { key: "organization.incidents.getIncidents" },
    );
    for (const name of ["from", "to", "page", "per_page", "status", "priority", "space_id"]) {
      assert.ok(incidents.query_params.includes(name), name);
    }
    assert.match(incidents.response, /has_next_page/);

    const typo = await fails(
      "describe_endpoint",
      { key: "organization.devices.getDevce" },
      "unknown_endpoint",
    );
    assert.match(typo.message, /did you mean organization\.devices\.getDevice\b/);
  },

  async call_endpoint(ctx) {
    const { ok, fails } = ctx;
    const devices = await ok<CallAnswer>("call_endpoint", {
      key: "organization.devices.getDevices",
      query: { per_page: 3 },
    });
    assert.equal(devices.truncated, false);
    assert.equal((devices.response as { items: unknown[] }).items.length, 3);
    assert.match(devices.url, /per_page=3/);

    const big = await ok<CallAnswer>("call_endpoint", {
      key: "organization.devices.getDevices",
      query: { per_page: 100 },
    });
    assert.equal(big.truncated, true, "a 100-device page is over the size cap");
    const kept = (big.response as { items: unknown[]; has_next_page: boolean }).items.length;
    assert.ok(kept > 0 && kept < 100);
    assert.match(big.note!, new RegExp(`kept ${kept} of 100 rows`));
    assert.ok(JSON.stringify(big.response).length <= 20_000);

    // Wrong arguments are refused before anything is sent.
    const typo = await fails("call_endpoint", { key: "organization.device.getDevices" }, "unknown_endpoint");
    assert.match(typo.message, /organization\.devices\.getDevices/);
    const target = quietDevice(ctx);
    await sendsNothing(ctx, async () => {
      const bad = await fails("call_endpoint", {
        key: "organization.devices.getDevices",
        query: { perpage: 5 },
      }, "invalid_arguments");
      assert.match(bad.message, /query\.perpage.*accepted: page, per_page, space_id/);
      const missing = await fails(
        "call_endpoint",
        { key: "organization.devices.getDevice" },
        "invalid_arguments",
      );
      assert.match(missing.message, /path\.device_id: missing/);
      const extraPath = await fails("call_endpoint", {
        key: "organization.devices.getDevice",
        path: { device_id: target.id, id: 1 },
      }, "invalid_arguments");
      assert.match(extraPath.message, /path\.id/);
      const bodyOnGet = await fails("call_endpoint", {
        key: "organization.devices.getDevice",
        path: { device_id: target.id },
        body: { name: "x" },
      }, "invalid_arguments");
      assert.match(bodyOnGet.message, /takes no body/);
      const unknownField = await fails("call_endpoint", {
        key: "organization.devices.moveDevice",
        path: { device_id: target.id },
        body: { space: 1 },
      }, "invalid_arguments");
      assert.match(unknownField.message, /body\.space: not a body field \(accepted: space_id\)/);
      const noKey = await fails("call_endpoint", {
        key: "device.configuration.getConfig",
        path: { device_id: target.id },
      }, "invalid_arguments");
      assert.match(noKey.message, /device_key: required/);
      await fails(
        "call_endpoint",
        { key: "organization.devices.getDevices", dry_run: "yes" },
        "invalid_arguments",
      );
    });

    // Device bodies are known to be incomplete: unlisted fields pass through.
    const accessKey = ctx.hub.deviceAccessKey(target.id);
    const device = await ok<CallAnswer>("call_endpoint", {
      key: "device.configuration.getConfig",
      path: { device_id: target.id },
      device_key: accessKey,
    });
    assert.equal(typeof (device.response as { version: number }).version, "number");
    assert.ok(!JSON.stringify(device).includes(accessKey), "the device key never comes back");

    // Dry run: the exact request, key masked, nothing sent (not even for a destructive endpoint).
    await sendsNothing(ctx, async () => {
      const dry = await ok<CallAnswer>("call_endpoint", {
        key: "organization.devices.deleteDevice",
        path: { device_id: target.id },
        dry_run: true,
      });
      assert.equal(dry.dry_run, true);
      assert.equal(dry.method, "DELETE");
      assert.match(dry.url, new RegExp(`/core/v1/organization/devices/${target.id}$`));
      assert.equal(dry.request!.headers.authorization, "[redacted]");
      assert.ok(!JSON.stringify(dry).includes(ORG_KEY));
      const dryBody = await ok<CallAnswer>("call_endpoint", {
        key: "organization.devices.moveDevice",
        path: { device_id: target.id },
        body: { space_id: 5 },
        dry_run: true,
      });
      assert.deepEqual(dryBody.request!.body, { space_id: 5 });
      assert.equal(dryBody.request!.headers["content-type"], "application/json");
    });

    // A destructive call: refused without confirm, refused with the wrong one, done with the target id.
    const note = await ok<CallAnswer>("call_endpoint", {
      key: "organization.notes.createDeviceNote",
      path: { device_id: target.id },
      body: { content: "catalog scenario note" },
    });
    const noteId = String((note.response as { id: number | string }).id);
    const del = { key: "organization.notes.deleteDeviceNote", path: { device_id: target.id, id: noteId } };
    await sendsNothing(ctx, async () => {
      const refused = await fails("call_endpoint", del, "confirmation_required");
      assert.match(refused.message, /nothing was sent/);
      await fails("call_endpoint", { ...del, confirm: target.id }, "confirmation_mismatch");
    });
    const before = ctx.hub.requests.length;
    await ok<CallAnswer>("call_endpoint", { ...del, confirm: noteId });
    assert.deepEqual(ctx.hub.requests.slice(before).map((r) => `${r.method} ${r.endpointKey}`), [
      "DELETE organization.notes.deleteDeviceNote",
    ]);
    // The key confirms too; the note is gone now, so the hub's typed 404 comes back.
    await fails("call_endpoint", { ...del, confirm: del.key }, "not_found");
  },

  async search(ctx) {
    const org = ctx.hub.state.organizations[0]!;
    const ticket = org.tickets.find((t) => t.status === "open")!;
    const byTitle = await ctx.call("search", { query: ticket.title });
    assert.notEqual(byTitle.isError, true);
    assertConnectorContent(byTitle);
    const results = (byTitle.structuredContent as { results: { id: string; title: string; url: string }[] })
      .results;
    assert.ok(results.length > 0 && results.length <= 20);
    assert.ok(results.every((r) => Object.keys(r).sort().join() === "id,title,url"));
    assert.equal(results[0]!.id, `ticket:${ticket.id}`);
    assert.equal(results[0]!.url, `xyte://tickets/${ticket.id}`);

    const device = quietDevice(ctx, 1);
    const byName = await ctx.ok<{ results: { id: string; url: string }[] }>("search", { query: device.name });
    const hit = byName.results.find((r) => r.id === `device:${device.id}`);
    assert.ok(hit, `${device.name} is found`);
    assert.equal(hit.url, `xyte://devices/${device.id}`);

    const site = org.spaces.find((s) => s.parentId === org.rootSpaceId)!;
    const bySpace = await ctx.ok<{ results: { id: string; url: string }[] }>("search", { query: site.name });
    assert.equal(bySpace.results[0]?.id, `space:${site.id}`);
    assert.equal(bySpace.results[0]?.url, `xyte://spaces/${site.id}`);

    const offline = await ctx.ok<{ results: { id: string; url: string }[] }>("search", {
      query: "which devices are offline?",
    });
    assert.ok(offline.results.length > 0);
    for (const r of offline.results.filter((r) => r.id.startsWith("device:"))) {
      const d = org.devices.find((x) => `device:${x.id}` === r.id)!;
      assert.equal(d.effectiveStatus, "offline", `${r.id} is offline`);
    }

    const incidents = await ctx.ok<{ results: { id: string; url: string }[] }>("search", {
      query: "incidents",
    });
    assert.ok(incidents.results.length > 0 && incidents.results.every((r) => r.id.startsWith("incident:")));
    assert.ok(incidents.results.every((r) => r.url === "xyte://incidents"));

    // A burst of searches reads the organization once (deep research sends many).
    await sendsNothing(ctx, () => ctx.ok("search", { query: "projector" }));

    const empty = await ctx.ok<{ results: unknown[] }>("search", { query: "   " });
    assert.deepEqual(empty.results, []);
  },

  async fetch(ctx) {
    const org = ctx.hub.state.organizations[0]!;
    const device = quietDevice(ctx, 2);
    const result = await ctx.call("fetch", { id: `device:${device.id}` });
    assert.notEqual(result.isError, true, result.content?.[0]?.text);
    assertConnectorContent(result);
    const doc = result.structuredContent as unknown as Doc;
    assert.equal(doc.id, `device:${device.id}`);
    assert.equal(doc.url, `xyte://devices/${device.id}`);
    assert.ok(doc.text.includes(device.name) && doc.text.includes(device.sn));
    assert.equal(doc.metadata.kind, "device");

    const ticket = org.tickets.find((t) => t.status === "open" && t.comments.length > 0)!;
    const ticketDoc = await ctx.ok<Doc>("fetch", { id: `ticket:${ticket.id}` });
    assert.ok(ticketDoc.text.includes(ticket.title));
    assert.ok(ticketDoc.text.includes(ticket.comments.at(-1)!.text), "the message thread is included");

    const site = org.spaces.find((s) => s.parentId === org.rootSpaceId)!;
    const spaceDoc = await ctx.ok<Doc>("fetch", { id: `space:${site.id}` });
    assert.match(spaceDoc.text, /Devices here and below: \d+/);

    const { results } = await ctx.ok<{ results: { id: string }[] }>("search", { query: "incidents" });
    const incidentDoc = await ctx.ok<Doc>("fetch", { id: results[0]!.id });
    assert.equal(incidentDoc.url, "xyte://incidents");
    assert.equal(incidentDoc.metadata.kind, "incident");

    await ctx.fails("fetch", { id: "projector-7" }, "invalid_arguments");
    await ctx.fails("fetch", { id: "device:00000000-0000-0000-0000-000000000000" }, "not_found");
    await ctx.fails("fetch", { id: "incident:no-such-incident" }, "not_found");
  },
};
