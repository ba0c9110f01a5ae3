/**
 * Bounds on the shape of a parsed request body that its size alone does not give. The SDK validates a
 * message's `params` and `_meta` with schemas that copy every member of those objects, several times: a 1 MB
 * `ping` whose params held 90,000 members took 1.2 s of the event loop (the same megabyte as one string:
 * 20 ms), and the rate limit lets a client send ten a second.
 */

/** Most members of any one object in a request body (400 beyond). */
export const MAX_OBJECT_MEMBERS = 1000;

/** Whether an object in `value`, at any depth (arrays walked, not counted), has over `max` members. */
export function hasWideObject(value: unknown, max = MAX_OBJECT_MEMBERS): boolean {
  // A stack, not recursion: a body can nest deeper than the call stack goes.
  const pending: object[] = typeof value === "object" && value !== null ? [value] : [];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const members = Array.isArray(next) ? next : Object.values(next);
    if (!Array.isArray(next) && members.length > max) return true;
    for (const member of members) {
      if (typeof member === "object" && member !== null) pending.push(member);
    }
  }
  return false;
}
