/**
 * Checks send_command's name against the commands the device's model lists, before anything is queued. Xyte
 * queues any name as pending, but a device runs only its model's commands: "self_destruct", or "Reboot" for
 * a model listing "reboot", would stay pending forever while the agent believes it was sent.
 */
import { LRUCache } from "lru-cache";
import { ToolFailure } from "../mcp/results.ts";
import type { ToolContext } from "../mcp/tool.ts";
import { XyteError } from "../xyte/errors.ts";
import { parseWire, WireDevice, WireModel } from "../xyte/wire.ts";
import { toModelRow } from "./organization.ts";

const GET_DEVICE = "organization.devices.getDevice";
const GET_MODEL = "organization.models.getModel";

/**
 * How long a model's command names are kept per tenant. The response cache alone would not spare the read:
 * every write of the tenant (this very command) moves it on, so each send would read the model again. Models
 * change rarely and no tool of this server changes them; a name missing from a kept list is checked against the
 * model read afresh before it is refused (a firmware update may have added it).
 */
export const MODEL_COMMANDS_TTL_MS = 5 * 60_000;
/** The most models kept per tenant; the least recently used go first. */
const MAX_KEPT_MODELS = 200;
/** The most names a refusal's hint lists: a model lists a handful, but its list is Xyte's data. */
const MAX_HINT_NAMES = 30;

/** Keyed by the client's identity: one memo per tenant (model id → names), shared by its calls. */
const keptByTenant = new WeakMap<object, LRUCache<string, readonly string[]>>();

/** The name send_command sends, and why it could not be checked when it could not. */
export interface CheckedName {
  /** The model's own spelling of the command when it lists it, else the name as given. */
  name: string;
  /** Why the name was not checked against the device's model (sent as given); absent when it was. */
  unverified?: string;
}

type Lookup<T> = { found: T } | { unverified: string };

/**
 * The name to send for `requested`: the model's spelling of it (case aside). Throws an `invalid_arguments`
 * ToolFailure, naming the valid names, when the model lists commands and none is `requested`; throws
 * `not_found` when the device does not exist. When the model's list cannot be read or is empty, the name is
 * sent as given and `unverified` says why: refusing then could block a command the device does run.
 */
export async function checkCommandName(
  deviceId: string,
  requested: string,
  ctx: Pick<ToolContext, "xyte" | "signal" | "cachedReads">,
): Promise<CheckedName> {
  const model = await deviceModel(deviceId, ctx);
  if ("unverified" in model) return { name: requested, unverified: model.unverified };
  const label = model.found.name ?? model.found.id;
  const kept = await modelCommandNames(model.found.id, ctx);
  if ("unverified" in kept) return { name: requested, unverified: kept.unverified };
  if (kept.remembered && !listsName(kept.found, requested)) {
    // The kept list may predate the command: the model read afresh decides.
    const fresh = await modelCommandNames(model.found.id, { ...ctx, cachedReads: false });
    return checkedAgainst(fresh, requested, { deviceId, model: label });
  }
  return checkedAgainst(kept, requested, { deviceId, model: label });
}

/** The name checked against a model's list; sent as given (and said so) when the list is unknown or empty. */
function checkedAgainst(
  names: Lookup<readonly string[]>,
  requested: string,
  target: { deviceId: string; model: string },
): CheckedName {
  if ("unverified" in names) return { name: requested, unverified: names.unverified };
  if (names.found.length === 0) {
    return { name: requested, unverified: `its model ${target.model} lists no commands` };
  }
  return { name: matchName(requested, names.found, target) };
}

/** Whether `names` has `requested`, case aside. */
function listsName(names: readonly string[], requested: string): boolean {
  const wanted = requested.toLowerCase();
  return names.some((name) => name.toLowerCase() === wanted);
}

/** The device's model as its record names it; not_found (no such device) is thrown: a send would fail too. */
async function deviceModel(
  deviceId: string,
  ctx: Pick<ToolContext, "xyte" | "signal">,
): Promise<Lookup<{ id: string; name: string | null }>> {
  try {
    const body = await ctx.xyte.call(GET_DEVICE, { path: { device_id: deviceId }, signal: ctx.signal });
    const model = parseWire(WireDevice, body, GET_DEVICE).model;
    if (!model?.id) return { unverified: "the device names no model" };
    return { found: { id: model.id, name: model.name } };
  } catch (error) {
    if (error instanceof XyteError && error.code === "not_found") throw error;
    return { unverified: `the device could not be read (${readFailure(error, ctx.signal)})` };
  }
}

/** The command names a model lists, kept per tenant for `MODEL_COMMANDS_TTL_MS` (see there why). */
async function modelCommandNames(
  modelId: string,
  ctx: Pick<ToolContext, "xyte" | "signal" | "cachedReads">,
): Promise<Lookup<readonly string[]> & { remembered?: boolean }> {
  let kept = keptByTenant.get(ctx.xyte.identity);
  if (!kept) {
    kept = new LRUCache({ max: MAX_KEPT_MODELS, ttl: MODEL_COMMANDS_TTL_MS });
    keptByTenant.set(ctx.xyte.identity, kept);
  }
  const names = ctx.cachedReads ? kept.get(modelId) : undefined;
  if (names) return { found: names, remembered: true };
  // Afresh also past the response cache, when the call or a kept list's miss asks for it.
  const xyte = ctx.cachedReads ? ctx.xyte : ctx.xyte.forCall({ cachedReads: false });
  try {
    const body = await xyte.call(GET_MODEL, { path: { id: modelId }, signal: ctx.signal });
    const read = toModelRow(parseWire(WireModel, body, GET_MODEL)).commands;
    kept.set(modelId, read);
    return { found: read };
  } catch (error) {
    return { unverified: `its model's commands could not be read (${readFailure(error, ctx.signal)})` };
  }
}

/**
 * The code of a check's failed read, to say why the name went unchecked: such a failure does not decide the
 * call, the send's own answer does. Rethrown when the caller cancelled (nothing more should be sent) or the
 * failure is not Xyte's (a bug).
 */
function readFailure(error: unknown, signal: AbortSignal): string {
  if (signal.aborted || !(error instanceof XyteError) || error.code === "cancelled") throw error;
  return error.code;
}

/**
 * `requested` as the model spells it: an exact match first, else the one name equal to it ignoring case.
 * Anything else is refused before sending, with the names to choose from.
 */
export function matchName(
  requested: string,
  names: readonly string[],
  target: { deviceId: string; model: string },
): string {
  if (names.includes(requested)) return requested;
  const folded = requested.toLowerCase();
  const matches = names.filter((n) => n.toLowerCase() === folded);
  if (matches.length === 1) return matches[0]!;
  const what = `device ${target.deviceId} (model ${target.model})`;
  if (matches.length > 1) {
    throw new ToolFailure({
      code: "invalid_arguments",
      message: `"${requested}" matches several commands of ${what} ignoring case; nothing was sent`,
      hint: `Pass one of ${listed(matches)} exactly as written.`,
      retriable: false,
    });
  }
  throw new ToolFailure({
    code: "invalid_arguments",
    message: `"${requested}" is not a command of ${what}; nothing was sent`,
    hint: `Valid names for this device: ${listed(names)}. Case does not matter.`,
    retriable: false,
  });
}

function listed(names: readonly string[]): string {
  const shown = names.slice(0, MAX_HINT_NAMES).join(", ");
  return names.length > MAX_HINT_NAMES ? `${shown}, … (${names.length} in all)` : shown;
}
