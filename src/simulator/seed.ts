/**
 * Deterministic seed data: a realistic IT/AV estate per organization (space tree, devices with state and
 * commands), plus the partner's pool of registered-but-unclaimed devices. Everything derives from the
 * organization seed and the `now` anchor; the only randomness is the mulberry32 PRNG.
 */
import { DEFAULT_DEVICE_COUNT, DEFAULT_SEED, DEMO_ORG_KEY, DEMO_PARTNER_KEY } from "./constants.ts";
import { allocateIntegerId } from "./ids.ts";
import { DAY_MS, HOUR_MS } from "./time.ts";
import { generateHistory } from "./history.ts";
import { LazyOrganization } from "./organization.ts";
import { mixSeed, Prng } from "./prng.ts";
import {
  MODEL_INDEX,
  MODEL_TEMPLATES,
  type ModelTemplate,
  ORGANIZATION_NAMES,
  PARTNER_ID,
  PARTNER_NAME,
  ROOM_TEMPLATES,
  SITE_TEMPLATES,
  type SiteTemplate,
} from "./seed_catalog.ts";
import { seedOrganizationRecords } from "./seed_records.ts";
import type {
  CommandStatus,
  DeviceStatus,
  EffectiveStatus,
  JsonObject,
  SimCommand,
  SimDevice,
  SimModel,
  SimOrganization,
  SimSpace,
  SimState,
  SimulatorOptions,
} from "./types.ts";

export interface ResolvedOrganizationOptions {
  key: string;
  name: string;
  seed: number;
  deviceCount: number;
}

export interface ResolvedOptions {
  organizations: ResolvedOrganizationOptions[];
  partnerKey: string;
  /** Anchor of generated timestamps, epoch ms. */
  nowMs: number;
}

/** Applies the documented defaults and validates the options. */
export function resolveOptions(opts: SimulatorOptions = {}): ResolvedOptions {
  const orgs = opts.organizations ?? [{ key: DEMO_ORG_KEY }];
  if (orgs.length === 0) throw new TypeError("SimulatorOptions.organizations must not be empty");
  const partnerKey = opts.partnerKey ?? DEMO_PARTNER_KEY;
  const keys = new Set<string>([partnerKey]);
  const organizations = orgs.map((o, index) => {
    if (!o.key) throw new TypeError("Every simulated organization needs a non-empty key");
    if (keys.has(o.key)) throw new TypeError(`Duplicate simulator key: ${o.key}`);
    keys.add(o.key);
    const deviceCount = o.deviceCount ?? DEFAULT_DEVICE_COUNT;
    if (!Number.isInteger(deviceCount) || deviceCount < 0) {
      throw new TypeError("deviceCount must be a non-negative integer");
    }
    const baseName = ORGANIZATION_NAMES[index % ORGANIZATION_NAMES.length];
    const name = o.name ??
      (index < ORGANIZATION_NAMES.length
        ? baseName
        : `${baseName} ${Math.floor(index / ORGANIZATION_NAMES.length) + 1}`);
    return { key: o.key, name, seed: o.seed ?? DEFAULT_SEED, deviceCount };
  });
  return { organizations, partnerKey, nowMs: opts.now?.getTime() ?? Date.now() };
}

/** Integer ids of organization `index` start here (disjoint ranges keep lazily seeded tenants independent). */
function firstIntegerIdOf(index: number): number {
  return 1001 + index * 100_000;
}

/**
 * Builds the simulated dataset. Only the organization shells are built eagerly; each organization's
 * collections are generated on first access (see LazyOrganization), from its own PRNG stream.
 */
export function buildState(options: ResolvedOptions): SimState {
  const models = MODEL_TEMPLATES.map((t) => toModel(t, options.nowMs));
  let unclaimed: SimDevice[] | null = null;
  const firstSeed = options.organizations[0].seed;
  const state: SimState = {
    partner: { id: PARTNER_ID, name: PARTNER_NAME, key: options.partnerKey },
    models,
    organizations: options.organizations.map((o, index) =>
      seededOrganization(models, o, index, options.nowMs)
    ),
    get unclaimedDevices(): SimDevice[] {
      unclaimed ??= seedUnclaimedDevices(firstSeed, options.nowMs);
      return unclaimed;
    },
    set unclaimedDevices(devices: SimDevice[]) {
      unclaimed = devices;
    },
  };
  return state;
}

function toModel(t: ModelTemplate, nowMs: number): SimModel {
  return {
    id: t.id,
    name: t.name,
    vendor: t.vendor,
    category: t.category,
    subModels: [...t.subModels],
    authentication: t.authentication,
    apiVersion: t.apiVersion,
    hardwareKey: t.hardwareKey,
    firmwareVersions: [...t.firmwareVersions],
    isEdgeProxy: t.isEdgeProxy,
    edgeManaged: t.edgeManaged,
    customParameters: t.customParameters.map((p) => ({ ...p })),
    commands: t.commands.map((c) => ({ ...c })),
    createdAtMs: nowMs - 900 * DAY_MS,
  };
}

/** Creates an organization with only its root space (partner createOrganization). */
export function createEmptyOrganization(
  init: { id: string; key: string; name: string; createdAtMs: number },
  index: number,
): SimOrganization {
  return new LazyOrganization(
    {
      ...init,
      seed: 0,
      pendingInvoices: 0,
      firstIntegerId: firstIntegerIdOf(index),
    },
    null,
    null,
  );
}

function seededOrganization(
  models: readonly SimModel[],
  o: ResolvedOrganizationOptions,
  index: number,
  nowMs: number,
): SimOrganization {
  const prng = new Prng(mixSeed(o.seed, index));
  const identity = {
    id: prng.uuid(),
    key: o.key,
    name: o.name,
    seed: o.seed,
    createdAtMs: nowMs - prng.int(400, 1200) * DAY_MS,
    pendingInvoices: prng.int(0, 2),
    firstIntegerId: firstIntegerIdOf(index),
  };
  const seeder = (org: SimOrganization): void => {
    const { rooms, closets } = seedSpaces(org, prng, pickSites(index));
    seedDevices(org, prng, rooms, closets, o.deviceCount, nowMs);
    seedOrganizationRecords(org, prng, nowMs);
  };
  const historySeeder = (org: SimOrganization) => generateHistory(org, models, mixSeed(o.seed, index), nowMs);
  return new LazyOrganization(identity, seeder, historySeeder);
}

interface Room {
  space: SimSpace;
  siteIndex: number;
  siteCode: string;
  kit: number[];
}

function pickSites(orgIndex: number): SiteTemplate[] {
  const start = (orgIndex * 3) % SITE_TEMPLATES.length;
  return [0, 1, 2].map((i) => SITE_TEMPLATES[(start + i) % SITE_TEMPLATES.length]);
}

function addSpace(
  org: SimOrganization,
  name: string,
  parentId: number,
  config: JsonObject,
  createdMs: number,
): SimSpace {
  const space: SimSpace = {
    id: allocateIntegerId(org),
    name,
    parentId,
    config,
    createdAtMs: createdMs,
    updatedAtMs: createdMs,
  };
  org.spaces.push(space);
  return space;
}

function seedSpaces(
  org: SimOrganization,
  prng: Prng,
  sites: SiteTemplate[],
): { rooms: Room[]; closets: Room[] } {
  const rooms: Room[] = [];
  const closets: Room[] = [];
  const createdBase = org.createdAtMs;
  sites.forEach((site, siteIndex) => {
    const siteSpace = addSpace(org, site.name, org.rootSpaceId, {
      location: {
        location: { lat: site.lat, lng: site.lng },
        utc_offset: site.utcOffset,
        description: site.city,
        region_name: site.region,
      },
      inherit_location: false,
      temperature_units: site.temperatureUnits,
      inherit_temperature_units: false,
      notification_delay: 15,
      inherit_notification_delay: false,
      priority_factor: siteIndex === 0 ? 1 : 0,
    }, createdBase + prng.int(1, 30) * DAY_MS);
    site.buildings.forEach((buildingName, buildingIndex) => {
      const building = addSpace(org, buildingName, siteSpace.id, inherited(), siteSpace.createdAtMs);
      const floors = prng.int(2, 4);
      for (let f = 1; f <= floors; f++) {
        const floor = addSpace(org, `Floor ${f}`, building.id, inherited(), building.createdAtMs);
        if (buildingIndex === 0 && f === 1) {
          const closet = addSpace(org, "IT Closet", floor.id, inherited(), floor.createdAtMs);
          closets.push({ space: closet, siteIndex, siteCode: site.code, kit: [MODEL_INDEX.edgeProxy] });
        }
        const roomCount = prng.int(3, 6);
        const used = new Set<string>();
        let counter = 1;
        for (let r = 0; r < roomCount; r++) {
          const template = r === 0 && f === floors ? ROOM_TEMPLATES[0] : prng.pick(ROOM_TEMPLATES);
          let name = "";
          for (let attempt = 0; attempt < 30 && (name === "" || used.has(name)); attempt++) {
            name = template.name.replace("{n}", `${f}${String(counter).padStart(2, "0")}`)
              .replace("{l}", String.fromCharCode(65 + counter - 1));
            counter++;
          }
          if (used.has(name)) continue;
          used.add(name);
          const room = addSpace(org, name, floor.id, inherited(), floor.createdAtMs + DAY_MS);
          rooms.push({ space: room, siteIndex, siteCode: site.code, kit: template.kit });
        }
      }
    });
  });
  return { rooms, closets };
}

function inherited(): JsonObject {
  return {
    inherit_location: true,
    inherit_temperature_units: true,
    inherit_notification_delay: true,
    inherit_img: true,
  };
}

const EFFECTIVE_STATUS_WEIGHTS: readonly (readonly [EffectiveStatus, number])[] = [
  ["ok", 70],
  ["offline", 9],
  ["warning", 8],
  ["error", 5],
  ["disconnected", 5],
  ["never_seen", 3],
];

/** Self-reported status that goes with an effective status. */
function statusForEffective(effective: EffectiveStatus): DeviceStatus {
  switch (effective) {
    case "ok":
    case "warning":
    case "disconnected":
      return "online";
    case "error":
      return "error";
    default:
      return "offline";
  }
}

function seedDevices(
  org: SimOrganization,
  prng: Prng,
  rooms: Room[],
  closets: Room[],
  deviceCount: number,
  nowMs: number,
): void {
  const proxyBySite = new Map<number, SimDevice>();
  const keyPrefix = `dak_${prng.hex(8)}`;
  const names = new Set<string>();
  const uniqueName = (base: string): string => {
    let name = base;
    for (let n = 2; names.has(name); n++) name = `${base} ${n}`;
    names.add(name);
    return name;
  };
  for (const closet of closets) {
    if (org.devices.length >= deviceCount) break;
    const device = createSeedDevice(prng, MODEL_TEMPLATES[MODEL_INDEX.edgeProxy], nowMs, {
      keyPrefix,
      name: uniqueName(`${closet.siteCode} Edge Proxy`),
      spaceId: closet.space.id,
      siteIndex: closet.siteIndex,
    });
    proxyBySite.set(closet.siteIndex, device);
    org.devices.push(device);
  }
  if (rooms.length === 0) return;
  // Round-robin over rooms so every site gets equipment even for small device counts; when all kits are
  // installed the rounds wrap around and rooms get a second unit (e.g. "Boardroom Display 2").
  for (let round = 0; org.devices.length < deviceCount; round++) {
    for (const room of rooms) {
      if (org.devices.length >= deviceCount) break;
      const template = MODEL_TEMPLATES[room.kit[round % room.kit.length]];
      const proxy = template.edgeManaged ? proxyBySite.get(room.siteIndex) ?? null : null;
      const device = createSeedDevice(prng, template, nowMs, {
        keyPrefix,
        name: uniqueName(`${room.siteCode} ${room.space.name} ${template.deviceLabel}`),
        spaceId: room.space.id,
        siteIndex: room.siteIndex,
        proxy,
      });
      org.devices.push(device);
    }
  }
  for (const proxy of proxyBySite.values()) {
    proxy.state.managed_devices = org.devices.filter((d) => d.proxyId === proxy.id).length;
  }
}

interface SeedDevicePlacement {
  /** "dak_" + random hex shared by the devices of one tenant (or of the unclaimed pool). */
  keyPrefix: string;
  name: string;
  spaceId: number | null;
  siteIndex: number;
  proxy?: SimDevice | null;
}

/** Creates one device of a model with seeded identity, status, state, config and commands. */
export function createSeedDevice(
  prng: Prng,
  template: ModelTemplate,
  nowMs: number,
  placement: SeedDevicePlacement,
): SimDevice {
  const effective = prng.weighted(EFFECTIVE_STATUS_WEIGHTS);
  const status = statusForEffective(effective);
  const lastSeenMs = lastSeenFor(effective, prng, nowMs);
  const versions = template.firmwareVersions;
  const firmwareRoll = prng.next();
  const firmware = versions.length === 1 || firmwareRoll < 0.7
    ? versions[versions.length - 1]
    : firmwareRoll < 0.9
    ? versions[versions.length - 2]
    : versions[0];
  const cloud = template.authentication === "cloud_id";
  const createdMs = nowMs - prng.int(30, 700) * DAY_MS;
  const ip = `10.${placement.siteIndex + 10}.${prng.int(1, 40)}.${prng.int(10, 250)}`;
  const id = prng.uuid();
  const device: SimDevice = {
    id,
    name: placement.name,
    sn: template.snPrefix + prng.int(10000000, 99999999),
    mac: cloud ? null : `${template.macOui}:${id.slice(0, 2)}:${id.slice(2, 4)}:${id.slice(4, 6)}`,
    cloudId: cloud ? `cld-${prng.hex(16)}` : null,
    modelId: template.id,
    subModel: template.subModels.length > 0 ? prng.pick(template.subModels) : null,
    firmwareVersion: firmware,
    status,
    effectiveStatus: effective,
    lastSeenAtMs: lastSeenMs,
    details: prng.chance(0.85) ? { ip_address: ip, installed_by: "Acme AV Integrations" } : null,
    state: effective === "never_seen" ? {} : deviceState(template, prng, status),
    spaceId: placement.spaceId,
    // Unique per device, unguessable without the tenant's random prefix, and cheap to build.
    accessKey: placement.keyPrefix + id.replaceAll("-", ""),
    parentId: null,
    proxyId: placement.proxy?.id ?? null,
    hostAddress: placement.proxy ? ip : null,
    customParameters: template.edgeManaged ? seedCustomParameters(template, prng) : null,
    mergedInto: null,
    incidentsSuspended: false,
    config: {
      version: prng.int(1, 14),
      lastUpdatedMs: createdMs + prng.int(1, 25) * DAY_MS,
      values: { heartbeat_interval_s: 60, log_level: prng.pick(["info", "info", "warn", "debug"]) },
    },
    infoVersion: prng.int(1, 6),
    cloudSettings: {},
    commands: [],
    telemetries: [],
    events: [],
    dumps: [],
    createdAtMs: createdMs,
  };
  seedCommands(device, template, prng, nowMs);
  return device;
}

function lastSeenFor(effective: EffectiveStatus, prng: Prng, nowMs: number): number | null {
  switch (effective) {
    case "never_seen":
      return null;
    case "offline":
      return nowMs - prng.int(2 * 60, 10 * 24 * 60) * 60_000;
    case "disconnected":
      return nowMs - prng.int(20, 180) * 60_000;
    default:
      return nowMs - prng.int(5, 300) * 1000;
  }
}

function seedCustomParameters(template: ModelTemplate, prng: Prng): Record<string, string | null> {
  const values: Record<string, string | null> = {};
  for (const p of template.customParameters) {
    if (p.label === "Username") values[p.label] = prng.chance(0.8) ? "admin" : null;
    else if (p.type === "password") values[p.label] = prng.chance(0.75) ? `pw-${prng.hex(8)}` : null;
    else values[p.label] = prng.chance(0.5) ? "4352" : null;
  }
  return values;
}

function deviceState(template: ModelTemplate, prng: Prng, status: DeviceStatus): JsonObject {
  const on = status !== "offline";
  const uptime = on ? prng.int(600, 40 * 86400) : 0;
  switch (template.category) {
    case "Touch Panel":
      return {
        power: on ? "on" : "off",
        brightness_pct: prng.int(40, 100),
        uptime_s: uptime,
        cpu_temp_c: prng.int(38, 58),
      };
    case "Video Bar":
      return {
        in_call: on && prng.chance(0.25),
        camera: prng.chance(0.93) ? "connected" : "disconnected",
        people_count: on ? prng.int(0, 8) : 0,
        uptime_s: uptime,
        temperature_c: prng.int(35, 62),
      };
    case "Microphone Array":
      return {
        muted: prng.chance(0.2),
        gain_db: prng.int(-10, 10),
        uptime_s: uptime,
        temperature_c: prng.int(30, 48),
      };
    case "Projector":
      return {
        power: on && prng.chance(0.4) ? "on" : "standby",
        lamp_hours: prng.int(200, 19000),
        input: prng.pick(["HDMI1", "HDMI2", "HDBaseT"]),
        temperature_c: prng.int(30, 70),
      };
    case "Audio DSP":
      return {
        cpu_load_pct: prng.int(8, 75),
        temperature_c: prng.int(35, 65),
        design_name: "Rooms_Standard_v14",
        active_snapshot: prng.pick(["Default", "Presentation", "Video Call"]),
        uptime_s: uptime,
      };
    case "Display":
      return {
        power: on && prng.chance(0.5) ? "on" : "standby",
        input: prng.pick(["HDMI1", "HDMI2", "USB-C"]),
        volume: prng.int(0, 60),
        panel_temperature_c: prng.int(30, 55),
      };
    case "Edge Proxy":
      return {
        cpu_pct: prng.int(3, 60),
        memory_pct: prng.int(20, 80),
        managed_devices: 0,
        wan_ip: `203.0.113.${prng.int(2, 250)}`,
        uptime_s: uptime,
      };
    default:
      return { reachable: on };
  }
}

const ONLINE_COMMAND_STATUS: readonly (readonly [CommandStatus, number])[] = [
  ["done", 75],
  ["failed", 10],
  ["in_progress", 5],
  ["pending", 5],
  ["canceled", 5],
];
const OFFLINE_COMMAND_STATUS: readonly (readonly [CommandStatus, number])[] = [
  ["pending", 60],
  ["done", 30],
  ["canceled", 10],
];

const COMMAND_COUNT_WEIGHTS: readonly (readonly [number, number])[] = [[0, 50], [1, 30], [2, 15], [3, 5]];

function seedCommands(device: SimDevice, template: ModelTemplate, prng: Prng, nowMs: number): void {
  if (template.commands.length === 0) return;
  const count = prng.weighted(COMMAND_COUNT_WEIGHTS);
  const weights = device.status === "offline" ? OFFLINE_COMMAND_STATUS : ONLINE_COMMAND_STATUS;
  const commands: SimCommand[] = [];
  for (let i = 0; i < count; i++) {
    const c = prng.pick(template.commands);
    const status = prng.weighted(weights);
    const createdMs = nowMs - prng.int(5, 20 * 24 * 60) * 60_000;
    const finished = status === "done" || status === "failed" || status === "canceled";
    commands.push({
      id: prng.uuid(),
      deviceId: device.id,
      name: c.name,
      friendlyName: c.friendlyName,
      status,
      extraParams: c.name === "set_input" ? { input: "HDMI1" } : {},
      fileId: null,
      message: status === "failed" ? "Device rejected the command" : status === "done" ? "Completed" : null,
      createdAtMs: createdMs,
      updatedAtMs: finished ? createdMs + prng.int(2, 600) * 1000 : createdMs,
    });
  }
  commands.sort((a, b) => a.createdAtMs - b.createdAtMs);
  device.commands = commands;
}

function seedUnclaimedDevices(firstSeed: number, nowMs: number): SimDevice[] {
  const prng = new Prng(mixSeed(firstSeed, 0x5eed));
  const kinds = [
    MODEL_INDEX.touchPanel,
    MODEL_INDEX.polyBar,
    MODEL_INDEX.rallyBar,
    MODEL_INDEX.micArray,
    MODEL_INDEX.qsys,
    MODEL_INDEX.ciscoBar,
  ];
  const keyPrefix = `dak_${prng.hex(8)}`;
  return kinds.map((k, i) => {
    const template = MODEL_TEMPLATES[k];
    const device = createSeedDevice(prng, template, nowMs, {
      keyPrefix,
      name: `${template.name} (unclaimed ${i + 1})`,
      spaceId: null,
      siteIndex: 90,
    });
    device.commands = [];
    device.status = i % 2 === 0 ? "online" : "offline";
    device.effectiveStatus = i % 2 === 0 ? "ok" : "offline";
    device.lastSeenAtMs = nowMs - (i % 2 === 0 ? 30_000 : 5 * HOUR_MS);
    return device;
  });
}
