/**
 * Device API, registration: registerDevice / bulkRegisterDevice (entry host, no auth) put new devices in
 * the partner's unclaimed pool, from which an organization claims them (claimDevice). Child devices join
 * their parent's organization and space.
 */
import {
  deviceRoute,
  type LocatedDevice,
  publicRoute,
  type RequestContext,
  type RouteDefinition,
} from "../context.ts";
import { deleteDeviceEverywhere, newDevice, normalizeMac } from "../device_ops.ts";
import { jsonResponse, success, unprocessable } from "../http.ts";
import { allDevices, locateDevice } from "../lookup.ts";
import type { JsonObject, SimDevice } from "../types.ts";
import { bodyObject, isPlainObject, optionalObject, optionalString, requireString } from "../validate.ts";
import { deviceSelfView } from "../views.ts";

const DEVICES = "/v1/devices";
const SEMVER = /^\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.-]+)?$/;
const MAX_BULK = 100;

/** Registration answer (reference shape); later calls should go to hub_url — this simulator. */
function registrationAnswer(ctx: RequestContext, device: SimDevice): JsonObject {
  return {
    id: device.id,
    access_key: device.accessKey,
    hub_url: ctx.url.origin,
    hub_url_static_cert: ctx.url.origin,
    mqtt_hub_url: `mqtts://${ctx.url.hostname}:8883`,
  };
}

function requireFirmware(body: JsonObject): string {
  const version = requireString(body, "firmware_version");
  if (!SEMVER.test(version)) throw unprocessable("firmware_version must be a semantic version (e.g. 1.2.3)");
  return version;
}

/** Validates one registration entry and adds the device; throws 422 with the reason otherwise. */
function register(ctx: RequestContext, raw: unknown): SimDevice {
  if (!isPlainObject(raw)) throw unprocessable("Registration must be a JSON object");
  const body = raw;
  const hardwareKey = requireString(body, "hardware_key");
  const model = ctx.state.models.find((m) => m.hardwareKey === hardwareKey);
  if (!model) throw unprocessable("Invalid hardware_key");
  const sn = requireString(body, "sn");
  const firmwareVersion = requireFirmware(body);
  let mac: string | null = null;
  let cloudId: string | null = null;
  if (model.authentication === "mac_sn") {
    mac = normalizeMac(requireString(body, "mac"));
    if (mac === null) throw unprocessable("mac is malformed");
  } else {
    cloudId = requireString(body, "cloud_id");
  }
  const duplicate = allDevices(ctx.state).some(({ device }) =>
    device.modelId === model.id &&
    (cloudId !== null ? device.cloudId === cloudId : device.sn === sn && device.mac === mac)
  );
  if (duplicate) throw unprocessable("Device already registered");
  const parentId = optionalString(body, "parent_id") ?? null;
  const parent = parentId ? locateDevice(ctx.state, parentId) : null;
  if (parentId && !parent) throw unprocessable("parent_id is not a registered device");
  const device = newDevice(ctx.runtime, model, {
    name: optionalString(body, "name") || `${model.name} ${sn}`,
    sn,
    mac,
    cloudId,
    firmwareVersion,
    subModel: optionalString(body, "sub_model") ?? null,
    details: optionalObject(body, "details") ?? null,
    parentId,
    spaceId: parent?.device.spaceId ?? null,
  });
  if (parent?.org) parent.org.devices.push(device);
  else ctx.state.unclaimedDevices.push(device);
  return device;
}

function registerDevice(ctx: RequestContext): Response {
  const device = register(ctx, bodyObject(ctx.body, ctx.bodyError));
  return jsonResponse(registrationAnswer(ctx, device), 201);
}

/**
 * Invented contract (no example in the sources): body `{devices: [registration, ...]}` or a bare array
 * (at most 100); answer `{devices: [registration answer | {error}]}` in input order.
 */
function bulkRegisterDevice(ctx: RequestContext): Response {
  if (ctx.bodyError !== null) throw unprocessable(ctx.bodyError);
  const entries = Array.isArray(ctx.body) ? ctx.body : isPlainObject(ctx.body) ? ctx.body.devices : undefined;
  if (!Array.isArray(entries) || entries.length === 0) {
    throw unprocessable("Send {devices: [...]} with at least one registration");
  }
  if (entries.length > MAX_BULK) throw unprocessable(`At most ${MAX_BULK} devices per request`);
  const results = entries.map((entry) => {
    try {
      return registrationAnswer(ctx, register(ctx, entry));
    } catch (error) {
      return { error: error instanceof Error ? error.message : String(error) };
    }
  });
  return jsonResponse({ devices: results });
}

function registerChildDevice(ctx: RequestContext, parent: LocatedDevice): Response {
  const body = bodyObject(ctx.body, ctx.bodyError);
  const sn = requireString(body, "sn");
  const model = ctx.runtime.modelsById.get(requireString(body, "model_id"));
  if (!model) throw unprocessable("Unknown model_id");
  const firmwareVersion = body.firmware_version === undefined
    ? model.firmwareVersions[0]
    : requireFirmware(body);
  const siblings = parent.org ? parent.org.devices : ctx.state.unclaimedDevices;
  if (siblings.some((d) => d.parentId === parent.device.id && d.sn === sn && d.modelId === model.id)) {
    throw unprocessable("Child device already registered");
  }
  const child = newDevice(ctx.runtime, model, {
    name: optionalString(body, "name") || `${model.name} ${sn}`,
    sn,
    mac: null,
    cloudId: null,
    firmwareVersion,
    subModel: null,
    details: optionalObject(body, "details") ?? null,
    parentId: parent.device.id,
    spaceId: parent.device.spaceId,
  });
  siblings.push(child);
  return jsonResponse(registrationAnswer(ctx, child), 201);
}

function getChildDevices(ctx: RequestContext, parent: LocatedDevice): Response {
  const pool = parent.org ? parent.org.devices : ctx.state.unclaimedDevices;
  return jsonResponse(
    pool.filter((d) => d.parentId === parent.device.id).map((d) => deviceSelfView(d, ctx.runtime, null)),
  );
}

function deleteDevice(ctx: RequestContext, located: LocatedDevice): Response {
  deleteDeviceEverywhere(ctx.state, located.org, located.device);
  return success();
}

export const deviceRegistrationRoutes: RouteDefinition[] = [
  publicRoute("device.registration.registerDevice", "POST", DEVICES, registerDevice),
  publicRoute("device.registration.bulkRegisterDevice", "POST", `${DEVICES}/bulk_create`, bulkRegisterDevice),
  deviceRoute("device.registration.deleteDevice", "DELETE", `${DEVICES}/:device_id`, deleteDevice),
  deviceRoute(
    "device.registration.getChildDevices",
    "GET",
    `${DEVICES}/:device_id/children`,
    getChildDevices,
  ),
  deviceRoute(
    "device.registration.registerChildDevice",
    "POST",
    `${DEVICES}/:device_id/children`,
    registerChildDevice,
  ),
];
