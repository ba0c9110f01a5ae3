/** Ground truth read straight from the simulated hub's state, to check what tools answer. */
import type { SimDevice, SimOrganization } from "../../../src/simulator/mod.ts";

/** The full path ("Org/Site/Building/…") of a space. */
export function spacePath(org: SimOrganization, spaceId: number | null): string {
  const byId = new Map(org.spaces.map((s) => [s.id, s]));
  const names: string[] = [];
  for (
    let s = spaceId === null ? undefined : byId.get(spaceId);
    s;
    s = s.parentId === null ? undefined : byId.get(s.parentId)
  ) {
    names.unshift(s.name);
  }
  return names.join("/");
}

/** Names of the top-level sites (children of the organization's root space). */
export function siteNames(org: SimOrganization): string[] {
  return org.spaces.filter((s) => s.parentId === org.rootSpaceId).map((s) => s.name);
}

/** Devices under a site whose effective status is one of `statuses`. */
export function devicesInSite(org: SimOrganization, site: string, statuses: readonly string[]): SimDevice[] {
  return org.devices.filter((d) =>
    spacePath(org, d.spaceId).split("/").includes(site) && statuses.includes(d.effectiveStatus)
  );
}
