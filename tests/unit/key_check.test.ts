import assert from "node:assert/strict";
import { createMemoryRateLimiter, createNoRateLimiter } from "../../src/transports/rate_limit.ts";
import {
  type CheckedTenant,
  type KeyKind,
  type KeyVerdict,
  probeKeyWithXyte,
  TenantKeyCheck,
  type TenantKeyCheckOptions,
} from "../../src/transports/key_check.ts";
import { Secret } from "../../src/secret.ts";
import type { KeyCheckOutcome } from "../../src/observability/telemetry.ts";
import { XyteClient } from "../../src/xyte/client.ts";
import { startSimulator } from "../../src/simulator/mod.ts";

const NO_HUB = new XyteClient({
  hubUrl: "http://hub.invalid",
  entryUrl: "http://hub.invalid",
  timeoutMs: 1000,
});

function tenant(organization?: string, partner?: string): CheckedTenant {
  return {
    keyIds: { ...(organization ? { organization } : {}), ...(partner ? { partner } : {}) },
    deps: { xyte: NO_HUB },
  };
}

/**
 * A check whose Xyte answers from `verdicts` (by key id, read through the client's key kind) and counts what
 * it was asked; the clock is `clock.now`.
 */
function checker(verdicts: Record<string, KeyVerdict>, options: Partial<TenantKeyCheckOptions> = {}) {
  const asked: string[] = [];
  const outcomes: KeyCheckOutcome[] = [];
  const clock = { now: 1_000_000 };
  let current: Record<KeyKind, string | undefined> = { organization: undefined, partner: undefined };
  const check = new TenantKeyCheck({
    limiter: createNoRateLimiter(),
    now: () => clock.now,
    probe: (_client, kind) => {
      const id = current[kind]!;
      asked.push(id);
      return Promise.resolve(verdicts[id] ?? "invalid");
    },
    onCheck: (outcome) => outcomes.push(outcome),
    ...options,
  });
  const admit = async (organization?: string, partner?: string) => {
    current = { organization, partner };
    const refused = await check.admit(tenant(organization, partner));
    return refused
      ? { status: refused.status, retryAfter: refused.headers.get("retry-after"), ...await refused.json() }
      : undefined;
  };
  return { check, admit, asked, outcomes, clock };
}

Deno.test("key check: a key Xyte accepts is asked about once, then remembered until its time is up", async () => {
  const { admit, asked, clock } = checker({ good: "valid" }, { validMs: 60_000 });
  assert.equal(await admit("good"), undefined);
  assert.equal(await admit("good"), undefined);
  assert.deepEqual(asked, ["good"]);
  clock.now += 60_001;
  assert.equal(await admit("good"), undefined);
  assert.deepEqual(asked, ["good", "good"], "asked again once its time is up");
});

Deno.test("key check: a refused key gets 401 naming its header, remembered for a shorter time", async () => {
  const { admit, asked, clock, outcomes } = checker({ good: "valid" }, { invalidMs: 5000 });
  const refused = await admit("made-up");
  assert.equal(refused?.status, 401);
  assert.equal(refused?.error.code, -32001);
  assert.match(refused?.error.message, /Xyte does not accept the key in X-Xyte-Api-Key/);
  await admit("made-up");
  assert.deepEqual(asked, ["made-up"]);
  clock.now += 5001;
  await admit("made-up");
  assert.deepEqual(asked, ["made-up", "made-up"]);
  const partner = await admit("good", "made-up-partner");
  assert.match(partner?.error.message, /X-Xyte-Partner-Key/);
  assert.deepEqual(outcomes, ["invalid", "invalid", "valid", "invalid"]);
});

Deno.test("key check: requests with the same new key at once share one question to Xyte", async () => {
  const { promise: answer, resolve } = Promise.withResolvers<KeyVerdict>();
  let asked = 0;
  const check = new TenantKeyCheck({
    limiter: createNoRateLimiter(),
    probe: () => {
      asked++;
      return answer;
    },
  });
  const all = Promise.all(Array.from({ length: 5 }, () => check.admit(tenant("k"))));
  resolve("valid");
  assert.deepEqual(await all, [undefined, undefined, undefined, undefined, undefined]);
  assert.equal(asked, 1);
});

Deno.test("key check: while Xyte does not answer a new key gets 503, one accepted before is still served", async () => {
  const verdicts: Record<string, KeyVerdict> = { known: "valid", fresh: "unavailable" };
  const { admit, asked, clock } = checker(verdicts, { validMs: 1000 });
  assert.equal(await admit("known"), undefined);
  const refused = await admit("fresh");
  assert.equal(refused?.status, 503);
  assert.equal(refused?.retryAfter, "5");
  assert.match(refused?.error.message, /could not be checked: Xyte did not answer/);
  await admit("fresh");
  assert.equal(asked.filter((id) => id === "fresh").length, 2, "not remembered: asked again");
  verdicts.known = "unavailable";
  clock.now += 1001;
  assert.equal(await admit("known"), undefined, "accepted before: served while Xyte is away");
  assert.equal(await admit("known"), undefined);
  assert.equal(asked.filter((id) => id === "known").length, 3, "and asked again each time until it answers");
});

Deno.test("key check: checks of new keys share one bucket; beyond it 429, while remembered keys pass", async () => {
  const limiter = createMemoryRateLimiter({ perMinute: 6, burst: 2, now: () => 0 });
  const { admit, asked, outcomes, clock } = checker(
    { a: "valid", b: "valid", c: "valid" },
    { limiter, validMs: 1000 },
  );
  assert.equal(await admit("a"), undefined);
  assert.equal(await admit("b"), undefined);
  const capped = await admit("c");
  assert.equal(capped?.status, 429);
  assert.equal(capped?.retryAfter, "10");
  assert.match(capped?.error.message, /Too many new Xyte keys to check right now; retry in 10 s/);
  assert.equal(await admit("a"), undefined, "a remembered key takes nothing from the bucket");
  clock.now += 1001;
  assert.equal(await admit("a"), undefined, "accepted before: not locked out by the empty bucket");
  assert.deepEqual(asked, ["a", "b"]);
  assert.deepEqual(outcomes, ["valid", "valid", "capped", "capped"]);
});

Deno.test("key check: at most maxKeys are remembered, the least recently used forgotten first", async () => {
  const { admit, asked, check } = checker({ a: "valid", b: "valid", c: "valid" }, { maxKeys: 2 });
  await admit("a");
  await admit("b");
  await admit("a"); // a is now the most recently used
  await admit("c"); // b goes
  assert.equal(check.size, 2);
  await admit("a");
  await admit("b");
  assert.deepEqual(asked, ["a", "b", "c", "b"]);
});

Deno.test("key check: a tenant without key ids (single-tenant) is never checked", async () => {
  const { admit, asked } = checker({});
  assert.equal(await admit(), undefined);
  assert.deepEqual(asked, []);
});

Deno.test("probeKeyWithXyte: Xyte's answer to a cheap read decides; no answer says nothing", async () => {
  const hub = await startSimulator({ organizations: [{ key: "org-key-for-probe-000" }] });
  const partnerKey = hub.state.partner.key;
  const with_ = (keys: { organization?: string; partner?: string }, hubUrl = hub.url) =>
    new XyteClient({
      hubUrl,
      entryUrl: hubUrl,
      timeoutMs: 2000,
      ...(keys.organization ? { organizationKey: new Secret(keys.organization) } : {}),
      ...(keys.partner ? { partnerKey: new Secret(keys.partner) } : {}),
    });
  try {
    assert.equal(
      await probeKeyWithXyte(with_({ organization: "org-key-for-probe-000" }), "organization"),
      "valid",
    );
    assert.equal(
      await probeKeyWithXyte(with_({ organization: "made-up-key-00000000" }), "organization"),
      "invalid",
    );
    assert.equal(await probeKeyWithXyte(with_({ partner: partnerKey }), "partner"), "valid");
    assert.equal(await probeKeyWithXyte(with_({ partner: "made-up-partner-0000" }), "partner"), "invalid");
  } finally {
    await hub.close();
  }
  const down = with_({ organization: "org-key-for-probe-000" }, hub.url);
  assert.equal(await probeKeyWithXyte(down, "organization"), "unavailable", "the hub is gone");
});
