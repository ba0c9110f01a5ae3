/** Simulated Xyte hub: fault injection in process and over a real socket, admin API, silent server. */
import assert from "node:assert/strict";
import {
  createSimulator,
  DEMO_ORG_KEY,
  type Simulator,
  type SimulatorServer,
  startSimulator,
} from "../../src/simulator/mod.ts";

const NOW = new Date("2025-06-01T12:00:00Z");
const INFO = "/core/v1/organization/info";
const DEVICES = "/core/v1/organization/devices";

function smallSim(): Simulator {
  return createSimulator({ now: NOW, organizations: [{ key: DEMO_ORG_KEY, deviceCount: 20 }] });
}

function get(sim: Simulator, path: string, signal?: AbortSignal): Promise<Response> {
  return sim.handle(
    new Request(`http://hub.test${path}`, { headers: { authorization: DEMO_ORG_KEY }, signal }),
  );
}

Deno.test("fault: status applies only to the matching endpoint key", async () => {
  const sim = smallSim();
  const id = sim.faults.add({ endpointKey: "organization.getOrganizationInfo", status: 503 });
  assert.equal(id.length > 0, true);
  const faulted = await get(sim, INFO);
  assert.equal(faulted.status, 503);
  assert.equal(typeof (await faulted.json()).error, "string");
  assert.equal((await get(sim, DEVICES)).status, 200);
  assert.equal(sim.requests[0].status, 503);
  assert.equal(sim.requests[0].endpointKey, "organization.getOrganizationInfo");
  sim.faults.remove(id);
  assert.equal((await get(sim, INFO)).status, 200);
});

Deno.test("fault: Retry-After header (default status 429) and explicit status", async () => {
  const sim = smallSim();
  sim.faults.add({ pathPrefix: INFO, retryAfter: 2, times: 1 });
  const throttled = await get(sim, INFO);
  assert.equal(throttled.status, 429);
  assert.equal(throttled.headers.get("retry-after"), "2");
  await throttled.body?.cancel();
  sim.faults.add({ pathPrefix: INFO, status: 503, retryAfter: "Wed, 21 Oct 2026 07:28:00 GMT", times: 1 });
  const unavailable = await get(sim, INFO);
  assert.equal(unavailable.status, 503);
  assert.equal(unavailable.headers.get("retry-after"), "Wed, 21 Oct 2026 07:28:00 GMT");
  await unavailable.body?.cancel();
  assert.equal((await get(sim, INFO)).status, 200);
});

Deno.test("fault: delayMs alone delays the normal answer", async () => {
  const sim = smallSim();
  sim.faults.add({ endpointKey: "organization.getOrganizationInfo", delayMs: 120 });
  const started = performance.now();
  const res = await get(sim, INFO);
  const elapsed = performance.now() - started;
  assert.equal(res.status, 200);
  assert.equal((await res.json()).name, "Northwind Collaboration Spaces");
  assert.ok(elapsed >= 110, `elapsed ${elapsed}`);
  const fast = performance.now();
  await (await get(sim, DEVICES)).body?.cancel();
  assert.ok(performance.now() - fast < 100);
});

Deno.test("fault: hang never answers until the client aborts", async () => {
  const sim = smallSim();
  sim.faults.add({ endpointKey: "organization.getOrganizationInfo", hang: true });
  const controller = new AbortController();
  let settled = false;
  const pending = get(sim, INFO, controller.signal).finally(() => settled = true);
  await new Promise((r) => setTimeout(r, 80));
  assert.equal(settled, false);
  controller.abort();
  await assert.rejects(
    pending,
    (error: unknown) => error instanceof DOMException && error.name === "AbortError",
  );
  assert.equal(sim.requests[0].status, 0);
});

Deno.test("fault: malformed bodies (HTML error page, truncated JSON)", async () => {
  const sim = smallSim();
  sim.faults.add({
    endpointKey: "organization.getOrganizationInfo",
    status: 502,
    body: "<html><body>Bad gateway</body></html>",
    times: 1,
  });
  const html = await get(sim, INFO);
  assert.equal(html.status, 502);
  assert.match(html.headers.get("content-type") ?? "", /text\/html/);
  assert.equal(await html.text(), "<html><body>Bad gateway</body></html>");

  sim.faults.add({
    endpointKey: "organization.devices.getDevices",
    status: 200,
    body: '{"items": [{"id": "abc"',
    times: 1,
  });
  const truncated = await get(sim, DEVICES);
  assert.equal(truncated.status, 200);
  assert.match(truncated.headers.get("content-type") ?? "", /application\/json/);
  await assert.rejects(truncated.json(), SyntaxError);

  sim.faults.add({ pathPrefix: INFO, status: 500, body: "oops", contentType: "text/plain", times: 1 });
  const plain = await get(sim, INFO);
  assert.equal(plain.headers.get("content-type"), "text/plain");
  assert.equal(await plain.text(), "oops");
});

Deno.test("fault: times limits how many requests are affected; method and pathPrefix match", async () => {
  const sim = smallSim();
  sim.faults.add({ method: "GET", pathPrefix: "/core/v1/organization/dev", status: 500, times: 2 });
  const statuses: number[] = [];
  for (let i = 0; i < 3; i++) {
    const res = await get(sim, DEVICES);
    statuses.push(res.status);
    await res.body?.cancel();
  }
  assert.deepEqual(statuses, [500, 500, 200]);
  sim.faults.add({ method: "POST", status: 500 });
  const res = await get(sim, INFO);
  assert.equal(res.status, 200);
  await res.body?.cancel();
  sim.faults.clear();
});

Deno.test("fault: query matches requests whose query holds every pair, in any order and among others", async () => {
  const sim = smallSim();
  sim.faults.add({ endpointKey: "organization.devices.getDevices", query: "page=2&per_page=5", status: 503 });
  assert.throws(() => sim.faults.add({ query: 2 } as never), /query must be a string/);
  const statuses: number[] = [];
  for (
    const query of [
      "",
      "?page=1&per_page=5",
      "?per_page=5&page=2",
      "?page=2",
      "?status=online&page=2&per_page=5",
    ]
  ) {
    const res = await get(sim, DEVICES + query);
    statuses.push(res.status);
    await res.body?.cancel();
  }
  assert.deepEqual(statuses, [200, 200, 503, 200, 503]);
});

Deno.test("fault: probability is deterministic per simulator and restarts on reset", async () => {
  const run = async (sim: Simulator) => {
    const out: number[] = [];
    for (let i = 0; i < 24; i++) {
      const res = await get(sim, INFO);
      out.push(res.status);
      await res.body?.cancel();
    }
    return out;
  };
  const a = smallSim();
  const b = smallSim();
  a.faults.add({ status: 500, probability: 0.5 });
  b.faults.add({ status: 500, probability: 0.5 });
  const [ra, rb] = [await run(a), await run(b)];
  assert.deepEqual(ra, rb);
  assert.ok(ra.includes(500) && ra.includes(200));
  a.reset();
  a.faults.add({ status: 500, probability: 0.5 });
  assert.deepEqual(await run(a), ra);
  const never = smallSim();
  never.faults.add({ status: 500, probability: 0 });
  assert.ok((await run(never)).every((s) => s === 200));
});

Deno.test("fault: dropConnection rejects in process; invalid specs are refused", async () => {
  const sim = smallSim();
  sim.faults.add({ endpointKey: "organization.getOrganizationInfo", dropConnection: true, times: 1 });
  await assert.rejects(get(sim, INFO), TypeError);
  assert.equal((await get(sim, INFO)).status, 200);
  assert.throws(() => sim.faults.add({ status: 42 }), TypeError);
  assert.throws(() => sim.faults.add({ probability: 2 }), TypeError);
  assert.throws(() => sim.faults.add({ times: 0 }), TypeError);
});

async function withServer(fn: (server: SimulatorServer) => Promise<void>): Promise<void> {
  const server = await startSimulator({ now: NOW, organizations: [{ key: DEMO_ORG_KEY, deviceCount: 20 }] });
  try {
    await fn(server);
  } finally {
    await server.close();
  }
}

Deno.test("socket: startSimulator serves the API, the admin API and hung requests", async () => {
  await withServer(async (server) => {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const headers = { authorization: DEMO_ORG_KEY };
    const devices = await fetch(`${server.url}${DEVICES}?per_page=5`, { headers });
    assert.equal(devices.status, 200);
    assert.equal((await devices.json()).items.length, 5);
    const unauthorized = await fetch(`${server.url}${DEVICES}`);
    assert.equal(unauthorized.status, 401);
    await unauthorized.body?.cancel();

    const health = await fetch(`${server.url}/__sim/health`);
    assert.equal((await health.json()).ok, true);
    const log = await (await fetch(`${server.url}/__sim/requests`)).json();
    assert.deepEqual(log.map((r: { status: number }) => r.status), [200, 401]);
    assert.equal((await fetch(`${server.url}/__sim/requests`, { method: "DELETE" })).status, 204);
    assert.equal(server.requests.length, 0);

    const added = await fetch(`${server.url}/__sim/faults`, {
      method: "POST",
      body: JSON.stringify({ endpointKey: "organization.getOrganizationInfo", status: 503, retryAfter: 1 }),
    });
    assert.equal(added.status, 201);
    assert.equal(typeof (await added.json()).id, "string");
    const faulted = await fetch(`${server.url}${INFO}`, { headers });
    assert.equal(faulted.status, 503);
    assert.equal(faulted.headers.get("retry-after"), "1");
    await faulted.body?.cancel();
    const invalid = await fetch(`${server.url}/__sim/faults`, { method: "POST", body: '{"status": "x"}' });
    assert.equal(invalid.status, 422);
    await invalid.body?.cancel();
    assert.equal((await fetch(`${server.url}/__sim/faults`, { method: "DELETE" })).status, 204);
    const recovered = await fetch(`${server.url}${INFO}`, { headers });
    assert.equal(recovered.status, 200);
    await recovered.body?.cancel();

    // A hung request aborted by the client.
    server.faults.add({ endpointKey: "organization.devices.getDevices", hang: true });
    const controller = new AbortController();
    const hung = fetch(`${server.url}${DEVICES}`, { headers, signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    await assert.rejects(
      hung,
      (error: unknown) => error instanceof DOMException && error.name === "AbortError",
    );

    // reset over the admin API clears the faults again.
    const device = server.state.organizations[0].devices[0];
    assert.equal((await fetch(`${server.url}/__sim/reset`, { method: "POST" })).status, 204);
    const after = await fetch(`${server.url}${DEVICES}/${device.id}`, { headers });
    assert.equal(after.status, 200);
    await after.body?.cancel();
    const keys = await (await fetch(`${server.url}/__sim/keys?device_id=${device.id}`)).json();
    assert.equal(keys.device_access_key, server.deviceAccessKey(device.id));
  });
});

Deno.test("socket: close() releases requests that hang forever; dropConnection breaks the body", async () => {
  const server = await startSimulator({ now: NOW, organizations: [{ key: DEMO_ORG_KEY, deviceCount: 5 }] });
  const headers = { authorization: DEMO_ORG_KEY };
  server.faults.add({ endpointKey: "organization.getOrganizationInfo", dropConnection: true, times: 1 });
  const dropped = await fetch(`${server.url}${INFO}`, { headers });
  await assert.rejects(dropped.text());
  server.faults.add({ endpointKey: "organization.getOrganizationInfo", hang: true });
  const hung = fetch(`${server.url}${INFO}`, { headers }).then(async (r) => {
    await r.body?.cancel();
    return r.status;
  }, () => -1);
  await new Promise((r) => setTimeout(r, 50));
  const started = performance.now();
  await server.close();
  assert.ok(performance.now() - started < 2000);
  assert.equal(await hung, 503);
  await server.close();
});

Deno.test("socket: startSimulator prints nothing to stdout or stderr", async () => {
  const mod = new URL("../../src/simulator/mod.ts", import.meta.url).href;
  const script = `
    import { startSimulator, DEMO_ORG_KEY } from ${JSON.stringify(mod)};
    const s = await startSimulator({ organizations: [{ key: DEMO_ORG_KEY, deviceCount: 3 }] });
    s.faults.add({ pathPrefix: "/core/v1/organization/info", delayMs: 5, times: 1 });
    const r = await fetch(s.url + "/core/v1/organization/info", { headers: { authorization: DEMO_ORG_KEY } });
    await r.text();
    await s.close();
  `;
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--no-check", script],
    env: { DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  assert.equal(decoder.decode(output.stderr), "");
  assert.equal(decoder.decode(output.stdout), "");
  assert.equal(output.code, 0);
});
