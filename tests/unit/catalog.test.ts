import assert from "node:assert/strict";
import {
  endpoint,
  ENDPOINTS,
  type EndpointSpec,
  fillPath,
  findEndpoint,
  missingPathParams,
  suggestKeys,
} from "../../src/xyte/catalog.ts";

const all: readonly EndpointSpec[] = ENDPOINTS;

/** Every `:name` segment of a path template, whatever characters the name uses. */
const pathParamsIn = (path: string) => [...path.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]!);

Deno.test("the catalog has 106 endpoints: 64 organization, 14 partner, 28 device", () => {
  assert.equal(all.length, 106);
  const count = (namespace: string) => all.filter((e) => e.namespace === namespace).length;
  assert.equal(count("organization"), 64);
  assert.equal(count("partner"), 14);
  assert.equal(count("device"), 28);
});

Deno.test("endpoint keys are unique and start with their namespace", () => {
  const keys = all.map((e) => e.key);
  const duplicates = keys.filter((k, i) => keys.indexOf(k) !== i);
  assert.deepEqual(duplicates, []);
  for (const e of all) {
    // Keys are stable identifiers agents pass back: `namespace.…action`, no spaces.
    assert.ok(e.key.startsWith(`${e.namespace}.`), e.key);
    assert.match(e.key, /^[a-z]+(\.[A-Za-z-]+)+$/, e.key);
  }
});

Deno.test("every :param in a path is listed in pathParams, in order, and vice versa", () => {
  for (const e of all) {
    assert.deepEqual(pathParamsIn(e.path), [...e.pathParams], e.key);
  }
});

Deno.test("fillPath replaces every path parameter of every endpoint", () => {
  for (const e of all) {
    const params = Object.fromEntries(e.pathParams.map((name) => [name, `v_${name}`]));
    const filled = fillPath(e, params);
    assert.ok(!filled.includes(":"), `${e.key}: ${filled}`);
    for (const name of e.pathParams) assert.ok(filled.includes(`v_${name}`), `${e.key}: ${filled}`);
  }
});

Deno.test("scopes and bases match namespaces; only device registration uses entry or no key", () => {
  for (const e of all) {
    if (e.namespace === "organization") assert.equal(e.scope, "organization", e.key);
    if (e.namespace === "partner") assert.equal(e.scope, "partner", e.key);
    if (e.namespace !== "device") assert.equal(e.base, "hub", e.key);
    if (e.scope === "none" || e.base === "entry") assert.equal(e.group, "registration", e.key);
    assert.ok(e.path.startsWith("/"), e.key);
  }
  assert.equal(endpoint("device.registration.registerDevice").scope, "none");
  assert.equal(endpoint("device.registration.registerDevice").base, "entry");
});

Deno.test("GET endpoints are not mutating and send no body", () => {
  for (const e of all.filter((e) => e.method === "GET")) {
    assert.equal(e.mutating, false, e.key);
    assert.equal(e.body, "none", e.key);
  }
  for (const e of all.filter((e) => e.body === "none")) assert.deepEqual(e.bodyFields, [], e.key);
});

Deno.test("fillPath URL-encodes values", () => {
  const spec = endpoint("organization.commands.cancelCommand");
  assert.equal(
    fillPath(spec, { device_id: "a/b c?#%", command_id: 7 }),
    "/core/v1/organization/devices/a%2Fb%20c%3F%23%25/commands/7",
  );
});

Deno.test("fillPath throws naming a missing parameter; missingPathParams lists them in path order", () => {
  const spec = endpoint("organization.commands.cancelCommand");
  assert.throws(() => fillPath(spec, { device_id: "d1" }), /command_id/);
  assert.deepEqual(missingPathParams(spec, {}), ["device_id", "command_id"]);
  assert.deepEqual(missingPathParams(spec, { device_id: "", command_id: null }), ["device_id", "command_id"]);
  assert.deepEqual(missingPathParams(spec, { device_id: 0, command_id: "c" }), []);
});

Deno.test("findEndpoint returns known keys and undefined for unknown ones", () => {
  assert.equal(
    findEndpoint("organization.devices.getDevice")?.path,
    "/core/v1/organization/devices/:device_id",
  );
  assert.equal(findEndpoint("organization.devices.nope"), undefined);
  assert.equal(findEndpoint("ORGANIZATION.DEVICES.GETDEVICE"), undefined);
});

Deno.test("suggestKeys proposes the intended key first for a near-miss typo", () => {
  assert.equal(suggestKeys("organization.devices.getDevce")[0], "organization.devices.getDevice");
  assert.equal(suggestKeys("organisation.devices.getDevices")[0], "organization.devices.getDevices");
  assert.equal(suggestKeys("partner.devices.getdevices")[0], "partner.devices.getDevices");
  assert.equal(suggestKeys("device.configuration.getConfg")[0], "device.configuration.getConfig");
});

Deno.test("suggestKeys returns at most max known keys", () => {
  const suggestions = suggestKeys("getDevice", 5);
  assert.equal(suggestions.length, 5);
  for (const key of suggestions) assert.ok(findEndpoint(key), key);
  assert.equal(suggestKeys("x").length, 3);
});
