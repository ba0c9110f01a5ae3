/** State changes on devices shared by the organization, partner and device APIs. */
import type { SimRuntime } from "./context.ts";
import { appendHistoryRow } from "./history.ts";
import { unprocessable } from "./http.ts";
import { SpaceDirectory } from "./lookup.ts";
import type {
  DeviceStatus,
  EffectiveStatus,
  JsonObject,
  SimDevice,
  SimModel,
  SimOrganization,
  SimState,
} from "./types.ts";
import { isPlainObject, parseIsoTime } from "./validate.ts";
import { spaceDataVersion } from "./views.ts";

/** What a caller says about a device it creates; the rest starts empty. */
export type NewDeviceFields =
  & Pick<
    SimDevice,
    "name" | "sn" | "mac" | "cloudId" | "firmwareVersion" | "subModel" | "details" | "parentId" | "spaceId"
  >
  & Partial<
    Pick<
      SimDevice,
      "status" | "effectiveStatus" | "lastSeenAtMs" | "proxyId" | "hostAddress" | "customParameters"
    >
  >;

/** A device record of `model` created now through the API (registration, edge claim): never seen unless told. */
export function newDevice(runtime: SimRuntime, model: SimModel, fields: NewDeviceFields): SimDevice {
  const nowMs = runtime.nowMs();
  return {
    id: runtime.uuid(),
    modelId: model.id,
    status: "offline",
    effectiveStatus: "never_seen",
    lastSeenAtMs: null,
    state: {},
    accessKey: `dak_${runtime.hex(32)}`,
    proxyId: null,
    hostAddress: null,
    customParameters: null,
    mergedInto: null,
    incidentsSuspended: false,
    config: { version: 1, lastUpdatedMs: nowMs, values: {} },
    infoVersion: 1,
    cloudSettings: {},
    commands: [],
    telemetries: [],
    events: [],
    dumps: [],
    createdAtMs: nowMs,
    ...fields,
  };
}

const MAC_PATTERNS = [
  /^([0-9a-f]{2}):([0-9a-f]{2}):([0-9a-f]{2}):([0-9a-f]{2}):([0-9a-f]{2}):([0-9a-f]{2})$/i,
  /^([0-9a-f]{2})-([0-9a-f]{2})-([0-9a-f]{2})-([0-9a-f]{2})-([0-9a-f]{2})-([0-9a-f]{2})$/i,
  /^([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i,
];

/** aa:bb:cc:dd:ee:ff, AA-BB-CC-DD-EE-FF or aabbccddeeff → "aa:bb:cc:dd:ee:ff"; null when malformed. */
export function normalizeMac(raw: string): string | null {
  for (const pattern of MAC_PATTERNS) {
    const m = pattern.exec(raw.trim());
    if (m) return m.slice(1).join(":").toLowerCase();
  }
  return null;
}

export const DEVICE_STATUSES: readonly DeviceStatus[] = ["online", "offline", "error"];

function effectiveFor(status: DeviceStatus): EffectiveStatus {
  return status === "online" ? "ok" : status;
}

/** Removes a device from its organization and returns it to the partner's unclaimed pool. */
export function unclaimDevice(state: SimState, org: SimOrganization, device: SimDevice): void {
  org.devices = org.devices.filter((d) => d !== device);
  for (const other of org.devices) if (other.mergedInto === device.id) other.mergedInto = null;
  org.deviceNotes = org.deviceNotes.filter((n) => n.deviceId !== device.id);
  device.spaceId = null;
  device.mergedInto = null;
  device.proxyId = null;
  state.unclaimedDevices.push(device);
}

/** Deletes a device everywhere (partner delete, device self-deregistration), children included. */
export function deleteDeviceEverywhere(
  state: SimState,
  org: SimOrganization | null,
  device: SimDevice,
): void {
  const doomed = new Set<string>([device.id]);
  const pool = org ? org.devices : state.unclaimedDevices;
  for (const d of pool) if (d.parentId === device.id) doomed.add(d.id);
  if (org) {
    org.devices = org.devices.filter((d) => !doomed.has(d.id));
    for (const other of org.devices) {
      if (other.mergedInto !== null && doomed.has(other.mergedInto)) other.mergedInto = null;
    }
    org.deviceNotes = org.deviceNotes.filter((n) => !doomed.has(n.deviceId));
    for (const license of org.licenses) {
      if (license.deviceId !== null && doomed.has(license.deviceId)) {
        license.deviceId = null;
        if (license.state === "inuse") license.state = "available";
      }
    }
  } else {
    state.unclaimedDevices = state.unclaimedDevices.filter((d) => !doomed.has(d.id));
  }
}

/** Answer of sendTelemetry (reference shape). */
export function telemetryAnswer(
  device: SimDevice,
  org: SimOrganization | null,
  runtime: SimRuntime,
  previousSeenMs: number | null,
): JsonObject {
  const model = runtime.modelsById.get(device.modelId);
  const latest = model ? model.firmwareVersions[model.firmwareVersions.length - 1] : device.firmwareVersion;
  const file = latest !== device.firmwareVersion && org
    ? org.files.find((f) => f.modelId === device.modelId && f.version === latest)
    : undefined;
  const newLicenses = org
    ? org.licenses.some((l) =>
      l.deviceId === device.id && l.activatedAtMs !== null &&
      (previousSeenMs === null || l.activatedAtMs > previousSeenMs)
    )
    : false;
  const space = org && device.spaceId !== null ? new SpaceDirectory(org).get(device.spaceId) : undefined;
  return {
    config_version: device.config.version,
    command: device.commands.some((c) => c.status === "pending"),
    new_licenses: newLicenses,
    info_version: device.infoVersion,
    latest_fw_version: latest,
    latest_fw_file_id: file?.id ?? null,
    space_data_version: spaceDataVersion(space),
    success: true,
  };
}

function reportTime(timestamp: unknown, runtime: SimRuntime): number {
  if (timestamp === undefined || timestamp === null) return runtime.nowMs();
  if (typeof timestamp !== "string") throw unprocessable("timestamp must be an ISO-8601 string");
  return parseIsoTime(timestamp, "timestamp");
}

/**
 * Applies one telemetry report `{status, timestamp?, override?, telemetries?}`: status and last_seen_at
 * change, telemetries merge into (or with override replace) the state, a status change adds a history row.
 */
export function applyTelemetry(
  device: SimDevice,
  org: SimOrganization | null,
  report: unknown,
  runtime: SimRuntime,
): JsonObject {
  if (!isPlainObject(report)) throw unprocessable("Telemetry must be a JSON object");
  const status = report.status;
  if (typeof status !== "string" || !(DEVICE_STATUSES as readonly string[]).includes(status)) {
    throw unprocessable("status is required and must be one of: online, offline, error");
  }
  const atMs = reportTime(report.timestamp, runtime);
  if (report.override !== undefined && typeof report.override !== "boolean") {
    throw unprocessable("override must be a boolean");
  }
  const telemetries = report.telemetries ?? {};
  if (!isPlainObject(telemetries)) throw unprocessable("telemetries must be an object");
  const previousSeenMs = device.lastSeenAtMs;
  const previousStatus = device.status;
  device.status = status as DeviceStatus;
  device.effectiveStatus = effectiveFor(device.status);
  device.lastSeenAtMs = Math.max(atMs, previousSeenMs ?? atMs);
  device.state = report.override === true ? { ...telemetries } : { ...device.state, ...telemetries };
  device.telemetries.push({
    id: runtime.uuid(),
    status: device.status,
    telemetries: { ...telemetries },
    createdAtMs: atMs,
  });
  if (device.telemetries.length > 500) device.telemetries.splice(0, device.telemetries.length - 500);
  if (org && (previousStatus !== device.status || previousSeenMs === null)) {
    appendHistoryRow(org, device, runtime.modelsById.get(device.modelId)?.name ?? "Unknown", atMs);
  }
  return telemetryAnswer(device, org, runtime, previousSeenMs);
}
