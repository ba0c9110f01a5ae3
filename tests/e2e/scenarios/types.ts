/**
 * A scenario calls one tool the way an agent would and asserts what the agent sees. Every tool in the
 * registry must have one (tests/e2e/all_tools.test.ts enforces it). Scenarios share one server and one
 * simulated hub, run in order, and may change data: pick your own targets, do not assume another scenario
 * ran first.
 */
import type { Client } from "@modelcontextprotocol/client";
import type { SimulatorServer } from "../../../src/simulator/mod.ts";

export interface ToolCallResult {
  isError?: boolean;
  content?: { type: string; text?: string }[];
  structuredContent?: Record<string, unknown>;
}

export interface ScenarioContext {
  client: Client;
  hub: SimulatorServer;
  /**
   * Calls a tool; asserts that `structuredContent` validates against the tool's published `outputSchema` and
   * that `content` starts with a text summary. Returns the raw result.
   */
  call(name: string, args?: Record<string, unknown>): Promise<ToolCallResult>;
  /** Like `call`, and also asserts the call succeeded; returns `structuredContent`. */
  ok<T = Record<string, unknown>>(name: string, args?: Record<string, unknown>): Promise<T>;
  /** Like `call`, and also asserts an `isError` result with this error code; returns the error payload. */
  fails(
    name: string,
    args: Record<string, unknown>,
    code: string,
  ): Promise<{ code: string; message: string; hint: string }>;
}

export type Scenario = (ctx: ScenarioContext) => Promise<void>;
