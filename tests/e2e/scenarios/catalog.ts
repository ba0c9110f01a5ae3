/** Scenarios for the catalog and connector tools. */
import type { Scenario } from "./types.ts";

export const CATALOG_SCENARIOS: Record<string, Scenario> = {};
