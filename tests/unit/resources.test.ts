import assert from "node:assert/strict";
import { ProtocolErrorCode, ResourceNotFoundError } from "@modelcontextprotocol/server";
import { decodeVariables, resourceError } from "../../src/mcp/register_resources.ts";
import { ToolFailure } from "../../src/mcp/results.ts";
import { RESOURCES } from "../../src/registry.ts";
import { catalogResource } from "../../src/resources/catalog.ts";
import { DirectoryCache } from "../../src/resources/directory.ts";
import type { CompletionSource } from "../../src/mcp/completion.ts";
import type { ResourceDefinition, ResourceReadContext, TemplateResource } from "../../src/mcp/resource.ts";
import { rememberSecret } from "../../src/secret.ts";
import { createSimulator } from "../../src/simulator/mod.ts";
import { ENDPOINTS } from "../../src/xyte/catalog.ts";
import { XyteClient } from "../../src/xyte/client.ts";
import { XyteError } from "../../src/xyte/errors.ts";
import { simulatedClient } from "../helpers/sim_client.ts";
import { addActiveIncidents, addChildSpaces } from "../helpers/sim_rows.ts";

const offline = new XyteClient({
  hubUrl: "http://unused.invalid",
  entryUrl: "http://unused.invalid",
  timeoutMs: 1000,
  fetch: () => Promise.reject(new TypeError("no network in unit tests")),
});
/** A read on a server exposing every tool. */
const ctx: ResourceReadContext = {
  xyte: offline,
  signal: new AbortController().signal,
  directories: new DirectoryCache(),
  exposes: () => true,
};

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

/** Runs `read` with `Date.now` `ms` ahead, as a later poll would see it. */
async function later<T>(ms: number, read: () => Promise<T>): Promise<T> {
  const realNow = Date.now;
  Date.now = () => realNow() + ms;
  try {
    return await read();
  } finally {
    Date.now = realNow;
  }
}

/** A template's variables, each the id of its kind. */
function variablesFor(
  template: TemplateResource,
  ids: Readonly<Record<CompletionSource, string>>,
): Record<string, string> {
  return Object.fromEntries(Object.entries(template.variables).map(([name, source]) => [name, ids[source]]));
}

/** The top-level fields whose values differ between two documents. */
function differingFields(first: unknown, second: unknown): string[] {
  const a = first as Record<string, unknown>;
  const b = second as Record<string, unknown>;
  return [...new Set([...Object.keys(a), ...Object.keys(b)])]
    .filter((key) => JSON.stringify(a[key]) !== JSON.stringify(b[key]))
    .sort();
}

Deno.test("resources: read again a minute later with nothing changed, a document differs only in its declared clock fields", async () => {
  // A field computed from the clock but not declared would make a subscription notify at every poll.
  const key = "resources-clock-key-4e1a90";
  const sim = createSimulator({ organizations: [{ key, seed: 11, deviceCount: 8 }] });
  const xyte = simulatedClient(sim, key);
  const simCtx: ResourceReadContext = { ...ctx, xyte };
  const org = sim.state.organizations[0]!;
  // More than the documents hold, so that their notes of how to get the rest (`more`) are read too.
  addActiveIncidents(org, 600);
  addChildSpaces(org, org.spaces[0]!.id, 120);
  const ids: Record<CompletionSource, string> = {
    device_id: org.devices.find((d) => d.lastSeenAtMs !== null)!.id,
    space_id: String(org.spaces[0]!.id),
    ticket_id: org.tickets[0]!.id,
    endpoint_key: ENDPOINTS[0]!.key,
  };
  const read = (resource: ResourceDefinition) =>
    resource.kind === "fixed" ? resource.read(simCtx) : resource.read(variablesFor(resource, ids), simCtx);
  for (const resource of RESOURCES) {
    const first = await read(resource);
    const second = await later(60_000, () => read(resource));
    assert.deepEqual(differingFields(first, second), [...resource.clockFields ?? []].sort(), resource.name);
  }
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
