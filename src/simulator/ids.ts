/** Integer id allocation (per organization, so lazily seeded tenants never disturb each other's ids). */
import type { SimOrganization } from "./types.ts";

/** Hands out the organization's next integer id (spaces, users, groups, assets, labels, notes, comments). */
export function allocateIntegerId(org: SimOrganization): number {
  return org.nextIntegerId++;
}
