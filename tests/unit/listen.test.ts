/**
 * 2026-07-28 listen streams: which URIs a listen request names, how its watches start and stop, and that a
 * stream hears of its own URIs only.
 */
import assert from "node:assert/strict";
import type { ServerEvent } from "@modelcontextprotocol/server";
import { listenedResourceUris, ListenEventBus, StdioListens, watchListened } from "../../src/mcp/listen.ts";
import type { ResourceWatcher } from "../../src/mcp/register_subscriptions.ts";

/** A watcher over fake resources: `change(uri)` tells every watch of it; unknown URIs are refused. */
function fakeWatcher(known: readonly string[]) {
  const active = new Map<string, Set<() => void>>();
  const watch: ResourceWatcher = (uri, onChange) => {
    if (!known.includes(uri)) return Promise.reject(new Error(`Resource ${uri} not found`));
    const set = active.get(uri) ?? new Set();
    active.set(uri, set);
    set.add(onChange);
    return Promise.resolve(() => void set.delete(onChange));
  };
  return {
    watch,
    change: (uri: string) => active.get(uri)?.forEach((onChange) => onChange()),
    watching: () => [...active].filter(([, set]) => set.size > 0).map(([uri]) => uri).sort(),
  };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));
const listenRequest = (id: string | number, uris?: unknown) => ({
  jsonrpc: "2.0" as const,
  id,
  method: "subscriptions/listen",
  params: {
    notifications: uris === undefined ? { toolsListChanged: true } : { resourceSubscriptions: uris },
  },
});

Deno.test("listenedResourceUris: the string URIs of a listen request, nothing for other messages", () => {
  assert.deepEqual(listenedResourceUris(listenRequest(1, ["xyte://organization", 7, "xyte://incidents"])), [
    "xyte://organization",
    "xyte://incidents",
  ]);
  assert.deepEqual(listenedResourceUris(listenRequest(1)), []);
  assert.equal(listenedResourceUris({ jsonrpc: "2.0", id: 1, method: "tools/list" }), undefined);
  assert.equal(listenedResourceUris({ jsonrpc: "2.0", method: "subscriptions/listen" }), undefined, "no id");
  assert.equal(listenedResourceUris([listenRequest(1, ["xyte://organization"])]), undefined, "a batch");
  assert.equal(listenedResourceUris(null), undefined);
});

Deno.test("watchListened: unknown URIs are skipped, and stopping early stops watches that start later", async () => {
  const fake = fakeWatcher(["xyte://organization", "xyte://incidents"]);
  const heard: string[] = [];
  const stop = watchListened(
    ["xyte://organization", "xyte://nope", "xyte://organization"],
    fake.watch,
    (uri) => heard.push(uri),
  );
  await settle();
  assert.deepEqual(fake.watching(), ["xyte://organization"]);
  fake.change("xyte://organization");
  assert.deepEqual(heard, ["xyte://organization"]);
  stop();
  assert.deepEqual(fake.watching(), []);

  const early = watchListened(["xyte://incidents"], fake.watch, () => {});
  early(); // before the watch has started
  await settle();
  assert.deepEqual(fake.watching(), [], "a watch that starts after the stop is stopped at once");
});

Deno.test("ListenEventBus: a stream hears its own URIs' changes; publish never carries a resource update", async () => {
  const bus = new ListenEventBus();
  const alpha = fakeWatcher(["xyte://organization"]);
  const beta = fakeWatcher(["xyte://organization"]);
  const heard = { alpha: [] as ServerEvent[], beta: [] as ServerEvent[], plain: [] as ServerEvent[] };
  const stopAlpha = bus.serve(
    { uris: ["xyte://organization"], watch: alpha.watch },
    () => bus.subscribe((event) => heard.alpha.push(event)),
  );
  bus.serve(
    { uris: ["xyte://organization"], watch: beta.watch },
    () => bus.subscribe((e) => heard.beta.push(e)),
  );
  bus.subscribe((event) => heard.plain.push(event)); // a listen without resource URIs
  await settle();

  alpha.change("xyte://organization");
  assert.deepEqual(heard.alpha, [{ kind: "resource_updated", uri: "xyte://organization" }]);
  assert.deepEqual(heard.beta, [], "same URI, other tenant");
  bus.publish({ kind: "resource_updated", uri: "xyte://organization" });
  bus.publish({ kind: "tools_list_changed" });
  assert.equal(heard.beta.length, 1);
  assert.deepEqual(heard.beta, [{ kind: "tools_list_changed" }]);
  assert.deepEqual(heard.plain, [{ kind: "tools_list_changed" }]);

  stopAlpha();
  assert.deepEqual(alpha.watching(), []);
  const before = heard.alpha.length;
  bus.publish({ kind: "prompts_list_changed" });
  assert.equal(heard.alpha.length, before, "an ended stream hears nothing more");
});

Deno.test("StdioListens: a listen starts watching, its cancellation or the end of the connection stops", async () => {
  const fake = fakeWatcher(["xyte://organization", "xyte://incidents"]);
  const notified: string[] = [];
  const listens = new StdioListens(fake.watch, (uri) => notified.push(uri));
  listens.inspect(listenRequest("listen:1", ["xyte://organization"]));
  listens.inspect(listenRequest("listen:2", ["xyte://incidents"]));
  listens.inspect({ jsonrpc: "2.0", id: 3, method: "tools/list" });
  await settle();
  assert.deepEqual(fake.watching(), ["xyte://incidents", "xyte://organization"]);
  fake.change("xyte://incidents");
  assert.deepEqual(notified, ["xyte://incidents"]);

  listens.inspect({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: "listen:1" } });
  assert.deepEqual(fake.watching(), ["xyte://incidents"]);
  listens.inspect({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: 3 } }); // not a listen
  listens.close();
  assert.deepEqual(fake.watching(), []);
});
