/**
 * Device state history. The 30 days of seeded history (~80 rows per device) are generated lazily the first
 * time an organization's `history` is read, so building the dataset stays cheap; rows recorded at run time
 * (telemetry status changes) are prepended.
 */
import { hashString, mixSeed, Prng } from "./prng.ts";
import { DAY_MS } from "./time.ts";
import type {
  DeviceStatus,
  JsonObject,
  SimDevice,
  SimHistoryRow,
  SimModel,
  SimOrganization,
} from "./types.ts";

const HISTORY_DAYS = 30;
const ROW_STATUS_WEIGHTS: readonly (readonly [DeviceStatus, number])[] = [["online", 80], ["offline", 12], [
  "error",
  8,
]];

/** Seeded rows share one frozen state object per status (they only carry the status). */
const ROW_STATES: Readonly<Record<DeviceStatus, Readonly<JsonObject>>> = {
  online: Object.freeze({ status: "online" }),
  offline: Object.freeze({ status: "offline" }),
  error: Object.freeze({ status: "error" }),
};

/** Generates the seeded history of every device of `org`, newest first. */
export function generateHistory(
  org: SimOrganization,
  models: readonly SimModel[],
  seed: number,
  nowMs: number,
): SimHistoryRow[] {
  const modelNames = new Map(models.map((m) => [m.id, m.name]));
  const rows: SimHistoryRow[] = [];
  const startMs = nowMs - HISTORY_DAYS * DAY_MS;
  for (const device of org.devices) {
    if (device.lastSeenAtMs === null) continue;
    const prng = new Prng(mixSeed(seed, hashString(device.id)));
    const modelName = modelNames.get(device.modelId) ?? "Unknown";
    const oldestMs = Math.max(startMs, device.createdAtMs);
    let atMs = Math.min(device.lastSeenAtMs, nowMs);
    let status = device.status;
    while (atMs >= oldestMs) {
      rows.push({
        id: 0,
        deviceId: device.id,
        deviceName: device.name,
        modelName,
        spaceId: device.spaceId,
        status,
        state: ROW_STATES[status] as JsonObject,
        createdAtMs: atMs,
      });
      atMs -= prng.int(4 * 60, 16 * 60) * 60_000 + prng.int(0, 59_999);
      status = prng.weighted(ROW_STATUS_WEIGHTS);
    }
  }
  rows.sort((a, b) => b.createdAtMs - a.createdAtMs);
  for (let i = 0; i < rows.length; i++) rows[i].id = rows.length - i;
  return rows;
}

/** Records the device's current status as the newest history row. */
export function appendHistoryRow(
  org: SimOrganization,
  device: SimDevice,
  modelName: string,
  atMs: number,
): void {
  const rows = org.history;
  let maxId = 0;
  for (const r of rows) if (r.id > maxId) maxId = r.id;
  let position = 0;
  while (position < rows.length && rows[position].createdAtMs > atMs) position++;
  rows.splice(position, 0, {
    id: maxId + 1,
    deviceId: device.id,
    deviceName: device.name,
    modelName,
    spaceId: device.spaceId,
    status: device.status,
    state: { status: device.status, ...device.state },
    createdAtMs: atMs,
  });
}

/** Default history window: the last 7 days. */
export const DEFAULT_HISTORY_WINDOW_MS = 7 * DAY_MS;
/** Longest accepted from/to window. */
export const MAX_HISTORY_WINDOW_MS = 31 * DAY_MS;
