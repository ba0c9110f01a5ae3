/**
 * Device API (scope "device": `Authorization` is the device's access key): info, configuration,
 * commands, telemetry, incidents, licenses, events, dumps and remote files. Lists of this API are bare
 * JSON arrays (invented: the sources show no list envelope for the device API).
 */
import { deviceRoute, type LocatedDevice, type RequestContext, type RouteDefinition } from "../context.ts";
import { applyTelemetry } from "../device_ops.ts";
import { jsonResponse, notFound, SimHttpError, success, unprocessable } from "../http.ts";
import { locateDevice, SpaceDirectory } from "../lookup.ts";
import type { CommandStatus, IncidentPriority, JsonObject, SimDump, SimIncident } from "../types.ts";
import {
  bodyObject,
  isPlainObject,
  optionalString,
  rejectUnknownFields,
  requireString,
  toInteger,
} from "../validate.ts";
import {
  configView,
  deviceCommandView,
  deviceSelfView,
  fileView,
  incidentView,
  licenseView,
  spaceDataVersion,
} from "../views.ts";

const DEVICE = "/v1/devices/:device_id";
const PRIORITIES: readonly IncidentPriority[] = ["critical", "high", "moderate", "low", "planning"];
const DEVICE_COMMAND_STATUSES: readonly CommandStatus[] = ["pending", "in_progress", "done", "failed"];
const MAX_MASS_TELEMETRY = 100;

function spaceVersion(located: LocatedDevice): number | null {
  const { device, org } = located;
  if (!org || device.spaceId === null) return null;
  return spaceDataVersion(org.spaces.find((s) => s.id === device.spaceId));
}

// --- info ----------------------------------------------------------------------------------------------

function getDeviceInfo(ctx: RequestContext, located: LocatedDevice): Response {
  return jsonResponse(deviceSelfView(located.device, ctx.runtime, spaceVersion(located)));
}

function updateDevice(ctx: RequestContext, located: LocatedDevice): Response {
  const { device } = located;
  const body = bodyObject(ctx.body, ctx.bodyError);
  rejectUnknownFields(body, ["name", "details", "config_version"]);
  const name = optionalString(body, "name");
  if (name !== undefined && (name === null || name.trim() === "")) {
    throw unprocessable("name must not be blank");
  }
  if (body.details !== undefined && body.details !== null && !isPlainObject(body.details)) {
    throw unprocessable("details must be an object");
  }
  const ack = toInteger(body.config_version, "config_version");
  if (ack !== undefined && ack > device.config.version) {
    throw unprocessable("config_version is newer than the hub's");
  }
  if (name) device.name = name;
  if (body.details !== undefined) device.details = body.details as JsonObject | null;
  if (name || body.details !== undefined) device.infoVersion++;
  return jsonResponse(deviceSelfView(device, ctx.runtime, spaceVersion(located)));
}

/** Invented shape — the device's space: {id, name, full_path, config, space_data_version}. */
function getSpaceInfo(_ctx: RequestContext, located: LocatedDevice): Response {
  const { device, org } = located;
  if (!org || device.spaceId === null) throw notFound("Space");
  const spaces = new SpaceDirectory(org);
  const space = spaces.require(device.spaceId);
  return jsonResponse({
    id: space.id,
    name: space.name,
    full_path: spaces.fullPath(space.id),
    config: space.config,
    space_data_version: spaceDataVersion(space),
  });
}

/** `{property, value}` (xyte-cli) or a single `{"<property>": value}` pair (Bruno example). */
function setCloudSettings(ctx: RequestContext, located: LocatedDevice): Response {
  const body = bodyObject(ctx.body, ctx.bodyError);
  let property: string;
  let value: unknown;
  if (body.property !== undefined) {
    property = requireString(body, "property");
    if (!("value" in body)) throw unprocessable("value is required");
    value = body.value;
  } else {
    const keys = Object.keys(body);
    if (keys.length !== 1) throw unprocessable("Send {property, value}");
    property = keys[0];
    value = body[property];
  }
  const { device } = located;
  device.cloudSettings = { ...device.cloudSettings, [property]: value };
  if (property === "incidents.suspend_creation") {
    device.incidentsSuspended = value === true || value === "true";
  }
  return success({ cloud_settings: device.cloudSettings });
}

// --- configuration -------------------------------------------------------------------------------------

function getConfig(_ctx: RequestContext, located: LocatedDevice): Response {
  return jsonResponse(configView(located.device));
}

/** Replaces the configuration with `input` (or, without `input`, with the body itself); bumps the version. */
function setConfig(ctx: RequestContext, located: LocatedDevice): Response {
  const body = bodyObject(ctx.body, ctx.bodyError);
  const input = body.input === undefined ? body : body.input;
  if (!isPlainObject(input)) throw unprocessable("input must be an object");
  const { device } = located;
  device.config = {
    version: device.config.version + 1,
    lastUpdatedMs: ctx.runtime.nowMs(),
    values: { ...input },
  };
  return jsonResponse(configView(device));
}

// --- commands ------------------------------------------------------------------------------------------

function getCommand(_ctx: RequestContext, located: LocatedDevice): Response {
  const command = located.device.commands.find((c) => c.status === "pending") ??
    located.device.commands.find((c) => c.status === "in_progress");
  if (!command) throw notFound("Pending command");
  return jsonResponse(deviceCommandView(command));
}

function getCommandsWithChildren(ctx: RequestContext, located: LocatedDevice): Response {
  const { device, org } = located;
  const pool = org ? org.devices : ctx.state.unclaimedDevices;
  const family = [device, ...pool.filter((d) => d.parentId === device.id)];
  return jsonResponse(
    family.flatMap((d) => d.commands.filter((c) => c.status === "pending" || c.status === "in_progress"))
      .map(deviceCommandView),
  );
}

function updateCommand(ctx: RequestContext, located: LocatedDevice): Response {
  const body = bodyObject(ctx.body, ctx.bodyError);
  const id = requireString(body, "id");
  const status = requireString(body, "status");
  if (!(DEVICE_COMMAND_STATUSES as readonly string[]).includes(status)) {
    throw unprocessable(`status must be one of: ${DEVICE_COMMAND_STATUSES.join(", ")}`);
  }
  const message = optionalString(body, "message");
  const command = located.device.commands.find((c) => c.id === id);
  if (!command) throw notFound("Command");
  if (command.status === "done" || command.status === "failed" || command.status === "canceled") {
    throw unprocessable(`Command is already ${command.status}`);
  }
  command.status = status as CommandStatus;
  if (message !== undefined) command.message = message;
  command.updatedAtMs = ctx.runtime.nowMs();
  return jsonResponse(deviceCommandView(command));
}

// --- telemetry -----------------------------------------------------------------------------------------

function sendTelemetry(ctx: RequestContext, located: LocatedDevice): Response {
  const body = bodyObject(ctx.body, ctx.bodyError);
  return jsonResponse(applyTelemetry(located.device, located.org, body, ctx.runtime));
}

function isMassTelemetry(body: unknown): boolean {
  return isPlainObject(body) &&
    Object.values(body).some((v) => isPlainObject(v) && v.access_token !== undefined);
}

/**
 * sendChildTelemetry and sendMassTelemetry share this method+path. Entries carrying `access_token` make it
 * mass telemetry (each entry authenticated by its own key); otherwise keys are child device ids.
 */
function sendChildOrMassTelemetry(ctx: RequestContext, located: LocatedDevice): Response {
  const body = bodyObject(ctx.body, ctx.bodyError);
  const entries = Object.entries(body);
  if (entries.length === 0) throw unprocessable("Send a map of device id to telemetry");
  if (entries.length > MAX_MASS_TELEMETRY) {
    throw unprocessable(`At most ${MAX_MASS_TELEMETRY} devices per request`);
  }
  const mass = isMassTelemetry(body);
  const answer: JsonObject = {};
  for (const [id, report] of entries) {
    try {
      const target = locateDevice(ctx.state, id);
      if (mass) {
        const token = isPlainObject(report) ? report.access_token : undefined;
        if (!target || token !== target.device.accessKey) throw new SimHttpError(401, "Unauthorized");
      } else if (!target || target.device.parentId !== located.device.id) {
        throw notFound("Device");
      }
      const { access_token: _token, ...telemetry } = report as JsonObject;
      answer[id] = applyTelemetry(target.device, target.org, telemetry, ctx.runtime);
    } catch (error) {
      answer[id] = { error: error instanceof Error ? error.message : String(error) };
    }
  }
  return jsonResponse(answer);
}

// --- incidents -----------------------------------------------------------------------------------------

function deviceIncidents(located: LocatedDevice): SimIncident[] {
  return located.org ? located.org.incidents.filter((i) => i.deviceId === located.device.id) : [];
}

function incidentJson(ctx: RequestContext, located: LocatedDevice, incident: SimIncident): JsonObject {
  const spaces = located.org ? new SpaceDirectory(located.org) : null;
  return spaces
    ? incidentView(incident, located.device, spaces, ctx.runtime)
    : { id: incident.id, title: incident.title, status: incident.status };
}

function getIncidents(ctx: RequestContext, located: LocatedDevice): Response {
  return jsonResponse(
    deviceIncidents(located).filter((i) => i.status === "active").map((i) => incidentJson(ctx, located, i)),
  );
}

function openIncident(ctx: RequestContext, located: LocatedDevice): Response {
  const body = bodyObject(ctx.body, ctx.bodyError);
  const title = requireString(body, "title");
  const priority = optionalString(body, "priority") ?? "moderate";
  if (!(PRIORITIES as readonly string[]).includes(priority)) {
    throw unprocessable(`priority must be one of: ${PRIORITIES.join(", ")}`);
  }
  if (!located.org) throw unprocessable("Device is not claimed by an organization");
  if (located.device.incidentsSuspended) {
    throw unprocessable("Incident creation is suspended for this device");
  }
  const incident: SimIncident = {
    id: ctx.runtime.uuid(),
    deviceId: located.device.id,
    title,
    issue: optionalString(body, "issue") ?? "device",
    description: optionalString(body, "description") ?? "",
    status: "active",
    priority: priority as IncidentPriority,
    openedByDevice: true,
    createdAtMs: ctx.runtime.nowMs(),
    closedAtMs: null,
  };
  located.org.incidents.unshift(incident);
  return jsonResponse(incidentJson(ctx, located, incident), 201);
}

function closeIncident(ctx: RequestContext, located: LocatedDevice): Response {
  const incident = deviceIncidents(located).find((i) => i.id === ctx.params.incident_id);
  if (!incident) throw notFound("Incident");
  if (incident.status === "active") {
    incident.status = "closed";
    incident.closedAtMs = ctx.runtime.nowMs();
  }
  return success();
}

function closeIncidents(ctx: RequestContext, located: LocatedDevice): Response {
  const nowMs = ctx.runtime.nowMs();
  let closed = 0;
  for (const incident of deviceIncidents(located)) {
    if (incident.status === "active" && incident.openedByDevice) {
      incident.status = "closed";
      incident.closedAtMs = nowMs;
      closed++;
    }
  }
  return success({ closed });
}

// --- licenses ------------------------------------------------------------------------------------------

function getLicense(ctx: RequestContext, located: LocatedDevice): Response {
  const license = located.org?.licenses.find((l) => l.deviceId === located.device.id);
  if (!license || !located.org) throw notFound("License");
  return jsonResponse(licenseView(license, located.org, ctx.state.partner, ctx.runtime));
}

/** `{id, state}`: a device may only set inuse (assign to itself), removed (release) or error. */
function updateLicense(ctx: RequestContext, located: LocatedDevice): Response {
  const body = bodyObject(ctx.body, ctx.bodyError);
  const state = requireString(body, "state");
  if (state !== "inuse" && state !== "removed" && state !== "error") {
    throw new SimHttpError(403, "Only allowed to set: inuse/removed/error");
  }
  const id = requireString(body, "id");
  const org = located.org;
  const license = org?.licenses.find((l) => l.id === id);
  if (!license || !org) throw notFound("License");
  if (license.deviceId !== null && license.deviceId !== located.device.id) {
    throw unprocessable("License is assigned to another device");
  }
  if (state === "inuse") {
    license.state = "inuse";
    license.deviceId = located.device.id;
    license.activatedAtMs ??= ctx.runtime.nowMs();
  } else if (state === "removed") {
    license.state = "remove";
    license.deviceId = null;
  } else {
    license.state = "error";
  }
  return jsonResponse(licenseView(license, org, ctx.state.partner, ctx.runtime));
}

// --- events, dumps, files ------------------------------------------------------------------------------

/** Invented answer: `{success: true, id}`. */
function addEvent(ctx: RequestContext, located: LocatedDevice): Response {
  const body = bodyObject(ctx.body, ctx.bodyError);
  const name = requireString(body, "name");
  const values: JsonObject = {};
  for (const key of ["int_key_1", "int_key_2"]) {
    const n = toInteger(body[key], key);
    if (n !== undefined) values[key] = n;
  }
  for (const key of ["string_key_1", "string_key_2"]) {
    const s = optionalString(body, key);
    if (s !== undefined) values[key] = s;
  }
  const event = {
    id: ctx.runtime.uuid(),
    name,
    category: optionalString(body, "category") ?? null,
    values,
    createdAtMs: ctx.runtime.nowMs(),
  };
  located.device.events.push(event);
  return success({ id: event.id });
}

async function uploadedSize(ctx: RequestContext): Promise<number> {
  const data = ctx.form?.get("data");
  if (data === null || data === undefined) throw unprocessable("multipart form field 'data' is required");
  return typeof data === "string"
    ? new TextEncoder().encode(data).length
    : (await data.arrayBuffer()).byteLength;
}

/** Invented shape — dump: {id, filename, mime_type, size, chunks, created_at, updated_at}. */
function dumpView(dump: SimDump): JsonObject {
  return {
    id: dump.id,
    filename: dump.filename,
    mime_type: dump.mimeType,
    size: dump.size,
    chunks: dump.chunks,
    created_at: new Date(dump.createdAtMs).toISOString(),
    updated_at: new Date(dump.updatedAtMs).toISOString(),
  };
}

async function sendDump(ctx: RequestContext, located: LocatedDevice): Promise<Response> {
  const size = await uploadedSize(ctx);
  const nowMs = ctx.runtime.nowMs();
  const dump: SimDump = {
    id: ctx.runtime.uuid(),
    filename: ctx.params.filename,
    mimeType: ctx.params.mime_type,
    size,
    chunks: 1,
    createdAtMs: nowMs,
    updatedAtMs: nowMs,
  };
  located.device.dumps.push(dump);
  return jsonResponse(dumpView(dump), 201);
}

async function appendDumpFile(ctx: RequestContext, located: LocatedDevice): Promise<Response> {
  const dump = located.device.dumps.find((d) => d.id === ctx.params.id);
  if (!dump) throw notFound("Dump");
  dump.size += await uploadedSize(ctx);
  dump.chunks++;
  dump.updatedAtMs = ctx.runtime.nowMs();
  return jsonResponse(dumpView(dump));
}

function availableFiles(located: LocatedDevice) {
  return (located.org?.files ?? []).filter((f) => f.modelId === null || f.modelId === located.device.modelId);
}

function getFiles(_ctx: RequestContext, located: LocatedDevice): Response {
  return jsonResponse(availableFiles(located).map(fileView));
}

function getFile(ctx: RequestContext, located: LocatedDevice): Response {
  const file = availableFiles(located).find((f) => f.id === ctx.params.file_id);
  if (!file) throw notFound("File");
  return jsonResponse(fileView(file));
}

export const deviceRoutes: RouteDefinition[] = [
  deviceRoute("device.device-info.getDeviceInfo", "GET", DEVICE, getDeviceInfo),
  deviceRoute("device.device-info.updateDevice", "PUT", DEVICE, updateDevice),
  deviceRoute("device.device-info.getSpaceInfo", "GET", `${DEVICE}/space`, getSpaceInfo),
  deviceRoute("device.device-info.setCloudSettings", "PUT", `${DEVICE}/cloud_settings`, setCloudSettings),
  deviceRoute("device.configuration.getConfig", "GET", `${DEVICE}/config`, getConfig),
  deviceRoute("device.configuration.setConfig", "POST", `${DEVICE}/config`, setConfig),
  deviceRoute("device.command.getCommand", "GET", `${DEVICE}/command`, getCommand),
  deviceRoute("device.command.updateCommand", "POST", `${DEVICE}/command`, updateCommand),
  deviceRoute(
    "device.command.getCommandsWithChildren",
    "GET",
    `${DEVICE}/command/pending_commands`,
    getCommandsWithChildren,
  ),
  deviceRoute("device.telemetries.sendTelemetry", "POST", `${DEVICE}/telemetry`, sendTelemetry),
  {
    ...deviceRoute(
      "device.telemetries.sendChildTelemetry",
      "POST",
      `${DEVICE}/children/telemetries`,
      sendChildOrMassTelemetry,
    ),
    resolveKey: (body) =>
      isMassTelemetry(body)
        ? "device.telemetries.sendMassTelemetry"
        : "device.telemetries.sendChildTelemetry",
  },
  deviceRoute("device.incidents.getIncidents", "GET", `${DEVICE}/incidents`, getIncidents),
  deviceRoute("device.incidents.openIncident", "POST", `${DEVICE}/incidents`, openIncident),
  deviceRoute("device.incidents.closeIncidents", "DELETE", `${DEVICE}/incidents`, closeIncidents),
  deviceRoute("device.incidents.closeIncident", "DELETE", `${DEVICE}/incidents/:incident_id`, closeIncident),
  deviceRoute("device.license.getLicense", "GET", `${DEVICE}/license`, getLicense),
  deviceRoute("device.license.updateLicense", "POST", `${DEVICE}/licenses`, updateLicense),
  deviceRoute("device.events.addEvent", "POST", `${DEVICE}/events`, addEvent),
  deviceRoute("device.file-dumps.sendDump", "POST", `${DEVICE}/dumps/:mime_type/:filename`, sendDump),
  deviceRoute("device.file-dumps.appendDumpFile", "PUT", `${DEVICE}/dumps/:id`, appendDumpFile),
  deviceRoute("device.remote-files.getFiles", "GET", `${DEVICE}/files`, getFiles),
  deviceRoute("device.remote-files.getFile", "GET", `${DEVICE}/files/:file_id`, getFile),
];

/** Keys served by a route registered under another key (same method and path). */
export const SHARED_ROUTE_KEYS: Readonly<Record<string, string>> = {
  "device.telemetries.sendMassTelemetry": "device.telemetries.sendChildTelemetry",
};
