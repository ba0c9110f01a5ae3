import assert from "node:assert/strict";
import { MAX_TOUCHED_IDS, touchedIds } from "../../src/mcp/touched.ts";

Deno.test("touchedIds: the ids a write names, and none of its names or texts", () => {
  assert.deepEqual(touchedIds({ device_id: "d-1", name: "Lobby projector" }), ["d-1"]);
  assert.deepEqual(touchedIds({ ticket_id: 77, message: "please check d-2" }), ["77"]);
  assert.deepEqual(
    touchedIds({ space: 12, parent: "Floor 3", name: "Room" }),
    ["12"],
    "a space name is not taken",
  );
  assert.deepEqual(touchedIds({ space: "34", parent: 5 }), ["34", "5"]);
  assert.deepEqual(touchedIds({ email: "a@b.example", group_ids: ["g1", "g2"] }), ["g1", "g2"]);
  assert.deepEqual(touchedIds({ group_id: "g1", add: ["u1"], remove: [] }), ["g1"]);
  assert.deepEqual(touchedIds({ name: "New space" }), [], "a creation names no existing record");
  assert.deepEqual(
    touchedIds({ key: "k", path: { device_id: "d".repeat(257) }, body: { space_id: 5 } }),
    ["5"],
    "a value longer than any id sent upstream is no id (other replicas would refuse the announcement for it)",
  );
});

Deno.test("touchedIds: call_endpoint's path parameters and id fields of its body", () => {
  assert.deepEqual(
    touchedIds({
      key: "organization.devices.updateDevice",
      path: { device_id: "d-9" },
      body: { space_id: 5, name: "x" },
      confirm: "d-9",
    }),
    ["d-9", "5"],
  );
});

Deno.test("touchedIds: too many ids to tell is undefined (anything may have changed)", () => {
  const ids = Array.from({ length: MAX_TOUCHED_IDS + 1 }, (_, i) => `u${i}`);
  assert.equal(touchedIds({ user_ids: ids }), undefined);
  assert.equal(touchedIds({ user_ids: ids.slice(1) })?.length, MAX_TOUCHED_IDS);
});
