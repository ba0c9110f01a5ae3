/** Organization API: spaces, and notes on devices and spaces. */
import { organizationRoute, type RequestContext, type RouteDefinition } from "../context.ts";
import { organizationList } from "../envelopes.ts";
import { jsonResponse, notFound, success, unprocessable } from "../http.ts";
import { allocateIntegerId } from "../ids.ts";
import { pathInteger, requireOrgDevice, SpaceDirectory } from "../lookup.ts";
import type { JsonObject, SimOrganization, SimSpace } from "../types.ts";
import {
  bodyObject,
  optionalObject,
  optionalString,
  parseIsoTime,
  queryEnum,
  queryInteger,
  requireString,
  toInteger,
} from "../validate.ts";
import { deviceNoteView, spaceNoteView, spaceView } from "../views.ts";

const SPACES = "/core/v1/organization/spaces";
const DEVICES = "/core/v1/organization/devices";
const SPACE_TYPES = ["organization", "site", "building", "floor", "room"] as const;

function parseSpaceId(raw: string): number {
  return pathInteger(raw, "Space");
}

function validateConfig(config: JsonObject): void {
  const units = config.temperature_units;
  if (units !== undefined && units !== "celsius" && units !== "fahrenheit") {
    throw unprocessable("config.temperature_units must be celsius or fahrenheit");
  }
  const factor = config.priority_factor;
  if (factor !== undefined && factor !== -1 && factor !== 0 && factor !== 1) {
    throw unprocessable("config.priority_factor must be -1, 0 or 1");
  }
}

function getSpaces(ctx: RequestContext, org: SimOrganization): Response {
  const q = ctx.query;
  const spaces = new SpaceDirectory(org);
  const id = queryInteger(q, "id");
  const parentId = queryInteger(q, "parent_id");
  const name = q.get("name")?.toLowerCase();
  const pathIncludes = q.get("path_includes")?.toLowerCase();
  const spaceType = queryEnum(q, "space_type", SPACE_TYPES);
  const before = q.get("created_before");
  const after = q.get("created_after");
  const beforeMs = before ? parseIsoTime(before, "created_before") : undefined;
  const afterMs = after ? parseIsoTime(after, "created_after") : undefined;
  const rows = org.spaces.filter((s) =>
    (id === undefined || s.id === id) &&
    (parentId === undefined || s.parentId === parentId) &&
    (!name || s.name.toLowerCase().includes(name)) &&
    (!pathIncludes || (spaces.fullPath(s.id) ?? "").toLowerCase().includes(pathIncludes)) &&
    (spaceType === undefined || (SPACE_TYPES[spaces.depth(s.id)] ?? "room") === spaceType) &&
    (beforeMs === undefined || s.createdAtMs <= beforeMs) &&
    (afterMs === undefined || s.createdAtMs >= afterMs)
  );
  return organizationList(q, rows, (s) => spaceView(s, spaces));
}

function getSpace(ctx: RequestContext, org: SimOrganization): Response {
  const spaces = new SpaceDirectory(org);
  return jsonResponse(spaceView(spaces.require(parseSpaceId(ctx.params.space_id)), spaces));
}

interface SpaceInput {
  name: string;
  parentId: number;
  config: JsonObject | undefined;
}

function spaceInput(ctx: RequestContext, org: SimOrganization, spaces: SpaceDirectory): SpaceInput {
  const body = bodyObject(ctx.body, ctx.bodyError);
  const name = requireString(body, "name").trim();
  const parentId = toInteger(body.parent_id, "parent_id") ?? org.rootSpaceId;
  spaces.require(parentId);
  const config = optionalObject(body, "config");
  if (config) validateConfig(config);
  return { name, parentId, config };
}

function addSpace(ctx: RequestContext, org: SimOrganization, input: SpaceInput): SimSpace {
  const nowMs = ctx.runtime.nowMs();
  const space: SimSpace = {
    id: allocateIntegerId(org),
    name: input.name,
    parentId: input.parentId,
    config: { ...(input.config ?? {}) },
    createdAtMs: nowMs,
    updatedAtMs: nowMs,
  };
  org.spaces.push(space);
  return space;
}

function createSpace(ctx: RequestContext, org: SimOrganization): Response {
  const spaces = new SpaceDirectory(org);
  const space = addSpace(ctx, org, spaceInput(ctx, org, spaces));
  return jsonResponse(spaceView(space, new SpaceDirectory(org)), 201);
}

function findOrCreateSpace(ctx: RequestContext, org: SimOrganization): Response {
  const spaces = new SpaceDirectory(org);
  const input = spaceInput(ctx, org, spaces);
  const existing = org.spaces.find((s) =>
    s.parentId === input.parentId && s.name.toLowerCase() === input.name.toLowerCase()
  );
  if (existing) return jsonResponse(spaceView(existing, spaces));
  const space = addSpace(ctx, org, input);
  return jsonResponse(spaceView(space, new SpaceDirectory(org)), 201);
}

function updateSpace(ctx: RequestContext, org: SimOrganization): Response {
  const spaces = new SpaceDirectory(org);
  const space = spaces.require(parseSpaceId(ctx.params.space_id));
  const body = bodyObject(ctx.body, ctx.bodyError);
  if (body.name === undefined && body.parent_id === undefined && body.config === undefined) {
    throw unprocessable("Nothing to update; accepted fields: name, parent_id, config");
  }
  const name = optionalString(body, "name");
  if (name !== undefined && (name === null || name.trim() === "")) {
    throw unprocessable("name must not be blank");
  }
  const parentId = toInteger(body.parent_id, "parent_id");
  if (parentId !== undefined) {
    if (space.parentId === null) throw unprocessable("The root space cannot be moved");
    spaces.require(parentId);
    if (spaces.isWithin(parentId, space.id)) throw unprocessable("A space cannot be moved below itself");
  }
  const config = optionalObject(body, "config");
  if (config) validateConfig(config);
  if (name) space.name = name.trim();
  if (parentId !== undefined) space.parentId = parentId;
  if (config) space.config = { ...space.config, ...config };
  space.updatedAtMs = ctx.runtime.nowMs();
  return jsonResponse(spaceView(space, new SpaceDirectory(org)));
}

function deleteSpace(ctx: RequestContext, org: SimOrganization): Response {
  const spaces = new SpaceDirectory(org);
  const space = spaces.require(parseSpaceId(ctx.params.space_id));
  if (space.parentId === null) throw unprocessable("The root space cannot be deleted");
  if (spaces.children(space.id).length > 0) {
    throw unprocessable("Space has child spaces; delete or move them first");
  }
  if (org.devices.some((d) => d.spaceId === space.id)) {
    throw unprocessable("Space has devices; move them first");
  }
  org.spaces = org.spaces.filter((s) => s !== space);
  org.spaceNotes = org.spaceNotes.filter((n) => n.spaceId !== space.id);
  for (const asset of org.assets) if (asset.spaceId === space.id) asset.spaceId = null;
  return success();
}

// --- notes ---------------------------------------------------------------------------------------------

function noteContent(ctx: RequestContext): string {
  return requireString(bodyObject(ctx.body, ctx.bodyError), "content");
}

function noteAuthor(org: SimOrganization): string {
  return org.contacts.adminName;
}

function getAllDeviceNotes(ctx: RequestContext, org: SimOrganization): Response {
  return organizationList(ctx.query, org.deviceNotes, deviceNoteView);
}

function getDeviceNotes(ctx: RequestContext, org: SimOrganization): Response {
  const device = requireOrgDevice(org, ctx.params.device_id);
  return organizationList(ctx.query, org.deviceNotes.filter((n) => n.deviceId === device.id), deviceNoteView);
}

function createDeviceNote(ctx: RequestContext, org: SimOrganization): Response {
  const device = requireOrgDevice(org, ctx.params.device_id);
  const note = {
    id: allocateIntegerId(org),
    deviceId: device.id,
    content: noteContent(ctx),
    author: noteAuthor(org),
    createdAtMs: ctx.runtime.nowMs(),
  };
  org.deviceNotes.push(note);
  return jsonResponse(deviceNoteView(note), 201);
}

function deleteDeviceNote(ctx: RequestContext, org: SimOrganization): Response {
  const device = requireOrgDevice(org, ctx.params.device_id);
  const id = pathInteger(ctx.params.id, "Note");
  const note = org.deviceNotes.find((n) => n.id === id && n.deviceId === device.id);
  if (!note) throw notFound("Note");
  org.deviceNotes = org.deviceNotes.filter((n) => n !== note);
  return success();
}

function getAllSpaceNotes(ctx: RequestContext, org: SimOrganization): Response {
  return organizationList(ctx.query, org.spaceNotes, spaceNoteView);
}

function getSpaceNotes(ctx: RequestContext, org: SimOrganization): Response {
  const space = new SpaceDirectory(org).require(parseSpaceId(ctx.params.space_id));
  return organizationList(ctx.query, org.spaceNotes.filter((n) => n.spaceId === space.id), spaceNoteView);
}

function createSpaceNote(ctx: RequestContext, org: SimOrganization): Response {
  const space = new SpaceDirectory(org).require(parseSpaceId(ctx.params.space_id));
  const note = {
    id: allocateIntegerId(org),
    spaceId: space.id,
    content: noteContent(ctx),
    author: noteAuthor(org),
    createdAtMs: ctx.runtime.nowMs(),
  };
  org.spaceNotes.push(note);
  return jsonResponse(spaceNoteView(note), 201);
}

function deleteSpaceNote(ctx: RequestContext, org: SimOrganization): Response {
  const space = new SpaceDirectory(org).require(parseSpaceId(ctx.params.space_id));
  const id = pathInteger(ctx.params.id, "Note");
  const note = org.spaceNotes.find((n) => n.id === id && n.spaceId === space.id);
  if (!note) throw notFound("Note");
  org.spaceNotes = org.spaceNotes.filter((n) => n !== note);
  return success();
}

export const organizationSpaceRoutes: RouteDefinition[] = [
  organizationRoute("organization.spaces.getSpaces", "GET", SPACES, getSpaces),
  organizationRoute("organization.spaces.createSpace", "POST", SPACES, createSpace),
  organizationRoute(
    "organization.spaces.findOrCreateSpace",
    "POST",
    `${SPACES}/find_or_create`,
    findOrCreateSpace,
  ),
  organizationRoute("organization.spaces.getSpace", "GET", `${SPACES}/:space_id`, getSpace),
  organizationRoute("organization.spaces.updateSpace", "PUT", `${SPACES}/:space_id`, updateSpace),
  organizationRoute("organization.spaces.deleteSpace", "DELETE", `${SPACES}/:space_id`, deleteSpace),
  organizationRoute("organization.notes.getAllSpaceNotes", "GET", `${SPACES}/notes`, getAllSpaceNotes),
  organizationRoute("organization.notes.getSpaceNotes", "GET", `${SPACES}/:space_id/notes`, getSpaceNotes),
  organizationRoute(
    "organization.notes.createSpaceNote",
    "POST",
    `${SPACES}/:space_id/notes`,
    createSpaceNote,
  ),
  organizationRoute(
    "organization.notes.deleteSpaceNote",
    "DELETE",
    `${SPACES}/:space_id/notes/:id`,
    deleteSpaceNote,
  ),
  organizationRoute("organization.notes.getAllDeviceNotes", "GET", `${DEVICES}/notes`, getAllDeviceNotes),
  organizationRoute(
    "organization.notes.getDeviceNotes",
    "GET",
    `${DEVICES}/:device_id/notes`,
    getDeviceNotes,
  ),
  organizationRoute(
    "organization.notes.createDeviceNote",
    "POST",
    `${DEVICES}/:device_id/notes`,
    createDeviceNote,
  ),
  organizationRoute(
    "organization.notes.deleteDeviceNote",
    "DELETE",
    `${DEVICES}/:device_id/notes/:id`,
    deleteDeviceNote,
  ),
];
