/** Scenarios for the workflow tools (fleet_summary, diagnose_device). */
import assert from "node:assert/strict";
import { devicesInSite, fullPath, roomWithDevices, siteNames, spacePath } from "./sim_truth.ts";
import type { Scenario } from "./types.ts";

interface Summary {
  scope: string;
  devices: number;
  by_effective_status: Record<string, number>;
  by_space: { space: string; devices: number }[];
  by_model: { model: string; devices: number }[];
  needs_attention: { id: string; effective_status: string; open_tickets: { id: string }[] }[];
  needs_attention_total: number;
  active_incidents: { total: number };
  open_tickets: number;
}

export const WORKFLOW_SCENARIOS: Record<string, Scenario> = {
  async fleet_summary({ ok, hub, fails }) {
    const org = hub.state.organizations[0]!;
    const whole = await ok<Summary>("fleet_summary", {});
    assert.equal(whole.scope, "organization");
    assert.equal(whole.devices, org.devices.length);
    const offline = org.devices.filter((d) => d.effectiveStatus === "offline").length;
    assert.equal(whole.by_effective_status.offline ?? 0, offline);
    assert.deepEqual(whole.by_space.map((s) => s.space).sort(), siteNames(org).sort(), "one row per site");
    assert.equal(whole.by_model.reduce((n, m) => n + m.devices, 0), org.devices.length);
    // Every open ticket of the organization, those about no device included (get_organization_info's count).
    const open = org.tickets.filter((t) => t.status === "open");
    assert.ok(open.some((t) => !t.deviceId), "the demo has open tickets about no device");
    assert.equal(whole.open_tickets, open.length);

    const site = siteNames(org)[1]!;
    const one = await ok<Summary>("fleet_summary", { space: site, attention_limit: 200 });
    assert.match(one.scope, new RegExp(`${site}$`));
    const bad = devicesInSite(org, site, ["error", "offline", "disconnected", "warning", "never_seen"]);
    assert.equal(one.needs_attention_total, bad.length);
    assert.deepEqual(one.needs_attention.map((d) => d.id).sort(), bad.map((d) => d.id).sort());
    const inSite = new Set(
      org.devices.filter((d) => spacePath(org, d.spaceId).split("/").includes(site)).map((d) => d.id),
    );
    assert.equal(one.open_tickets, open.filter((t) => t.deviceId && inSite.has(t.deviceId)).length);
    await fails("fleet_summary", { space: "Atlantis" }, "not_found");

    // The same site by id (as completions and other tools hand spaces out) is the same answer: its path as
    // scope, one row per building below it.
    const siteId = org.spaces.find((s) => s.name === site && s.parentId === org.rootSpaceId)!.id;
    for (const space of [siteId, String(siteId)]) {
      const byId = await ok<Summary>("fleet_summary", { space, attention_limit: 200 });
      assert.equal(byId.scope, site);
      assert.deepEqual(byId.by_space, one.by_space);
      assert.equal(byId.devices, one.devices);
      assert.equal(byId.needs_attention_total, one.needs_attention_total);
      assert.equal(byId.open_tickets, one.open_tickets);
    }
    // A room by id: scoped to its path, its devices directly there.
    const room = roomWithDevices(org);
    const inRoom = await ok<Summary>("fleet_summary", { space: room.id });
    assert.equal(inRoom.scope, fullPath(org, room.id));
    assert.deepEqual(inRoom.by_space.map((s) => s.space), ["(directly here)"]);
    await fails("fleet_summary", { space: 999_999_999 }, "not_found");
  },

  async diagnose_device({ ok, hub, fails }) {
    const org = hub.state.organizations[0]!;
    const offline = org.devices.find((d) => d.effectiveStatus === "offline")!;
    const report = await ok<{
      device: { id: string };
      assessment: { health: string; findings: { severity: string; text: string }[]; next_steps: string[] };
      pending_commands: { status: string }[];
    }>("diagnose_device", { device_id: offline.id });
    assert.equal(report.device.id, offline.id);
    assert.equal(report.assessment.health, "down");
    assert.equal(report.assessment.findings[0]!.severity, "critical");
    assert.ok(report.assessment.next_steps.length > 0);
    const pending = offline.commands.filter((c) => c.status === "pending" || c.status === "in_progress");
    assert.equal(report.pending_commands.length, pending.length);

    const healthy = org.devices.find((d) => d.effectiveStatus === "ok")!;
    const fine = await ok<{ assessment: { health: string } }>("diagnose_device", { device_id: healthy.id });
    assert.notEqual(fine.assessment.health, "down");
    // A warning says nothing of its cause: the report says where to look.
    const warning = org.devices.find((d) => d.effectiveStatus === "warning")!;
    const warned = await ok<{ assessment: { health: string; next_steps: string[] } }>("diagnose_device", {
      device_id: warning.id,
    });
    assert.equal(warned.assessment.health, "degraded");
    assert.ok(
      warned.assessment.next_steps.some((s) => /get_device/.test(s)),
      JSON.stringify(warned.assessment),
    );
    await fails("diagnose_device", { device_id: "no-such-device" }, "not_found");
  },
};
