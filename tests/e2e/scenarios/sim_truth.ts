/** Ground truth read straight from the simulated hub's state, to check what tools answer. */
import type { SimDevice, SimOrganization, SimSpace } from "../../../src/simulator/mod.ts";

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

/** A space's path as Xyte reports it (full_path): from its site down, without the organization's root. */
export function fullPath(org: SimOrganization, spaceId: number): string {
  return spacePath(org, spaceId).split("/").slice(1).join("/");
}

/** A room (a space without children) holding at least one device. */
export function roomWithDevices(org: SimOrganization): SimSpace {
  const room = org.spaces.find((s) =>
    !org.spaces.some((c) => c.parentId === s.id) && org.devices.some((d) => d.spaceId === s.id)
  );
  if (!room) throw new Error("the seed has a room with devices");
  return room;
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
