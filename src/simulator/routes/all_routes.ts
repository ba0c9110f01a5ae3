/** The simulator's complete route table, one entry per reference endpoint key (plus shared keys). */
import type { RouteDefinition } from "../context.ts";
import { deviceRoutes } from "./device.ts";
import { deviceRegistrationRoutes } from "./device_registration.ts";
import { organizationDeviceRoutes } from "./organization_devices.ts";
import { organizationDirectoryRoutes } from "./organization_directory.ts";
import { organizationEdgeRoutes } from "./organization_edges.ts";
import { organizationInventoryRoutes } from "./organization_inventory.ts";
import { organizationSpaceRoutes } from "./organization_spaces.ts";
import { organizationSupportRoutes } from "./organization_support.ts";
import { partnerRoutes } from "./partner.ts";

export { SHARED_ROUTE_KEYS } from "./device.ts";

export const SIMULATOR_ROUTES: readonly RouteDefinition[] = [
  ...organizationDeviceRoutes,
  ...organizationSpaceRoutes,
  ...organizationSupportRoutes,
  ...organizationDirectoryRoutes,
  ...organizationInventoryRoutes,
  ...organizationEdgeRoutes,
  ...partnerRoutes,
  ...deviceRegistrationRoutes,
  ...deviceRoutes,
];
