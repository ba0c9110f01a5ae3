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

Deno.test("peer writes: other replicas hear a tenant's writes, the writer does not hear itself", async () => {
  const server = await startTestRedis();
  if (!server) return; // startTestRedis printed why (REDIS_UNAVAILABLE_REASON)
  // A channel of our own: CI shares one Redis between parallel test files.
  const channel = `xyte-mcp:test:${crypto.randomUUID()}:writes`;
  const [redisA, redisB] = await Promise.all([connectRedis(server.url), connectRedis(server.url)]);
  const heardA: string[] = [];
  const heardB: string[] = [];
  const a = await listenForPeerWrites(redisA, (tenant) => heardA.push(tenant), channel);
  const b = await listenForPeerWrites(redisB, (tenant) => heardB.push(tenant), channel);
  try {
    a.announce("0123456789abcdef");
    b.announce("configured");
    await settle();
    assert.deepEqual(heardB, ["0123456789abcdef"]);
    assert.deepEqual(heardA, ["configured"]);

    for (
      const garbage of ["", "only-one-part", "someone tenant with spaces", "someone TENANT!", "x ".repeat(3)]
    ) {
      await redisA.publish(channel, garbage);
    }
    await redisA.publish(channel, `someone ${"a".repeat(65)}`);
    await settle();
    assert.deepEqual(heardB, ["0123456789abcdef"], "malformed announcements are ignored");

    await b.close();
    a.announce("0123456789abcdef");
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
  const announced: string[] = [];
  const watches = new ResourceWatches({
    pollSeconds: 0,
    readTimeoutMs: 1_000,
    announce: (tenant) => announced.push(tenant),
  });
  watches.written("0123456789abcdef");
  watches.written({}); // a Xyte client's identity: a process of its own, no replicas
  watches.recheck("fedcba9876543210"); // heard from another replica: not announced again
  assert.deepEqual(announced, ["0123456789abcdef"]);
});
