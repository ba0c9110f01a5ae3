import assert from "node:assert/strict";
import { hasWideObject, MAX_OBJECT_MEMBERS } from "../../src/transports/json_shape.ts";

const objectOf = (members: number) =>
  Object.fromEntries(Array.from({ length: members }, (_, i) => [`k${i}`, i]));

Deno.test("hasWideObject finds an object over the member limit wherever it is in a body", () => {
  const wide = objectOf(MAX_OBJECT_MEMBERS + 1);
  assert.equal(hasWideObject(wide), true, "the message itself");
  assert.equal(hasWideObject({ jsonrpc: "2.0", id: 1, method: "ping", params: wide }), true, "its params");
  assert.equal(hasWideObject({ params: { _meta: wide } }), true, "its _meta");
  assert.equal(hasWideObject([{ id: 1 }, { params: { arguments: { filter: wide } } }]), true, "in a batch");
  assert.equal(hasWideObject({ params: { list: [1, "a", null, [wide]] } }), true, "inside arrays");
});

Deno.test("hasWideObject lets ordinary bodies through: objects at the limit, long arrays, primitives", () => {
  assert.equal(hasWideObject({ params: objectOf(MAX_OBJECT_MEMBERS) }), false);
  assert.equal(hasWideObject({ params: { ids: Array.from({ length: 100_000 }, (_, i) => i) } }), false);
  for (const value of [null, 1, "text", true, [], {}]) assert.equal(hasWideObject(value), false);
});

Deno.test("hasWideObject walks a body nested deeper than the call stack without overflowing it", () => {
  const depth = 100_000;
  const deep = JSON.parse("[".repeat(depth) + "]".repeat(depth));
  assert.equal(hasWideObject({ params: { x: deep } }), false);
  const deepObjects = JSON.parse('{"a":'.repeat(depth) + "{}" + "}".repeat(depth));
  assert.equal(hasWideObject(deepObjects), false);
});
