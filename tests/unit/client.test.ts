import assert from "node:assert/strict";
import FakeTimers from "@sinonjs/fake-timers";
import { toErrorPayload } from "../../src/mcp/results.ts";
import { rememberSecret, Secret } from "../../src/secret.ts";
import { createMemoryCacheStore } from "../../src/xyte/cache_store.ts";
import {
  type CallOptions,
  MAX_ANSWER_BYTES,
  MAX_PATH_PARAM_CHARS,
  MAX_URL_CHARS,
  XyteClient,
  type XyteClientOptions,
} from "../../src/xyte/client.ts";
import type { EndpointKey } from "../../src/xyte/catalog.ts";
import { XyteError } from "../../src/xyte/errors.ts";
import { CircuitBreaker, isHostFailure, TenantGates } from "../../src/xyte/resilience.ts";
import { circuitBreakers } from "../../src/xyte/breakers.ts";
import { NO_TELEMETRY } from "../../src/observability/telemetry.ts";

const HUB = "https://hub.test.example";
const ENTRY = "https://entry.test.example";
const ORG_KEY = "org-key-client-1a2b3c";
const PARTNER_KEY = "partner-key-client-4d5e6f";
const DEVICE_KEY = "device-key-client-7a8b9c";

interface Recorded {
  url: URL;
  method: string;
  headers: Headers;
  body: string | undefined;
}

type Responder = (request: Recorded, signal: AbortSignal | undefined) => Response | Promise<Response>;

/** A fake `fetch` that records every request and answers with `respond` (200 `{}` by default). */
function fakeFetch(respond: Responder = () => Response.json({})) {
  const requests: Recorded[] = [];
  const fetchFn = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const request: Recorded = {
      url: new URL(String(input)),
      method: init?.method ?? "GET",
      headers: new Headers(init?.headers),
      body: init?.body === undefined || init.body === null ? undefined : String(init.body),
    };
    requests.push(request);
    return await respond(request, init?.signal ?? undefined);
  }) as typeof fetch;
  return { fetch: fetchFn, requests };
}

/** A fake `fetch` that never answers; it rejects with the signal's reason once the signal aborts. */
const hangingFetch: Responder = (_request, signal) =>
  new Promise<Response>((_resolve, reject) => {
    if (!signal) return;
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener("abort", () => reject(signal.reason), { once: true });
  });

function client(respond?: Responder, overrides: Partial<XyteClientOptions> = {}) {
  const fake = fakeFetch(respond);
  const xyte = new XyteClient({
    hubUrl: HUB,
    entryUrl: ENTRY,
    organizationKey: new Secret(ORG_KEY),
    partnerKey: new Secret(PARTNER_KEY),
    timeoutMs: 5_000,
    fetch: fake.fetch,
    ...overrides,
  });
  return { xyte, requests: fake.requests };
}

async function xyteError(
  respond: Responder,
  key: EndpointKey = "organization.devices.getDevice",
  options: CallOptions = { path: { device_id: "d1" } },
  overrides: Partial<XyteClientOptions> = {},
): Promise<XyteError> {
  const { xyte } = client(respond, overrides);
  try {
    await xyte.call(key, options);
  } catch (error) {
    assert.ok(error instanceof XyteError, `expected XyteError, got ${error}`);
    return error;
  }
  assert.fail(`expected ${key} to fail`);
}

const status = (code: number, body: string | null = null, headers: HeadersInit = {}) => () =>
  new Response(body, { status: code, headers });

// ---- Keys and URLs ----

Deno.test("organization endpoints send the raw organization key (no Bearer) to the hub", async () => {
  const { xyte, requests } = client();
  await xyte.call("organization.devices.getDevice", { path: { device_id: "d1" } });
  assert.equal(requests.length, 1);
  assert.equal(requests[0]!.url.toString(), `${HUB}/core/v1/organization/devices/d1`);
  assert.equal(requests[0]!.method, "GET");
  assert.equal(requests[0]!.headers.get("authorization"), ORG_KEY);
  assert.equal(requests[0]!.headers.get("accept"), "application/json");
});

Deno.test("partner endpoints send the partner key", async () => {
  const { xyte, requests } = client();
  await xyte.call("partner.devices.getDevices");
  assert.equal(requests[0]!.url.toString(), `${HUB}/core/v1/partner/devices`);
  assert.equal(requests[0]!.headers.get("authorization"), PARTNER_KEY);
});

Deno.test("device endpoints send the device key passed with the call", async () => {
  const { xyte, requests } = client();
  await xyte.call("device.configuration.getConfig", {
    path: { device_id: "d9" },
    deviceKey: new Secret(DEVICE_KEY),
  });
  assert.equal(requests[0]!.url.toString(), `${HUB}/v1/devices/d9/config`);
  assert.equal(requests[0]!.headers.get("authorization"), DEVICE_KEY);
});

Deno.test("registerDevice goes to the entry base URL without any Authorization header", async () => {
  const { xyte, requests } = client(() => Response.json({ id: "new", access_key: "ak" }, { status: 201 }));
  const result = await xyte.call("device.registration.registerDevice", { body: { mac: "00:11", name: "n" } });
  assert.deepEqual(result, { id: "new", access_key: "ak" });
  assert.equal(requests[0]!.url.toString(), `${ENTRY}/v1/devices`);
  assert.equal(requests[0]!.method, "POST");
  assert.equal(requests[0]!.headers.has("authorization"), false);
});

Deno.test("registerChildDevice uses the entry base URL with the device key", async () => {
  const { xyte, requests } = client();
  await xyte.call("device.registration.registerChildDevice", {
    path: { device_id: "parent" },
    deviceKey: new Secret(DEVICE_KEY),
    body: { sn: "1" },
  });
  assert.equal(requests[0]!.url.toString(), `${ENTRY}/v1/devices/parent/children`);
  assert.equal(requests[0]!.headers.get("authorization"), DEVICE_KEY);
});

Deno.test("a base URL with a path prefix is kept in front of the endpoint path", async () => {
  const { xyte, requests } = client(undefined, { hubUrl: "http://localhost:8787/proxy" });
  await xyte.call("organization.devices.getDevice", { path: { device_id: "d1" } });
  assert.equal(requests[0]!.url.toString(), "http://localhost:8787/proxy/core/v1/organization/devices/d1");
});

Deno.test("path parameters are URL-encoded", async () => {
  const { xyte, requests } = client();
  await xyte.call("organization.commands.cancelCommand", {
    path: { device_id: "a/b c?d#e", command_id: 42 },
  });
  assert.equal(
    requests[0]!.url.pathname,
    "/core/v1/organization/devices/a%2Fb%20c%3Fd%23e/commands/42",
  );
  assert.equal(requests[0]!.url.search, "");
});

Deno.test("a path parameter of '.' or '..' is refused before sending: URL resolution would drop it", async () => {
  // `DELETE …/devices/D/commands/..` resolves to `DELETE …/devices/D/`: cancelling a command would delete the
  // device. Ids that merely contain dots are fine.
  for (const id of ["..", "."]) {
    const { xyte, requests } = client();
    const error = await xyte.call("organization.commands.cancelCommand", {
      path: { device_id: "D", command_id: id },
    }).then(() => undefined, (e: unknown) => e);
    assert.ok(error instanceof XyteError, `${id}: refused`);
    assert.equal(error.code, "validation");
    assert.match(error.message, /command_id .* not an id/);
    assert.equal(requests.length, 0, `${id}: nothing is sent`);
  }
  const { xyte, requests } = client();
  await xyte.call("organization.commands.cancelCommand", { path: { device_id: "D", command_id: "v1..2" } });
  assert.equal(requests[0]!.url.pathname, "/core/v1/organization/devices/D/commands/v1..2");
});

Deno.test("query: undefined and null are skipped, arrays are comma-joined, scalars stringified", async () => {
  const { xyte, requests } = client();
  await xyte.call("organization.devices.getDevices", {
    query: { page: 2, per_page: undefined, space_id: null, ids: ["a", 7], active: false, q: "x y&z" },
  });
  const params = requests[0]!.url.searchParams;
  assert.deepEqual([...params.keys()].sort(), ["active", "ids", "page", "q"]);
  assert.equal(params.get("page"), "2");
  assert.equal(params.get("ids"), "a,7");
  assert.equal(params.get("active"), "false");
  assert.equal(params.get("q"), "x y&z");
});

Deno.test("a JSON body is sent with content-type only when there is a body", async () => {
  const { xyte, requests } = client();
  const body = { name: "Lobby display", space_id: 5, nested: { a: [1, 2] } };
  await xyte.call("organization.devices.claimDevice", { body });
  assert.equal(requests[0]!.method, "POST");
  assert.equal(requests[0]!.headers.get("content-type"), "application/json");
  assert.deepEqual(JSON.parse(requests[0]!.body!), body);

  await xyte.call("organization.assets.deleteAsset", { path: { asset_id: "a1" } });
  assert.equal(requests[1]!.method, "DELETE");
  assert.equal(requests[1]!.body, undefined);
  assert.equal(requests[1]!.headers.has("content-type"), false);

  await xyte.call("organization.devices.getDevice", { path: { device_id: "d1" }, body: { ignored: true } });
  assert.equal(requests[2]!.body, undefined);
  assert.equal(requests[2]!.headers.has("content-type"), false);
});

Deno.test("a successful JSON answer is returned parsed; an empty 204 returns null", async () => {
  const ok = client(() => Response.json({ id: "d1", name: "Projector" }));
  assert.deepEqual(await ok.xyte.call("organization.devices.getDevice", { path: { device_id: "d1" } }), {
    id: "d1",
    name: "Projector",
  });
  const empty = client(() => new Response(null, { status: 204 }));
  assert.equal(await empty.xyte.call("organization.assets.deleteAsset", { path: { asset_id: "a1" } }), null);
});

// ---- Errors ----

Deno.test("401 is an auth error whose hint names XYTE_ORG_API_KEY for organization endpoints", async () => {
  const error = await xyteError(() => Response.json({ error: "Invalid API key" }, { status: 401 }));
  assert.equal(error.code, "auth");
  assert.equal(error.status, 401);
  assert.equal(error.endpointKey, "organization.devices.getDevice");
  assert.equal(error.message, "Invalid API key");
  assert.ok(error.hint.includes("XYTE_ORG_API_KEY"), error.hint);
  assert.equal(error.retriable, false);
});

Deno.test("401 on a partner endpoint has a hint naming XYTE_PARTNER_API_KEY", async () => {
  const error = await xyteError(status(401), "partner.devices.getDevices", {});
  assert.equal(error.code, "auth");
  assert.ok(error.hint.includes("XYTE_PARTNER_API_KEY"), error.hint);
  assert.equal(error.message, "HTTP 401");
});

Deno.test("403 is forbidden, 404 is not_found, neither retriable", async () => {
  const forbidden = await xyteError(status(403));
  assert.equal(forbidden.code, "forbidden");
  assert.equal(forbidden.retriable, false);
  const missing = await xyteError(() => Response.json({ message: "Device not found" }, { status: 404 }));
  assert.equal(missing.code, "not_found");
  assert.equal(missing.status, 404);
  assert.equal(missing.message, "Device not found");
  assert.equal(missing.retriable, false);
});

Deno.test("422 is a validation error carrying Xyte's {error} message", async () => {
  const error = await xyteError(
    () => Response.json({ error: "Name can't be blank" }, { status: 422 }),
    "organization.devices.claimDevice",
    { body: { name: "" } },
  );
  assert.equal(error.code, "validation");
  assert.equal(error.status, 422);
  assert.equal(error.message, "Name can't be blank");
  assert.equal(error.retriable, false);
  // 409/422 may refuse a state, which no change of arguments fixes: the hint says to read the object first.
  assert.match(
    error.hint,
    /if it names a state .* read the object first: the same call will be refused again/,
  );
  const badRequest = await xyteError(status(400, '{"error":"per_page must be at most 100"}'));
  assert.match(badRequest.hint, /fix the arguments and call again/);
});

Deno.test("429 is rate_limited with retryAfterSeconds from a seconds Retry-After", async () => {
  const error = await xyteError(status(429, '{"error":"slow down"}', { "retry-after": "7" }));
  assert.equal(error.code, "rate_limited");
  assert.equal(error.retriable, true);
  assert.equal(error.retryAfterSeconds, 7);
  assert.ok(toErrorPayload(error).hint.includes("7 s"));
});

Deno.test("429 is rate_limited with retryAfterSeconds from an HTTP-date Retry-After", async () => {
  const at = new Date(Date.now() + 30_000).toUTCString();
  const error = await xyteError(status(429, null, { "retry-after": at }));
  assert.equal(error.code, "rate_limited");
  assert.ok(
    error.retryAfterSeconds !== undefined && error.retryAfterSeconds >= 28 && error.retryAfterSeconds <= 31,
    String(error.retryAfterSeconds),
  );
  const none = await xyteError(status(429));
  assert.equal(none.retryAfterSeconds, undefined);
});

Deno.test("500 is a retriable upstream error", async () => {
  const error = await xyteError(status(500, '{"error":"Internal Server Error"}'));
  assert.equal(error.code, "upstream");
  assert.equal(error.status, 500);
  assert.equal(error.retriable, true);
});

Deno.test("an HTML 502 is an upstream error with a short tag-free excerpt", async () => {
  const html = "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1>" +
    `</center><hr><center>nginx</center>${"<p>padding</p>".repeat(50)}</body></html>`;
  const error = await xyteError(status(502, html, { "content-type": "text/html" }));
  assert.equal(error.code, "upstream");
  assert.equal(error.status, 502);
  assert.equal(error.retriable, true);
  assert.ok(error.message.includes("502 Bad Gateway"), error.message);
  assert.ok(!/[<>]/.test(error.message), error.message);
  assert.ok(!error.message.includes("\n"));
  assert.ok(error.message.length < 200, `${error.message.length} chars`);
});

Deno.test("a 200 with an HTML body is invalid_response", async () => {
  const error = await xyteError(status(200, "<!doctype html><html><body>Sign in</body></html>"));
  assert.equal(error.code, "invalid_response");
  assert.equal(error.status, 200);
  assert.ok(!error.message.includes("<"), error.message);
});

Deno.test("a 200 with truncated JSON is invalid_response", async () => {
  const error = await xyteError(status(200, '{"items": [{"id": "d1"}, {"id": "d'));
  assert.equal(error.code, "invalid_response");
});

Deno.test("an answer over MAX_ANSWER_BYTES fails the call (not the process), stops reading, and is no host failure", async () => {
  let pulled = 0;
  let cancelled = false;
  // 8 MiB past the limit, then it ends: a reader that ignores the limit fails this test instead of
  // exhausting the machine's memory.
  const LAST_MIB = MAX_ANSWER_BYTES / 1048576 + 8;
  const endless = () =>
    new Response(
      new ReadableStream<Uint8Array>({
        pull(controller) {
          pulled++;
          if (pulled > LAST_MIB) return controller.close();
          controller.enqueue(new Uint8Array(1048576).fill(0x20));
        },
        cancel() {
          cancelled = true;
        },
      }),
      { headers: { "content-type": "application/json" } },
    );
  const streamed = await xyteError(endless);
  assert.equal(streamed.code, "invalid_response");
  assert.equal(streamed.retriable, false);
  assert.match(streamed.message, /larger than 32 MiB/);
  assert.match(streamed.hint, /per_page/);
  assert.equal(isHostFailure(streamed), false, "one request asked too much; the host is fine");
  assert.ok(cancelled, "the stream is cancelled");
  assert.ok(pulled <= MAX_ANSWER_BYTES / 1048576 + 2, `read ${pulled} MiB`);

  const declared = await xyteError(() =>
    new Response("{}", { headers: { "content-length": String(MAX_ANSWER_BYTES + 1) } })
  );
  assert.equal(declared.code, "invalid_response", "a declared length over the limit is refused unread");

  // A compressed answer declares its compressed length; fetch hands over what it unpacks to.
  cancelled = false;
  pulled = 0;
  const unpacked = await xyteError(() => {
    const response = endless();
    response.headers.set("content-encoding", "gzip");
    response.headers.set("content-length", "40820");
    return response;
  });
  assert.equal(unpacked.code, "invalid_response");
  assert.match(
    unpacked.message,
    /larger than 32 MiB/,
    "counted as it unpacks, not trusted by its declared length",
  );
  assert.ok(cancelled);
});

Deno.test("a fetch rejection is a retriable network error", async () => {
  const error = await xyteError(() =>
    Promise.reject(new TypeError("error sending request: connection refused"))
  );
  assert.equal(error.code, "network");
  assert.equal(error.retriable, true);
  assert.ok(error.message.includes("connection refused"), error.message);
});

Deno.test("a host outside --allow-net is host_not_allowed: not retried, not a host failure", async () => {
  let attempts = 0;
  const { xyte } = client(() => {
    attempts++;
    return Promise.reject(
      new Deno.errors.NotCapable(
        'Requires net access to "hub.test.example:443", run again with the --allow-net flag',
      ),
    );
  }, { retry: { maxRetries: 3, baseDelayMs: 1, maxDelayMs: 1 } });
  const error = await xyte.call("organization.devices.getDevice", { path: { device_id: "d1" } }).then(
    () => assert.fail("expected a failure"),
    (e: unknown) => e as XyteError,
  );
  assert.equal(error.code, "host_not_allowed");
  assert.equal(error.retriable, false);
  assert.equal(attempts, 1, "a permission denial is not retried");
  assert.equal(isHostFailure(error), false, "it does not count toward the circuit breaker");
  assert.match(error.message, /net access to "hub\.test\.example:443"/);
  assert.doesNotMatch(error.message, /run again/, "no advice that does not apply to a compiled binary");
  assert.match(error.hint, /XYTE_HUB_URL/);
});

Deno.test("no answer within timeoutMs is a retriable timeout error", async () => {
  const started = performance.now();
  const error = await xyteError(hangingFetch, undefined, undefined, { timeoutMs: 30 });
  assert.equal(error.code, "timeout");
  assert.equal(error.retriable, true);
  assert.ok(error.message.includes("30 ms"), error.message);
  assert.ok(performance.now() - started < 2_000);
});

Deno.test("a caller abort while waiting is cancelled, not timeout", async () => {
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 10);
  const error = await xyteError(hangingFetch, undefined, {
    path: { device_id: "d1" },
    signal: controller.signal,
  });
  assert.equal(error.code, "cancelled");
  assert.equal(error.retriable, false);
});

Deno.test("an already-aborted caller signal is cancelled", async () => {
  const error = await xyteError(hangingFetch, undefined, {
    path: { device_id: "d1" },
    signal: AbortSignal.abort(),
  });
  assert.equal(error.code, "cancelled");
});

Deno.test("circuit breaker: a trial call cancelled by its caller does not keep the circuit open for good", async () => {
  let now = 0;
  const breaker = new CircuitBreaker(HUB, { failureThreshold: 1, cooldownMs: 1_000, now: () => now });
  let answer: Responder = status(503);
  const { xyte, requests } = client((request, signal) => answer(request, signal), {
    breakers: { for: () => breaker },
  });
  const get = (signal?: AbortSignal) =>
    xyte.call("organization.devices.getDevice", { path: { device_id: "d1" }, signal });
  await assert.rejects(get(), (error: XyteError) => error.code === "upstream");
  assert.equal(breaker.isOpen, true);
  now = 1_000;
  answer = hangingFetch;
  const controller = new AbortController();
  const trial = get(controller.signal);
  controller.abort();
  await assert.rejects(trial, (error: XyteError) => error.code === "cancelled");
  answer = () => Response.json({ id: "d1" });
  assert.deepEqual(await get(), { id: "d1" }, "the next call is the trial and goes upstream");
  assert.equal(breaker.isOpen, false);
  assert.equal(requests.length, 3);
});

Deno.test("circuit breaker: a trial call cancelled while queued at its tenant's gate does not keep it open", async () => {
  // The gate refuses a waiting caller that aborts with the abort's reason, not a XyteError.
  let now = 0;
  const breaker = new CircuitBreaker(HUB, { failureThreshold: 1, cooldownMs: 1_000, now: () => now });
  let answer: Responder = hangingFetch;
  const { xyte, requests } = client((request, signal) => answer(request, signal), {
    breakers: { for: () => breaker },
    gates: { gates: new TenantGates(1), tenant: "t" },
  });
  const get = (signal?: AbortSignal) =>
    xyte.call("organization.devices.getDevice", { path: { device_id: "d1" }, signal });
  const holder = new AbortController();
  const holding = get(holder.signal); // holds the tenant's one place upstream
  await new Promise((resolve) => setTimeout(resolve, 10));
  breaker.failure(); // the host failed meanwhile: open
  now = 1_000; // cool-down over: the next call is the trial
  const waiter = new AbortController();
  const trial = get(waiter.signal);
  await new Promise((resolve) => setTimeout(resolve, 10));
  waiter.abort();
  await assert.rejects(trial);
  holder.abort();
  await assert.rejects(holding);
  answer = () => Response.json({ id: "d1" });
  assert.deepEqual(await get(), { id: "d1" }, "the next call is the trial and goes upstream");
  assert.equal(breaker.isOpen, false);
  assert.equal(
    requests.length,
    2,
    "the holder's request and the new trial; the cancelled trial sent nothing",
  );
});

Deno.test("a call stopped while waiting at its tenant's gate is cancelled or timed out, whatever the signal's reason", async () => {
  const { xyte } = client(hangingFetch, { gates: { gates: new TenantGates(1), tenant: "t" } });
  const get = (signal: AbortSignal) =>
    xyte.call("organization.devices.getDevice", { path: { device_id: "d1" }, signal });
  const holder = new AbortController();
  const holding = get(holder.signal); // holds the tenant's one place upstream
  const codeOf = (call: Promise<unknown>) =>
    call.then(() => "answered", (error: unknown) => error instanceof XyteError ? error.code : String(error));
  // A departed HTTP client aborts with the SDK's own error ("Connection closed"), not an AbortError.
  const departed = new AbortController();
  const waiting = codeOf(get(departed.signal));
  const late = codeOf(get(AbortSignal.timeout(20)));
  departed.abort(new Error("Connection closed"));
  assert.equal(await waiting, "cancelled");
  assert.equal(await late, "timeout");
  holder.abort();
  await assert.rejects(holding);
});

Deno.test("a Retry-After longer than the call has left is reported at once, not waited out", async () => {
  // On a fake clock: a wait for the retry would be a timer the clock has to run forward through.
  const clock = FakeTimers.install({ toFake: ["Date", "setTimeout", "clearTimeout"], now: Date.now() });
  try {
    const { xyte, requests } = client(status(429, null, { "retry-after": "120" }), {
      retry: { maxRetries: 3, baseDelayMs: 10, maxDelayMs: 100 },
      deadlineAt: Date.now() + 2_000,
    });
    const startedAt = clock.now;
    const outcome = xyte.call("organization.devices.getDevice", { path: { device_id: "d1" } })
      .then(() => undefined, (e: unknown) => e);
    await clock.runAllAsync();
    const error = await outcome;
    assert.ok(error instanceof XyteError);
    assert.equal(error.code, "rate_limited", "the agent learns it must wait, not that the call timed out");
    assert.equal(error.retryAfterSeconds, 120);
    assert.equal(clock.now - startedAt, 0, "no wait for a retry that could not happen in time");
    assert.equal(requests.length, 1);
  } finally {
    clock.uninstall();
  }
});

Deno.test("the concurrency gate of organization calls is the organization key's, whatever key it is sent with", async () => {
  // Two multi-tenant clients: the same organization key, different partner keys (two tenants, one key).
  const gates = new TenantGates(1);
  const keyIds = { organization: "org-key-id" };
  let release = () => {};
  const first = client(() => new Promise((resolve) => release = () => resolve(Response.json({ id: "d1" }))), {
    gates: { gates, tenant: "org+partner-1" },
    keyIds: { ...keyIds, partner: "partner-1" },
  });
  const second = client(() => Response.json({ id: "d2" }), {
    gates: { gates, tenant: "org+partner-2" },
    keyIds: { ...keyIds, partner: "partner-2" },
  });
  const get = (xyte: XyteClient, id: string) =>
    xyte.call("organization.devices.getDevice", { path: { device_id: id } });
  const holding = get(first.xyte, "d1");
  await new Promise((resolve) => setTimeout(resolve, 10));
  const waiting = get(second.xyte, "d2");
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(second.requests.length, 0, "the second waits at the key's one place");
  release();
  assert.deepEqual(await holding, { id: "d1" });
  assert.deepEqual(await waiting, { id: "d2" });
  assert.equal(second.requests.length, 1);
});

/** No answer at all, as `fetch` fails against a port nobody listens on. */
const refused: Responder = () => Promise.reject(new TypeError("error sending request: Connection refused"));

Deno.test("circuit breaker: one call's requests sent at once to a host refusing connections do not open it", async () => {
  const breaker = new CircuitBreaker(HUB, { failureThreshold: 10, cooldownMs: 60_000 });
  const { xyte, requests } = client(refused, {
    breakers: { for: () => breaker },
    retry: { maxRetries: 5, baseDelayMs: 1, maxDelayMs: 1 },
    random: () => 0,
  });
  const call = xyte.forCall({}); // fleet_summary reads its lists, list_devices `all: true` its pages, at once
  const errors = await Promise.all(
    ["devices", "incidents", "tickets", "spaces"].map((id) =>
      call.call("organization.devices.getDevice", { path: { device_id: id } }).then(
        () => assert.fail("no answer, no result"),
        (error: XyteError) => error,
      )
    ),
  );
  assert.equal(requests.length, 4 * 6, "each request tried 6 times: 24 failures from one call");
  assert.equal(breaker.isOpen, false, "one call's fan-out is not evidence from several calls");
  for (const error of errors) {
    assert.equal(error.code, "network", "the call gets its real error");
    assert.match(error.hint, /could not be reached/);
  }
});

Deno.test("circuit breaker: failures of separate calls open it, and then the next call fails fast", async () => {
  const breaker = new CircuitBreaker(HUB, { failureThreshold: 10, cooldownMs: 60_000 });
  const { xyte, requests } = client(refused, {
    breakers: { for: () => breaker },
    retry: { maxRetries: 5, baseDelayMs: 1, maxDelayMs: 1 },
    random: () => 0,
  });
  const fanOut = (call: XyteClient) =>
    Promise.allSettled(
      [1, 2, 3].map((page) => call.call("organization.devices.getDevices", { query: { page } })),
    );
  await fanOut(xyte.forCall({}));
  assert.equal(breaker.isOpen, false, "one call: 6 of 10");
  await fanOut(xyte.forCall({}));
  assert.equal(breaker.isOpen, true, "two calls: 12 of 10");
  const before = requests.length;
  const other = await xyteError(refused, "organization.devices.getDevice", { path: { device_id: "d1" } }, {
    breakers: { for: () => breaker },
  });
  assert.equal(other.code, "circuit_open", "a call short-circuited by a circuit other calls opened");
  assert.match(other.message, /failed 10 times in a row/);
  assert.equal(requests.length, before, "nothing sent");
});

Deno.test("circuit breaker: requests of the tenant's client outside any call each count as a call", async () => {
  const breaker = new CircuitBreaker(HUB, { failureThreshold: 3, cooldownMs: 60_000 });
  const { xyte } = client(refused, { breakers: { for: () => breaker } });
  await Promise.allSettled(
    [1, 2, 3].map((page) => xyte.call("organization.devices.getDevices", { query: { page } })),
  );
  assert.equal(breaker.isOpen, true);
});

Deno.test("the circuit of organization calls is the organization key's, whatever key it is sent with", async () => {
  const breakersOf = circuitBreakers({
    failureThreshold: 2,
    cooldownSeconds: 60,
    telemetry: NO_TELEMETRY,
    multiTenant: true,
  });
  const keyIds = { organization: "org-key-id" };
  const failing = client(status(503), {
    breakers: breakersOf("org+partner-1"),
    keyIds: { ...keyIds, partner: "partner-1" },
  });
  const get = (xyte: XyteClient) =>
    xyte.call("organization.devices.getDevice", { path: { device_id: "d1" } });
  for (let i = 0; i < 2; i++) await assert.rejects(get(failing.xyte));
  const other = client(() => Response.json({ id: "d1" }), {
    breakers: breakersOf("org+partner-2"),
    keyIds: { ...keyIds, partner: "partner-2" },
  });
  await assert.rejects(get(other.xyte), (error: XyteError) => error.code === "circuit_open");
  assert.equal(other.requests.length, 0, "the key's circuit is open for every client sending it");
  const stranger = client(() => Response.json({ id: "d1" }), {
    breakers: breakersOf("another-org"),
    keyIds: { organization: "another-org-key-id" },
  });
  assert.deepEqual(await get(stranger.xyte), { id: "d1" }, "another key's circuit is its own");
});

Deno.test("a missing path parameter is a validation error and nothing is fetched", async () => {
  const { xyte, requests } = client();
  const paths: Record<string, string>[] = [{}, { device_id: "" }, { device_id: "d1" }];
  for (const path of paths) {
    await assert.rejects(
      xyte.call("organization.commands.cancelCommand", { path }),
      (error: unknown) => {
        assert.ok(error instanceof XyteError);
        assert.equal(error.code, "validation");
        assert.ok(error.message.includes("command_id"), error.message);
        return true;
      },
    );
  }
  assert.equal(requests.length, 0);
});

Deno.test("a missing scope key is an auth error and nothing is fetched", async () => {
  const fake = fakeFetch();
  const xyte = new XyteClient({ hubUrl: HUB, entryUrl: ENTRY, timeoutMs: 5_000, fetch: fake.fetch });
  const cases: [EndpointKey, CallOptions, string][] = [
    ["organization.devices.getDevice", { path: { device_id: "d1" } }, "XYTE_ORG_API_KEY"],
    ["partner.devices.getDevices", {}, "XYTE_PARTNER_API_KEY"],
    ["device.configuration.getConfig", { path: { device_id: "d1" } }, "device"],
  ];
  for (const [key, options, hint] of cases) {
    await assert.rejects(xyte.call(key, options), (error: unknown) => {
      assert.ok(error instanceof XyteError);
      assert.equal(error.code, "auth");
      assert.equal(error.status, undefined);
      assert.ok(error.hint.includes(hint), error.hint);
      return true;
    });
  }
  assert.equal(fake.requests.length, 0);
  assert.equal(xyte.hasKeyFor("organization"), false);
  assert.equal(xyte.hasKeyFor("partner"), false);
});

Deno.test("a multi-tenant client's key errors point at the headers it sends its keys in, not at settings", async () => {
  // No key sent for the endpoint: say which header takes one.
  const fake = fakeFetch(status(401));
  const bare = new XyteClient({
    hubUrl: HUB,
    entryUrl: ENTRY,
    timeoutMs: 5_000,
    fetch: fake.fetch,
    keysFrom: "headers",
  });
  const cases: [EndpointKey, CallOptions, RegExp][] = [
    ["organization.devices.getDevice", { path: { device_id: "d1" } }, /send it in the X-Xyte-Api-Key header/],
    ["partner.devices.getDevices", {}, /send it in the X-Xyte-Partner-Key header/],
  ];
  for (const [key, options, hint] of cases) {
    await assert.rejects(bare.call(key, options), (error: unknown) => {
      assert.ok(error instanceof XyteError);
      assert.equal(error.code, "auth");
      assert.match(error.message, /this client sent no (organization|partner) key/);
      assert.match(error.hint, hint);
      assert.doesNotMatch(error.hint, /XYTE_/);
      return true;
    });
  }
  // A key Xyte refuses: the one sent in the header.
  const keyed = new XyteClient({
    hubUrl: HUB,
    entryUrl: ENTRY,
    timeoutMs: 5_000,
    fetch: fake.fetch,
    keysFrom: "headers",
    organizationKey: new Secret(ORG_KEY),
    partnerKey: new Secret(PARTNER_KEY),
  });
  await assert.rejects(
    keyed.call("organization.devices.getDevice", { path: { device_id: "d1" } }),
    (error: unknown) => {
      assert.ok(error instanceof XyteError);
      assert.match(error.hint, /rejected\. Check the key this client sends in the X-Xyte-Api-Key header/);
      return true;
    },
  );
  await assert.rejects(keyed.call("partner.devices.getDevices", {}), (error: unknown) => {
    assert.ok(error instanceof XyteError);
    assert.match(error.hint, /the X-Xyte-Partner-Key header/);
    return true;
  });
});

Deno.test("an unknown endpoint key is a validation error", async () => {
  const { xyte, requests } = client();
  await assert.rejects(xyte.call("organization.devices.nope" as EndpointKey), (error: unknown) => {
    assert.ok(error instanceof XyteError);
    assert.equal(error.code, "validation");
    return true;
  });
  assert.equal(requests.length, 0);
});

Deno.test("prepare() returns the exact request with the key masked and sends nothing", () => {
  const { xyte, requests } = client();
  const prepared = xyte.prepare("organization.devices.claimDevice", {
    body: { name: "x" },
    query: { a: [1, 2] },
  });
  assert.deepEqual(prepared, {
    endpointKey: "organization.devices.claimDevice",
    method: "POST",
    url: `${HUB}/core/v1/organization/devices/claim?a=1%2C2`,
    headers: {
      "accept": "application/json",
      "user-agent": "xyte-mcp",
      "authorization": "[redacted]",
      "content-type": "application/json",
    },
    body: { name: "x" },
  });
  assert.ok(!JSON.stringify(xyte.prepare("partner.devices.getDevices")).includes(PARTNER_KEY));
  assert.equal("body" in xyte.prepare("organization.devices.getDevice", { path: { device_id: "d" } }), false);
  assert.equal(requests.length, 0);
});

Deno.test("an organization or partner key echoed back by Xyte never appears in the error", async () => {
  // createApp() registers the configured keys exactly like this.
  rememberSecret(new Secret(ORG_KEY));
  rememberSecret(new Secret(PARTNER_KEY));
  const echo: Responder = (request) =>
    Response.json({ error: `key ${request.headers.get("authorization")} is not valid` }, { status: 401 });
  const html: Responder = (request) =>
    new Response(`<p>bad key ${request.headers.get("authorization")}</p>`, { status: 500 });
  const errors = [
    await xyteError(echo),
    await xyteError(html),
    await xyteError(echo, "partner.devices.getDevices", {}),
    await xyteError(() => Promise.reject(new Error(`refused with ${ORG_KEY}`))),
  ];
  for (const error of errors) {
    const texts = [error.message, error.hint, JSON.stringify(toErrorPayload(error)), String(error)];
    for (const text of texts) {
      assert.ok(!text.includes(ORG_KEY), text);
      assert.ok(!text.includes(PARTNER_KEY), text);
    }
  }
  assert.ok(errors[0]!.message.includes("[redacted]"), errors[0]!.message);
});

Deno.test({
  name: "a device key echoed back by Xyte never appears in the error",
  async fn() {
    const echoedKey = "device-key-echo-0f1e2d3c";
    const error = await xyteError(
      (request) =>
        Response.json({ error: `unknown key ${request.headers.get("authorization")}` }, { status: 401 }),
      "device.configuration.getConfig",
      { path: { device_id: "d1" }, deviceKey: new Secret(echoedKey) },
    );
    assert.equal(error.code, "auth");
    assert.ok(!error.message.includes(echoedKey), error.message);
    assert.ok(!JSON.stringify(toErrorPayload(error)).includes(echoedKey));
  },
});

Deno.test("cache: a fresh read (cache: false) goes upstream and refreshes the entry the next cached read gets", async () => {
  let name = "Projector";
  const { xyte, requests } = client(() => Response.json({ id: "d1", name }), {
    cache: { store: createMemoryCacheStore(), tenant: "t1", ttlSeconds: () => 300, reads: true },
  });
  const read = (x: XyteClient) =>
    x.call("organization.devices.getDevice", { path: { device_id: "d1" } }) as Promise<{ name: string }>;
  assert.equal((await read(xyte)).name, "Projector");
  name = "Renamed elsewhere";
  assert.equal((await read(xyte)).name, "Projector", "within its TTL the entry is served");
  assert.equal(requests.length, 1);

  assert.equal((await read(xyte.forCall({ cachedReads: false }))).name, "Renamed elsewhere");
  assert.equal(requests.length, 2, "the fresh read went upstream");
  assert.equal((await read(xyte)).name, "Renamed elsewhere", "and left what it got for the reads after it");
  assert.equal(requests.length, 2);
});

Deno.test("cache: a write Xyte refused or that was never sent costs no generation; one that may have landed does", async () => {
  const store = createMemoryCacheStore();
  let answer: Responder = status(401, '{"error":"bad key"}');
  const { xyte } = client((request, signal) => answer(request, signal), {
    cache: { store, tenant: "t1", ttlSeconds: () => 300, reads: true },
    timeoutMs: 50,
  });
  const write = () =>
    xyte.call("organization.devices.updateDevice", { path: { device_id: "d1" }, body: { name: "x" } });
  for (const refused of [status(401), status(404), status(422), status(429)]) {
    answer = refused;
    await assert.rejects(write());
  }
  await assert.rejects(xyte.call("organization.devices.updateDevice", { path: {}, body: {} }), /device_id/);
  assert.equal(await store.generation("t1"), 0, "refused or unsent writes leave the reads' cache alone");
  answer = status(502);
  await assert.rejects(write());
  answer = status(201, "<html>accepted</html>"); // a proxy's page: the write landed, its answer is unreadable
  await assert.rejects(write(), (error: XyteError) => error.code === "invalid_response");
  answer = hangingFetch;
  await assert.rejects(write(), (error: XyteError) => error.code === "timeout");
  answer = () => Response.json({ id: "d1" });
  await write();
  assert.equal(
    await store.generation("t1"),
    4,
    "a 5xx, an unreadable 2xx, a timeout and a success may each have changed data",
  );
});

Deno.test("cacheGeneration: moves on with a write of the tenant; an organization endpoint's is its key's", async () => {
  const store = createMemoryCacheStore();
  const cache = { store, tenant: "t1", ttlSeconds: () => 300, reads: true };
  const { xyte } = client(() => Response.json({ id: "d1" }), { cache, keyIds: { organization: "org-1" } });
  const { xyte: sameKey } = client(undefined, {
    cache: { ...cache, tenant: "t2" },
    keyIds: { organization: "org-1" },
  });
  const before = await xyte.cacheGeneration("organization.devices.getDevices");
  await xyte.call("organization.devices.updateDevice", { path: { device_id: "d1" }, body: { name: "x" } });
  const after = await xyte.cacheGeneration("organization.devices.getDevices");
  assert.notEqual(after, before, "derived reads are stale after the write");
  assert.equal(await sameKey.cacheGeneration("organization.devices.getDevices"), after, "shared by the key");
  assert.equal(await client().xyte.cacheGeneration("organization.devices.getDevices"), undefined, "no cache");
});

Deno.test("cache: a device endpoint's answer is never served to a call with another device key", async () => {
  const { xyte, requests } = client(
    (request) =>
      request.headers.get("authorization") === DEVICE_KEY
        ? Response.json({ version: 3, config: { volume: 7 } })
        : Response.json({ error: "invalid device key" }, { status: 401 }),
    { cache: { store: createMemoryCacheStore(), tenant: "t1", ttlSeconds: () => 300, reads: true } },
  );
  const getConfig = (key: string) =>
    xyte.call("device.configuration.getConfig", { path: { device_id: "d9" }, deviceKey: new Secret(key) });
  assert.deepEqual(await getConfig(DEVICE_KEY), { version: 3, config: { volume: 7 } });
  await assert.rejects(getConfig("someone-elses-guess"), (error: unknown) => {
    assert.ok(error instanceof XyteError);
    assert.equal(error.code, "auth");
    return true;
  });
  assert.equal(requests.length, 2, "the second call went upstream with its own key");
});

Deno.test("a huge path parameter or URL is refused before anything is sent, without echoing it", async () => {
  const { xyte, requests } = client();
  const huge = "d".repeat(MAX_PATH_PARAM_CHARS + 1);
  await assert.rejects(
    xyte.call("organization.devices.getDevice", { path: { device_id: huge } }),
    (error: unknown) => {
      assert.ok(error instanceof XyteError);
      assert.equal(error.code, "validation");
      assert.match(error.message, /path parameter device_id is 257 characters long/);
      assert.ok(!error.message.includes(huge) && !error.hint.includes(huge), "the value is not echoed");
      return true;
    },
  );
  await assert.rejects(
    xyte.call("organization.devices.getDevices", { query: { name: "n".repeat(MAX_URL_CHARS) } }),
    (error: unknown) =>
      error instanceof XyteError && error.code === "validation" && /URL would be/.test(error.message),
  );
  assert.equal(requests.length, 0, "nothing went upstream");
  await xyte.call("organization.devices.getDevice", {
    path: { device_id: "d".repeat(MAX_PATH_PARAM_CHARS) },
  });
  assert.equal(requests.length, 1, "the longest accepted id is sent");
});

Deno.test("a device key no HTTP header can carry is refused before sending, and never quoted back", async () => {
  const { xyte, requests } = client();
  const key = "device-secret-part\nX-Evil: 1";
  await assert.rejects(
    xyte.call("device.configuration.getConfig", { path: { device_id: "d9" }, deviceKey: new Secret(key) }),
    (error: unknown) => {
      assert.ok(error instanceof XyteError);
      assert.equal(error.code, "validation");
      assert.equal(error.retriable, false);
      assert.ok(!JSON.stringify(toErrorPayload(error)).includes("device-secret-part"));
      return true;
    },
  );
  assert.equal(requests.length, 0);
});

Deno.test("a transport error that quotes the request has the keys taken out", async () => {
  const { xyte } = client(() => {
    throw new TypeError(`connection reset while sending Authorization: ${DEVICE_KEY}`);
  }, { retry: { maxRetries: 0, baseDelayMs: 0, maxDelayMs: 0 } });
  await assert.rejects(
    xyte.call("device.configuration.getConfig", {
      path: { device_id: "d9" },
      deviceKey: new Secret(DEVICE_KEY),
    }),
    (error: unknown) => {
      assert.ok(error instanceof XyteError);
      assert.equal(error.code, "network");
      assert.ok(!error.message.includes(DEVICE_KEY), error.message);
      assert.match(error.message, /\[redacted\]/);
      return true;
    },
  );
});
