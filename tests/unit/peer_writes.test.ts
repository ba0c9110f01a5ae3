/**
 * Announcements of writes between replicas through a real Redis: the others hear the tenant id, the
 * announcing replica does not hear itself, malformed messages are ignored, and nothing is heard after close.
 */
import assert from "node:assert/strict";
import { listenForPeerWrites, type PeerWrites } from "../../src/mcp/peer_writes.ts";
import { ResourceWatches } from "../../src/mcp/subscriptions.ts";
import { connectRedis } from "../../src/redis.ts";
import { startTestRedis } from "../helpers/redis.ts";
import { until } from "../helpers/until.ts";

Deno.test("peer writes: other replicas hear a tenant's writes and the ids they named; the writer does not hear itself", async () => {
  const server = await startTestRedis();
  if (!server) return; // startTestRedis printed why (REDIS_UNAVAILABLE_REASON)
  // A channel of our own: CI shares one Redis between parallel test files.
  const channel = `xyte-mcp:test:${crypto.randomUUID()}:writes`;
  const [redisA, redisB] = await Promise.all([connectRedis(server.url), connectRedis(server.url)]);
  const heardA: unknown[] = [];
  const heardB: unknown[] = [];
  const heardC: unknown[] = [];
  const a = await listenForPeerWrites(redisA, (tenant, ids) => heardA.push([tenant, ids]), channel);
  const b = await listenForPeerWrites(redisB, (tenant, ids) => heardB.push([tenant, ids]), channel);
  let c: PeerWrites | undefined;
  // Another replica's announcement, published on the connection of the messages under test, after them: once
  // a listener heard it, it was handed everything that connection published before (Redis keeps the order).
  const markers: string[] = [];
  const marker = async (redis: typeof redisA) => {
    const tenant = `marker-${markers.length + 1}`;
    markers.push(tenant);
    await redis.publish(channel, JSON.stringify({ from: "replica-m", tenant }));
    return tenant;
  };
  const heard = (list: unknown[], tenant: string) => list.some((entry) => (entry as string[])[0] === tenant);
  const announced = (list: unknown[]) => list.filter((entry) => !markers.includes((entry as string[])[0]!));
  try {
    a.announce("0123456789abcdef", ["d-1", "42"]);
    const afterA = await marker(redisA);
    b.announce("configured");
    const afterB = await marker(redisB);
    await until(() => [afterA, afterB].every((m) => heard(heardA, m) && heard(heardB, m)), "the markers");
    assert.deepEqual(announced(heardB), [["0123456789abcdef", ["d-1", "42"]]]);
    assert.deepEqual(
      announced(heardA),
      [["configured", undefined]],
      "no ids: anything of the tenant may have changed",
    );

    const garbage = [
      "",
      "not json",
      "someone tenant",
      JSON.stringify({ from: "x", tenant: "TENANT!" }),
      JSON.stringify({ from: "x", tenant: "a".repeat(65) }),
      JSON.stringify({ from: "x", tenant: "t", ids: "d-1" }),
      JSON.stringify({ from: "x", tenant: "t", ids: [1] }),
      JSON.stringify({ from: "x", tenant: "t", ids: Array.from({ length: 51 }, (_, i) => `d${i}`) }),
      JSON.stringify({ tenant: "t" }),
    ];
    for (const message of garbage) await redisA.publish(channel, message);
    const afterGarbage = await marker(redisA);
    await until(() => heard(heardB, afterGarbage), "the marker after the malformed announcements");
    assert.equal(announced(heardB).length, 1, "malformed announcements are ignored");

    await b.close();
    c = await listenForPeerWrites(redisB, (tenant, ids) => heardC.push([tenant, ids]), channel);
    a.announce("0123456789abcdef", []);
    await until(() => heardC.length >= 1, "the announcement after close, at a replica still listening");
    assert.equal(heardB.length, 4, "nothing is heard after close");
  } finally {
    await a.close();
    await b.close();
    await c?.close();
    await Promise.all([redisA.quit(), redisB.quit()]);
    await server.close();
  }
});

Deno.test("watches: a write is announced to the other replicas for tenants with an id, not for stdio's", () => {
  const announced: unknown[] = [];
  const watches = new ResourceWatches({
    pollSeconds: 0,
    readTimeoutMs: 1_000,
    announce: (tenant, touched) => announced.push([tenant, touched]),
  });
  watches.written("0123456789abcdef", ["d-1"]);
  watches.written({}); // a Xyte client's identity: a process of its own, no replicas
  watches.recheck("fedcba9876543210"); // heard from another replica: not announced again
  assert.deepEqual(announced, [["0123456789abcdef", ["d-1"]]]);
});
