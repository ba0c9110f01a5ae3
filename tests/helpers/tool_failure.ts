/** The payload of the ToolFailure `run` rejects with; fails the test when it resolves or rejects otherwise. */
import assert from "node:assert/strict";
import { ToolFailure } from "../../src/mcp/results.ts";

export async function toolFailure(run: () => Promise<unknown>): Promise<ToolFailure["payload"]> {
  try {
    await run();
  } catch (error) {
    assert.ok(error instanceof ToolFailure, String(error));
    return error.payload;
  }
  throw new Error("expected a failure");
}
