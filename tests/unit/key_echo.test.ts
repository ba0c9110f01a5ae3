/**
 * An upstream answer that echoes the caller's own Xyte key (a proxy's error page, a misbehaving gateway) must
 * not carry it into tool results, resource documents or error messages, whole or cut in half. A multi-tenant
 * client's keys are not in the process-wide scrubber, so the client scrubs them itself.
 */
import { connectInMemory } from "../helpers/in_memory.ts";
import assert from "node:assert/strict";
import { exposedTools } from "../../src/registry.ts";
import { Secret } from "../../src/secret.ts";
import { DEFAULT_TOOLSETS } from "../../src/toolsets.ts";
import { XyteClient } from "../../src/xyte/client.ts";

/** A client's key, as a multi-tenant server holds it: not registered process-wide. */
const TENANT_KEY = "K9q7zW-echo-test-key-5d3c9a1b7e";
const FRAGMENT = TENANT_KEY.slice(0, 6);

async function serverAnswering(respond: (key: string) => Response) {
  const xyte = new XyteClient({
    hubUrl: "http://hub.invalid",
    entryUrl: "http://entry.invalid",
    timeoutMs: 1000,
    organizationKey: new Secret(TENANT_KEY),
    rememberKeys: false,
    fetch: ((_input: RequestInfo | URL, init?: RequestInit) =>
      Promise.resolve(respond(new Headers(init?.headers).get("authorization") ?? ""))) as typeof fetch,
  });
  return await connectInMemory({
    xyte,
    tools: await exposedTools({ readOnly: false, toolsets: DEFAULT_TOOLSETS }),
    readOnly: false,
  }, "key-echo-test");
}

Deno.test("a tenant's key echoed in a successful answer is redacted in the tool result and the resource", async () => {
  const { client, close } = await serverAnswering((key) =>
    Response.json({ id: "d1", name: `echo ${key}`, status: "online", space: { id: 1, full_path: key } })
  );
  try {
    const result = await client.callTool({ name: "get_device", arguments: { device_id: "d1" } });
    assert.ok(!JSON.stringify(result).includes(FRAGMENT), JSON.stringify(result).slice(0, 300));
    assert.match(JSON.stringify(result.structuredContent), /\[redacted\]/);
    const document = await client.readResource({ uri: "xyte://devices/d1" });
    assert.ok(!JSON.stringify(document).includes(FRAGMENT));
  } finally {
    await close();
  }
});

Deno.test("a tenant's key echoed in an error answer is redacted before the message is cut to length", async () => {
  // Without scrubbing first, the 300-character cut of `{error}` and the 120-character excerpt of an HTML
  // page would keep the first characters of the key, which no longer match it whole.
  for (
    const respond of [
      (key: string) => Response.json({ error: `${"x".repeat(290)} ${key}` }, { status: 422 }),
      (key: string) => new Response(`<p>${"y".repeat(110)} ${key}</p>`, { status: 502 }),
    ]
  ) {
    const { client, close } = await serverAnswering(respond);
    try {
      const result = await client.callTool({ name: "get_device", arguments: { device_id: "d1" } });
      assert.equal(result.isError, true);
      assert.ok(!JSON.stringify(result).includes(FRAGMENT), JSON.stringify(result).slice(0, 600));
    } finally {
      await close();
    }
  }
});
