/** User and group tools: who has access, group membership, invite, offboard. */
import { z } from "zod";
import { ToolFailure } from "../mcp/results.ts";
import {
  defineTool,
  DESTRUCTIVE,
  READ_ONLY,
  type Tool,
  type ToolContext,
  WRITE,
  WRITE_IDEMPOTENT,
} from "../mcp/tool.ts";
import { fetchAllPages } from "../xyte/paginate.ts";
import { parseWire, readWirePage, WireGroup, WireUser } from "../xyte/wire.ts";
import {
  containsText,
  LIST_CONCURRENCY,
  ListArgs,
  ListMeta,
  listRows,
  MAX_UPSTREAM_PER_PAGE,
  moreNote,
} from "./listing.ts";
import { ConfirmArg, IdArg, namedTarget, numericId } from "./shapes.ts";

const GET_USERS = "organization.users.getUsers";
const GET_USER = "organization.users.getUser";
const CREATE_USER = "organization.users.createUser";
const DEACTIVATE_USER = "organization.users.deactivateUser";
const GET_GROUPS = "organization.groups.getGroups";
const GET_GROUP = "organization.groups.getGroup";
const ADD_USERS = "organization.groups.addUsersToGroup";
const REMOVE_USERS = "organization.groups.removeUsersFromGroup";

/** The most users or groups read when a tool needs all of them (names of members, group names). */
export const MAX_DIRECTORY = 5000;

const nullableText = z.string().nullable();

export const UserRow = z.object({
  id: z.string(),
  name: nullableText,
  email: nullableText,
  active: z.boolean().nullable(),
  external: z.boolean().nullable().describe("Added to a group by email, not an organization member"),
  group_ids: z.array(z.string()),
});
export type UserRow = z.infer<typeof UserRow>;

export function toUserRow(u: WireUser): UserRow {
  return {
    id: u.id,
    name: u.name,
    email: u.email,
    active: u.active,
    external: u.external,
    group_ids: u.group_ids ?? [],
  };
}

const GroupRow = z.object({ id: z.string(), name: nullableText, member_count: z.number().int() });
type GroupRow = z.infer<typeof GroupRow>;

function toGroupRow(g: WireGroup): GroupRow {
  return { id: g.id, name: g.name, member_count: g.user_ids?.length ?? 0 };
}

async function allUsers(ctx: ToolContext): Promise<WireUser[]> {
  const all = await fetchAllPages(
    async (page, signal) => {
      const body = await ctx.xyte.call(GET_USERS, {
        query: { page, per_page: MAX_UPSTREAM_PER_PAGE },
        signal,
      });
      return readWirePage(body, "items", WireUser, GET_USERS);
    },
    MAX_UPSTREAM_PER_PAGE,
    { limit: MAX_DIRECTORY, concurrency: LIST_CONCURRENCY, signal: ctx.signal },
  );
  return all.rows;
}

async function allGroups(ctx: ToolContext): Promise<WireGroup[]> {
  const all = await fetchAllPages(
    async (page, signal) => {
      const body = await ctx.xyte.call(GET_GROUPS, {
        query: { page, per_page: MAX_UPSTREAM_PER_PAGE },
        signal,
      });
      return readWirePage(body, "items", WireGroup, GET_GROUPS);
    },
    MAX_UPSTREAM_PER_PAGE,
    { limit: MAX_DIRECTORY, concurrency: LIST_CONCURRENCY, signal: ctx.signal },
  );
  return all.rows;
}

export const listUsers = defineTool({
  name: "list_users",
  title: "List users",
  description: "Users of the organization: name, email, active, groups. Filter by text in name or email.",
  toolset: "users",
  input: z.object({
    text: z.string().min(1).optional().describe("Case-insensitive text in name or email"),
    active: z.boolean().optional(),
    ...ListArgs,
  }).strict(),
  output: z.object({ users: z.array(UserRow), ...ListMeta }),
  annotations: READ_ONLY,
  async run(args, ctx) {
    const filters: ((u: WireUser) => boolean)[] = [];
    if (args.text) filters.push((u) => containsText(u.name, args.text!) || containsText(u.email, args.text!));
    if (args.active !== undefined) filters.push((u) => u.active === args.active);
    const { rows, meta } = await listRows({
      fetchPage: async (page, perPage, signal) => {
        const body = await ctx.xyte.call(GET_USERS, { query: { page, per_page: perPage }, signal });
        return readWirePage(body, "items", WireUser, GET_USERS);
      },
      accept: filters.length > 0 ? (u) => filters.every((f) => f(u)) : undefined,
      args,
      ctx,
    });
    return { users: rows.map(toUserRow), ...meta };
  },
  summarize: (r, args) =>
    r.users.length === 0 ? "No users match." : `${r.returned} user(s)${moreNote(r, args)}.`,
});

export const getUser = defineTool({
  name: "get_user",
  title: "Get user",
  description: "One user by id, with the names of their groups.",
  toolset: "users",
  input: z.object({ user_id: IdArg }).strict(),
  output: UserRow.extend({ groups: z.array(z.string()), created_at: nullableText }),
  annotations: READ_ONLY,
  async run(args, ctx) {
    const body = await ctx.xyte.call(GET_USER, { path: { id: args.user_id }, signal: ctx.signal });
    const user = parseWire(WireUser, body, GET_USER);
    const row = toUserRow(user);
    const names = row.group_ids.length === 0
      ? new Map<string, string | null>()
      : new Map((await allGroups(ctx)).map((g) => [g.id, g.name]));
    return {
      ...row,
      groups: row.group_ids.map((id) => names.get(id) ?? id),
      created_at: user.created_at,
    };
  },
  summarize: (u) =>
    `${u.name ?? u.id} <${u.email ?? "?"}>${u.active === false ? " (deactivated)" : ""}; groups: ${
      u.groups.join(", ") || "none"
    }.`,
});

export const listGroups = defineTool({
  name: "list_groups",
  title: "List groups",
  description: "User groups with their member counts. get_group lists the members.",
  toolset: "users",
  input: z.object({ ...ListArgs }).strict(),
  output: z.object({ groups: z.array(GroupRow), ...ListMeta }),
  annotations: READ_ONLY,
  async run(args, ctx) {
    const { rows, meta } = await listRows({
      fetchPage: async (page, perPage, signal) => {
        const body = await ctx.xyte.call(GET_GROUPS, { query: { page, per_page: perPage }, signal });
        return readWirePage(body, "items", WireGroup, GET_GROUPS, toGroupRow);
      },
      args,
      ctx,
    });
    return { groups: rows, ...meta };
  },
  summarize: (r, args) =>
    r.groups.length === 0 ? "No groups." : `${r.returned} group(s)${moreNote(r, args)}.`,
});

const Member = z.object({ id: z.string(), name: nullableText, email: nullableText });

export const getGroup = defineTool({
  name: "get_group",
  title: "Get group",
  description: "One user group by id with its members (id, name, email).",
  toolset: "users",
  input: z.object({ group_id: IdArg }).strict(),
  output: z.object({ id: z.string(), name: nullableText, members: z.array(Member) }),
  annotations: READ_ONLY,
  async run(args, ctx) {
    const body = await ctx.xyte.call(GET_GROUP, { path: { id: args.group_id }, signal: ctx.signal });
    const group = parseWire(WireGroup, body, GET_GROUP);
    const ids = group.user_ids ?? [];
    const users = ids.length === 0
      ? new Map<string, WireUser>()
      : new Map((await allUsers(ctx)).map((u) => [u.id, u]));
    return {
      id: group.id,
      name: group.name,
      members: ids.map((id) => ({
        id,
        name: users.get(id)?.name ?? null,
        email: users.get(id)?.email ?? null,
      })),
    };
  },
  summarize: (g) => `Group ${g.name ?? g.id}: ${g.members.length} member(s).`,
});

export const inviteUser = defineTool({
  name: "invite_user",
  title: "Invite user",
  description: "Create a user in the organization (Xyte emails them a welcome), optionally into groups.",
  toolset: "users",
  input: z.object({
    email: z.email(),
    name: z.string().trim().min(1).optional(),
    group_ids: z.array(IdArg).optional(),
  }).strict(),
  output: UserRow,
  annotations: WRITE,
  async run(args, ctx) {
    const body = await ctx.xyte.call(CREATE_USER, {
      body: { email: args.email, name: args.name, group_ids: args.group_ids?.map(numericId) },
      signal: ctx.signal,
    });
    return toUserRow(parseWire(WireUser, body, CREATE_USER));
  },
  summarize: (u) => `Invited ${u.name ?? ""} <${u.email ?? "?"}> as user ${u.id}.`,
});

export const updateGroupMembers = defineTool({
  name: "update_group_members",
  title: "Update group members",
  description: "Add and/or remove users (by id) in a group. Returns the member ids afterwards.",
  toolset: "users",
  input: z.object({
    group_id: IdArg,
    add: z.array(IdArg).min(1).optional().describe("User ids to add"),
    remove: z.array(IdArg).min(1).optional().describe("User ids to remove"),
  }).strict(),
  output: z.object({ id: z.string(), name: nullableText, user_ids: z.array(z.string()) }),
  annotations: WRITE_IDEMPOTENT,
  async run(args, ctx) {
    if (!args.add && !args.remove) {
      throw new ToolFailure({
        code: "invalid_arguments",
        message: "nothing to change",
        hint: "Pass add and/or remove with user ids (list_users shows ids).",
        retriable: false,
      });
    }
    const path = { id: args.group_id };
    let body: unknown;
    if (args.add) {
      body = await ctx.xyte.call(ADD_USERS, {
        path,
        body: { user_ids: args.add.map(numericId) },
        signal: ctx.signal,
      });
    }
    if (args.remove) {
      body = await ctx.xyte.call(REMOVE_USERS, {
        path,
        body: { user_ids: args.remove.map(numericId) },
        signal: ctx.signal,
      });
    }
    // The reference does not state the answer; read the group when the answer is not one.
    const answered = WireGroup.safeParse(body);
    const g = answered.success && answered.data.user_ids
      ? answered.data
      : parseWire(WireGroup, await ctx.xyte.call(GET_GROUP, { path, signal: ctx.signal }), GET_GROUP);
    return { id: g.id, name: g.name, user_ids: g.user_ids ?? [] };
  },
  summarize: (g) => `Group ${g.name ?? g.id} now has ${g.user_ids.length} member(s).`,
});

export const deactivateUser = defineTool({
  name: "deactivate_user",
  title: "Deactivate user",
  description: "Deactivate a user (offboarding): they can no longer sign in.",
  toolset: "users",
  input: z.object({ user_id: IdArg, confirm: ConfirmArg }).strict(),
  output: z.object({ id: z.string(), active: z.boolean() }),
  annotations: DESTRUCTIVE,
  confirmation: (args) => ({
    accepts: [args.user_id],
    message: `Deactivate user ${args.user_id}?`,
    describe: async (xyte, signal) => {
      const user = parseWire(
        WireUser,
        await xyte.call(GET_USER, { path: { id: args.user_id }, signal }),
        GET_USER,
      );
      return `Deactivate user ${namedTarget(user.name, user.id, user.email)}? They can no longer sign in.`;
    },
  }),
  async run(args, ctx) {
    await ctx.xyte.call(DEACTIVATE_USER, { path: { id: args.user_id }, signal: ctx.signal });
    return { id: args.user_id, active: false };
  },
  summarize: (u) => `User ${u.id} deactivated.`,
});

export const USER_TOOLS: readonly Tool[] = [
  listUsers,
  getUser,
  listGroups,
  getGroup,
  inviteUser,
  updateGroupMembers,
  deactivateUser,
];
