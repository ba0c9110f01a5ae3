/** Simulated Xyte hub: auth, envelopes, errors, routing, state changes, request log, determinism, reset. */
import assert from "node:assert/strict";
import { createSimulator, DEMO_ORG_KEY, DEMO_PARTNER_KEY, type Simulator } from "../../src/simulator/mod.ts";

const NOW = new Date("2025-06-01T12:00:00Z");
const ORG = "/core/v1/organization";
const PARTNER = "/core/v1/partner";

interface ApiResult {
  status: number;
  // deno-lint-ignore no-explicit-any
  body: any;
  headers: Headers;
}

async function api(
  sim: Simulator,
  path: string,
  init: { method?: string; key?: string | null; body?: unknown } = {},
): Promise<ApiResult> {
  const headers = new Headers();
  const key = init.key === undefined ? DEMO_ORG_KEY : init.key;
  if (key !== null) headers.set("authorization", key);
  if (init.body !== undefined) headers.set("content-type", "application/json");
  const res = await sim.handle(
    new Request(`http://hub.test${path}`, {
      method: init.method ?? "GET",
      headers,
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    }),
  );
  const text = await res.text();
  return { status: res.status, body: text === "" ? null : JSON.parse(text), headers: res.headers };
}

function smallSim(deviceCount = 40): Simulator {
  return createSimulator({ now: NOW, organizations: [{ key: DEMO_ORG_KEY, deviceCount }] });
}

function firstOrg(sim: Simulator) {
  return sim.state.organizations[0];
}

Deno.test("auth: organization endpoints take the raw organization key only", async () => {
  const sim = smallSim();
  const missing = await api(sim, `${ORG}/devices`, { key: null });
  assert.equal(missing.status, 401);
  assert.equal(typeof missing.body.error, "string");
  assert.equal((await api(sim, `${ORG}/devices`, { key: "not-a-key" })).status, 401);
  assert.equal((await api(sim, `${ORG}/devices`, { key: `Bearer ${DEMO_ORG_KEY}` })).status, 401);
  assert.equal((await api(sim, `${ORG}/devices`, { key: DEMO_PARTNER_KEY })).status, 401);
  const ok = await api(sim, `${ORG}/devices`);
  assert.equal(ok.status, 200);
  assert.equal(ok.body.items.length, 40);
});

Deno.test("auth: partner endpoints take the partner key, device endpoints that device's key", async () => {
  const sim = smallSim();
  assert.equal((await api(sim, `${PARTNER}/devices`)).status, 401);
  assert.equal((await api(sim, `${PARTNER}/devices`, { key: DEMO_PARTNER_KEY })).status, 200);
  const [a, b] = firstOrg(sim).devices;
  assert.equal((await api(sim, `/v1/devices/${a.id}`, { key: sim.deviceAccessKey(b.id) })).status, 401);
  assert.equal((await api(sim, `/v1/devices/${a.id}`, { key: DEMO_ORG_KEY })).status, 401);
  assert.equal(
    (await api(sim, `/v1/devices/${a.id}`, { key: `Bearer ${sim.deviceAccessKey(a.id)}` })).status,
    401,
  );
  const own = await api(sim, `/v1/devices/${a.id}`, { key: sim.deviceAccessKey(a.id) });
  assert.equal(own.status, 200);
  assert.equal(own.body.id, a.id);
  assert.throws(() => sim.deviceAccessKey("no-such-device"));
});

Deno.test("tenants are isolated: each organization key serves its own data", async () => {
  const sim = createSimulator({
    now: NOW,
    organizations: [{ key: "key-a", seed: 1, deviceCount: 12 }, {
      key: "key-b",
      seed: 2,
      deviceCount: 7,
      name: "Beta",
    }],
  });
  assert.deepEqual(sim.keys, { organizations: ["key-a", "key-b"], partner: DEMO_PARTNER_KEY });
  const a = await api(sim, `${ORG}/devices`, { key: "key-a" });
  const b = await api(sim, `${ORG}/devices`, { key: "key-b" });
  assert.equal(a.body.items.length, 12);
  assert.equal(b.body.items.length, 7);
  const idsA = new Set(a.body.items.map((d: { id: string }) => d.id));
  assert.ok(b.body.items.every((d: { id: string }) => !idsA.has(d.id)));
  assert.equal((await api(sim, `${ORG}/info`, { key: "key-b" })).body.name, "Beta");
  const foreign = await api(sim, `${ORG}/devices/${a.body.items[0].id}`, { key: "key-b" });
  assert.equal(foreign.status, 404);
  assert.deepEqual(foreign.body, { error: "Device not found" });
  // The partner sees both organizations (plus its unclaimed pool).
  const partner = await api(sim, `${PARTNER}/devices?per_page=100`, { key: DEMO_PARTNER_KEY });
  const claimedBy = new Set(partner.body.data.map((d: { claimed: string | null }) => d.claimed));
  assert.deepEqual(claimedBy, new Set([sim.state.organizations[0].name, "Beta", null]));
});

Deno.test("paging: page/per_page validation and has_next_page", async () => {
  const sim = smallSim(30);
  for (const bad of ["per_page=101", "per_page=0", "per_page=abc", "page=0", "page=1.5"]) {
    const res = await api(sim, `${ORG}/devices?${bad}`);
    assert.equal(res.status, 422, bad);
    assert.equal(typeof res.body.error, "string");
  }
  const page1 = await api(sim, `${ORG}/devices?per_page=20`);
  const page2 = await api(sim, `${ORG}/devices?per_page=20&page=2`);
  assert.equal(page1.body.items.length, 20);
  assert.equal(page1.body.has_next_page, true);
  assert.equal(page2.body.items.length, 10);
  assert.equal(page2.body.has_next_page, false);
  assert.notEqual(page1.body.items[0].id, page2.body.items[0].id);
  assert.equal((await api(sim, `${ORG}/devices?per_page=100`)).body.has_next_page, false);
});

Deno.test("envelopes: organization items, partner data/page_info, licenses next_page, tickets bare array", async () => {
  const sim = smallSim(30);
  const partner = await api(sim, `${PARTNER}/devices?per_page=5`, { key: DEMO_PARTNER_KEY });
  assert.deepEqual(Object.keys(partner.body).sort(), ["data", "page_info"]);
  assert.equal(partner.body.data.length, 5);
  assert.equal(partner.body.page_info.has_next, true);
  assert.equal(partner.body.page_info.total_count, 30 + sim.state.unclaimedDevices.length);
  assert.equal("name" in partner.body.data[0], false);
  const deviceId = partner.body.data[0].id;
  const info = await api(sim, `${PARTNER}/devices/${deviceId}`, { key: DEMO_PARTNER_KEY });
  assert.equal(info.body.data.length, 1);
  assert.equal(info.body.data[0].id, deviceId);

  const licenses = await api(sim, `${ORG}/licenses?per_page=3`);
  assert.deepEqual(Object.keys(licenses.body).sort(), ["items", "next_page"]);
  assert.equal(licenses.body.next_page, 2);
  const lastPage = await api(sim, `${ORG}/licenses?per_page=100`);
  assert.equal(lastPage.body.next_page, null);

  const tickets = await api(sim, `${ORG}/tickets`);
  assert.ok(Array.isArray(tickets.body));
  const open = firstOrg(sim).tickets.filter((t) => t.status === "open").length;
  assert.ok(open > 0);
  assert.equal(tickets.body.length, open);
  assert.ok(tickets.body.every((t: { status: string }) => t.status === "open"));
});

Deno.test("errors: unknown route 404, unknown id 404, wrong method 405, all as {error}", async () => {
  const sim = smallSim();
  const route = await api(sim, `${ORG}/no_such_thing`);
  assert.equal(route.status, 404);
  assert.deepEqual(route.body, { error: "Not found" });
  assert.deepEqual((await api(sim, `${ORG}/devices/00000000-0000-4000-8000-000000000000`)).body, {
    error: "Device not found",
  });
  assert.equal((await api(sim, `${ORG}/tickets/nope`)).status, 404);
  assert.deepEqual((await api(sim, `${ORG}/spaces/abc`)).body, { error: "Space not found" });
  const method = await api(sim, `${ORG}/info`, { method: "DELETE" });
  assert.equal(method.status, 405);
  assert.equal(method.headers.get("allow"), "GET");
  assert.equal(typeof method.body.error, "string");
  // Literal path with an unsupported method is a 405, not a lookup of device "claim".
  assert.equal((await api(sim, `${ORG}/devices/claim`)).status, 405);
  const badJson = await sim.handle(
    new Request(`http://hub.test${ORG}/spaces`, {
      method: "POST",
      headers: { authorization: DEMO_ORG_KEY, "content-type": "application/json" },
      body: "{not json",
    }),
  );
  assert.equal(badJson.status, 422);
  assert.deepEqual(await badJson.json(), { error: "Malformed JSON body" });
});

Deno.test("routing: literal segments win over :param segments", async () => {
  const sim = smallSim();
  const org = firstOrg(sim);
  const checks: [string, string, string, unknown?, string?][] = [
    ["GET", `${ORG}/devices/histories`, "organization.devices.getHistories"],
    ["POST", `${ORG}/devices/claim`, "organization.devices.claimDevice", {}],
    ["GET", `${ORG}/devices/notes`, "organization.notes.getAllDeviceNotes"],
    ["POST", `${ORG}/spaces/find_or_create`, "organization.spaces.findOrCreateSpace", { name: "Lab" }],
    ["GET", `${ORG}/spaces/notes`, "organization.notes.getAllSpaceNotes"],
    [
      "GET",
      `${PARTNER}/devices/histories`,
      "partner.devices.getStateHistoryMultiDevices",
      undefined,
      DEMO_PARTNER_KEY,
    ],
    ["POST", "/v1/devices/bulk_create", "device.registration.bulkRegisterDevice", { devices: [{}] }],
    ["GET", `${ORG}/devices/${org.devices[0].id}`, "organization.devices.getDevice"],
  ];
  for (const [method, path, key, body, authKey] of checks) {
    const res = await api(sim, path, { method, body, key: authKey });
    assert.notEqual(res.status, 404, `${method} ${path}: ${JSON.stringify(res.body)}`);
    assert.equal(sim.requests.at(-1)?.endpointKey, key);
  }
  const histories = await api(sim, `${ORG}/devices/histories?per_page=5`);
  assert.equal(histories.status, 200);
  assert.equal(histories.body.items.length, 5);
  assert.ok("created_at" in histories.body.items[0] && "state" in histories.body.items[0]);
  const claim = await api(sim, `${ORG}/devices/claim`, { method: "POST", body: { sn: "X" } });
  assert.equal(claim.status, 422);
  assert.match(claim.body.error, /space_id/);
});

Deno.test("getDevices space_id filter includes the whole subtree of the space", async () => {
  const sim = smallSim(60);
  const org = firstOrg(sim);
  const site = org.spaces.find((s) => s.name === "London Office");
  assert.ok(site);
  const res = await api(sim, `${ORG}/devices?space_id=${site.id}`);
  assert.equal(res.status, 200);
  assert.ok(res.body.items.length > 0);
  assert.ok(
    res.body.items.every((d: { space: { full_path: string } }) =>
      d.space.full_path.startsWith("London Office/")
    ),
  );
  const parents = new Map(org.spaces.map((s) => [s.id, s.parentId]));
  const under = (id: number | null): boolean =>
    id !== null && (id === site.id || under(parents.get(id) ?? null));
  assert.equal(res.body.items.length, org.devices.filter((d) => under(d.spaceId)).length);
  const room = org.devices[5].spaceId as number;
  const exact = await api(sim, `${ORG}/devices?space_id=${room}`);
  assert.ok(exact.body.items.every((d: { space: { id: number } }) => d.space.id === room));
  assert.equal((await api(sim, `${ORG}/devices?space_id=x`)).status, 422);
});

Deno.test("commands: sendCommand is pending, cancel works on pending, cancel of a done command is 422", async () => {
  const sim = smallSim();
  const device = firstOrg(sim).devices[3];
  const missingName = await api(sim, `${ORG}/devices/${device.id}/commands`, { method: "POST", body: {} });
  assert.equal(missingName.status, 422);
  assert.match(missingName.body.error, /name/);
  const sent = await api(sim, `${ORG}/devices/${device.id}/commands`, {
    method: "POST",
    body: { name: "reboot", extra_params: { delay_s: 5 } },
  });
  assert.equal(sent.status, 201);
  assert.equal(sent.body.status, "pending");
  assert.equal(sent.body.name, "reboot");
  assert.deepEqual(sent.body.extra_params, { delay_s: 5 });
  const list = await api(sim, `${ORG}/devices/${device.id}/commands`);
  assert.equal(list.body.items[0].id, sent.body.id);
  assert.equal(list.body.items[0].status, "pending");

  const canceled = await api(sim, `${ORG}/devices/${device.id}/commands/${sent.body.id}`, {
    method: "DELETE",
  });
  assert.equal(canceled.status, 200);
  assert.equal(canceled.body.status, "canceled");
  const again = await api(sim, `${ORG}/devices/${device.id}/commands/${sent.body.id}`, { method: "DELETE" });
  assert.equal(again.status, 422);

  const done = await api(sim, `${ORG}/devices/${device.id}/commands`, {
    method: "POST",
    body: { name: "reboot" },
  });
  device.commands.find((c) => c.id === done.body.id)!.status = "done";
  const cancelDone = await api(sim, `${ORG}/devices/${device.id}/commands/${done.body.id}`, {
    method: "DELETE",
  });
  assert.equal(cancelDone.status, 422);
  assert.match(cancelDone.body.error, /done/);
  assert.equal(
    (await api(sim, `${ORG}/devices/${device.id}/commands/nope`, { method: "DELETE" })).status,
    404,
  );
});

Deno.test("tickets: markResolved resolves, sendMessage appends, updateTicket persists", async () => {
  const sim = smallSim();
  const ticket = firstOrg(sim).tickets.find((t) => t.status === "open");
  assert.ok(ticket);
  const before = (await api(sim, `${ORG}/info`)).body.statistics.open_tickets;
  const noMessage = await api(sim, `${ORG}/tickets/${ticket.id}/message`, { method: "POST", body: {} });
  assert.equal(noMessage.status, 422);
  const message = await api(sim, `${ORG}/tickets/${ticket.id}/message`, {
    method: "POST",
    body: { message: "Rebooted the codec, please retest." },
  });
  assert.deepEqual(message.body, { success: true });
  const updated = await api(sim, `${ORG}/tickets/${ticket.id}`, {
    method: "PUT",
    body: { title: "Renamed" },
  });
  assert.equal(updated.body.title, "Renamed");
  assert.equal(updated.body.comments.at(-1).text, "Rebooted the codec, please retest.");
  assert.equal(updated.body.comments.at(-1).owner_type, "Organization");

  const resolved = await api(sim, `${ORG}/tickets/${ticket.id}/resolved`, { method: "POST" });
  assert.deepEqual(resolved.body, { success: true });
  const detail = await api(sim, `${ORG}/tickets/${ticket.id}`);
  assert.equal(detail.body.status, "resolved");
  assert.equal(detail.body.comments.at(-1).system, true);
  const open = await api(sim, `${ORG}/tickets`);
  assert.ok(open.body.every((t: { id: string }) => t.id !== ticket.id));
  assert.equal((await api(sim, `${ORG}/info`)).body.statistics.open_tickets, before - 1);
  // The partner sees the same ticket, with the organization attached.
  const partnerView = await api(sim, `${PARTNER}/tickets/${ticket.id}`, { key: DEMO_PARTNER_KEY });
  assert.equal(partnerView.body.status, "resolved");
  assert.equal(partnerView.body.organization.name, firstOrg(sim).name);
});

Deno.test("devices: move, update, suspend incidents, delete", async () => {
  const sim = smallSim();
  const org = firstOrg(sim);
  const device = org.devices[7];
  const target = org.spaces.find((s) => s.name === "Boardroom" && s.id !== device.spaceId);
  assert.ok(target);
  assert.equal(
    (await api(sim, `${ORG}/devices/${device.id}/move`, { method: "POST", body: {} })).status,
    422,
  );
  const unknown = await api(sim, `${ORG}/devices/${device.id}/move`, {
    method: "POST",
    body: { space_id: 999999 },
  });
  assert.deepEqual(unknown, { status: 404, body: { error: "Space not found" }, headers: unknown.headers });
  const moved = await api(sim, `${ORG}/devices/${device.id}/move`, {
    method: "POST",
    body: { space_id: target.id },
  });
  assert.equal(moved.status, 200);
  assert.equal(moved.body.space.id, target.id);
  assert.equal((await api(sim, `${ORG}/devices/${device.id}`)).body.space.id, target.id);

  const renamed = await api(sim, `${ORG}/devices/${device.id}`, {
    method: "PATCH",
    body: { name: "Lobby Display" },
  });
  assert.equal(renamed.body.name, "Lobby Display");
  assert.equal((await api(sim, `${ORG}/devices/${device.id}`)).body.name, "Lobby Display");
  assert.equal((await api(sim, `${ORG}/devices/${device.id}`, { method: "PATCH", body: {} })).status, 422);

  await api(sim, `${ORG}/devices/${device.id}/suspend_incidents`, { method: "POST" });
  assert.equal(device.incidentsSuspended, true);
  await api(sim, `${ORG}/devices/${device.id}/resume_incidents`, { method: "POST" });
  assert.equal(device.incidentsSuspended, false);

  assert.deepEqual((await api(sim, `${ORG}/devices/${device.id}`, { method: "DELETE" })).body, {
    success: true,
  });
  assert.equal((await api(sim, `${ORG}/devices/${device.id}`)).status, 404);
  assert.equal(org.devices.length, 39);
});

Deno.test("edge-managed devices mask custom parameters and round-trip the mask", async () => {
  const sim = smallSim(60);
  const device = firstOrg(sim).devices.find((d) => d.customParameters !== null);
  assert.ok(device);
  device.customParameters = { Username: "admin", Password: "s3cret", "Control Port": null };
  const view = await api(sim, `${ORG}/devices/${device.id}`);
  assert.deepEqual(view.body.custom_parameters, {
    Username: "admin",
    Password: "*****",
    "Control Port": null,
  });
  await api(sim, `${ORG}/devices/${device.id}`, {
    method: "PATCH",
    body: { custom_parameters: { ...view.body.custom_parameters, "Control Port": "4352" } },
  });
  assert.deepEqual(device.customParameters, {
    Username: "admin",
    Password: "s3cret",
    "Control Port": "4352",
  });
  const plain = firstOrg(sim).devices.find((d) => d.customParameters === null);
  assert.equal("custom_parameters" in (await api(sim, `${ORG}/devices/${plain!.id}`)).body, false);
});

Deno.test("merge rolls the worst status up to the primary; split undoes it", async () => {
  const sim = smallSim();
  const [primary, shadow] = firstOrg(sim).devices.slice(10, 12);
  primary.effectiveStatus = "ok";
  shadow.effectiveStatus = "error";
  const merged = await api(sim, `${ORG}/devices/${primary.id}/merge`, {
    method: "POST",
    body: { with_device_ids: [shadow.id] },
  });
  assert.equal(merged.status, 200);
  assert.equal(merged.body.merged_effective_status, "error");
  assert.equal((await api(sim, `${ORG}/devices/${shadow.id}`)).body.merged_effective_status, "error");
  assert.equal(
    (await api(sim, `${ORG}/devices/${primary.id}/merge`, {
      method: "POST",
      body: { with_device_ids: [primary.id] },
    }))
      .status,
    422,
  );
  const split = await api(sim, `${ORG}/devices/${primary.id}/split`, {
    method: "POST",
    body: { shadow_device_id: shadow.id },
  });
  assert.equal(split.body.merged_effective_status, "ok");
});

Deno.test("histories: 7-day default window, 31-day limit, per_page up to 1000, filters", async () => {
  const sim = smallSim();
  const nowS = Math.floor(NOW.getTime() / 1000);
  const all = await api(sim, `${ORG}/devices/histories?per_page=1000`);
  assert.equal(all.status, 200);
  assert.ok(all.body.items.length > 50);
  const oldest = Date.parse(all.body.items.at(-1).created_at);
  assert.ok(oldest >= NOW.getTime() - 7 * 86400_000 - 5000);
  const dates = all.body.items.map((r: { created_at: string }) => r.created_at);
  assert.deepEqual(dates, [...dates].sort().reverse());
  assert.equal((await api(sim, `${ORG}/devices/histories?per_page=1001`)).status, 422);
  assert.equal((await api(sim, `${ORG}/devices/histories?from=${nowS - 32 * 86400}&to=${nowS}`)).status, 422);
  const month = await api(sim, `${ORG}/devices/histories?from=${nowS - 30 * 86400}&to=${nowS}&per_page=1000`);
  assert.ok(month.body.items.length > all.body.items.length);
  const device = firstOrg(sim).devices.find((d) => d.lastSeenAtMs !== null)!;
  const one = await api(sim, `${ORG}/devices/histories?device_id=${device.id}&per_page=1000`);
  assert.ok(one.body.items.length > 0);
  assert.ok(one.body.items.every((r: { device_id: string }) => r.device_id === device.id));
  const online = await api(sim, `${ORG}/devices/histories?status=online&per_page=1000`);
  const onlineIds = new Set(firstOrg(sim).devices.filter((d) => d.status === "online").map((d) => d.id));
  assert.ok(online.body.items.every((r: { device_id: string }) => onlineIds.has(r.device_id)));
  assert.equal((await api(sim, `${ORG}/devices/histories?status=sleeping`)).status, 422);
});

Deno.test("incidents: default window, status/priority filters, page_size up to 500", async () => {
  const sim = smallSim(80);
  const active = await api(sim, `${ORG}/incidents?status=active&page_size=500`);
  assert.equal(active.status, 200);
  assert.ok(active.body.items.length > 0);
  assert.ok(active.body.items.every((i: { status: string }) => i.status === "active"));
  assert.equal(active.body.has_next_page, false);
  const first = active.body.items[0];
  for (
    const key of [
      "id",
      "device_id",
      "device_name",
      "title",
      "priority",
      "space_path",
      "created_at",
      "closed_at",
    ]
  ) {
    assert.ok(key in first, key);
  }
  const high = await api(sim, `${ORG}/incidents?priority=high&page_size=500`);
  assert.ok(high.body.items.every((i: { priority: string }) => i.priority === "high"));
  assert.equal((await api(sim, `${ORG}/incidents?page_size=501`)).status, 422);
  assert.equal((await api(sim, `${ORG}/incidents?status=open`)).status, 422);
  const paged = await api(sim, `${ORG}/incidents?page_size=1`);
  assert.equal(paged.body.items.length, 1);
  assert.equal(paged.body.has_next_page, true);
  const id = first.id;
  assert.deepEqual((await api(sim, `${ORG}/incidents/${id}`, { method: "DELETE" })).body, { success: true });
  assert.equal((await api(sim, `${ORG}/incidents/${id}`, { method: "DELETE" })).status, 404);
});

Deno.test("spaces: create, find_or_create, update, delete rules", async () => {
  const sim = smallSim();
  const org = firstOrg(sim);
  const site = org.spaces.find((s) => s.name === "Tel Aviv HQ")!;
  assert.equal((await api(sim, `${ORG}/spaces`, { method: "POST", body: {} })).status, 422);
  const created = await api(sim, `${ORG}/spaces`, {
    method: "POST",
    body: { name: "Roof Terrace", parent_id: site.id, config: { temperature_units: "celsius" } },
  });
  assert.equal(created.status, 201);
  assert.equal(created.body.full_path, "Tel Aviv HQ/Roof Terrace");
  assert.equal((await api(sim, `${ORG}/spaces/${created.body.id}`)).body.name, "Roof Terrace");
  const found = await api(sim, `${ORG}/spaces/find_or_create`, {
    method: "POST",
    body: { name: "roof terrace", parent_id: site.id },
  });
  assert.equal(found.status, 200);
  assert.equal(found.body.id, created.body.id);
  const badConfig = await api(sim, `${ORG}/spaces/${created.body.id}`, {
    method: "PUT",
    body: { config: { temperature_units: "kelvin" } },
  });
  assert.equal(badConfig.status, 422);
  const renamed = await api(sim, `${ORG}/spaces/${created.body.id}`, {
    method: "PUT",
    body: { name: "Sky Lounge" },
  });
  assert.equal(renamed.body.full_path, "Tel Aviv HQ/Sky Lounge");
  assert.equal((await api(sim, `${ORG}/spaces/${site.id}`, { method: "DELETE" })).status, 422);
  assert.equal((await api(sim, `${ORG}/spaces/${org.rootSpaceId}`, { method: "DELETE" })).status, 422);
  assert.equal((await api(sim, `${ORG}/spaces/${created.body.id}`, { method: "DELETE" })).status, 200);
  assert.equal((await api(sim, `${ORG}/spaces/${created.body.id}`)).status, 404);
  const filtered = await api(sim, `${ORG}/spaces?path_includes=tel%20aviv&space_type=site`);
  assert.deepEqual(filtered.body.items.map((s: { name: string }) => s.name), ["Tel Aviv HQ"]);
});

Deno.test("users, groups, notes, assets and licenses persist writes", async () => {
  const sim = smallSim();
  const user = await api(sim, `${ORG}/users`, { method: "POST", body: { email: "new.person@example.com" } });
  assert.equal(user.status, 201);
  assert.equal(user.body.name, "New Person");
  assert.equal(
    (await api(sim, `${ORG}/users`, { method: "POST", body: { email: "new.person@example.com" } })).status,
    422,
  );
  const group = await api(sim, `${ORG}/groups`, { method: "POST", body: { name: "Night Shift" } });
  const added = await api(sim, `${ORG}/groups/${group.body.id}/add_users`, {
    method: "POST",
    body: { user_ids: [user.body.id] },
  });
  assert.deepEqual(added.body.user_ids, [user.body.id]);
  assert.deepEqual((await api(sim, `${ORG}/users/${user.body.id}`)).body.group_ids, [group.body.id]);
  await api(sim, `${ORG}/users/${user.body.id}/deactivate`, { method: "POST" });
  assert.equal(
    (await api(sim, `${ORG}/users/${user.body.id}/resend_welcome`, { method: "POST" })).status,
    422,
  );

  const device = firstOrg(sim).devices[0];
  const note = await api(sim, `${ORG}/devices/${device.id}/notes`, {
    method: "POST",
    body: { content: "Cable swapped" },
  });
  assert.equal(note.status, 201);
  const notes = await api(sim, `${ORG}/devices/${device.id}/notes`);
  assert.ok(notes.body.items.some((n: { id: number }) => n.id === note.body.id));
  await api(sim, `${ORG}/devices/${device.id}/notes/${note.body.id}`, { method: "DELETE" });
  assert.equal(
    (await api(sim, `${ORG}/devices/${device.id}/notes/${note.body.id}`, { method: "DELETE" })).status,
    404,
  );

  const asset = await api(sim, `${ORG}/assets`, {
    method: "POST",
    body: { name: "Podium", manufacturer: "Brand New Vendor", status: "In use" },
  });
  assert.equal(asset.status, 201);
  assert.equal(asset.body.manufacturer.name, "Brand New Vendor");
  const labels = await api(sim, `${ORG}/assets/labels/manufacturer`);
  assert.ok(labels.body.items.some((l: { name: string }) => l.name === "Brand New Vendor"));
  assert.equal((await api(sim, `${ORG}/assets/labels/colour`)).status, 422);

  const inuse = await api(sim, `${ORG}/licenses?state=inuse,available&per_page=100`);
  assert.ok(inuse.body.items.length > 0);
  assert.ok(inuse.body.items.every((l: { state: string }) => l.state === "inuse" || l.state === "available"));
  assert.equal((await api(sim, `${ORG}/licenses?state=disable`)).status, 422);
  const assigned = await api(sim, `${ORG}/licenses?assigned=false&per_page=100`);
  assert.ok(
    assigned.body.items.every((l: { device: unknown; bound_device_sn: unknown }) =>
      l.device === null && l.bound_device_sn === null
    ),
  );
});

Deno.test("edges: ping, claim through a proxy, update hostname", async () => {
  const sim = smallSim();
  const org = firstOrg(sim);
  const edges = await api(sim, `${ORG}/edges`);
  const proxy = edges.body.items.find((e: { effective_status: string }) => e.effective_status === "ok");
  assert.ok(proxy, "an online edge proxy");
  const room = org.spaces.find((s) => s.name === "Boardroom")!;
  const model = sim.state.models.find((m) => m.edgeManaged && m.customParameters.length > 0)!;
  const claimBody = {
    proxy_id: proxy.id,
    device_ip: "10.20.30.40",
    device_model_id: model.id,
    space_id: room.id,
  };
  const unchecked = await api(sim, `${ORG}/edges/devices/start_claim`, { method: "POST", body: claimBody });
  assert.equal(unchecked.status, 422);
  assert.equal(
    (await api(sim, `${ORG}/edges/devices/get_ping_status?proxy_id=${proxy.id}&device_ip=10.20.30.40`))
      .status,
    422,
  );
  const ping = await api(sim, `${ORG}/edges/devices/start_ping`, {
    method: "POST",
    body: { proxy_id: proxy.id, device_ip: "10.20.30.40" },
  });
  assert.equal(ping.status, 204);
  const pingStatus = await api(
    sim,
    `${ORG}/edges/devices/get_ping_status?proxy_id=${proxy.id}&device_ip=10.20.30.40`,
  );
  assert.deepEqual(pingStatus.body, { status: "online" });
  const before = org.devices.length;
  const claimed = await api(sim, `${ORG}/edges/devices/start_claim`, {
    method: "POST",
    body: {
      ...claimBody,
      mac: "AA-BB-CC-DD-EE-FF",
      display_name: "Boardroom Projector",
      custom_parameters: { Password: "x" },
    },
  });
  assert.equal(claimed.status, 204);
  assert.equal(org.devices.length, before + 1);
  const device = org.devices.at(-1)!;
  assert.equal(device.mac, "aa:bb:cc:dd:ee:ff");
  const claimStatus = await api(
    sim,
    `${ORG}/edges/devices/get_claim_status?proxy_id=${proxy.id}&device_ip=10.20.30.40`,
  );
  assert.deepEqual(claimStatus.body, { result: "success" });
  const badMac = await api(sim, `${ORG}/edges/devices/start_claim`, {
    method: "POST",
    body: { ...claimBody, mac: "nope", skip_connectivity_check: true },
  });
  assert.equal(badMac.status, 422);
  const host = `${ORG}/edges/devices/${device.id}/update_hostname`;
  assert.equal((await api(sim, host, { method: "POST", body: {} })).status, 400);
  assert.equal((await api(sim, host, { method: "POST", body: { device_ip: "bad host!" } })).status, 422);
  const moved = await api(sim, host, {
    method: "POST",
    body: { device_ip: "av-proj-1.local", skip_connectivity_check: true },
  });
  assert.deepEqual(moved.body, { success: true });
  assert.equal(device.hostAddress, "av-proj-1.local");
  assert.equal(device.customParameters?.Password, "x");
});

Deno.test("partner: createOrganization adds a tenant; commands, telemetries, config and history views", async () => {
  const sim = smallSim();
  const created = await api(sim, `${PARTNER}/organizations`, {
    method: "POST",
    key: DEMO_PARTNER_KEY,
    body: { name: "Globex Stadiums", admin_contact_email: "ops@globex.example" },
  });
  assert.equal(created.status, 201);
  const newKey = sim.keys.organizations.at(-1)!;
  assert.notEqual(newKey, DEMO_ORG_KEY);
  const info = await api(sim, `${ORG}/info`, { key: newKey });
  assert.equal(info.body.name, "Globex Stadiums");
  assert.equal(info.body.statistics.devices, 0);
  assert.equal(info.body.contacts.admin_email, "ops@globex.example");

  const device = firstOrg(sim).devices.find((d) => d.commands.length > 0 && d.lastSeenAtMs !== null)!;
  const p = { key: DEMO_PARTNER_KEY };
  const commands = await api(sim, `${PARTNER}/devices/${device.id}/commands`, p);
  assert.equal(commands.body.page_info.total_count, device.commands.length);
  assert.equal(
    (await api(sim, `${PARTNER}/devices/${device.id}/config`, p)).body.version,
    device.config.version,
  );
  const telemetry = await api(sim, `${PARTNER}/devices/${device.id}/telemetries`, p);
  assert.equal(telemetry.body.data.length, 1);
  const history = await api(sim, `${PARTNER}/devices/${device.id}/history`, p);
  assert.ok(history.body.data.every((r: { device_id: string }) => r.device_id === device.id));
  const tickets = await api(sim, `${PARTNER}/tickets?status=resolved`, p);
  assert.ok(tickets.body.data.every((t: { status: string }) => t.status === "resolved"));
});

Deno.test("request log: records each request without the Authorization value", async () => {
  const sim = smallSim();
  await api(sim, `${ORG}/devices?per_page=2&page=1`);
  await api(sim, `${ORG}/spaces`, { method: "POST", body: { name: "Recorded" } });
  await api(sim, `${ORG}/info`, { key: "wrong" });
  await api(sim, "/nowhere");
  assert.equal(sim.requests.length, 4);
  const [list, post, unauthorized, unknown] = sim.requests;
  assert.deepEqual(
    { ...list, at: 0 },
    {
      seq: 1,
      at: 0,
      method: "GET",
      path: `${ORG}/devices`,
      query: "per_page=2&page=1",
      endpointKey: "organization.devices.getDevices",
      scope: "organization",
      authorized: true,
      status: 200,
    },
  );
  assert.ok(Math.abs(list.at - Date.now()) < 60_000);
  assert.deepEqual(post.body, { name: "Recorded" });
  assert.equal(post.status, 201);
  assert.equal(unauthorized.authorized, false);
  assert.equal(unauthorized.status, 401);
  assert.equal(unknown.endpointKey, null);
  assert.equal(unknown.scope, null);
  assert.equal(unknown.status, 404);
  assert.ok(!JSON.stringify(sim.requests).includes(DEMO_ORG_KEY));
});

Deno.test("determinism: the same seed gives identical data, another seed different data", async () => {
  const make = (seed: number) =>
    createSimulator({ now: NOW, organizations: [{ key: "k", seed, deviceCount: 50 }] });
  const [a, b, c] = [make(7), make(7), make(8)];
  const snapshot = async (sim: Simulator) => {
    const paths = [
      `${ORG}/devices`,
      `${ORG}/spaces?per_page=100`,
      `${ORG}/incidents?per_page=100&from=0`,
      `${ORG}/tickets`,
      `${ORG}/licenses`,
      `${ORG}/users`,
      `${ORG}/devices/histories?per_page=1000`,
    ];
    return await Promise.all(paths.map(async (p) => (await api(sim, p, { key: "k" })).body));
  };
  const [sa, sb, sc] = [await snapshot(a), await snapshot(b), await snapshot(c)];
  assert.deepEqual(sa, sb);
  assert.notDeepEqual(sa[0], sc[0]);
  assert.equal(a.deviceAccessKey(sa[0].items[0].id), b.deviceAccessKey(sb[0].items[0].id));
  // Run-time ids are deterministic too.
  const device = sa[0].items[1].id;
  const sendA = await api(a, `${ORG}/devices/${device}/commands`, {
    method: "POST",
    key: "k",
    body: { name: "reboot" },
  });
  const sendB = await api(b, `${ORG}/devices/${device}/commands`, {
    method: "POST",
    key: "k",
    body: { name: "reboot" },
  });
  assert.equal(sendA.body.id, sendB.body.id);
});

Deno.test("reset(): restores seeded data and clears the log and faults", async () => {
  const sim = smallSim();
  const device = firstOrg(sim).devices[0];
  const originalName = device.name;
  await api(sim, `${ORG}/devices/${device.id}`, { method: "PATCH", body: { name: "Changed" } });
  sim.faults.add({ status: 500 });
  assert.equal((await api(sim, `${ORG}/info`)).status, 500);
  sim.reset();
  assert.equal(sim.requests.length, 0);
  const after = await api(sim, `${ORG}/devices/${device.id}`);
  assert.equal(after.status, 200);
  assert.equal(after.body.name, originalName);
  assert.equal(sim.requests.length, 1);
  assert.equal(sim.requests[0].seq, 1);
});

Deno.test("defaults: one demo organization of 250 devices with a realistic estate", async () => {
  const sim = createSimulator({ now: NOW });
  assert.deepEqual(sim.keys, { organizations: [DEMO_ORG_KEY], partner: DEMO_PARTNER_KEY });
  const info = await api(sim, `${ORG}/info`);
  assert.equal(info.body.name, "Northwind Collaboration Spaces");
  assert.equal(info.body.statistics.devices, 250);
  const org = firstOrg(sim);
  const sites = org.spaces.filter((s) => s.parentId === org.rootSpaceId).map((s) => s.name);
  assert.deepEqual(sites, ["Tel Aviv HQ", "London Office", "New York Studio"]);
  const byStatus = new Map<string, number>();
  for (const d of org.devices) byStatus.set(d.effectiveStatus, (byStatus.get(d.effectiveStatus) ?? 0) + 1);
  const okShare = (byStatus.get("ok") ?? 0) / org.devices.length;
  assert.ok(okShare > 0.55 && okShare < 0.85, `ok share ${okShare}`);
  for (const status of ["offline", "error", "warning", "disconnected", "never_seen"]) {
    assert.ok((byStatus.get(status) ?? 0) > 0, status);
  }
  assert.ok(
    org.devices.filter((d) => d.effectiveStatus === "never_seen").every((d) => d.lastSeenAtMs === null),
  );
  assert.ok(new Set(org.devices.map((d) => d.modelId)).size >= 8);
  assert.ok(org.devices.some((d) => d.commands.some((c) => c.status === "pending")));
  const device = (await api(sim, `${ORG}/devices?per_page=5`)).body.items[4];
  assert.match(device.space.full_path, /^[^/]+\/[^/]+\/Floor \d+\/[^/]+$/);
});
