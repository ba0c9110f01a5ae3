/** Lookup over the endpoint table: typed keys, path filling, "did you mean" suggestions. */
import type { EndpointSpec } from "./catalog_types.ts";
import { ENDPOINTS } from "./endpoints.ts";

export type { EndpointSpec } from "./catalog_types.ts";
export { ENDPOINTS };

/** Every endpoint key known to the catalog, as a literal union. */
export type EndpointKey = (typeof ENDPOINTS)[number]["key"];

const BY_KEY: ReadonlyMap<string, EndpointSpec> = new Map(ENDPOINTS.map((e) => [e.key, e]));

/** The endpoint for a key the type system already knows to exist. */
export function endpoint(key: EndpointKey): EndpointSpec {
  const spec = BY_KEY.get(key);
  if (!spec) throw new Error(`catalog has no endpoint ${key}`);
  return spec;
}

/** The endpoint for a key that came from outside (an agent, a URI); undefined when unknown. */
export function findEndpoint(key: string): EndpointSpec | undefined {
  return BY_KEY.get(key);
}

/** Path parameters missing from `params`, in path order. */
export function missingPathParams(spec: EndpointSpec, params: Record<string, unknown>): string[] {
  return spec.pathParams.filter((name) => {
    const v = params[name];
    return v === undefined || v === null || String(v) === "";
  });
}

/** Replaces `:name` segments with URL-encoded values. Throws when a parameter is missing. */
export function fillPath(spec: EndpointSpec, params: Record<string, string | number>): string {
  const missing = missingPathParams(spec, params);
  if (missing.length > 0) throw new Error(`missing path parameter(s) ${missing.join(", ")} for ${spec.key}`);
  return spec.path.replace(/:([a-z_]+)/g, (_, name: string) => encodeURIComponent(String(params[name])));
}

/** Up to `max` known keys closest to `input` (edit distance on the lower-cased key, with substring bonus). */
export function suggestKeys(input: string, max = 3): string[] {
  const needle = input.toLowerCase();
  return ENDPOINTS
    .map((e) => {
      const hay = e.key.toLowerCase();
      const distance = hay.includes(needle) || needle.includes(hay) ? 0 : editDistance(needle, hay);
      return { key: e.key, distance };
    })
    .sort((a, b) => a.distance - b.distance || a.key.localeCompare(b.key))
    .slice(0, max)
    .map((s) => s.key);
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
    }
    prev = cur;
  }
  return prev[b.length]!;
}
