/**
 * Announcements of writes between replicas through a real Redis: the others hear the tenant id, the
 * announcing replica does not hear itself, malformed messages are ignored, and nothing is heard after close.
 */
import assert from "node:assert/strict";
import { listenForPeerWrites } from "../../src/mcp/peer_writes.ts";
import { ResourceWatches } from "../../src/mcp/subscriptions.ts";
import { connectRedis } from "../../src/redis.ts";
import { startTestRedis } from "../helpers/redis.ts";

const settle = () => new Promise((resolve) => setTimeout(resolve, 100));

Deno.test("peer writes: other replicas hear a tenant's writes and the ids they named; the writer does not hear itself", async () => {
  const server = await startTestRedis();
  if (!server) return; // startTestRedis printed why (REDIS_UNAVAILABLE_REASON)
  // A channel of our own: CI shares one Redis between parallel test files.
  const channel = `xyte-mcp:test:${crypto.randomUUID()}:writes`;
  const [redisA, redisB] = await Promise.all([connectRedis(server.url), connectRedis(server.url)]);
  const heardA: unknown[] = [];
  const heardB: unknown[] = [];
  const a = await listenForPeerWrites(redisA, (tenant, ids) => heardA.push([tenant, ids]), channel);
  const b = await listenForPeerWrites(redisB, (tenant, ids) => heardB.push([tenant, ids]), channel);
  try {
    a.announce("0123456789abcdef", ["d-1", "42"]);
    b.announce("configured");
    await settle();
    assert.deepEqual(heardB, [["0123456789abcdef", ["d-1", "42"]]]);
    assert.deepEqual(heardA, [["configured", undefined]], "no ids: anything of the tenant may have changed");

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
    await settle();
    assert.equal(heardB.length, 1, "malformed announcements are ignored");

    await b.close();
    a.announce("0123456789abcdef", []);
    await settle();
    assert.equal(heardB.length, 1, "nothing is heard after close");
  } finally {
    await a.close();
    await b.close();
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
