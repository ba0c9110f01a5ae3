import assert from "node:assert/strict";
import { successResult, ToolFailure } from "../../src/mcp/results.ts";
import {
  type ConnectorDoc,
  fetchDocument,
  parseDocId,
  rankDocs,
  resourceUrl,
  search,
} from "../../src/tools/connector.ts";

const doc = (id: string, primary: string, secondary = ""): ConnectorDoc => {
  const kind = id.split(":")[0] as ConnectorDoc["kind"];
  return { id, kind, title: primary, url: resourceUrl(kind, id.split(":")[1]!), primary, secondary };
};

const DOCS: ConnectorDoc[] = [
  doc(
    "incident:i1",
    "Device offline",
    "connectivity LON Boardroom Display London Office/Floor 1 active high",
  ),
  doc("ticket:t1", "Ceiling mic picks up HVAC noise", "Constant hum in recordings open"),
  doc("device:d1", "LON Boardroom Display offline", "Samsung QM85C London Office/Floor 1/Boardroom online"),
  doc("device:d2", "TLV Boardroom Display ok", "Samsung QM85C Tel Aviv HQ/Tower A/Boardroom online"),
  doc("device:d3", "NYC Studio Projector ok", "Barco G62 New York/Studio online"),
  doc("space:41", "London Office", "41 London Office site"),
];
const ids = (query: string) => rankDocs(DOCS, query).map((d) => d.id);

Deno.test("rankDocs: rare words and name matches first; kind words select the kind", () => {
  assert.equal(ids("London Office")[0], "space:41");
  assert.deepEqual(ids("HVAC"), ["ticket:t1"]);
  assert.deepEqual(ids("which devices are offline?"), ["device:d1", "incident:i1"]);
  assert.deepEqual(ids("incidents"), ["incident:i1"]);
  assert.deepEqual(ids("tickets"), ["ticket:t1"]);
  assert.equal(ids("barco projector")[0], "device:d3");
  assert.deepEqual(ids("boardroom display tel aviv").slice(0, 2), ["device:d2", "device:d1"]);
});

Deno.test("rankDocs: ids match their record first; blank or unmatched queries give nothing", () => {
  assert.equal(ids("d2")[0], "device:d2");
  assert.equal(ids("ticket:t1")[0], "ticket:t1");
  assert.deepEqual(ids("   "), []);
  assert.deepEqual(ids("zzqx"), []);
  assert.deepEqual(ids("what is the"), []);
  assert.equal(rankDocs(DOCS, "online", 2).length, 2, "max results");
});

Deno.test("resource urls follow the xyte:// resources; incidents share one", () => {
  assert.equal(resourceUrl("device", "a b"), "xyte://devices/a%20b");
  assert.equal(resourceUrl("space", "1042"), "xyte://spaces/1042");
  assert.equal(resourceUrl("ticket", "t-1"), "xyte://tickets/t-1");
  assert.equal(resourceUrl("incident", "x"), "xyte://incidents");
});

Deno.test("parseDocId accepts kind:value ids and refuses anything else with a typed error", () => {
  assert.deepEqual(parseDocId("device:8c1f-aa"), { kind: "device", value: "8c1f-aa" });
  assert.deepEqual(parseDocId("space:1042"), { kind: "space", value: "1042" });
  assert.deepEqual(parseDocId("incident:a:b"), { kind: "incident", value: "a:b" });
  for (const bad of ["8c1f", "user:1", "device:", ""]) {
    assert.throws(
      () => parseDocId(bad),
      (e) => e instanceof ToolFailure && e.payload.code === "invalid_arguments",
    );
  }
});

Deno.test('content "json": exactly one text item holding the JSON, as connectors expect', () => {
  const result = successResult("2 results.", { results: [] }, "json");
  assert.deepEqual(result.content, [{ type: "text", text: '{"results":[]}' }]);
  assert.deepEqual(result.structuredContent, { results: [] });
  assert.equal(successResult("s", {}).content.length, 2, "the default keeps the summary line");
  assert.equal(search.content, "json");
  assert.equal(fetchDocument.content, "json");
});
