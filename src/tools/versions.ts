/** Firmware version comparison for filters ("below 4.2.0"): dotted numbers, compared part by part. */

/** A version as agents and devices write it: digits and dots, an optional leading `v` (e.g. `4.2.0`). */
export const VERSION_PATTERN = /^[vV]?\d+(\.\d+)*$/;

/** The numeric parts of a version (`v3.2.1061-beta` → [3, 2, 1061]); a part without digits counts 0. */
function versionParts(version: string): number[] {
  return version.trim().replace(/^[vV]/, "").split(".").map((part) => Number(/^\d+/.exec(part)?.[0] ?? 0));
}

/**
 * Whether `version` is lower than `bound`, part by part (`3.2.1061` < `3.10`; missing parts count 0). A
 * version that does not start with a number (empty, `unknown`) is unknown, and below nothing.
 */
export function isVersionBelow(version: string, bound: string): boolean {
  if (!/^[vV]?\d/.test(version.trim())) return false;
  const a = versionParts(version);
  const b = versionParts(bound);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const difference = (a[i] ?? 0) - (b[i] ?? 0);
    if (difference !== 0) return difference < 0;
  }
  return false;
}
