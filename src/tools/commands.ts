/** Device command tools: what was sent to a device, send a command (reboot, …), cancel a pending one. */
import { z } from "zod";
import { defineTool, DESTRUCTIVE, READ_ONLY, type Tool, type ToolContext, WRITE } from "../mcp/tool.ts";
import { type ListPage } from "../xyte/paginate.ts";
import { envelopeOf, parseWire, readWirePage, WireCommand } from "../xyte/wire.ts";
import { checkCommandName } from "./command_names.ts";
import { ListArgs, ListMeta, listRows, moreNote } from "./listing.ts";
import { ConfirmArg, countPhrase, DeviceIdArg, IdText } from "./shapes.ts";

const GET_COMMANDS = "organization.commands.getCommands";
const SEND_COMMAND = "organization.commands.sendCommand";
const CANCEL_COMMAND = "organization.commands.cancelCommand";

export const COMMAND_STATUSES = ["pending", "in_progress", "done", "failed", "canceled"] as const;
/** Statuses of a command the device has not finished: the ones that can still be canceled. */
export const OPEN_COMMAND_STATUSES: readonly string[] = ["pending", "in_progress"];

export const CommandRow = z.object({
  id: z.string(),
  name: z.string().nullable(),
  status: z.string().nullable().describe("pending | in_progress | done | failed | canceled"),
  created_at: z.string().nullable(),
  updated_at: z.string().nullable(),
  message: z.string().nullable().describe("Last progress message from the device"),
});
export type CommandRow = z.infer<typeof CommandRow>;

export function toCommandRow(c: WireCommand): CommandRow {
  return {
    id: c.id,
    name: c.friendly_name && plain(c.friendly_name) !== plain(c.name)
      ? `${c.name} (${c.friendly_name})`
      : c.name,
    status: c.status,
    created_at: c.created_at,
    updated_at: c.updated_at,
    message: c.message,
  };
}

function plain(text: string | null): string {
  return (text ?? "").toLowerCase().replace(/[^a-z0-9]/g, "");
}

/** Whether a command row matches the `status` filter ("open" = pending or in progress). */
export function commandMatches(status: string | null, filter: string | undefined): boolean {
  if (filter === undefined) return true;
  return filter === "open" ? OPEN_COMMAND_STATUSES.includes(status ?? "") : status === filter;
}

/** One page of a device's commands, newest first, as compact rows. */
export async function fetchCommandPage(
  ctx: Pick<ToolContext, "xyte">,
  deviceId: string,
  page: number,
  perPage: number,
  signal?: AbortSignal,
): Promise<ListPage<CommandRow>> {
  const body = await ctx.xyte.call(GET_COMMANDS, {
    path: { device_id: deviceId },
    query: { page, per_page: perPage },
    signal,
  });
  return readWirePage(body, envelopeOf(body), WireCommand, GET_COMMANDS, toCommandRow);
}

export const listCommands = defineTool({
  name: "list_commands",
  title: "List device commands",
  description: "Commands sent to a device, newest first. status=open: pending or in progress (cancelable).",
  toolset: "commands",
  input: z.object({
    device_id: DeviceIdArg,
    status: z.enum(["open", ...COMMAND_STATUSES]).optional(),
    ...ListArgs,
  }).strict(),
  output: z.object({ commands: z.array(CommandRow), ...ListMeta }),
  annotations: READ_ONLY,
  async run(args, ctx) {
    const { rows, meta } = await listRows({
      fetchPage: (page, perPage, signal) => fetchCommandPage(ctx, args.device_id, page, perPage, signal),
      accept: args.status ? (c) => commandMatches(c.status, args.status) : undefined,
      args,
      ctx,
    });
    return { commands: rows, ...meta };
  },
  summarize(r, args) {
    if (r.commands.length === 0) return "No commands match.";
    return `${r.returned} command(s)${moreNote(r, args)}: ${countPhrase(r.commands.map((c) => c.status))}.`;
  },
});

export const sendCommand = defineTool({
  name: "send_command",
  title: "Send device command",
  description: "Send a command (e.g. reboot) to a device; pending until the device picks it up. A name " +
    "its model does not list is refused with the valid names.",
  toolset: "commands",
  input: z.object({
    device_id: DeviceIdArg,
    name: z.string().trim().min(1).describe('Command name, e.g. "reboot" (any case)'),
    friendly_name: z.string().min(1).optional(),
    extra_params: z.record(z.string(), z.unknown()).optional().describe("Command parameters"),
    file_id: IdText.optional(),
  }).strict(),
  output: CommandRow.extend({
    name_unverified: z.string().optional().describe("Why the name was sent unchecked against the model"),
  }),
  annotations: WRITE,
  async run(args, ctx) {
    // Checked first: Xyte queues any name, but the device runs only its model's commands.
    const checked = await checkCommandName(args.device_id, args.name, ctx);
    const body = await ctx.xyte.call(SEND_COMMAND, {
      path: { device_id: args.device_id },
      body: {
        name: checked.name,
        friendly_name: args.friendly_name,
        extra_params: args.extra_params,
        file_id: args.file_id,
      },
      signal: ctx.signal,
    });
    const row = toCommandRow(parseWire(WireCommand, body, SEND_COMMAND));
    return checked.unverified === undefined ? row : { ...row, name_unverified: checked.unverified };
  },
  summarize: (c, args) =>
    `Sent ${c.name} to device ${args.device_id}: ${c.status} (command ${c.id}).` +
    (c.name_unverified === undefined
      ? ""
      : ` The name was not checked against the device's commands: ${c.name_unverified}.`),
});

export const cancelCommand = defineTool({
  name: "cancel_command",
  title: "Cancel device command",
  description: "Cancel a pending or in-progress command.",
  toolset: "commands",
  input: z.object({
    device_id: DeviceIdArg,
    command_id: IdText,
    confirm: ConfirmArg.describe("The command id, once the user has agreed"),
  }).strict(),
  output: CommandRow,
  annotations: DESTRUCTIVE,
  confirmation: (args) => ({
    accepts: [args.command_id],
    message: `Cancel command ${args.command_id} on device ${args.device_id}?`,
  }),
  async run(args, ctx) {
    const body = await ctx.xyte.call(CANCEL_COMMAND, {
      path: { device_id: args.device_id, command_id: args.command_id },
      signal: ctx.signal,
    });
    // The reference does not state the answer; a body that is not a command still means success.
    const parsed = WireCommand.safeParse(body);
    if (parsed.success) return toCommandRow(parsed.data);
    return {
      id: args.command_id,
      name: null,
      status: "canceled",
      created_at: null,
      updated_at: null,
      message: null,
    };
  },
  summarize: (c) => `Command ${c.id}${c.name ? ` (${c.name})` : ""} is ${c.status}.`,
});

export const COMMAND_TOOLS: readonly Tool[] = [listCommands, sendCommand, cancelCommand];
