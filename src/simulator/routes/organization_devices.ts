/** Organization API: devices, commands and state history. */
import {
  type LocatedDevice,
  organizationRoute,
  type RequestContext,
  type RouteDefinition,
} from "../context.ts";
import { normalizeMac, unclaimDevice } from "../device_ops.ts";
import { organizationList } from "../envelopes.ts";
import { DEFAULT_HISTORY_WINDOW_MS, MAX_HISTORY_WINDOW_MS } from "../history.ts";
import { jsonResponse, notFound, SimHttpError, success, unprocessable } from "../http.ts";
import { requireOrgDevice, SpaceDirectory } from "../lookup.ts";
import type { JsonObject, SimCommand, SimDevice, SimOrganization } from "../types.ts";
import {
  bodyObject,
  isPlainObject,
  optionalBoolean,
  optionalObject,
  optionalString,
  parsePaging,
  queryInteger,
  requireInteger,
  requireString,
} from "../validate.ts";
import { commandView, historyRowView, mergeRollups, orgDeviceView } from "../views.ts";

const BASE = "/core/v1/organization/devices";

function deviceResponse(
  ctx: RequestContext,
  org: SimOrganization,
  device: SimDevice,
  status = 200,
): Response {
  const view = orgDeviceView(device, org, new SpaceDirectory(org), ctx.runtime, { includeState: true });
  return jsonResponse(view, status);
}

function getDevices(ctx: RequestContext, org: SimOrganization): Response {
  const spaces = new SpaceDirectory(org);
  const spaceId = queryInteger(ctx.query, "space_id");
  // Reference: "space_id optional filter". Choice: the space itself plus all its descendants, so filtering
  // by a site or floor returns the devices of every room below it (an unknown space id gives no items).
  const within = spaceId === undefined ? null : spaces.subtree(spaceId);
  const rows = within === null
    ? org.devices
    : org.devices.filter((d) => d.spaceId !== null && within.has(d.spaceId));
  const rollups = mergeRollups(org.devices);
  return organizationList(
    ctx.query,
    rows,
    (d) => orgDeviceView(d, org, spaces, ctx.runtime, { includeState: false, rollups }),
  );
}

function getDevice(ctx: RequestContext, org: SimOrganization): Response {
  return deviceResponse(ctx, org, requireOrgDevice(org, ctx.params.device_id));
}

const HOST_PATTERN = /^[A-Za-z0-9.-]+$/;

function updateDevice(ctx: RequestContext, org: SimOrganization): Response {
  const device = requireOrgDevice(org, ctx.params.device_id);
  const body = bodyObject(ctx.body, ctx.bodyError);
  const known = [
    "configuration",
    "custom_parameters",
    "name",
    "device_host_address",
    "sub_model",
    "sn",
    "mac",
    "custom_model_name",
    "custom_vendor_name",
    "skip_connectivity_check",
  ];
  if (!known.some((k) => body[k] !== undefined)) {
    throw unprocessable(`Nothing to update; accepted fields: ${known.join(", ")}`);
  }
  // Validate everything first so a rejected request changes nothing.
  const name = optionalString(body, "name");
  if (name !== undefined && (name === null || name.trim() === "")) {
    throw unprocessable("name must not be blank");
  }
  const configuration = optionalObject(body, "configuration");
  const customParameters = optionalObject(body, "custom_parameters");
  const model = ctx.runtime.modelsById.get(device.modelId);
  if (customParameters !== undefined) {
    if (device.customParameters === null) {
      throw unprocessable("custom_parameters are only supported on edge-managed devices");
    }
    const labels = new Set((model?.customParameters ?? []).map((p) => p.label));
    for (const [label, value] of Object.entries(customParameters)) {
      if (!labels.has(label)) throw unprocessable(`Unknown custom parameter: ${label}`);
      if (value !== null && typeof value !== "string") {
        throw unprocessable(`custom parameter ${label} must be a string`);
      }
    }
  }
  const host = optionalString(body, "device_host_address");
  if (host !== undefined && host !== null && !HOST_PATTERN.test(host)) {
    throw unprocessable("device_host_address may only contain letters, digits, dots and hyphens");
  }
  const macRaw = optionalString(body, "mac");
  const mac = macRaw === undefined || macRaw === null ? macRaw : normalizeMac(macRaw);
  if (mac === null && macRaw !== null && macRaw !== undefined) throw unprocessable("mac is malformed");
  const sn = optionalString(body, "sn");
  const subModel = optionalString(body, "sub_model");
  const customModel = optionalString(body, "custom_model_name");
  const customVendor = optionalString(body, "custom_vendor_name");
  optionalBoolean(body, "skip_connectivity_check");

  if (name) device.name = name;
  if (configuration !== undefined) {
    device.config = {
      version: device.config.version + 1,
      lastUpdatedMs: ctx.runtime.nowMs(),
      values: { ...configuration },
    };
  }
  if (customParameters !== undefined && device.customParameters !== null) {
    const types = new Map((model?.customParameters ?? []).map((p) => [p.label, p.type]));
    for (const [label, value] of Object.entries(customParameters)) {
      // A masked password ("*****") round-trips unchanged; "" or null unsets.
      if (types.get(label) === "password" && value === "*****") continue;
      device.customParameters[label] = value === "" || value === null ? null : value as string;
    }
  }
  if (host !== undefined) device.hostAddress = host;
  if (mac !== undefined) device.mac = mac;
  if (sn) device.sn = sn;
  if (subModel !== undefined) device.subModel = subModel;
  if (customModel !== undefined || customVendor !== undefined) {
    device.details = { ...(device.details ?? {}) };
    if (customModel !== undefined) device.details.custom_model_name = customModel;
    if (customVendor !== undefined) device.details.custom_vendor_name = customVendor;
  }
  device.infoVersion++;
  return deviceResponse(ctx, org, device);
}

function deleteDevice(ctx: RequestContext, org: SimOrganization): Response {
  const device = requireOrgDevice(org, ctx.params.device_id);
  unclaimDevice(ctx.state, org, device);
  return success();
}

function moveDevice(ctx: RequestContext, org: SimOrganization): Response {
  const device = requireOrgDevice(org, ctx.params.device_id);
  const body = bodyObject(ctx.body, ctx.bodyError);
  const spaceId = requireInteger(body, "space_id");
  new SpaceDirectory(org).require(spaceId);
  device.spaceId = spaceId;
  device.infoVersion++;
  return deviceResponse(ctx, org, device);
}

function mergeDevice(ctx: RequestContext, org: SimOrganization): Response {
  const primary = requireOrgDevice(org, ctx.params.device_id);
  const body = bodyObject(ctx.body, ctx.bodyError);
  const ids = body.with_device_ids;
  if (!Array.isArray(ids) || ids.length === 0 || !ids.every((id) => typeof id === "string")) {
    throw unprocessable("with_device_ids must be a non-empty array of device ids");
  }
  if (primary.mergedInto !== null) throw unprocessable("A merged (shadow) device cannot be a merge primary");
  const shadows = (ids as string[]).map((id) => {
    const device = org.devices.find((d) => d.id === id);
    if (!device) throw new SimHttpError(404, `Device ${id} not found`);
    if (device === primary) throw unprocessable("A device cannot be merged with itself");
    if (device.mergedInto !== null && device.mergedInto !== primary.id) {
      throw unprocessable(`Device ${id} is already merged into another device`);
    }
    if (org.devices.some((d) => d.mergedInto === device.id)) {
      throw unprocessable(`Device ${id} is the primary of another merge group`);
    }
    return device;
  });
  for (const shadow of shadows) shadow.mergedInto = primary.id;
  return deviceResponse(ctx, org, primary);
}

function splitDevice(ctx: RequestContext, org: SimOrganization): Response {
  const primary = requireOrgDevice(org, ctx.params.device_id);
  const body = bodyObject(ctx.body, ctx.bodyError);
  const shadowId = requireString(body, "shadow_device_id");
  const shadow = org.devices.find((d) => d.id === shadowId);
  if (!shadow) throw new SimHttpError(404, "Device not found");
  if (shadow.mergedInto !== primary.id) {
    throw unprocessable("shadow_device_id is not merged into this device");
  }
  shadow.mergedInto = null;
  return deviceResponse(ctx, org, primary);
}

function setIncidentSuspension(suspended: boolean) {
  return (ctx: RequestContext, org: SimOrganization): Response => {
    const device = requireOrgDevice(org, ctx.params.device_id);
    device.incidentsSuspended = suspended;
    device.cloudSettings = { ...device.cloudSettings, "incidents.suspend_creation": suspended };
    return success({ incidents_suspended: suspended });
  };
}

function claimDevice(ctx: RequestContext, org: SimOrganization): Response {
  const body = bodyObject(ctx.body, ctx.bodyError);
  const spaceId = requireInteger(body, "space_id");
  const name = optionalString(body, "name");
  const cloudId = optionalString(body, "cloud_id");
  const sn = optionalString(body, "sn");
  const macRaw = optionalString(body, "mac");
  if (!cloudId && !(sn && macRaw)) throw unprocessable("Send cloud_id, or mac and sn");
  const mac = macRaw ? normalizeMac(macRaw) : null;
  if (macRaw && mac === null) throw unprocessable("mac is malformed");
  new SpaceDirectory(org).require(spaceId);
  const matches = (d: SimDevice) => cloudId ? d.cloudId === cloudId : d.sn === sn && d.mac === mac;
  for (const other of ctx.state.organizations) {
    if (other.devices.some(matches)) throw unprocessable("Device already claimed");
  }
  const device = ctx.state.unclaimedDevices.find(matches);
  if (!device) throw unprocessable(cloudId ? "Invalid cloud_id" : "Invalid SN");
  ctx.state.unclaimedDevices = ctx.state.unclaimedDevices.filter((d) => d !== device);
  device.spaceId = spaceId;
  if (name) device.name = name;
  device.infoVersion++;
  org.devices.push(device);
  return deviceResponse(ctx, org, device);
}

const HISTORY_STATUSES = ["online", "offline", "unavailable", "error"] as const;

function getHistories(ctx: RequestContext, org: SimOrganization): Response {
  const q = ctx.query;
  const paging = parsePaging(q, { maxPerPage: 1000 });
  const nowMs = ctx.runtime.nowMs();
  const from = queryInteger(q, "from");
  const to = queryInteger(q, "to");
  const toMs = to !== undefined ? to * 1000 : from !== undefined ? Math.max(nowMs, from * 1000) : nowMs;
  const fromMs = from !== undefined ? from * 1000 : toMs - DEFAULT_HISTORY_WINDOW_MS;
  if (fromMs > toMs) throw unprocessable("from must be before to");
  if (toMs - fromMs > MAX_HISTORY_WINDOW_MS) throw unprocessable("from/to window must not exceed 31 days");
  const status = q.get("status");
  if (status !== null && status !== "" && !(HISTORY_STATUSES as readonly string[]).includes(status)) {
    throw unprocessable(`status must be one of: ${HISTORY_STATUSES.join(", ")}`);
  }
  // The status filter applies to each device's *current* status (reference constraint); "unavailable"
  // matches devices the hub cannot reach right now (effective status disconnected or never_seen).
  let deviceFilter: Set<string> | null = null;
  if (status) {
    deviceFilter = new Set(
      org.devices.filter((d) =>
        status === "unavailable"
          ? d.effectiveStatus === "disconnected" || d.effectiveStatus === "never_seen"
          : d.status === status
      ).map((d) => d.id),
    );
  }
  const deviceIds = q.get("device_id");
  const idFilter = deviceIds ? new Set(deviceIds.split(",").map((s) => s.trim()).filter(Boolean)) : null;
  const spaceId = queryInteger(q, "space_id");
  const spaceFilter = spaceId === undefined ? null : new SpaceDirectory(org).subtree(spaceId);
  const name = q.get("name")?.toLowerCase() ?? "";
  const rows = org.history.filter((r) =>
    r.createdAtMs >= fromMs && r.createdAtMs <= toMs &&
    (deviceFilter === null || deviceFilter.has(r.deviceId)) &&
    (idFilter === null || idFilter.has(r.deviceId)) &&
    (spaceFilter === null || (r.spaceId !== null && spaceFilter.has(r.spaceId))) &&
    (name === "" || r.deviceName.toLowerCase().includes(name))
  );
  const start = (paging.page - 1) * paging.perPage;
  return jsonResponse({
    items: rows.slice(start, start + paging.perPage).map((r) => historyRowView(r, ctx.state.partner)),
    has_next_page: start + paging.perPage < rows.length,
  });
}

function getCommands(ctx: RequestContext, org: SimOrganization): Response {
  const device = requireOrgDevice(org, ctx.params.device_id);
  const newestFirst = [...device.commands].reverse();
  return organizationList(ctx.query, newestFirst, commandView);
}

/** Creates a pending command on a device (shared with tests of the device API). */
export function queueCommand(ctx: RequestContext, located: LocatedDevice, body: JsonObject): SimCommand {
  const { device, org } = located;
  const name = requireString(body, "name");
  const friendly = optionalString(body, "friendly_name");
  const extraParams = body.extra_params ?? {};
  if (!isPlainObject(extraParams)) throw unprocessable("extra_params must be an object");
  const fileId = optionalString(body, "file_id");
  if (fileId && !(org?.files ?? []).some((f) => f.id === fileId)) throw notFound("File");
  const model = ctx.runtime.modelsById.get(device.modelId);
  const nowMs = ctx.runtime.nowMs();
  const command: SimCommand = {
    id: ctx.runtime.uuid(),
    deviceId: device.id,
    name,
    friendlyName: friendly || model?.commands.find((c) => c.name === name)?.friendlyName || name,
    status: "pending",
    extraParams: { ...extraParams },
    fileId: fileId || null,
    message: null,
    createdAtMs: nowMs,
    updatedAtMs: nowMs,
  };
  device.commands.push(command);
  return command;
}

function sendCommand(ctx: RequestContext, org: SimOrganization): Response {
  const device = requireOrgDevice(org, ctx.params.device_id);
  const command = queueCommand(ctx, { device, org }, bodyObject(ctx.body, ctx.bodyError));
  return jsonResponse(commandView(command), 201);
}

function cancelCommand(ctx: RequestContext, org: SimOrganization): Response {
  const device = requireOrgDevice(org, ctx.params.device_id);
  const command = device.commands.find((c) => c.id === ctx.params.command_id);
  if (!command) throw notFound("Command");
  if (command.status !== "pending" && command.status !== "in_progress") {
    throw unprocessable(`Command cannot be canceled (status: ${command.status})`);
  }
  command.status = "canceled";
  command.updatedAtMs = ctx.runtime.nowMs();
  return jsonResponse(commandView(command));
}

export const organizationDeviceRoutes: RouteDefinition[] = [
  organizationRoute("organization.devices.getDevices", "GET", BASE, getDevices),
  organizationRoute("organization.devices.getHistories", "GET", `${BASE}/histories`, getHistories),
  organizationRoute("organization.devices.claimDevice", "POST", `${BASE}/claim`, claimDevice),
  organizationRoute("organization.devices.getDevice", "GET", `${BASE}/:device_id`, getDevice),
  organizationRoute("organization.devices.updateDevice", "PATCH", `${BASE}/:device_id`, updateDevice),
  organizationRoute("organization.devices.deleteDevice", "DELETE", `${BASE}/:device_id`, deleteDevice),
  organizationRoute("organization.devices.moveDevice", "POST", `${BASE}/:device_id/move`, moveDevice),
  organizationRoute("organization.devices.mergeDevice", "POST", `${BASE}/:device_id/merge`, mergeDevice),
  organizationRoute("organization.devices.splitDevice", "POST", `${BASE}/:device_id/split`, splitDevice),
  organizationRoute(
    "organization.devices.suspendIncidents",
    "POST",
    `${BASE}/:device_id/suspend_incidents`,
    setIncidentSuspension(true),
  ),
  organizationRoute(
    "organization.devices.resumeIncidents",
    "POST",
    `${BASE}/:device_id/resume_incidents`,
    setIncidentSuspension(false),
  ),
  organizationRoute("organization.commands.getCommands", "GET", `${BASE}/:device_id/commands`, getCommands),
  organizationRoute("organization.commands.sendCommand", "POST", `${BASE}/:device_id/commands`, sendCommand),
  organizationRoute(
    "organization.commands.cancelCommand",
    "DELETE",
    `${BASE}/:device_id/commands/:command_id`,
    cancelCommand,
  ),
];
