import { toolContext } from "../helpers/tool_context.ts";
import assert from "node:assert/strict";
import { toolFailure } from "../helpers/tool_failure.ts";
import type { ToolContext } from "../../src/mcp/tool.ts";
import { exposedTools, loadTools } from "../../src/registry.ts";

/** Every registered tool, from every toolset. */
const TOOLS = await loadTools();
import { Secret } from "../../src/secret.ts";
import { callEndpoint, capResponse, describeSpec, lookupEndpoint } from "../../src/tools/catalog.ts";
import { endpoint } from "../../src/xyte/catalog.ts";
import { XyteClient } from "../../src/xyte/client.ts";

/** A context whose client records requests and answers `{ok: true}`. */
function context(readOnly: boolean): { ctx: ToolContext; sent: string[] } {
  const sent: string[] = [];
  const xyte = new XyteClient({
    hubUrl: "http://hub.test",
    entryUrl: "http://entry.test",
    organizationKey: new Secret("org-key-123456"),
    timeoutMs: 1000,
    fetch: (input, init) => {
      sent.push(`${init?.method} ${input}`);
      return Promise.resolve(Response.json({ ok: true }));
    },
  });
  return { ctx: toolContext(xyte, { readOnly }), sent };
}

const readOnlyCall = callEndpoint.readOnlyVariant!;

Deno.test("capResponse returns small bodies whole and null for empty ones", () => {
  assert.deepEqual(capResponse({ a: 1 }, 100), { response: { a: 1 }, truncated: false });
  assert.deepEqual(capResponse(null, 100), { response: null, truncated: false });
  assert.deepEqual(capResponse(undefined, 100), { response: null, truncated: false });
});

Deno.test("capResponse keeps whole list rows under the cap and says how many", () => {
  const rows = Array.from({ length: 50 }, (_, i) => ({ id: i, name: `device ${i}` }));
  for (
    const value of [rows, { items: rows, has_next_page: true }, {
      data: rows,
      page_info: { has_next: false },
    }]
  ) {
    const capped = capResponse(value, 500);
    assert.equal(capped.truncated, true);
    assert.ok(JSON.stringify(capped.response).length <= 500);
    const kept = Array.isArray(capped.response)
      ? capped.response
      : ((capped.response as Record<string, unknown[]>).items ??
        (capped.response as Record<string, unknown[]>).data);
    assert.ok(kept.length > 0 && kept.length < 50);
    assert.deepEqual(kept, rows.slice(0, kept.length), "rows are kept from the start, in order");
    assert.match(capped.note!, new RegExp(`kept ${kept.length} of 50 rows`));
  }
  const envelope = capResponse({ items: rows, has_next_page: true }, 500).response as Record<string, unknown>;
  assert.equal(envelope.has_next_page, true, "the envelope's other fields are kept");
});

Deno.test("capResponse cuts an oversized non-list body as text, flagged", () => {
  const capped = capResponse({ blob: "x".repeat(1000) }, 100);
  assert.equal(capped.truncated, true);
  assert.equal(capped.response, undefined);
  assert.equal(capped.response_text!.length, 100);
  assert.match(capped.note!, /first 100 of \d+ chars/);
  // A list whose first row alone is over the cap falls back to text too.
  assert.ok(capResponse([{ blob: "y".repeat(1000) }], 100).response_text);
});

Deno.test("lookupEndpoint suggests close keys for an unknown one", async () => {
  const error = await toolFailure(() => Promise.resolve(lookupEndpoint("organization.tickets.getTikets")));
  assert.equal(error.code, "unknown_endpoint");
  assert.match(error.message, /did you mean organization\.tickets\.getTickets/);
  assert.match(error.hint, /search_endpoints/);
});

Deno.test("describeSpec says how to call: path, device_key, confirm, and read-only refusal", () => {
  const closeIncident = describeSpec(endpoint("device.incidents.closeIncident"), false);
  assert.deepEqual(closeIncident.call_example, {
    key: "device.incidents.closeIncident",
    path: { device_id: "<device_id>", incident_id: "<incident_id>" },
    device_key: "<device access key>",
    confirm: "<incident_id>",
  });
  assert.equal(closeIncident.destructive, true);
  const getDevices = describeSpec(endpoint("organization.devices.getDevices"), true);
  assert.deepEqual(getDevices.call_example, { key: "organization.devices.getDevices" });
  assert.ok(!getDevices.notes.some((n) => /read-only/.test(n)));
  assert.ok(
    describeSpec(endpoint("organization.devices.moveDevice"), true).notes.some((n) => /read-only/.test(n)),
  );
  assert.ok(
    describeSpec(endpoint("device.device-info.updateDevice"), false).notes.some((n) => /incomplete/.test(n)),
  );
});

Deno.test("call_endpoint asks confirmation of destructive calls only, with the target id first", () => {
  const path = { device_id: "d1", command_id: "c9" };
  const spec = callEndpoint.confirmation({
    key: "organization.commands.cancelCommand",
    path,
    dry_run: false,
  });
  assert.deepEqual(spec?.accepts, ["c9", "organization.commands.cancelCommand"]);
  assert.match(spec!.message, /DELETE \/core\/v1\/organization\/devices\/d1\/commands\/c9/);
  assert.deepEqual(
    callEndpoint.confirmation({ key: "organization.users.deactivateUser", path: { id: 4 }, dry_run: false })
      ?.accepts,
    ["4", "organization.users.deactivateUser"],
  );
  // Not destructive, a dry run, an unknown key or invalid arguments: nothing to confirm (yet).
  assert.equal(
    callEndpoint.confirmation({ key: "organization.devices.moveDevice", path, dry_run: false }),
    undefined,
  );
  assert.equal(
    callEndpoint.confirmation({ key: "organization.commands.cancelCommand", path, dry_run: true }),
    undefined,
  );
  assert.equal(callEndpoint.confirmation({ key: "nope", dry_run: false }), undefined);
  assert.equal(
    callEndpoint.confirmation({ key: "organization.commands.cancelCommand", path: {}, dry_run: false }),
    undefined,
  );
  assert.equal(readOnlyCall.confirmation({ key: "organization.commands.cancelCommand", path }), undefined);
});

Deno.test("call_endpoint refuses invalid arguments before the client is used", async () => {
  const { ctx, sent } = context(false);
  const error = await toolFailure(() =>
    callEndpoint.execute({ key: "organization.devices.getDevices", query: { size: 5 }, dry_run: false }, ctx)
  );
  assert.equal(error.code, "invalid_arguments");
  assert.match(error.message, /query\.size/);
  assert.deepEqual(sent, []);
});

Deno.test("call_endpoint names the first few bad parameters of many and counts the rest", async () => {
  const { ctx } = context(false);
  // 10,000 made-up query parameters: naming each (with the accepted list) made an answer ten times the request.
  const query = Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`k${i}`, 1]));
  const error = await toolFailure(() =>
    callEndpoint.execute({ key: "organization.devices.getDevices", query, dry_run: false }, ctx)
  );
  assert.equal(error.code, "invalid_arguments");
  assert.match(error.message, /query\.k0: not a query parameter/);
  assert.match(error.message, /query\.k4: /);
  assert.doesNotMatch(error.message, /query\.k5:/);
  assert.match(error.message, /; 9995 more$/);
  assert.ok(error.message.length < 2000, `${error.message.length} characters`);
});

Deno.test("call_endpoint dry run returns the exact request with the key masked and sends nothing", async () => {
  const { ctx, sent } = context(false);
  const { result } = await callEndpoint.execute({
    key: "organization.devices.moveDevice",
    path: { device_id: "a b" },
    body: { space_id: 7 },
    dry_run: true,
  }, ctx);
  assert.deepEqual(result, {
    key: "organization.devices.moveDevice",
    method: "POST",
    url: "http://hub.test/core/v1/organization/devices/a%20b/move",
    dry_run: true,
    request: {
      headers: {
        accept: "application/json",
        "user-agent": "xyte-mcp",
        authorization: "[redacted]",
        "content-type": "application/json",
      },
      body: { space_id: 7 },
    },
    truncated: false,
  });
  assert.deepEqual(sent, []);
});

Deno.test("call_endpoint sends a valid call once and returns the parsed response", async () => {
  const { ctx, sent } = context(false);
  const { result, summary } = await callEndpoint.execute(
    { key: "organization.devices.getDevices", query: { per_page: 2 }, dry_run: false },
    ctx,
  );
  assert.deepEqual(sent, ["GET http://hub.test/core/v1/organization/devices?per_page=2"]);
  assert.deepEqual(result.response, { ok: true });
  assert.match(summary, /organization\.devices\.getDevices \(GET\) answered an object/);
});

Deno.test("read-only call_endpoint refuses every mutating endpoint and still reads", async () => {
  const { ctx, sent } = context(true);
  for (const key of ["organization.devices.moveDevice", "organization.devices.deleteDevice"]) {
    const error = await toolFailure(() =>
      readOnlyCall.execute({ key, path: { device_id: "d" }, dry_run: true }, ctx)
    );
    assert.equal(error.code, "read_only");
  }
  // The writer refuses too when the server runs read-only (defence in depth).
  const writer = await toolFailure(() =>
    callEndpoint.execute(
      { key: "organization.devices.moveDevice", path: { device_id: "d" }, dry_run: false },
      ctx,
    )
  );
  assert.equal(writer.code, "read_only");
  assert.deepEqual(sent, []);
  await readOnlyCall.execute({ key: "organization.getOrganizationInfo", dry_run: false }, ctx);
  assert.deepEqual(sent, ["GET http://hub.test/core/v1/organization/info"]);
});

Deno.test("read-only mode exposes call_endpoint's read-only variant under the same name", async () => {
  assert.equal(callEndpoint.annotations.readOnlyHint, false);
  assert.equal(callEndpoint.annotations.destructiveHint, true);
  assert.equal(readOnlyCall.name, "call_endpoint");
  assert.equal(readOnlyCall.annotations.readOnlyHint, true);
  assert.equal(readOnlyCall.annotations.destructiveHint, false);
  assert.match(readOnlyCall.description, /refused/);
  const catalog = await exposedTools({ readOnly: true, toolsets: ["catalog"] });
  assert.deepEqual(catalog.map((t) => t.name), ["search_endpoints", "describe_endpoint", "call_endpoint"]);
  assert.equal(catalog.find((t) => t.name === "call_endpoint"), readOnlyCall);
  const writers =
    (await exposedTools({ readOnly: true, toolsets: [...new Set(TOOLS.map((t) => t.toolset))] }))
      .filter((t) => !t.annotations.readOnlyHint);
  assert.deepEqual(writers, []);
  assert.equal((await exposedTools({ readOnly: false, toolsets: ["catalog"] })).at(-1), callEndpoint);
});

Deno.test("arguments refuse what no Xyte id or endpoint key can be: a key over 120 characters, an id over 256", () => {
  const tool = (name: string) => TOOLS.find((t) => t.name === name)!;
  // A megabyte-long key used to be compared with every endpoint key for suggestions: half a minute of CPU.
  assert.equal(tool("describe_endpoint").input.safeParse({ key: "k".repeat(121) }).success, false);
  assert.equal(
    tool("describe_endpoint").input.safeParse({ key: "organization.devices.getDevice" }).success,
    true,
  );
  for (
    const [name, args] of [["get_device", "device_id"], ["get_ticket", "ticket_id"], [
      "delete_asset",
      "asset_id",
    ]]
  ) {
    const input = tool(name!).input;
    assert.equal(input.safeParse({ [args!]: "i".repeat(257) }).success, false, `${name}.${args}`);
    assert.equal(input.safeParse({ [args!]: "i".repeat(256) }).success, true, `${name}.${args}`);
  }
});
