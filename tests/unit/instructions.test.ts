import assert from "node:assert/strict";
import { serverInstructions } from "../../src/mcp/server.ts";
import { exposedTools, loadTools } from "../../src/registry.ts";

Deno.test("server instructions name only exposed tools and always state the error contract", async () => {
  const all = await loadTools();
  const catalogOnly = await exposedTools({ readOnly: false, toolsets: ["catalog"] });
  const text = serverInstructions(catalogOnly);
  assert.match(text, /call_endpoint/);
  assert.match(text, /retriable/);
  const mentioned = [...text.matchAll(/\b[a-z]+(?:_[a-z]+)+\b/g)].map((m) => m[0]);
  const names = new Set(all.map((t) => t.name));
  for (const word of mentioned.filter((w) => names.has(w))) {
    assert.ok(catalogOnly.some((t) => t.name === word), `${word} is named but not exposed`);
  }
  assert.match(serverInstructions(all), /fleet_summary/);
});
