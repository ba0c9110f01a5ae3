/** Seeds the non-device records of an organization: people, incidents, tickets, assets, licenses, notes, files. */
import { allocateIntegerId } from "./ids.ts";
import { DAY_MS, HOUR_MS, MINUTE_MS } from "./time.ts";
import type { Prng } from "./prng.ts";
import {
  ASSET_STATUSES,
  ASSET_TEMPLATES,
  DEVICE_NOTE_TEXTS,
  FIRST_NAMES,
  GROUP_NAMES,
  INCIDENT_TEMPLATES,
  LAST_NAMES,
  LICENSE_PRODUCTS,
  MODEL_TEMPLATES,
  PARTNER_NAME,
  SPACE_NOTE_TEXTS,
  TICKET_TEMPLATES,
} from "./seed_catalog.ts";
import type {
  AssetLabelCategory,
  LicenseState,
  SimDevice,
  SimIncident,
  SimLabel,
  SimOrganization,
  SimTicket,
  SimTicketComment,
  SimUser,
} from "./types.ts";

export function seedOrganizationRecords(org: SimOrganization, prng: Prng, nowMs: number): void {
  seedUsersAndGroups(org, prng, nowMs);
  seedIncidents(org, prng, nowMs);
  seedTickets(org, prng, nowMs);
  seedAssets(org, prng, nowMs);
  seedLicenses(org, prng, nowMs);
  seedNotes(org, prng, nowMs);
  seedFiles(org, prng, nowMs);
}

function seedUsersAndGroups(org: SimOrganization, prng: Prng, nowMs: number): void {
  const count = prng.int(12, 18);
  const emails = new Set<string>();
  for (let i = 0; i < count; i++) {
    const first = prng.pick(FIRST_NAMES);
    const last = prng.pick(LAST_NAMES);
    let email = `${first}.${last}@${org.domain}`.toLowerCase();
    for (let n = 2; emails.has(email); n++) email = `${first}.${last}${n}@${org.domain}`.toLowerCase();
    emails.add(email);
    org.users.push({
      id: allocateIntegerId(org),
      email,
      name: `${first} ${last}`,
      active: i < 2 || prng.chance(0.9),
      external: false,
      welcomeEmailsSent: 1,
      createdAtMs: nowMs - prng.int(10, 600) * DAY_MS,
    });
  }
  const groupCount = Math.min(GROUP_NAMES.length, prng.int(4, 5));
  for (let g = 0; g < groupCount; g++) {
    const members = org.users.filter(() => prng.chance(0.3)).map((u) => u.id);
    org.groups.push({
      id: allocateIntegerId(org),
      name: GROUP_NAMES[g],
      userIds: members,
      createdAtMs: nowMs - prng.int(30, 500) * DAY_MS,
    });
  }
}

function seedIncidents(org: SimOrganization, prng: Prng, nowMs: number): void {
  const incidents: SimIncident[] = [];
  const offlineTemplate = INCIDENT_TEMPLATES[0];
  const otherTemplates = INCIDENT_TEMPLATES.slice(1);
  // Active incidents on devices that currently have a problem (opened within the last 6 days).
  for (const device of org.devices) {
    const problem = device.effectiveStatus;
    if (problem === "ok" || problem === "never_seen" || !prng.chance(0.6)) continue;
    const template = problem === "offline" || problem === "disconnected"
      ? offlineTemplate
      : prng.pick(otherTemplates);
    incidents.push({
      id: prng.uuid(),
      deviceId: device.id,
      title: template.title,
      issue: template.issue,
      description: template.description,
      status: "active",
      priority: template.priority,
      openedByDevice: false,
      createdAtMs: nowMs - prng.int(10, 6 * 24 * 60) * MINUTE_MS,
      closedAtMs: null,
    });
  }
  // Closed incidents spread over the last 30 days.
  const closedCount = Math.round(org.devices.length * 0.12);
  for (let i = 0; i < closedCount && org.devices.length > 0; i++) {
    const device = prng.pick(org.devices);
    const template = prng.pick(INCIDENT_TEMPLATES);
    const createdMs = nowMs - prng.int(60, 30 * 24 * 60) * MINUTE_MS;
    incidents.push({
      id: prng.uuid(),
      deviceId: device.id,
      title: template.title,
      issue: template.issue,
      description: template.description,
      status: "closed",
      priority: template.priority,
      openedByDevice: prng.chance(0.2),
      createdAtMs: createdMs,
      closedAtMs: Math.min(nowMs - MINUTE_MS, createdMs + prng.int(10, 2 * 24 * 60) * MINUTE_MS),
    });
  }
  incidents.sort((a, b) => b.createdAtMs - a.createdAtMs);
  org.incidents = incidents;
}

function seedTickets(org: SimOrganization, prng: Prng, nowMs: number): void {
  const count = prng.int(12, 16);
  const reporters = org.users.length > 0 ? org.users : [fallbackUser(org)];
  const tickets: SimTicket[] = [];
  for (let i = 0; i < count; i++) {
    const template = TICKET_TEMPLATES[i % TICKET_TEMPLATES.length];
    const reporter = prng.pick(reporters);
    const device: SimDevice | null = org.devices.length > 0 && prng.chance(0.8)
      ? prng.pick(org.devices)
      : null;
    const createdMs = nowMs - prng.int(2 * 60, 30 * 24 * 60) * MINUTE_MS;
    const resolved = prng.chance(0.45);
    const comments: SimTicketComment[] = [];
    let t = createdMs;
    template.thread.forEach((text, n) => {
      t += prng.int(10, 600) * MINUTE_MS;
      const fromPartner = n % 2 === 1;
      comments.push({
        id: allocateIntegerId(org),
        text,
        createdAtMs: Math.min(t, nowMs - MINUTE_MS),
        system: false,
        user: fromPartner ? "Acme Support" : reporter.name,
        owner: fromPartner ? PARTNER_NAME : org.name,
        ownerType: fromPartner ? "Partner" : "Organization",
      });
    });
    if (resolved) {
      t += prng.int(10, 600) * MINUTE_MS;
      comments.push(systemComment(allocateIntegerId(org), "Ticket marked as resolved", Math.min(t, nowMs)));
    }
    const last = comments.length > 0 ? comments[comments.length - 1].createdAtMs : createdMs;
    tickets.push({
      id: prng.uuid(),
      title: device ? `${template.title} (${device.name})` : template.title,
      description: template.description,
      status: resolved ? "resolved" : "open",
      deviceId: device?.id ?? null,
      userName: reporter.name,
      userEmail: reporter.email,
      comments,
      createdAtMs: createdMs,
      updatedAtMs: last,
    });
  }
  tickets.sort((a, b) => b.createdAtMs - a.createdAtMs);
  org.tickets = tickets;
}

function fallbackUser(org: SimOrganization): SimUser {
  return {
    id: 0,
    email: org.contacts.adminEmail,
    name: org.contacts.adminName,
    active: true,
    external: false,
    welcomeEmailsSent: 0,
    createdAtMs: org.createdAtMs,
  };
}

export function systemComment(id: number, text: string, createdAtMs: number): SimTicketComment {
  return { id, text, createdAtMs, system: true, user: null, owner: null, ownerType: null };
}

function seedAssets(org: SimOrganization, prng: Prng, nowMs: number): void {
  const labelIds = new Map<string, number>();
  const label = (category: AssetLabelCategory, name: string): number => {
    const k = `${category}:${name}`;
    let id = labelIds.get(k);
    if (id === undefined) {
      id = allocateIntegerId(org);
      labelIds.set(k, id);
      const entry: SimLabel = { id, name };
      org.assetLabels[category].push(entry);
    }
    return id;
  };
  for (const t of ASSET_TEMPLATES) {
    label("manufacturer", t.manufacturer);
    label("device_model", t.deviceModel);
    label("device_type", t.deviceType);
  }
  for (const s of ASSET_STATUSES) label("status", s);
  const parentIds = new Set<number | null>();
  for (const space of org.spaces) parentIds.add(space.parentId);
  const rooms = org.spaces.filter((space) => !parentIds.has(space.id));
  const count = Math.max(6, Math.round(rooms.length * 0.5));
  for (let i = 0; i < count; i++) {
    const t = prng.pick(ASSET_TEMPLATES);
    const createdMs = nowMs - prng.int(20, 900) * DAY_MS;
    org.assets.push({
      id: allocateIntegerId(org),
      name: t.name,
      serialNumber: prng.chance(0.85)
        ? `${t.manufacturer.slice(0, 3).toUpperCase()}-${prng.hex(8).toUpperCase()}`
        : null,
      spaceId: rooms.length > 0 ? prng.pick(rooms).id : null,
      purchasedAt: prng.chance(0.8)
        ? new Date(createdMs - prng.int(1, 60) * DAY_MS).toISOString().slice(0, 10)
        : null,
      comments: prng.chance(0.3) ? "Checked during the quarterly walkthrough." : null,
      iconName: t.iconName,
      manufacturerId: label("manufacturer", t.manufacturer),
      deviceModelId: label("device_model", t.deviceModel),
      deviceTypeId: label("device_type", t.deviceType),
      statusId: label(
        "status",
        prng.weighted(
          [["In use", 70], ["In storage", 15], ["Needs repair", 10], [
            "Retired",
            5,
          ]] as const,
        ),
      ),
      createdAtMs: createdMs,
      updatedAtMs: createdMs + prng.int(0, 10) * DAY_MS,
    });
  }
}

const LICENSE_STATE_WEIGHTS: readonly (readonly [LicenseState, number])[] = [
  ["inuse", 50],
  ["available", 25],
  ["renew", 8],
  ["remove", 5],
  ["error", 4],
  ["disabled", 4],
  ["disable", 2],
];

function seedLicenses(org: SimOrganization, prng: Prng, nowMs: number): void {
  const count = Math.max(8, Math.round(org.devices.length * 0.25));
  const freeDevices = [...org.devices];
  for (let i = 0; i < count; i++) {
    const product = prng.pick(LICENSE_PRODUCTS);
    const state = prng.weighted(LICENSE_STATE_WEIGHTS);
    const createdMs = nowMs - prng.int(1, 700) * DAY_MS - i * MINUTE_MS;
    let deviceId: string | null = null;
    let boundDeviceSn: string | null = null;
    if ((state === "inuse" || state === "renew") && freeDevices.length > 0) {
      const device = freeDevices.splice(prng.int(0, freeDevices.length - 1), 1)[0];
      deviceId = device.id;
      boundDeviceSn = prng.chance(0.4) ? device.sn : null;
    } else if (state === "available" && prng.chance(0.2)) {
      boundDeviceSn = `SN${prng.int(1000000, 9999999)}`;
    }
    const model = product.modelIndex === null ? null : MODEL_TEMPLATES[product.modelIndex];
    org.licenses.push({
      id: prng.uuid(),
      state,
      expiresAtMs: prng.chance(0.15) ? null : nowMs + prng.int(-60, 720) * DAY_MS,
      activatedAtMs: deviceId ? createdMs + prng.int(0, 5) * DAY_MS : null,
      warranty: product.name.startsWith("Extended Warranty") || prng.chance(0.1),
      transferable: prng.chance(0.6),
      boundDeviceSn,
      orderShortId: prng.chance(0.8) ? `ORD-${prng.hex(6).toUpperCase()}` : null,
      deviceId,
      product: prng.chance(0.95) ? { id: product.id, name: product.name } : null,
      deviceModelId: model?.id ?? null,
      createdAtMs: createdMs,
    });
  }
  org.licenses.sort((a, b) => b.createdAtMs - a.createdAtMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

function seedNotes(org: SimOrganization, prng: Prng, nowMs: number): void {
  const authors = org.users.length > 0 ? org.users.map((u) => u.name) : [org.contacts.adminName];
  const deviceNoteCount = Math.round(org.devices.length * 0.08);
  for (let i = 0; i < deviceNoteCount; i++) {
    org.deviceNotes.push({
      id: allocateIntegerId(org),
      deviceId: prng.pick(org.devices).id,
      content: prng.pick(DEVICE_NOTE_TEXTS),
      author: prng.pick(authors),
      createdAtMs: nowMs - prng.int(1, 200) * DAY_MS - i * HOUR_MS,
    });
  }
  const spaces = org.spaces.filter((s) => s.parentId !== null);
  for (let i = 0; i < Math.min(6, spaces.length); i++) {
    org.spaceNotes.push({
      id: allocateIntegerId(org),
      spaceId: prng.pick(spaces).id,
      content: prng.pick(SPACE_NOTE_TEXTS),
      author: prng.pick(authors),
      createdAtMs: nowMs - prng.int(1, 200) * DAY_MS - i * HOUR_MS,
    });
  }
}

function seedFiles(org: SimOrganization, prng: Prng, nowMs: number): void {
  for (const t of MODEL_TEMPLATES) {
    if (t.commands.length === 0) continue;
    const version = t.firmwareVersions[t.firmwareVersions.length - 1];
    org.files.push({
      id: prng.uuid(),
      name: `${t.hardwareKey.replace(/^hk-/, "")}-${version}.bin`,
      mimeType: "application/octet-stream",
      size: prng.int(8, 900) * 1024 * 1024,
      modelId: t.id,
      version,
      createdAtMs: nowMs - prng.int(3, 120) * DAY_MS,
    });
  }
  org.files.push({
    id: prng.uuid(),
    name: "room-config-template.json",
    mimeType: "application/json",
    size: 18_432,
    modelId: null,
    version: null,
    createdAtMs: nowMs - prng.int(3, 120) * DAY_MS,
  });
}
