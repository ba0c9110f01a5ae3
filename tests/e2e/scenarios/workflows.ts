/** Scenarios for the workflow tools (fleet_summary, diagnose_device). */
import type { Scenario } from "./types.ts";

export const WORKFLOW_SCENARIOS: Record<string, Scenario> = {};
