import assert from "node:assert/strict";
import { resourceWatcher } from "../../src/mcp/register_subscriptions.ts";
import type { ServerDeps } from "../../src/mcp/server.ts";
import { ResourceWatches } from "../../src/mcp/subscriptions.ts";
import { DirectoryCache } from "../../src/resources/directory.ts";
import { Secret } from "../../src/secret.ts";
import { XyteClient } from "../../src/xyte/client.ts";

/** The deps of one multi-tenant client: its own tenant id, and the quota keys of the keys it sent. */
function depsOf(tenant: string, quota: string[]): ServerDeps {
  const xyte = new XyteClient({
    hubUrl: "http://hub.invalid",
    entryUrl: "http://entry.invalid",
    timeoutMs: 1000,
    organizationKey: new Secret(`key-of-${tenant}`),
    rememberKeys: false,
    fetch: (() => Promise.resolve(Response.json({ id: "org-1", name: "Org" }))) as typeof fetch,
  });
  return { xyte, tenant, quota, tools: [], readOnly: false, directories: new DirectoryCache() };
}

Deno.test("subscriptions: a client's watches count against each key it sent, not against the key pair", async () => {
  const watches = new ResourceWatches({ pollSeconds: 0, readTimeoutMs: 1000, maxPerTenant: 1 });
  try {
    const first = resourceWatcher(depsOf("org+partner-1", ["key:org", "key:partner-1"]), watches);
    const stop = await first("xyte://organization", () => {});
    // Same organization key, another (made up) partner key: another tenant, same allowance.
    const second = resourceWatcher(depsOf("org+partner-2", ["key:org", "key:partner-2"]), watches);
    await assert.rejects(
      second("xyte://organization", () => {}),
      /Cannot watch xyte:\/\/organization: the 1 /,
    );
    stop();
    const again = await second("xyte://organization", () => {});
    again();
  } finally {
    watches.close();
  }
});
