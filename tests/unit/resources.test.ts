import assert from "node:assert/strict";
import { ProtocolErrorCode, ResourceNotFoundError } from "@modelcontextprotocol/server";
import { decodeVariables, resourceError } from "../../src/mcp/register_resources.ts";
import { ToolFailure } from "../../src/mcp/results.ts";
import { RESOURCES } from "../../src/registry.ts";
import { catalogResource } from "../../src/resources/catalog.ts";
import { DirectoryCache } from "../../src/resources/directory.ts";
import { rememberSecret } from "../../src/secret.ts";
import { ENDPOINTS } from "../../src/xyte/catalog.ts";
import { XyteClient } from "../../src/xyte/client.ts";
import { XyteError } from "../../src/xyte/errors.ts";

const offline = new XyteClient({
  hubUrl: "http://unused.invalid",
  entryUrl: "http://unused.invalid",
  timeoutMs: 1000,
  fetch: () => Promise.reject(new TypeError("no network in unit tests")),
});
const ctx = { xyte: offline, signal: new AbortController().signal, directories: new DirectoryCache() };

Deno.test("resources: the registry declares each URI once, all under xyte://", () => {
  const uris = RESOURCES.map((r) => (r.kind === "fixed" ? r.uri : r.uriTemplate));
  assert.deepEqual(uris, [
    "xyte://organization",
    "xyte://incidents",
    "xyte://devices/{device_id}",
    "xyte://devices/{device_id}/commands",
    "xyte://devices/{device_id}/histories",
    "xyte://spaces/{space_id}",
    "xyte://tickets/{ticket_id}",
    "xyte://catalog/{key}",
  ]);
  assert.equal(new Set(RESOURCES.map((r) => r.name)).size, RESOURCES.length, "names are unique");
});

Deno.test("resources: the catalog lists every endpoint and reads one without an upstream call", async () => {
  const listed = await catalogResource.list!(ctx);
  assert.equal(listed.length, ENDPOINTS.length);
  assert.equal(listed[0]!.uri, `xyte://catalog/${ENDPOINTS[0]!.key}`);
  const spec = await catalogResource.read({ key: "organization.devices.getDevice" }, ctx) as { path: string };
  assert.equal(spec.path, "/core/v1/organization/devices/:device_id");
});

Deno.test("resources: an unknown catalog key is not_found with suggestions", async () => {
  await assert.rejects(
    () => catalogResource.read({ key: "organization.devices.getDevic" }, ctx),
    (error: unknown) =>
      error instanceof ToolFailure && error.payload.code === "not_found" &&
      error.payload.hint.includes("organization.devices.getDevice"),
  );
});

Deno.test("resource errors: not_found becomes resource-not-found naming the URI", () => {
  const error = resourceError(
    "xyte://devices/nope",
    new XyteError({ code: "not_found", status: 404, message: "Device not found" }),
  );
  assert.ok(error instanceof ResourceNotFoundError);
  assert.deepEqual(error.data, { uri: "xyte://devices/nope" });
  assert.match(error.message, /xyte:\/\/devices\/nope.*Device not found.*not_found, HTTP 404/);
});

Deno.test("resource errors: upstream failures keep code, hint and retriable; bad ids are invalid params", () => {
  const upstream = resourceError(
    "xyte://organization",
    new XyteError({ code: "upstream", status: 503, message: "busy" }),
  );
  assert.equal(upstream.code, ProtocolErrorCode.InternalError);
  const data = upstream.data as { uri: string; error: { code: string; retriable: boolean; hint: string } };
  assert.equal(data.error.code, "upstream");
  assert.equal(data.error.retriable, true);
  assert.match(upstream.message, /Retriable\.$/);
  const invalid = resourceError(
    "xyte://spaces/x",
    new XyteError({ code: "validation", status: 422, message: "bad" }),
  );
  assert.equal(invalid.code, ProtocolErrorCode.InvalidParams);
});

Deno.test("resource errors: secrets never reach the message or data; unexpected errors say nothing inside", () => {
  rememberSecret("resource-test-secret-7e1d");
  const leaked = resourceError(
    "xyte://organization",
    new XyteError({ code: "auth", status: 401, message: "key resource-test-secret-7e1d rejected" }),
  );
  assert.ok(!leaked.message.includes("resource-test-secret-7e1d"));
  assert.ok(!JSON.stringify(leaked.data).includes("resource-test-secret-7e1d"));
  const bug = resourceError("xyte://organization", new TypeError("x is undefined at /src/secret/path.ts"));
  assert.equal(bug.code, ProtocolErrorCode.InternalError);
  assert.ok(!bug.message.includes("/src/secret/path.ts"));
});

Deno.test("resource variables are URI-decoded strings", () => {
  assert.deepEqual(decodeVariables({ device_id: "a%20b", key: ["x.y", "z"] }), {
    device_id: "a b",
    key: "x.y",
  });
  assert.deepEqual(decodeVariables({ device_id: "100%" }), { device_id: "100%" });
});
