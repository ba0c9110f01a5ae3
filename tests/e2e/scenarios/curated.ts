/** Scenarios for the curated tools (devices, commands, incidents, tickets, spaces, assets, users, partner, organization). */
import type { Scenario } from "./types.ts";

export const CURATED_SCENARIOS: Record<string, Scenario> = {};
