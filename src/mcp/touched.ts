/**
 * Which records a write names: the ids in a tool call's arguments. After a write, only the watched resources
 * whose URI holds one of them (and the organization-wide ones) are read again at once (subscriptions.ts);
 * the rest show any indirect effect at their next poll. Only id-like values are taken — never names, texts
 * or messages — since they may travel to other replicas (peer_writes.ts).
 */

import { MAX_PATH_PARAM_CHARS } from "../xyte/client.ts";

/** Most ids one write may name; beyond it the write is treated as naming everything. */
export const MAX_TOUCHED_IDS = 50;

/** Keys whose values are ids: `device_id`, `group_ids`, `id`. */
const ID_KEY = /(^|_)ids?$/;
/** Space arguments that take an id or a name: only an id (spaces have integer ids) is taken. */
const ID_OR_NAME_KEYS = new Set(["space", "parent"]);
const isSpaceId = (value: unknown) =>
  (typeof value === "number" && Number.isInteger(value)) ||
  (typeof value === "string" && /^\d+$/.test(value));

/**
 * The ids `args` names, as strings (numbers included); `undefined` when there are too many to tell, which
 * callers take as "anything may have changed". `call_endpoint`'s path parameters count as ids.
 */
export function touchedIds(args: unknown): string[] | undefined {
  const ids = new Set<string>();
  const take = (value: unknown): void => {
    // Longer than any id the client sends upstream: no watched URI can hold it, and the other replicas
    // would refuse the whole announcement for it.
    if (typeof value === "string" && value !== "" && value.length <= MAX_PATH_PARAM_CHARS) ids.add(value);
    else if (typeof value === "number" && Number.isFinite(value)) ids.add(String(value));
    else if (Array.isArray(value)) value.forEach(take);
  };
  const walk = (value: unknown, depth: number): void => {
    if (typeof value !== "object" || value === null || Array.isArray(value) || depth > 3) return;
    for (const [key, inner] of Object.entries(value)) {
      if (ID_KEY.test(key)) take(inner);
      else if (depth === 0 && ID_OR_NAME_KEYS.has(key) && isSpaceId(inner)) take(inner);
      else if (depth === 0 && key === "path" && typeof inner === "object" && inner !== null) {
        Object.values(inner).forEach(take);
      } else walk(inner, depth + 1);
    }
  };
  walk(args, 0);
  return ids.size > MAX_TOUCHED_IDS ? undefined : [...ids];
}
