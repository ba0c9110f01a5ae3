/**
 * Scenarios for the curated tools (devices, commands, incidents, tickets, spaces, organization, assets,
 * users, partner). Each checks answers against the simulated hub's state, at least one typed failure, that
 * writes change the hub, and that destructive tools send nothing upstream until confirmed.
 */
import assert from "node:assert/strict";
import type { SimOrganization, SimSpace } from "../../../src/simulator/mod.ts";
import type { Scenario, ScenarioContext } from "./types.ts";

const DAY_MS = 86_400_000;
const UNKNOWN_UUID = "00000000-0000-0000-0000-000000000000";

function org(ctx: ScenarioContext): SimOrganization {
  return ctx.hub.state.organizations[0]!;
}

function site(o: SimOrganization, name: string): SimSpace {
  const space = o.spaces.find((s) => s.name === name && s.parentId === o.rootSpaceId);
  assert.ok(space, `site ${name} exists`);
  return space;
}

/** Ids of a space and everything below it. */
function subtree(o: SimOrganization, rootId: number): Set<number> {
  const ids = new Set([rootId]);
  for (let grew = true; grew;) {
    grew = false;
    for (const s of o.spaces) {
      if (s.parentId !== null && ids.has(s.parentId) && !ids.has(s.id)) {
        ids.add(s.id);
        grew = true;
      }
    }
  }
  return ids;
}

/** A room-level space (no children) of a site. */
function leafIn(o: SimOrganization, siteName: string): SimSpace {
  const ids = subtree(o, site(o, siteName).id);
  const leaf = o.spaces.find((s) => ids.has(s.id) && !o.spaces.some((c) => c.parentId === s.id));
  assert.ok(leaf);
  return leaf;
}

/** Requests the hub received after `mark` (a previous `hub.requests.length`). */
function since(ctx: ScenarioContext, mark: number) {
  return ctx.hub.requests.slice(mark);
}

/**
 * A destructive call without `confirm` is refused with confirmation_required and changes nothing upstream
 * (at most reads of the target, which the refusal then names: `named`); a wrong `confirm` sends nothing.
 */
async function refusedWithoutConfirm(
  ctx: ScenarioContext,
  tool: string,
  args: Record<string, unknown>,
  named?: string,
) {
  const mark = ctx.hub.requests.length;
  const error = await ctx.fails(tool, args, "confirmation_required");
  assert.match(error.message, /nothing was sent/);
  if (named !== undefined) assert.ok(error.message.includes(JSON.stringify(named)), error.message);
  const writes = since(ctx, mark).filter((r) => r.method !== "GET");
  assert.deepEqual(writes, [], `${tool} changed nothing without confirm`);
  const reads = ctx.hub.requests.length;
  await ctx.fails(tool, { ...args, confirm: "something-else" }, "confirmation_mismatch");
  assert.equal(ctx.hub.requests.length, reads, `${tool} sent no request with a wrong confirm`);
}

export const CURATED_SCENARIOS: Record<string, Scenario> = {
  // --- organization ----------------------------------------------------------------------------------

  async list_licenses(ctx) {
    const o = org(ctx);
    const inuse = await ctx.ok<{ licenses: { state: string; device_id: string | null }[] }>(
      "list_licenses",
      { state: ["inuse"], all: true },
    );
    assert.equal(inuse.licenses.length, o.licenses.filter((l) => l.state === "inuse").length);
    assert.ok(inuse.licenses.length > 0 && inuse.licenses.every((l) => l.state === "inuse"));

    const free = await ctx.ok<{ licenses: { device_id: string | null; device_sn: string | null }[] }>(
      "list_licenses",
      { assigned: false, all: true },
    );
    assert.equal(
      free.licenses.length,
      o.licenses.filter((l) => l.deviceId === null && !l.boundDeviceSn).length,
    );
    assert.ok(free.licenses.every((l) => l.device_id === null && l.device_sn === null));

    const horizon = new Date(Date.now() + 90 * DAY_MS);
    const mark = ctx.hub.requests.length;
    const expiring = await ctx.ok<{ licenses: { expires_at: string }[] }>("list_licenses", {
      expires_before: horizon.toISOString(),
      all: true,
    });
    assert.equal(
      expiring.licenses.length,
      o.licenses.filter((l) => l.expiresAtMs !== null && l.expiresAtMs <= horizon.getTime()).length,
    );
    assert.ok(expiring.licenses.every((l) => Date.parse(l.expires_at) <= horizon.getTime()));
    const query = new URLSearchParams(since(ctx, mark)[0]!.query);
    assert.match(query.get("expires_before")!, /^\d{4}-\d{2}-\d{2}T/, "expiry goes upstream as ISO-8601");

    await ctx.fails("list_licenses", { state: ["expired"] }, "invalid_arguments");
    await ctx.fails("list_licenses", { expires_before: "next month" }, "invalid_arguments");
  },

  async list_device_models(ctx) {
    const models = ctx.hub.state.models;
    const all = await ctx.ok<
      { models: { id: string; name: string; commands: string[] }[]; truncated: boolean }
    >(
      "list_device_models",
    );
    assert.equal(all.models.length, models.length);
    assert.equal(all.truncated, false);
    for (const m of models) {
      const row = all.models.find((r) => r.id === m.id);
      assert.ok(row, `model ${m.name} listed`);
      assert.deepEqual(row.commands, m.commands.map((c) => c.name));
    }
    const vendor = models[0]!.vendor;
    const some = await ctx.ok<{ models: { name: string }[] }>("list_device_models", { search: vendor });
    assert.ok(some.models.length > 0 && some.models.length <= models.length);
    await ctx.fails("list_device_models", { search: "" }, "invalid_arguments");
  },

  // --- devices -------------------------------------------------------------------------------------

  async get_device_history(ctx) {
    const o = org(ctx);
    const device = o.devices.find((d) => d.lastSeenAtMs !== null)!;
    const sinceMs = Date.now() - 10 * DAY_MS;
    const result = await ctx.ok<{
      rows: { device_id?: string; device_name?: string; status: string; at: string; state?: unknown }[];
      from: string;
      to: string;
      has_next_page: boolean;
    }>("get_device_history", { device_id: device.id, since: new Date(sinceMs).toISOString(), all: true });
    const truth = o.history.filter((r) =>
      r.deviceId === device.id && r.createdAtMs >= Math.floor(sinceMs / 1000) * 1000
    );
    assert.ok(truth.length > 0);
    assert.equal(result.rows.length, truth.length);
    // One device named: its id and name are not repeated on every row.
    assert.ok(
      result.rows.every((r) => !("device_id" in r) && !("device_name" in r) && r.state === undefined),
    );
    assert.deepEqual(result.rows.map((r) => r.status), truth.map((r) => r.status));
    assert.equal(result.has_next_page, false);

    const verbose = await ctx.ok<{ rows: { state?: unknown }[] }>("get_device_history", {
      device_id: device.id,
      verbose: true,
      per_page: 2,
    });
    assert.ok(verbose.rows.every((r) => typeof r.state === "object"));

    const london = site(o, "London Office");
    const inLondon = subtree(o, london.id);
    const sited = await ctx.ok<{ rows: { device_id: string }[] }>("get_device_history", {
      space: "London Office",
      per_page: 50,
    });
    const londonDevices = new Set(
      o.devices.filter((d) => d.spaceId && inLondon.has(d.spaceId)).map((d) => d.id),
    );
    assert.ok(sited.rows.length > 0 && sited.rows.every((r) => londonDevices.has(r.device_id)));

    // A window over 31 days is refused before anything is sent.
    const mark = ctx.hub.requests.length;
    const error = await ctx.fails("get_device_history", {
      device_id: device.id,
      since: "2026-01-01",
      until: "2026-03-01",
    }, "invalid_arguments");
    assert.match(error.message, /31/);
    await ctx.fails("get_device_history", { since: "2026-03-01", until: "2026-02-01" }, "invalid_arguments");
    assert.deepEqual(since(ctx, mark), []);
  },

  async update_device(ctx) {
    const o = org(ctx);
    const device = o.devices[10]!;
    const original = { name: device.name, spaceId: device.spaceId };
    const target = leafIn(o, "London Office");
    const changed = await ctx.ok<{ id: string; name: string; space_path: string; changed: string[] }>(
      "update_device",
      { device_id: device.id, name: "E2E Lobby Display", space: target.id, incidents_suspended: true },
    );
    assert.deepEqual(changed.changed, ["space", "name", "incidents_suspended"]);
    assert.equal(changed.name, "E2E Lobby Display");
    assert.ok(changed.space_path.startsWith("London Office/"));
    assert.equal(device.name, "E2E Lobby Display");
    assert.equal(device.spaceId, target.id);
    assert.equal(device.incidentsSuspended, true);

    // A space that does not resolve changes nothing, not even the name.
    const mark = ctx.hub.requests.length;
    await ctx.fails("update_device", { device_id: device.id, name: "Other", space: "Atlantis" }, "not_found");
    assert.ok(since(ctx, mark).every((r) => r.method === "GET"));
    assert.equal(device.name, "E2E Lobby Display");
    await ctx.fails("update_device", { device_id: device.id }, "invalid_arguments");

    // An unknown space id fails before anything changed.
    await ctx.fails(
      "update_device",
      { device_id: device.id, name: "Other", space: 999_999_999 },
      "not_found",
    );
    assert.equal(device.name, "E2E Lobby Display");

    // A failure after a step took effect says exactly what changed.
    ctx.hub.faults.add({ endpointKey: "organization.devices.updateDevice", status: 422, times: 1 });
    const partial = await ctx.fails(
      "update_device",
      { device_id: device.id, name: "E2E Half Done", space: original.spaceId! },
      "partial_update",
    );
    assert.match(partial.message, /space changed, but changing name failed/);
    assert.equal(device.spaceId, original.spaceId);
    assert.equal(device.name, "E2E Lobby Display");

    const restored = await ctx.ok<{ changed: string[] }>("update_device", {
      device_id: device.id,
      name: original.name,
      space: original.spaceId!,
      incidents_suspended: false,
    });
    // The device is back in its space already (the partial update moved it): only the rest changes.
    assert.deepEqual(restored.changed, ["name", "incidents_suspended"]);
    assert.deepEqual({ name: device.name, spaceId: device.spaceId }, original);
    assert.equal(device.incidentsSuspended, false);

    // Asking for what already is sends nothing and reports no change.
    const before = ctx.hub.requests.length;
    const same = await ctx.ok<{ changed: string[] }>("update_device", {
      device_id: device.id,
      name: original.name,
      space: original.spaceId!,
    });
    assert.deepEqual(same.changed, []);
    assert.ok(since(ctx, before).every((r) => r.method === "GET"), "no write sent");
  },

  async claim_device(ctx) {
    const o = org(ctx);
    const pool = ctx.hub.state.unclaimedDevices;
    const candidate = pool.find((d) => d.cloudId !== null) ?? pool[0]!;
    const room = leafIn(o, "New York Studio");
    const identity = candidate.cloudId !== null
      ? { cloud_id: candidate.cloudId }
      : { sn: candidate.sn, mac: candidate.mac };
    const mark = ctx.hub.requests.length;
    await ctx.fails("claim_device", { space: room.id, name: "E2E Claimed" }, "invalid_arguments");
    assert.deepEqual(since(ctx, mark), [], "no identifiers: nothing sent");

    const claimed = await ctx.ok<{ id: string; name: string; space_path: string }>("claim_device", {
      space: room.id,
      name: "E2E Claimed",
      ...identity,
    });
    assert.equal(claimed.id, candidate.id);
    assert.equal(claimed.name, "E2E Claimed");
    assert.ok(claimed.space_path.startsWith("New York Studio/"));
    assert.ok(o.devices.some((d) => d.id === candidate.id && d.spaceId === room.id));
    assert.ok(!ctx.hub.state.unclaimedDevices.some((d) => d.id === candidate.id));

    const again = await ctx.fails("claim_device", { space: room.id, ...identity }, "validation");
    assert.match(again.message, /already claimed/i);
  },

  async delete_device(ctx) {
    const o = org(ctx);
    const device = o.devices.at(-1)!;
    await refusedWithoutConfirm(ctx, "delete_device", { device_id: device.id }, device.name);
    // Nothing to confirm for a device that does not exist: not_found before anyone is asked.
    await ctx.fails("delete_device", { device_id: "no-such-device" }, "not_found");
    assert.ok(o.devices.some((d) => d.id === device.id), "still there");

    const deleted = await ctx.ok<{ id: string; deleted: boolean }>("delete_device", {
      device_id: device.id,
      confirm: device.id,
    });
    assert.deepEqual(deleted, { id: device.id, deleted: true });
    assert.ok(!o.devices.some((d) => d.id === device.id));
    assert.ok(ctx.hub.state.unclaimedDevices.some((d) => d.id === device.id), "back in the unclaimed pool");
    await ctx.fails("get_device", { device_id: device.id }, "not_found");
    await ctx.fails("delete_device", { device_id: device.id, confirm: device.id }, "not_found");
  },

  async add_device_note(ctx) {
    const o = org(ctx);
    const device = o.devices[20]!;
    const note = await ctx.ok<{ id: string; content: string; author: string | null }>("add_device_note", {
      device_id: device.id,
      content: "Replaced the HDMI cable (E2E)",
    });
    assert.equal(note.content, "Replaced the HDMI cable (E2E)");
    assert.ok(o.deviceNotes.some((n) => String(n.id) === note.id && n.deviceId === device.id));

    const read = await ctx.ok<{ id: string; notes: { id: string; content: string }[] }>("get_device", {
      device_id: device.id,
      notes: true,
    });
    assert.equal(read.notes.length, o.deviceNotes.filter((n) => n.deviceId === device.id).length);
    assert.ok(read.notes.some((n) => n.id === note.id));
    const plain = await ctx.ok<{ notes?: unknown }>("get_device", { device_id: device.id });
    assert.equal(plain.notes, undefined, "notes only when asked");

    await ctx.fails("add_device_note", { device_id: device.id, content: "   " }, "invalid_arguments");
    await ctx.fails("add_device_note", { device_id: UNKNOWN_UUID, content: "x" }, "not_found");
  },

  // --- commands ------------------------------------------------------------------------------------

  async list_commands(ctx) {
    const o = org(ctx);
    const device = o.devices.find((d) => d.commands.length >= 2)!;
    const all = await ctx.ok<{ commands: { id: string; status: string; created_at: string }[] }>(
      "list_commands",
      { device_id: device.id, all: true },
    );
    assert.equal(all.commands.length, device.commands.length);
    assert.deepEqual(
      all.commands.map((c) => c.id),
      [...device.commands].reverse().map((c) => c.id),
      "newest first",
    );

    const open = await ctx.ok<{ commands: { status: string }[] }>("list_commands", {
      device_id: device.id,
      status: "open",
      all: true,
    });
    const openTruth = device.commands.filter((c) => c.status === "pending" || c.status === "in_progress");
    assert.equal(open.commands.length, openTruth.length);
    assert.ok(open.commands.every((c) => c.status === "pending" || c.status === "in_progress"));

    await ctx.fails("list_commands", { device_id: UNKNOWN_UUID }, "not_found");
    await ctx.fails("list_commands", { device_id: device.id, status: "queued" }, "invalid_arguments");
  },

  async send_command(ctx) {
    const o = org(ctx);
    const device = o.devices[30]!;
    const model = ctx.hub.state.models.find((m) => m.id === device.modelId)!;
    const { models } = await ctx.ok<{ models: { id: string; commands: string[] }[] }>("list_device_models");
    const commandName = models.find((m) => m.id === model.id)!.commands[0]!;
    const before = device.commands.length;
    const mark = ctx.hub.requests.length;

    const sent = await ctx.ok<{ id: string; status: string; name: string; name_unverified?: string }>(
      "send_command",
      { device_id: device.id, name: commandName, extra_params: { delay_seconds: 5 } },
    );
    assert.equal(sent.status, "pending");
    assert.equal(sent.name_unverified, undefined, "checked against the model");
    assert.ok(sent.name.startsWith(commandName));
    assert.equal(device.commands.length, before + 1);
    const stored = device.commands.at(-1)!;
    assert.equal(stored.id, sent.id);
    assert.deepEqual(stored.extraParams, { delay_seconds: 5 });
    assert.deepEqual(since(ctx, mark).at(-1)!.body, {
      name: commandName,
      extra_params: { delay_seconds: 5 },
    });

    const open = await ctx.ok<{ commands: { id: string; status: string }[] }>("list_commands", {
      device_id: device.id,
      status: "open",
    });
    assert.equal(open.commands[0]!.id, sent.id, "the new command is the newest open one");

    // Not idempotent: a second call queues a second command.
    const second = await ctx.ok<{ id: string }>("send_command", { device_id: device.id, name: commandName });
    assert.notEqual(second.id, sent.id);
    assert.equal(device.commands.length, before + 2);

    await ctx.fails("send_command", { device_id: device.id, name: " " }, "invalid_arguments");
    await ctx.fails("send_command", { device_id: UNKNOWN_UUID, name: "reboot" }, "not_found");

    // A name the device's model does not list is refused with the valid ones, and nothing is queued: Xyte
    // would queue it, and the device would never run it.
    const queued = device.commands.length;
    const beforeRefusal = ctx.hub.requests.length;
    const refused = await ctx.fails(
      "send_command",
      { device_id: device.id, name: "self_destruct" },
      "invalid_arguments",
    );
    assert.match(refused.message, /nothing was sent/);
    for (const valid of model.commands) assert.ok(refused.hint.includes(valid.name), refused.hint);
    assert.equal(device.commands.length, queued);
    assert.ok(
      since(ctx, beforeRefusal).every((r) => r.endpointKey !== "organization.commands.sendCommand"),
      "nothing sent upstream",
    );

    // Case aside, a listed name is sent as the model spells it.
    const shouted = commandName.toUpperCase();
    assert.notEqual(shouted, commandName);
    const recased = await ctx.ok<{ name: string; name_unverified?: string }>("send_command", {
      device_id: device.id,
      name: shouted,
    });
    assert.equal(device.commands.length, queued + 1);
    assert.equal(device.commands.at(-1)!.name, commandName);
    assert.ok(recased.name.startsWith(commandName));
    assert.equal(recased.name_unverified, undefined);
  },

  async cancel_command(ctx) {
    const o = org(ctx);
    const device = o.devices[31]!;
    const sent = await ctx.ok<{ id: string }>("send_command", { device_id: device.id, name: "reboot" });
    const args = { device_id: device.id, command_id: sent.id };
    await refusedWithoutConfirm(ctx, "cancel_command", args);
    assert.equal(device.commands.find((c) => c.id === sent.id)!.status, "pending");

    const canceled = await ctx.ok<{ id: string; status: string }>("cancel_command", {
      ...args,
      confirm: sent.id,
    });
    assert.equal(canceled.id, sent.id);
    assert.equal(canceled.status, "canceled");
    assert.equal(device.commands.find((c) => c.id === sent.id)!.status, "canceled");
    const open = await ctx.ok<{ commands: { id: string }[] }>("list_commands", {
      device_id: device.id,
      status: "open",
      all: true,
    });
    assert.ok(!open.commands.some((c) => c.id === sent.id));

    const again = await ctx.fails("cancel_command", { ...args, confirm: sent.id }, "validation");
    assert.match(again.message, /cannot be canceled/);
    await ctx.fails(
      "cancel_command",
      { ...args, command_id: UNKNOWN_UUID, confirm: UNKNOWN_UUID },
      "not_found",
    );
  },

  // --- incidents -----------------------------------------------------------------------------------

  async delete_incident(ctx) {
    const o = org(ctx);
    const { incidents } = await ctx.ok<{ incidents: { id: string }[] }>("list_incidents", {
      status: "active",
    });
    const target = incidents.at(-1)!.id;
    await refusedWithoutConfirm(ctx, "delete_incident", { incident_id: target });
    assert.ok(o.incidents.some((i) => i.id === target));

    const deleted = await ctx.ok<{ id: string; deleted: boolean }>("delete_incident", {
      incident_id: target,
      confirm: target,
    });
    assert.deepEqual(deleted, { id: target, deleted: true });
    assert.ok(!o.incidents.some((i) => i.id === target));
    const after = await ctx.ok<{ incidents: { id: string }[] }>("list_incidents", {
      status: "active",
      all: true,
    });
    assert.ok(!after.incidents.some((i) => i.id === target));
    await ctx.fails("delete_incident", { incident_id: target, confirm: target }, "not_found");
  },

  // --- tickets -------------------------------------------------------------------------------------

  async get_ticket(ctx) {
    const o = org(ctx);
    const ticket = o.tickets.find((t) => t.status === "open" && t.comments.length > 0)!;
    const detail = await ctx.ok<{
      id: string;
      description: string;
      messages: { text: string; from: string | null }[];
    }>("get_ticket", { ticket_id: ticket.id });
    assert.equal(detail.id, ticket.id);
    assert.equal(detail.description, ticket.description, "full description, not the 200-character excerpt");
    assert.deepEqual(detail.messages.map((m) => m.text), ticket.comments.map((c) => c.text));
    assert.ok(detail.messages.every((m) => ["organization", "partner", "system"].includes(m.from ?? "")));
    await ctx.fails("get_ticket", { ticket_id: UNKNOWN_UUID }, "not_found");
  },

  async update_ticket(ctx) {
    const o = org(ctx);
    const ticket = o.tickets.filter((t) => t.status === "open").at(-1)!;
    const description = ticket.description;
    const updated = await ctx.ok<{ id: string; status: string }>("update_ticket", {
      ticket_id: ticket.id,
      title: "Projector flickers in Room 4 (E2E)",
    });
    assert.deepEqual(updated, { id: ticket.id, status: "open" });
    assert.equal(ticket.title, "Projector flickers in Room 4 (E2E)");
    assert.equal(ticket.description, description, "description untouched");
    const mark = ctx.hub.requests.length;
    await ctx.fails("update_ticket", { ticket_id: ticket.id }, "invalid_arguments");
    assert.deepEqual(since(ctx, mark), []);
    await ctx.fails("update_ticket", { ticket_id: ticket.id, title: "" }, "invalid_arguments");
  },

  async resolve_ticket(ctx) {
    const o = org(ctx);
    const ticket = o.tickets.find((t) => t.status === "open")!;
    const before = await ctx.ok<{ tickets: { id: string }[]; total: number }>("list_tickets", { all: true });
    assert.ok(before.tickets.some((t) => t.id === ticket.id));

    const resolved = await ctx.ok<{ id: string; status: string }>("resolve_ticket", { ticket_id: ticket.id });
    assert.deepEqual(resolved, { id: ticket.id, status: "resolved" });
    assert.equal(ticket.status, "resolved");
    const after = await ctx.ok<{ tickets: { id: string }[]; total: number }>("list_tickets", { all: true });
    assert.ok(!after.tickets.some((t) => t.id === ticket.id), "a resolved ticket leaves list_tickets");
    assert.equal(after.total, before.total - 1);
    const detail = await ctx.ok<{ status: string; messages: { from: string }[] }>("get_ticket", {
      ticket_id: ticket.id,
    });
    assert.equal(detail.status, "resolved");
    assert.equal(detail.messages.at(-1)!.from, "system");

    await ctx.ok("resolve_ticket", { ticket_id: ticket.id }); // idempotent
    assert.equal(ticket.comments.filter((c) => c.system && /resolved/.test(c.text)).length, 1);
    await ctx.fails("resolve_ticket", { ticket_id: UNKNOWN_UUID }, "not_found");
  },

  async send_ticket_message(ctx) {
    const o = org(ctx);
    const ticket = o.tickets.find((t) => t.status === "open")!;
    const count = ticket.comments.length;
    const sent = await ctx.ok<{ id: string; status: string; author: string; posted_at: string }>(
      "send_ticket_message",
      { ticket_id: ticket.id, message: "A technician is on the way (E2E)." },
    );
    // What the agent needs next: the ticket's state, and the reply as the thread holds it.
    assert.equal(sent.id, ticket.id);
    assert.equal(sent.status, "open");
    assert.equal(sent.author, o.contacts.adminName);
    assert.equal(sent.posted_at, new Date(ticket.comments.at(-1)!.createdAtMs).toISOString());
    assert.equal(ticket.comments.length, count + 1);
    const detail = await ctx.ok<{ messages: { text: string; from: string }[] }>("get_ticket", {
      ticket_id: ticket.id,
    });
    assert.deepEqual(detail.messages.at(-1), {
      ...detail.messages.at(-1)!,
      text: "A technician is on the way (E2E).",
      from: "organization",
    });
    await ctx.fails("send_ticket_message", { ticket_id: ticket.id, message: "" }, "invalid_arguments");
    await ctx.fails("send_ticket_message", { ticket_id: UNKNOWN_UUID, message: "hi" }, "not_found");
  },

  // --- spaces --------------------------------------------------------------------------------------

  async list_spaces(ctx) {
    const o = org(ctx);
    const sites = await ctx.ok<{ spaces: { id: string; name: string; type: string; path: string }[] }>(
      "list_spaces",
      { type: "site" },
    );
    assert.deepEqual(
      sites.spaces.map((s) => s.name).sort(),
      o.spaces.filter((s) => s.parentId === o.rootSpaceId).map((s) => s.name).sort(),
    );
    assert.ok(sites.spaces.every((s) => s.type === "site" && s.path === s.name));

    const london = site(o, "London Office");
    const children = await ctx.ok<{ spaces: { parent_id: string }[] }>("list_spaces", {
      parent: "London Office",
    });
    assert.equal(children.spaces.length, o.spaces.filter((s) => s.parentId === london.id).length);
    assert.ok(children.spaces.every((s) => s.parent_id === String(london.id)));

    const inLondon = await ctx.ok<{ spaces: { path: string }[]; has_next_page: boolean }>("list_spaces", {
      path_contains: "London Office/",
      all: true,
    });
    assert.equal(inLondon.spaces.length, subtree(o, london.id).size - 1);
    assert.ok(inLondon.spaces.every((s) => s.path.startsWith("London Office/")));

    await ctx.fails("list_spaces", { type: "campus" }, "invalid_arguments");
    await ctx.fails("list_spaces", { parent: "Atlantis" }, "not_found");
  },

  async get_space(ctx) {
    const o = org(ctx);
    const london = site(o, "London Office");
    const space = await ctx.ok<{
      id: string;
      type: string;
      path: string;
      config: Record<string, unknown>;
      children: { id: string; name: string }[];
    }>("get_space", { space: "London Office" });
    assert.equal(space.id, String(london.id));
    assert.equal(space.type, "site");
    assert.equal(space.path, "London Office");
    assert.deepEqual(space.config, london.config);
    assert.deepEqual(
      space.children.map((c) => c.id).sort(),
      o.spaces.filter((s) => s.parentId === london.id).map((s) => String(s.id)).sort(),
    );
    await ctx.fails("get_space", { space: 999_999_999 }, "not_found");
  },

  async create_space(ctx) {
    const o = org(ctx);
    const building = o.spaces.find((s) => s.parentId === site(o, "Tel Aviv HQ").id)!;
    const created = await ctx.ok<
      { id: string; name: string; path: string; parent_id: string; created: boolean }
    >(
      "create_space",
      {
        name: "E2E Lab",
        parent: building.id,
        config: { temperature_units: "fahrenheit" },
      },
    );
    assert.equal(created.created, true);
    assert.equal(created.parent_id, String(building.id));
    assert.ok(created.path.endsWith(`${building.name}/E2E Lab`));
    const stored = o.spaces.find((s) => String(s.id) === created.id)!;
    assert.equal(stored.config.temperature_units, "fahrenheit");

    const again = await ctx.ok<{ id: string; created: boolean }>("create_space", {
      name: "E2E Lab",
      parent: building.id,
    });
    assert.equal(again.id, created.id, "creating twice returns the same space");
    assert.equal(again.created, false, "and says it found it");
    assert.equal(o.spaces.filter((s) => s.name === "E2E Lab").length, 1);

    await ctx.fails("create_space", { name: "Bad", config: { temperature_units: "kelvin" } }, "validation");
    await ctx.fails("create_space", { name: "" }, "invalid_arguments");
  },

  async update_space(ctx) {
    const o = org(ctx);
    const ny = site(o, "New York Studio");
    const created = await ctx.ok<{ id: string }>("create_space", { name: "E2E Storage", parent: ny.id });
    const newParent = o.spaces.find((s) => s.parentId === ny.id && String(s.id) !== created.id)!;
    const updated = await ctx.ok<{ id: string; name: string; path: string; parent_id: string }>(
      "update_space",
      {
        space: Number(created.id),
        name: "E2E Storage Room",
        parent: newParent.id,
        config: { priority_factor: 1 },
      },
    );
    assert.equal(updated.name, "E2E Storage Room");
    assert.equal(updated.parent_id, String(newParent.id));
    assert.ok(updated.path.endsWith(`${newParent.name}/E2E Storage Room`));
    const stored = o.spaces.find((s) => String(s.id) === created.id)!;
    assert.equal(stored.name, "E2E Storage Room");
    assert.equal(stored.config.priority_factor, 1);

    await ctx.fails("update_space", { space: Number(created.id) }, "invalid_arguments");
    await ctx.fails("update_space", { space: ny.id, parent: Number(created.id) }, "validation");
  },

  async delete_space(ctx) {
    const o = org(ctx);
    const created = await ctx.ok<{ id: string }>("create_space", {
      name: "E2E Doomed",
      parent: o.rootSpaceId,
    });
    await refusedWithoutConfirm(ctx, "delete_space", { space_id: created.id }, "E2E Doomed");
    assert.ok(o.spaces.some((s) => String(s.id) === created.id));

    const deleted = await ctx.ok<{ id: string; deleted: boolean; path: string }>("delete_space", {
      space_id: Number(created.id),
      confirm: created.id,
    });
    assert.deepEqual(deleted, { id: created.id, deleted: true, path: "E2E Doomed" });
    assert.ok(!o.spaces.some((s) => String(s.id) === created.id));

    const london = site(o, "London Office");
    const busy = await ctx.fails(
      "delete_space",
      { space_id: london.id, confirm: String(london.id) },
      "validation",
    );
    assert.match(busy.message, /"London Office" .*child spaces/);
    assert.match(busy.hint, /get_space/);
    await ctx.fails("delete_space", { space_id: "London" }, "invalid_arguments");
    const unknown = await ctx.fails(
      "delete_space",
      { space_id: 999_999_999, confirm: "999999999" },
      "not_found",
    );
    assert.match(unknown.hint, /list_spaces/);
  },

  // --- assets --------------------------------------------------------------------------------------

  async list_assets(ctx) {
    const o = org(ctx);
    const all = await ctx.ok<{ assets: { id: string; space_path: string | null }[] }>("list_assets", {
      all: true,
    });
    assert.equal(all.assets.length, o.assets.length);
    const london = site(o, "London Office");
    const inLondon = subtree(o, london.id);
    const sited = await ctx.ok<{ assets: { space_path: string }[] }>("list_assets", {
      space: "London Office",
      all: true,
    });
    assert.equal(
      sited.assets.length,
      o.assets.filter((a) => a.spaceId !== null && inLondon.has(a.spaceId)).length,
    );
    assert.ok(sited.assets.every((a) => a.space_path.startsWith("London Office")));
    const named = o.assets[0]!.name;
    const byName = await ctx.ok<{ assets: { name: string }[] }>("list_assets", {
      name_contains: named,
      all: true,
    });
    assert.ok(byName.assets.some((a) => a.name === named));
    await ctx.fails("list_assets", { space: "Atlantis" }, "not_found");
  },

  async get_asset(ctx) {
    const o = org(ctx);
    const asset = o.assets.find((a) => a.manufacturerId !== null)!;
    const read = await ctx.ok<
      { id: string; name: string; manufacturer: string; serial_number: string | null }
    >(
      "get_asset",
      { asset_id: asset.id },
    );
    assert.equal(read.id, String(asset.id));
    assert.equal(read.name, asset.name);
    assert.equal(
      read.manufacturer,
      o.assetLabels.manufacturer.find((l) => l.id === asset.manufacturerId)!.name,
    );
    await ctx.fails("get_asset", { asset_id: 987_654_321 }, "not_found");
  },

  async create_asset(ctx) {
    const o = org(ctx);
    const room = leafIn(o, "Tel Aviv HQ");
    const created = await ctx.ok<{
      id: string;
      name: string;
      space_path: string;
      manufacturer: string;
      status: string;
    }>("create_asset", {
      name: "E2E Spare Projector",
      space: room.id,
      serial_number: "E2E-SN-1",
      manufacturer: "E2E Optics",
      status: "In storage",
      purchased_at: "2026-01-15",
    });
    assert.equal(created.name, "E2E Spare Projector");
    assert.equal(created.manufacturer, "E2E Optics");
    assert.ok(created.space_path.startsWith("Tel Aviv HQ/"));
    assert.ok(o.assetLabels.manufacturer.some((l) => l.name === "E2E Optics"), "a new label was created");
    assert.ok(o.assets.some((a) => String(a.id) === created.id && a.serialNumber === "E2E-SN-1"));
    await ctx.fails("create_asset", { serial_number: "x" }, "invalid_arguments");
    await ctx.fails("create_asset", { name: "Bad date", purchased_at: "yesterday" }, "invalid_arguments");
    await ctx.fails("create_asset", { name: "Bad date", purchased_at: "2026-02-30" }, "invalid_arguments");
  },

  async update_asset(ctx) {
    const o = org(ctx);
    const asset = o.assets.find((a) => a.serialNumber !== null && a.manufacturerId !== null)!;
    const serial = asset.serialNumber;
    const manufacturer = asset.manufacturerId;
    const updated = await ctx.ok<{ id: string; status: string; serial_number: string; comments: string }>(
      "update_asset",
      { asset_id: String(asset.id), status: "Retired", comments: "Decommissioned (E2E)" },
    );
    assert.equal(updated.status, "Retired");
    assert.equal(updated.comments, "Decommissioned (E2E)");
    assert.equal(updated.serial_number, serial, "fields not given are kept");
    assert.equal(asset.serialNumber, serial);
    assert.equal(asset.manufacturerId, manufacturer);
    assert.equal(o.assetLabels.status.find((l) => l.id === asset.statusId)!.name, "Retired");
    await ctx.fails("update_asset", { asset_id: asset.id }, "invalid_arguments");
    await ctx.fails("update_asset", { asset_id: 987_654_321, name: "x" }, "not_found");
  },

  async delete_asset(ctx) {
    const o = org(ctx);
    const asset = o.assets.at(-1)!;
    const id = String(asset.id);
    await refusedWithoutConfirm(ctx, "delete_asset", { asset_id: id }, asset.name ?? undefined);
    assert.ok(o.assets.some((a) => a.id === asset.id));
    const deleted = await ctx.ok<{ id: string; deleted: boolean }>("delete_asset", {
      asset_id: asset.id,
      confirm: id,
    });
    assert.deepEqual(deleted, { id, deleted: true });
    assert.ok(!o.assets.some((a) => a.id === asset.id));
    await ctx.fails("get_asset", { asset_id: id }, "not_found");
  },

  // --- users ---------------------------------------------------------------------------------------

  async list_users(ctx) {
    const o = org(ctx);
    const all = await ctx.ok<{ users: { id: string; email: string; group_ids: string[] }[] }>("list_users", {
      all: true,
    });
    assert.equal(all.users.length, o.users.length);
    const user = o.users[0]!;
    const found = await ctx.ok<{ users: { id: string }[] }>("list_users", { text: user.email.toUpperCase() });
    assert.deepEqual(found.users.map((u) => u.id), [String(user.id)]);
    const active = await ctx.ok<{ users: { active: boolean }[] }>("list_users", { active: true, all: true });
    assert.equal(active.users.length, o.users.filter((u) => u.active).length);
    await ctx.fails("list_users", { text: "" }, "invalid_arguments");
  },

  async get_user(ctx) {
    const o = org(ctx);
    const user = o.users.find((u) => o.groups.some((g) => g.userIds.includes(u.id)))!;
    const read = await ctx.ok<{ id: string; email: string; groups: string[] }>("get_user", {
      user_id: user.id,
    });
    assert.equal(read.email, user.email);
    assert.deepEqual(
      read.groups.sort(),
      o.groups.filter((g) => g.userIds.includes(user.id)).map((g) => g.name).sort(),
    );
    await ctx.fails("get_user", { user_id: 987_654_321 }, "not_found");
  },

  async list_groups(ctx) {
    const o = org(ctx);
    const { groups } = await ctx.ok<{ groups: { id: string; name: string; member_count: number }[] }>(
      "list_groups",
      { all: true },
    );
    assert.equal(groups.length, o.groups.length);
    for (const g of o.groups) {
      assert.equal(groups.find((row) => row.id === String(g.id))?.member_count, g.userIds.length);
    }
    await ctx.fails("list_groups", { per_page: 0 }, "invalid_arguments");
  },

  async get_group(ctx) {
    const o = org(ctx);
    const group = o.groups.find((g) => g.userIds.length > 0)!;
    const read = await ctx.ok<{ name: string; members: { id: string; email: string }[] }>("get_group", {
      group_id: String(group.id),
    });
    assert.equal(read.name, group.name);
    assert.deepEqual(
      read.members.map((m) => m.email).sort(),
      group.userIds.map((id) => o.users.find((u) => u.id === id)!.email).sort(),
    );
    await ctx.fails("get_group", { group_id: 987_654_321 }, "not_found");
  },

  async invite_user(ctx) {
    const o = org(ctx);
    const group = o.groups[0]!;
    const invited = await ctx.ok<{ id: string; email: string; group_ids: string[]; active: boolean }>(
      "invite_user",
      { email: "e2e.newcomer@example.com", name: "E2E Newcomer", group_ids: [group.id] },
    );
    assert.equal(invited.email, "e2e.newcomer@example.com");
    assert.deepEqual(invited.group_ids, [String(group.id)]);
    assert.ok(group.userIds.includes(Number(invited.id)));
    const found = await ctx.ok<{ users: { id: string }[] }>("list_users", { text: "e2e.newcomer" });
    assert.deepEqual(found.users.map((u) => u.id), [invited.id]);
    await ctx.fails("invite_user", { email: "e2e.newcomer@example.com" }, "validation");
    await ctx.fails("invite_user", { email: "not-an-email" }, "invalid_arguments");
  },

  async update_group_members(ctx) {
    const o = org(ctx);
    const group = o.groups.find((g) => g.userIds.length > 0)!;
    const outsider = o.users.find((u) => !group.userIds.includes(u.id))!;
    const member = group.userIds[0]!;
    const result = await ctx.ok<{ id: string; user_ids: string[] }>("update_group_members", {
      group_id: group.id,
      add: [outsider.id],
      remove: [member],
    });
    assert.ok(group.userIds.includes(outsider.id) && !group.userIds.includes(member));
    assert.deepEqual(result.user_ids.sort(), group.userIds.map(String).sort());
    await ctx.ok("update_group_members", { group_id: group.id, add: [member], remove: [outsider.id] });
    assert.ok(group.userIds.includes(member) && !group.userIds.includes(outsider.id));
    await ctx.fails("update_group_members", { group_id: group.id }, "invalid_arguments");
    await ctx.fails("update_group_members", { group_id: group.id, add: [987_654_321] }, "not_found");
  },

  async deactivate_user(ctx) {
    const o = org(ctx);
    const invited = await ctx.ok<{ id: string }>("invite_user", { email: "e2e.leaver@example.com" });
    await refusedWithoutConfirm(ctx, "deactivate_user", { user_id: invited.id });
    await ctx.fails("deactivate_user", { user_id: 987_654_321 }, "not_found");
    const user = o.users.find((u) => String(u.id) === invited.id)!;
    assert.equal(user.active, true);
    const done = await ctx.ok<{ id: string; active: boolean }>("deactivate_user", {
      user_id: Number(invited.id),
      confirm: invited.id,
    });
    assert.deepEqual(done, { id: invited.id, active: false });
    assert.equal(user.active, false);
    await ctx.fails("deactivate_user", { user_id: 987_654_321, confirm: "987654321" }, "not_found");
  },

  // --- partner -------------------------------------------------------------------------------------

  async partner_list_devices(ctx) {
    const state = ctx.hub.state;
    const total = state.organizations.reduce((n, o) => n + o.devices.length, 0) +
      state.unclaimedDevices.length;
    const page = await ctx.ok<{ devices: unknown[]; has_next_page: boolean }>("partner_list_devices", {
      per_page: 10,
    });
    assert.equal(page.devices.length, 10);
    assert.equal(page.has_next_page, true);

    const all = await ctx.ok<{ devices: { id: string }[]; has_next_page: boolean }>("partner_list_devices", {
      all: true,
    });
    assert.equal(all.devices.length, total);
    assert.equal(all.has_next_page, false);

    const pool = await ctx.ok<
      { devices: { id: string; organization: string | null; cloud_id: string | null }[] }
    >(
      "partner_list_devices",
      { claimed: false, all: true },
    );
    assert.deepEqual(pool.devices.map((d) => d.id).sort(), state.unclaimedDevices.map((d) => d.id).sort());
    // Each row carries what a claim needs (cloud_id, or sn and mac) without another read.
    for (const device of pool.devices) {
      assert.equal(device.cloud_id, state.unclaimedDevices.find((d) => d.id === device.id)!.cloudId);
    }

    const o = org(ctx);
    const offline = await ctx.ok<{ devices: { effective_status: string; organization: string }[] }>(
      "partner_list_devices",
      { organization: o.name, effective_status: "offline", all: true },
    );
    assert.equal(offline.devices.length, o.devices.filter((d) => d.effectiveStatus === "offline").length);
    assert.ok(offline.devices.every((d) => d.organization === o.name && d.effective_status === "offline"));
    await ctx.fails("partner_list_devices", { effective_status: "sleepy" }, "invalid_arguments");

    // A vendor's "on old firmware": the rows below a version, without reading every row.
    const model = state.models.find((m) => m.name === "Poly Studio X50")!;
    const latest = model.firmwareVersions.at(-1)!;
    const old = await ctx.ok<{ devices: { firmware: string | null; model: string }[] }>(
      "partner_list_devices",
      { model_contains: model.name, firmware_below: latest, all: true },
    );
    const oldTruth = [...state.organizations.flatMap((x) => x.devices), ...state.unclaimedDevices]
      .filter((d) => d.modelId === model.id && d.firmwareVersion !== latest);
    assert.ok(oldTruth.length > 0, "the seed has devices on older firmware");
    assert.equal(old.devices.length, oldTruth.length);
    assert.ok(old.devices.every((d) => d.model === model.name && d.firmware !== latest));
  },

  async partner_get_device(ctx) {
    const o = org(ctx);
    const device = o.devices[5]!;
    const read = await ctx.ok<{ id: string; organization: string; sn: string; state: unknown }>(
      "partner_get_device",
      { device_id: device.id },
    );
    assert.equal(read.id, device.id);
    assert.equal(read.organization, o.name);
    assert.equal(read.sn, device.sn);
    assert.deepEqual(read.state, device.state);
    await ctx.fails("partner_get_device", { device_id: UNKNOWN_UUID }, "not_found");
  },

  async partner_device_history(ctx) {
    const o = org(ctx);
    const device = o.devices[6]!;
    const sinceMs = Date.now() - 5 * DAY_MS;
    const result = await ctx.ok<{ rows: { device_id?: string; status: string }[] }>(
      "partner_device_history",
      {
        device_id: device.id,
        since: new Date(sinceMs).toISOString(),
        all: true,
      },
    );
    const truth = o.history.filter((r) =>
      r.deviceId === device.id && r.createdAtMs >= Math.floor(sinceMs / 1000) * 1000
    );
    assert.equal(result.rows.length, truth.length);
    assert.ok(result.rows.every((r) => !("device_id" in r)), "the device named is not repeated per row");
    const mark = ctx.hub.requests.length;
    await ctx.fails(
      "partner_device_history",
      { device_id: device.id, since: "2020-01-01" },
      "invalid_arguments",
    );
    assert.deepEqual(since(ctx, mark), []);
  },

  async partner_list_tickets(ctx) {
    const state = ctx.hub.state;
    const openTruth = state.organizations.flatMap((o) => o.tickets.filter((t) => t.status === "open"));
    const open = await ctx.ok<{ tickets: { id: string; status: string; organization: string }[] }>(
      "partner_list_tickets",
      { all: true },
    );
    assert.equal(open.tickets.length, openTruth.length);
    assert.ok(open.tickets.every((t) => t.status === "open" && t.organization));
    const any = await ctx.ok<{ tickets: unknown[] }>("partner_list_tickets", { status: "any", all: true });
    assert.equal(any.tickets.length, state.organizations.reduce((n, o) => n + o.tickets.length, 0));
    const word = openTruth[0]!.title.split(" ")[0]!;
    const byText = await ctx.ok<{ tickets: { title: string }[] }>("partner_list_tickets", { text: word });
    assert.ok(byText.tickets.length > 0);
    await ctx.fails("partner_list_tickets", { status: "closed" }, "invalid_arguments");
    const about = openTruth.find((t) => t.deviceId !== null)!;
    const byDevice = await ctx.ok<{ tickets: { id: string; device_id: string }[] }>("partner_list_tickets", {
      device_id: about.deviceId!,
      status: "any",
    });
    assert.ok(byDevice.tickets.some((t) => t.id === about.id));
    assert.ok(byDevice.tickets.every((t) => t.device_id === about.deviceId));
  },

  async partner_get_ticket(ctx) {
    const o = org(ctx);
    const ticket = o.tickets.find((t) => t.status === "open")!;
    const read = await ctx.ok<{ id: string; organization: string; messages: unknown[] }>(
      "partner_get_ticket",
      {
        ticket_id: ticket.id,
      },
    );
    assert.equal(read.organization, o.name);
    assert.equal(read.messages.length, ticket.comments.length);
    await ctx.fails("partner_get_ticket", { ticket_id: UNKNOWN_UUID }, "not_found");
  },

  async partner_reply_ticket(ctx) {
    const o = org(ctx);
    const ticket = o.tickets.find((t) => t.status === "open")!;
    const sent = await ctx.ok<{ status: string; author: string }>("partner_reply_ticket", {
      ticket_id: ticket.id,
      message: "Partner here: replacement shipped.",
    });
    assert.equal(sent.status, ticket.status);
    const last = ticket.comments.at(-1)!;
    assert.equal(sent.author, last.user);
    assert.equal(last.text, "Partner here: replacement shipped.");
    assert.equal(last.ownerType, "Partner");
    const read = await ctx.ok<{ messages: { from: string }[] }>("get_ticket", { ticket_id: ticket.id });
    assert.equal(read.messages.at(-1)!.from, "partner");
    await ctx.fails("partner_reply_ticket", { ticket_id: ticket.id, message: "" }, "invalid_arguments");
  },

  async partner_resolve_ticket(ctx) {
    const o = org(ctx);
    const ticket = o.tickets.filter((t) => t.status === "open").at(-1)!;
    const done = await ctx.ok<{ id: string; status: string }>("partner_resolve_ticket", {
      ticket_id: ticket.id,
    });
    assert.deepEqual(done, { id: ticket.id, status: "resolved" });
    assert.equal(ticket.status, "resolved");
    const open = await ctx.ok<{ tickets: { id: string }[] }>("partner_list_tickets", { all: true });
    assert.ok(!open.tickets.some((t) => t.id === ticket.id));
    await ctx.fails("partner_resolve_ticket", { ticket_id: UNKNOWN_UUID }, "not_found");
  },
};
