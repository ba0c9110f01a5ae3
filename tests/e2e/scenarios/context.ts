/** Builds the `ScenarioContext` for a connected client. */
import assert from "node:assert/strict";
import type { Client } from "@modelcontextprotocol/client";
import type { SimulatorServer } from "../../../src/simulator/mod.ts";
import { assertMatchesOutputSchema } from "../harness.ts";
import type { ScenarioContext, ToolCallResult } from "./types.ts";

export async function scenarioContext(client: Client, hub: SimulatorServer): Promise<ScenarioContext> {
  const { tools } = await client.listTools();
  const schemas = new Map(tools.map((t) => [t.name, t.outputSchema]));
  const call = async (name: string, args: Record<string, unknown> = {}): Promise<ToolCallResult> => {
    assert.ok(schemas.has(name), `tool ${name} is listed`);
    const result = await client.callTool({ name, arguments: args }) as ToolCallResult;
    assertMatchesOutputSchema(schemas.get(name), result.structuredContent, name);
    assert.equal(result.content?.[0]?.type, "text", `${name} starts with a text summary`);
    return result;
  };
  return {
    client,
    hub,
    call,
    async ok<T>(name: string, args: Record<string, unknown> = {}) {
      const result = await call(name, args);
      assert.notEqual(result.isError, true, `${name} failed: ${result.content?.[0]?.text}`);
      return result.structuredContent as T;
    },
    async fails(name: string, args: Record<string, unknown>, code: string) {
      const result = await call(name, args);
      assert.equal(result.isError, true, `${name} was expected to fail with ${code}`);
      const error = (result.structuredContent as { error: { code: string; message: string; hint: string } })
        .error;
      assert.equal(error.code, code, `${name}: ${error.message}`);
      return error;
    },
  };
}
