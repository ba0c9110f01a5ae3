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
import type { KeyCheckOutcome } from "../../src/observability/telemetry.ts";
import { Secret } from "../../src/secret.ts";
import { XyteClient } from "../../src/xyte/client.ts";
import { createMemoryCacheStore } from "../../src/xyte/cache_store.ts";
import { DEFAULT_RETRY_POLICY } from "../../src/xyte/resilience.ts";
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
 * A check whose Xyte answers from `verdicts` by key id (a promise there is an answer still on its way) and
 * records what it was asked; the clock is `clock.now`.
 */
function checker(
  verdicts: Record<string, KeyVerdict | Promise<KeyVerdict>>,
  options: Partial<TenantKeyCheckOptions> = {},
) {
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
    if (!refused) return undefined;
    return {
      status: refused.status,
      retryAfter: refused.headers.get("retry-after"),
      ...await refused.json(),
    };
  };
  /** Lets background checks finish. */
  const settle = () => new Promise((resolve) => setTimeout(resolve, 0));
  return { check, admit, asked, outcomes, clock, settle };
}

Deno.test("key check: a key Xyte accepts is asked about once, then served without asking until its time is up", async () => {
  const { admit, asked, clock, settle } = checker({ good: "valid" }, { validMs: 60_000 });
  assert.equal(await admit("good"), undefined);
  assert.equal(await admit("good"), undefined);
  assert.deepEqual(asked, ["good"]);
  clock.now += 60_001;
  assert.equal(await admit("good"), undefined);
  await settle();
  assert.deepEqual(asked, ["good", "good"], "asked again once its time is up");
  assert.equal(await admit("good"), undefined);
  assert.deepEqual(asked, ["good", "good"], "and then not before its new time is up");
});

Deno.test("key check: an accepted key whose time is up is served at once while Xyte is asked again; refused after, if revoked", async () => {
  const { promise: answer, resolve } = Promise.withResolvers<KeyVerdict>();
  const verdicts: Record<string, KeyVerdict | Promise<KeyVerdict>> = { good: "valid" };
  const { admit, asked, clock, settle } = checker(verdicts, { validMs: 1000 });
  assert.equal(await admit("good"), undefined);
  clock.now += 1001;
  verdicts.good = answer; // Xyte is slow to answer the re-check
  assert.equal(await admit("good"), undefined, "served without waiting for the re-check");
  assert.equal(await admit("good"), undefined);
  assert.deepEqual(asked, ["good", "good"], "one re-check at a time");
  resolve("invalid"); // the key was revoked
  await settle();
  const refused = await admit("good");
  assert.equal(refused?.status, 401, "refused once Xyte has said so");
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

Deno.test("key check: a key Xyte knows but will not show its organization (403) is accepted for the short time", async () => {
  const { admit, asked, clock, settle } = checker({ limited: "forbidden" }, {
    validMs: 60_000,
    invalidMs: 5000,
  });
  assert.equal(await admit("limited"), undefined);
  clock.now += 5001;
  await admit("limited");
  await settle();
  assert.deepEqual(asked, ["limited", "limited"], "asked again after the short time, not the long one");
});

Deno.test("key check: requests with the same new key at once share one question to Xyte", async () => {
  const { promise: answer, resolve } = Promise.withResolvers<KeyVerdict>();
  const { admit, asked } = checker({ k: answer });
  const all = Promise.all(Array.from({ length: 5 }, () => admit("k")));
  resolve("valid");
  assert.deepEqual(await all, [undefined, undefined, undefined, undefined, undefined]);
  assert.deepEqual(asked, ["k"]);
});

Deno.test("key check: while Xyte does not answer a new key gets 503; an accepted key is still served, asked again later", async () => {
  const verdicts: Record<string, KeyVerdict> = { known: "valid", fresh: "unavailable" };
  const { admit, asked, clock, settle } = checker(verdicts, {
    validMs: 1000,
    recheckAfterUnansweredMs: 30_000,
  });
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
  await settle();
  assert.equal(await admit("known"), undefined);
  await settle();
  assert.equal(asked.filter((id) => id === "known").length, 2, "not asked on every request");
  clock.now += 30_001;
  await admit("known");
  await settle();
  assert.equal(asked.filter((id) => id === "known").length, 3, "asked again after the pause");
});

Deno.test("key check: checks of new keys share one bucket; beyond it 429, while accepted keys pass and are re-checked", async () => {
  const limiter = createMemoryRateLimiter({ perMinute: 6, burst: 2, now: () => 0 });
  const { admit, asked, outcomes, clock, settle } = checker(
    { a: "valid", b: "valid", c: "valid" },
    { limiter, validMs: 1000 },
  );
  assert.equal(await admit("a"), undefined);
  assert.equal(await admit("b"), undefined);
  const capped = await admit("c");
  assert.equal(capped?.status, 429);
  assert.equal(capped?.retryAfter, "10");
  assert.match(capped?.error.message, /Too many new Xyte keys to check right now; retry in 10 s/);
  assert.equal(await admit("a"), undefined, "an accepted key takes nothing from the bucket");
  clock.now += 1001;
  assert.equal(await admit("a"), undefined, "nor does its re-check, with the bucket empty");
  await settle();
  assert.deepEqual(asked, ["a", "b", "a"]);
  assert.deepEqual(outcomes, ["valid", "valid", "capped", "valid"]);
});

Deno.test("key check: invented keys never push an accepted key out; each kind keeps at most maxKeys", async () => {
  const { admit, asked, check } = checker({ a: "valid", b: "valid", c: "valid" }, { maxKeys: 2 });
  await admit("a");
  for (let i = 0; i < 10; i++) await admit(`made-up-${i}`);
  assert.deepEqual(check.size, { accepted: 1, refused: 2 });
  await admit("a");
  assert.equal(asked.filter((id) => id === "a").length, 1, "still accepted, not asked again");
  await admit("b");
  await admit("a"); // a is now the most recently used
  await admit("c"); // b goes
  assert.deepEqual(check.size, { accepted: 2, refused: 2 });
  await admit("a");
  await admit("b");
  assert.deepEqual(asked.filter((id) => !id.startsWith("made-up")), ["a", "b", "c", "b"]);
});

Deno.test("key check: a late re-check of a key forgotten and refused meanwhile leaves it refused", async () => {
  const answers: ((verdict: KeyVerdict) => void)[] = [];
  const clock = { now: 0 };
  const check = new TenantKeyCheck({
    limiter: createNoRateLimiter(),
    now: () => clock.now,
    validMs: 1000,
    maxKeys: 1,
    probe: () => new Promise((resolve) => answers.push(resolve)),
  });
  const admit = (id: string) => check.admit(tenant(id));
  const settle = () => new Promise((resolve) => setTimeout(resolve, 0));
  const first = admit("x");
  await settle();
  answers[0]!("valid");
  assert.equal(await first, undefined);
  clock.now += 1001;
  assert.equal(await admit("x"), undefined, "served; its re-check (answer 1) is under way");
  const other = admit("y");
  await settle();
  answers[2]!("valid");
  assert.equal(await other, undefined, "y pushes x out of the accepted keys");
  const again = admit("x");
  await settle();
  answers[3]!("invalid"); // x's first check again: revoked
  assert.equal((await again)?.status, 401);
  answers[1]!("valid"); // the old re-check answers last
  await settle();
  assert.equal((await admit("x"))?.status, 401, "still refused");
  assert.deepEqual(check.size, { accepted: 1, refused: 1 });
});

Deno.test("key check: a probe or limiter that throws gives 503, never an unhandled rejection", async () => {
  const throwing = new TenantKeyCheck({
    limiter: createNoRateLimiter(),
    validMs: 0,
    probe: (_client, _kind) => {
      throw new Error("probe broke");
    },
  });
  assert.equal((await throwing.admit(tenant("a")))?.status, 503);
  const broken = new TenantKeyCheck({
    limiter: { take: () => Promise.reject(new Error("limiter broke")), close: () => Promise.resolve() },
    probe: () => Promise.resolve("valid"),
  });
  assert.equal((await broken.admit(tenant("a")))?.status, 503);
  // An accepted key's background re-check with a probe that throws.
  let calls = 0;
  const clock = { now: 0 };
  const recheck = new TenantKeyCheck({
    limiter: createNoRateLimiter(),
    now: () => clock.now,
    validMs: 10,
    probe: () => {
      if (calls++ === 0) return Promise.resolve("valid");
      throw new Error("probe broke");
    },
  });
  assert.equal(await recheck.admit(tenant("a")), undefined);
  clock.now += 11;
  assert.equal(await recheck.admit(tenant("a")), undefined);
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.equal(calls, 2);
});

Deno.test("key check: a tenant without key ids (single-tenant) is never checked", async () => {
  const { admit, asked } = checker({});
  assert.equal(await admit(), undefined);
  assert.deepEqual(asked, []);
});

Deno.test("probeKeyWithXyte: one read, past the cache and without retries, decides; no answer says nothing", async () => {
  const hub = await startSimulator({ organizations: [{ key: "org-key-for-probe-000" }] });
  const partnerKey = hub.state.partner.key;
  const store = createMemoryCacheStore();
  // A client as the server builds it: retries, and a cache holding reads for 10 minutes.
  const clientWith = (keys: { organization?: string; partner?: string }, hubUrl = hub.url) =>
    new XyteClient({
      hubUrl,
      entryUrl: hubUrl,
      timeoutMs: 2000,
      retry: { ...DEFAULT_RETRY_POLICY, baseDelayMs: 1, maxDelayMs: 1 },
      cache: { store, tenant: "t", ttlSeconds: () => 600, reads: true },
      ...(keys.organization ? { organizationKey: new Secret(keys.organization) } : {}),
      ...(keys.partner ? { partnerKey: new Secret(keys.partner) } : {}),
    });
  const org = clientWith({ organization: "org-key-for-probe-000" });
  const upstream = () => hub.requests.length;
  try {
    assert.equal(await probeKeyWithXyte(org, "organization"), "valid");
    assert.equal(
      await probeKeyWithXyte(clientWith({ organization: "made-up-key-0000" }), "organization"),
      "invalid",
    );
    assert.equal(await probeKeyWithXyte(clientWith({ partner: partnerKey }), "partner"), "valid");
    assert.equal(
      await probeKeyWithXyte(clientWith({ partner: "made-up-partner-0000" }), "partner"),
      "invalid",
    );
    const cases: [number, KeyVerdict][] = [[403, "forbidden"], [404, "unavailable"], [500, "unavailable"], [
      429,
      "unavailable",
    ]];
    for (const [status, verdict] of cases) {
      const fault = hub.faults.add({ endpointKey: "organization.getOrganizationInfo", status });
      const before = upstream();
      assert.equal(await probeKeyWithXyte(org, "organization"), verdict, `HTTP ${status}`);
      assert.equal(upstream() - before, 1, `HTTP ${status}: one request, from the hub, not the cache`);
      hub.faults.remove(fault);
    }
  } finally {
    await hub.close();
  }
  assert.equal(
    await probeKeyWithXyte(clientWith({ organization: "k" }, hub.url), "organization"),
    "unavailable",
  );
});
