/** Rows added to a simulated organization, for tests of lists longer than a resource holds. */
import type { SimOrganization } from "../../src/simulator/types.ts";

const MINUTE_MS = 60_000;

/** `count` active incidents, one a minute over the last `count` minutes; the list kept newest first. */
export function addActiveIncidents(org: SimOrganization, count: number): void {
  const now = Date.now();
  for (let i = 0; i < count; i++) {
    org.incidents.push({
      id: `inc-rest-${i}`,
      deviceId: org.devices[i % org.devices.length]!.id,
      title: `Rest ${i}`,
      issue: "offline",
      description: "",
      status: "active",
      priority: "low",
      openedByDevice: false,
      createdAtMs: now - (i + 1) * MINUTE_MS,
      closedAtMs: null,
    });
  }
  org.incidents.sort((a, b) => b.createdAtMs - a.createdAtMs);
}

/** `count` rooms under `parentId`, after its seeded children. */
export function addChildSpaces(org: SimOrganization, parentId: number, count: number): void {
  const now = Date.now();
  const top = Math.max(...org.spaces.map((s) => s.id));
  for (let i = 1; i <= count; i++) {
    org.spaces.push({
      id: top + i,
      name: `Rest room ${i}`,
      parentId,
      config: {},
      createdAtMs: now,
      updatedAtMs: now,
    });
  }
}
