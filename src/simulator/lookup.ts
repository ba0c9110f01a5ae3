/** Lookups into the simulated state: devices across tenants, spaces and their paths. */
import type { LocatedDevice } from "./context.ts";
import { notFound } from "./http.ts";
import type { SimDevice, SimOrganization, SimSpace, SimState } from "./types.ts";

/** Finds a device in any organization or in the partner's unclaimed pool. */
export function locateDevice(state: SimState, deviceId: string): LocatedDevice | null {
  for (const org of state.organizations) {
    const device = org.devices.find((d) => d.id === deviceId);
    if (device) return { device, org };
  }
  const device = state.unclaimedDevices.find((d) => d.id === deviceId);
  return device ? { device, org: null } : null;
}

/** Every device the partner can see: those of all organizations, then the unclaimed pool. */
export function allDevices(state: SimState): LocatedDevice[] {
  const out: LocatedDevice[] = [];
  for (const org of state.organizations) for (const device of org.devices) out.push({ device, org });
  for (const device of state.unclaimedDevices) out.push({ device, org: null });
  return out;
}

export function requireOrgDevice(org: SimOrganization, deviceId: string): SimDevice {
  const device = org.devices.find((d) => d.id === deviceId);
  if (!device) throw notFound("Device");
  return device;
}

/** Index of an organization's space tree (build one per request; spaces are few). */
export class SpaceDirectory {
  readonly org: SimOrganization;
  #byId = new Map<number, SimSpace>();
  #children = new Map<number, number[]>();
  #paths = new Map<number, string>();

  constructor(org: SimOrganization) {
    this.org = org;
    for (const space of org.spaces) {
      this.#byId.set(space.id, space);
      if (space.parentId !== null) {
        const list = this.#children.get(space.parentId);
        if (list) list.push(space.id);
        else this.#children.set(space.parentId, [space.id]);
      }
    }
  }

  get(id: number): SimSpace | undefined {
    return this.#byId.get(id);
  }

  require(id: number): SimSpace {
    const space = this.#byId.get(id);
    if (!space) throw notFound("Space");
    return space;
  }

  children(id: number): number[] {
    return this.#children.get(id) ?? [];
  }

  /** "Site/Building/Floor/Room" — the root (organization) space is not part of the path, except its own. */
  fullPath(id: number | null): string | null {
    if (id === null) return null;
    const cached = this.#paths.get(id);
    if (cached !== undefined) return cached;
    const space = this.#byId.get(id);
    if (!space) return null;
    let path: string;
    if (space.parentId === null) path = space.name;
    else {
      const parent = this.#byId.get(space.parentId);
      path = parent && parent.parentId !== null ? `${this.fullPath(parent.id)}/${space.name}` : space.name;
    }
    this.#paths.set(id, path);
    return path;
  }

  /** Depth below the root: 0 root, 1 site, 2 building, 3 floor, 4+ room. */
  depth(id: number): number {
    let depth = 0;
    for (let s = this.#byId.get(id); s && s.parentId !== null; s = this.#byId.get(s.parentId)) depth++;
    return depth;
  }

  /** The space and all its descendants. */
  subtree(id: number): Set<number> {
    const out = new Set<number>();
    const stack = [id];
    while (stack.length > 0) {
      const current = stack.pop() as number;
      if (out.has(current)) continue;
      out.add(current);
      stack.push(...this.children(current));
    }
    return out;
  }

  /** Whether `ancestorId` is `id` or one of its ancestors. */
  isWithin(id: number, ancestorId: number): boolean {
    for (let s = this.#byId.get(id); s; s = s.parentId === null ? undefined : this.#byId.get(s.parentId)) {
      if (s.id === ancestorId) return true;
    }
    return false;
  }
}

/** A positive integer path id; anything else cannot name an object, so it is a 404. */
export function pathInteger(raw: string, what: string): number {
  if (!/^\d+$/.test(raw)) throw notFound(what);
  return Number(raw);
}
