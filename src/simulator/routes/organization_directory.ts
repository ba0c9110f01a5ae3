/** Organization API: users and groups. */
import { organizationRoute, type RequestContext, type RouteDefinition } from "../context.ts";
import { organizationList } from "../envelopes.ts";
import { jsonResponse, notFound, success, unprocessable } from "../http.ts";
import { allocateIntegerId } from "../ids.ts";
import { pathInteger } from "../lookup.ts";
import type { JsonObject, SimGroup, SimOrganization, SimUser } from "../types.ts";
import { bodyObject, optionalString, requireString, toInteger } from "../validate.ts";
import { groupView, userView } from "../views.ts";

const USERS = "/core/v1/organization/users";
const GROUPS = "/core/v1/organization/groups";
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function requireEmail(body: JsonObject): string {
  const email = requireString(body, "email").trim().toLowerCase();
  if (!EMAIL.test(email)) throw unprocessable("email is not a valid address");
  return email;
}

function nameFromEmail(email: string): string {
  return email.split("@")[0].split(/[._-]+/).filter(Boolean).map((p) => p[0].toUpperCase() + p.slice(1)).join(
    " ",
  );
}

function requireUser(org: SimOrganization, raw: string): SimUser {
  const id = pathInteger(raw, "User");
  const user = org.users.find((u) => u.id === id);
  if (!user) throw notFound("User");
  return user;
}

function requireGroup(org: SimOrganization, raw: string): SimGroup {
  const id = pathInteger(raw, "Group");
  const group = org.groups.find((g) => g.id === id);
  if (!group) throw notFound("Group");
  return group;
}

/** An array of integer ids naming existing objects; unknown ids are a 404. */
function idList(
  body: JsonObject,
  field: string,
  exists: (id: number) => boolean,
  what: string,
  required: boolean,
) {
  const raw = body[field];
  if (raw === undefined || raw === null) {
    if (required) throw unprocessable(`${field} is required`);
    return [];
  }
  if (!Array.isArray(raw) || (required && raw.length === 0)) {
    throw unprocessable(`${field} must be a${required ? " non-empty" : "n"} array of ids`);
  }
  return raw.map((value) => {
    const id = toInteger(value, field);
    if (id === undefined) throw unprocessable(`${field} must contain integer ids`);
    if (!exists(id)) throw notFound(`${what} ${id}`);
    return id;
  });
}

function getUsers(ctx: RequestContext, org: SimOrganization): Response {
  return organizationList(ctx.query, org.users, (u) => userView(u, org));
}

function getUser(ctx: RequestContext, org: SimOrganization): Response {
  return jsonResponse(userView(requireUser(org, ctx.params.id), org));
}

function createUser(ctx: RequestContext, org: SimOrganization): Response {
  const body = bodyObject(ctx.body, ctx.bodyError);
  const email = requireEmail(body);
  if (org.users.some((u) => u.email === email)) throw unprocessable("email has already been taken");
  const name = optionalString(body, "name")?.trim() || nameFromEmail(email);
  const groupIds = idList(body, "group_ids", (id) => org.groups.some((g) => g.id === id), "Group", false);
  const user: SimUser = {
    id: allocateIntegerId(org),
    email,
    name,
    active: true,
    external: false,
    welcomeEmailsSent: 1,
    createdAtMs: ctx.runtime.nowMs(),
  };
  org.users.push(user);
  for (const group of org.groups) if (groupIds.includes(group.id)) group.userIds.push(user.id);
  return jsonResponse(userView(user, org), 201);
}

function deactivateUser(ctx: RequestContext, org: SimOrganization): Response {
  const user = requireUser(org, ctx.params.id);
  user.active = false;
  return jsonResponse(userView(user, org));
}

function resendWelcomeEmail(ctx: RequestContext, org: SimOrganization): Response {
  const user = requireUser(org, ctx.params.id);
  if (!user.active) throw unprocessable("User is deactivated");
  user.welcomeEmailsSent++;
  return success();
}

function getGroups(ctx: RequestContext, org: SimOrganization): Response {
  return organizationList(ctx.query, org.groups, groupView);
}

function getGroup(ctx: RequestContext, org: SimOrganization): Response {
  return jsonResponse(groupView(requireGroup(org, ctx.params.id)));
}

function uniqueGroupName(org: SimOrganization, name: string, except?: SimGroup): string {
  const trimmed = name.trim();
  if (org.groups.some((g) => g !== except && g.name.toLowerCase() === trimmed.toLowerCase())) {
    throw unprocessable("name has already been taken");
  }
  return trimmed;
}

function createGroup(ctx: RequestContext, org: SimOrganization): Response {
  const body = bodyObject(ctx.body, ctx.bodyError);
  const name = uniqueGroupName(org, requireString(body, "name"));
  const userIds = idList(body, "user_ids", (id) => org.users.some((u) => u.id === id), "User", false);
  const group: SimGroup = {
    id: allocateIntegerId(org),
    name,
    userIds: [...new Set(userIds)],
    createdAtMs: ctx.runtime.nowMs(),
  };
  org.groups.push(group);
  return jsonResponse(groupView(group), 201);
}

function updateGroup(ctx: RequestContext, org: SimOrganization): Response {
  const group = requireGroup(org, ctx.params.id);
  const body = bodyObject(ctx.body, ctx.bodyError);
  group.name = uniqueGroupName(org, requireString(body, "name"), group);
  return jsonResponse(groupView(group));
}

function deleteGroup(ctx: RequestContext, org: SimOrganization): Response {
  const group = requireGroup(org, ctx.params.id);
  org.groups = org.groups.filter((g) => g !== group);
  return success();
}

function addUsersToGroup(ctx: RequestContext, org: SimOrganization): Response {
  const group = requireGroup(org, ctx.params.id);
  const body = bodyObject(ctx.body, ctx.bodyError);
  const ids = idList(body, "user_ids", (id) => org.users.some((u) => u.id === id), "User", true);
  for (const id of ids) if (!group.userIds.includes(id)) group.userIds.push(id);
  return jsonResponse(groupView(group));
}

function removeUsersFromGroup(ctx: RequestContext, org: SimOrganization): Response {
  const group = requireGroup(org, ctx.params.id);
  const body = bodyObject(ctx.body, ctx.bodyError);
  const ids = idList(body, "user_ids", (id) => org.users.some((u) => u.id === id), "User", true);
  group.userIds = group.userIds.filter((id) => !ids.includes(id));
  return jsonResponse(groupView(group));
}

function addExternalUserToGroup(ctx: RequestContext, org: SimOrganization): Response {
  const group = requireGroup(org, ctx.params.id);
  const email = requireEmail(bodyObject(ctx.body, ctx.bodyError));
  let user = org.users.find((u) => u.email === email);
  if (!user) {
    user = {
      id: allocateIntegerId(org),
      email,
      name: nameFromEmail(email),
      active: true,
      external: true,
      welcomeEmailsSent: 1,
      createdAtMs: ctx.runtime.nowMs(),
    };
    org.users.push(user);
  }
  if (!group.userIds.includes(user.id)) group.userIds.push(user.id);
  return jsonResponse(groupView(group));
}

export const organizationDirectoryRoutes: RouteDefinition[] = [
  organizationRoute("organization.users.getUsers", "GET", USERS, getUsers),
  organizationRoute("organization.users.createUser", "POST", USERS, createUser),
  organizationRoute("organization.users.getUser", "GET", `${USERS}/:id`, getUser),
  organizationRoute("organization.users.deactivateUser", "POST", `${USERS}/:id/deactivate`, deactivateUser),
  organizationRoute(
    "organization.users.resendWelcomeEmail",
    "POST",
    `${USERS}/:id/resend_welcome`,
    resendWelcomeEmail,
  ),
  organizationRoute("organization.groups.getGroups", "GET", GROUPS, getGroups),
  organizationRoute("organization.groups.createGroup", "POST", GROUPS, createGroup),
  organizationRoute("organization.groups.getGroup", "GET", `${GROUPS}/:id`, getGroup),
  organizationRoute("organization.groups.updateGroup", "PUT", `${GROUPS}/:id`, updateGroup),
  organizationRoute("organization.groups.deleteGroup", "DELETE", `${GROUPS}/:id`, deleteGroup),
  organizationRoute(
    "organization.groups.addUsersToGroup",
    "POST",
    `${GROUPS}/:id/add_users`,
    addUsersToGroup,
  ),
  organizationRoute(
    "organization.groups.removeUsersFromGroup",
    "POST",
    `${GROUPS}/:id/remove_users`,
    removeUsersFromGroup,
  ),
  organizationRoute(
    "organization.groups.addExternalUserToGroup",
    "POST",
    `${GROUPS}/:id/add_external_user`,
    addExternalUserToGroup,
  ),
];
