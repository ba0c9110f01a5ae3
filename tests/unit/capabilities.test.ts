import assert from "node:assert/strict";
import { buildServer, type ServeContext } from "../../src/mcp/server.ts";
import { ResourceWatches } from "../../src/mcp/subscriptions.ts";
import { exposedTools } from "../../src/registry.ts";
import { DirectoryCache } from "../../src/resources/directory.ts";
import { Secret } from "../../src/secret.ts";
import { DEFAULT_TOOLSETS } from "../../src/toolsets.ts";
import { XyteClient } from "../../src/xyte/client.ts";

/** A server's deps with an organization key (never used: nothing here reaches Xyte) and the default tools. */
async function defaultSelection() {
  const xyte = new XyteClient({
    hubUrl: "http://hub.invalid",
    entryUrl: "http://entry.invalid",
    timeoutMs: 1000,
    organizationKey: new Secret("capabilities-test-key"),
    rememberKeys: false,
  });
  const tools = await exposedTools({ readOnly: false, toolsets: DEFAULT_TOOLSETS });
  return { xyte, tools, readOnly: false, directories: new DirectoryCache() };
}

Deno.test("capabilities promise no list-change notifications: tools, prompts and resources are fixed per server", async () => {
  const capabilities = buildServer(await defaultSelection()).server.getCapabilities();
  assert.deepEqual(capabilities.tools, { listChanged: false });
  assert.deepEqual(capabilities.prompts, { listChanged: false });
  assert.deepEqual(capabilities.resources, { listChanged: false });
  assert.ok(capabilities.completions, "completions are offered");
  assert.equal("subscribe" in (capabilities.resources ?? {}), false, "no subscriptions without watches");
});

Deno.test("subscriptions are promised only where a notification can reach the client between requests", async () => {
  const deps = await defaultSelection();
  const watches = new ResourceWatches({ pollSeconds: 0, readTimeoutMs: 1000 });
  const offered = (serve: ServeContext) =>
    buildServer({ ...deps, watches }, serve).server.getCapabilities().resources
      ?.subscribe;
  assert.equal(offered({ era: "legacy", serverToClient: true }), true, "stdio and 2025-era sessions");
  assert.equal(offered({ era: "legacy", serverToClient: false }), undefined, "a stateless 2025-era request");
  assert.equal(offered({ era: "modern", serverToClient: false }), undefined, "2026-07-28, no listen served");
  assert.equal(offered({ era: "modern", serverToClient: false, listens: true }), true, "2026-07-28 listen");
});

Deno.test("malformed resources/read, subscribe, prompts/get and completion/complete params are -32602 (invalid params)", async () => {
  const { InMemoryTransport } = await import("@modelcontextprotocol/server");
  const watches = new ResourceWatches({ pollSeconds: 0, readTimeoutMs: 1000 });
  const server = buildServer({ ...(await defaultSelection()), watches });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const answers = new Map<number, { error?: { code: number; message: string } }>();
  clientSide.onmessage = (message) => {
    const m = message as { id?: number; error?: { code: number; message: string } };
    if (typeof m.id === "number") answers.set(m.id, m);
  };
  await server.connect(serverSide);
  await clientSide.start();
  let id = 0;
  const call = async (method: string, params: unknown) => {
    const mine = ++id;
    await clientSide.send({ jsonrpc: "2.0", id: mine, method, params } as never);
    for (let i = 0; i < 100 && !answers.has(mine); i++) await new Promise((r) => setTimeout(r, 5));
    return answers.get(mine);
  };
  try {
    await call("initialize", {
      protocolVersion: "2025-06-18",
      capabilities: {},
      clientInfo: { name: "t", version: "1" },
    });
    await clientSide.send({ jsonrpc: "2.0", method: "notifications/initialized" } as never);
    for (
      const [method, params] of [
        ["resources/read", {}],
        ["resources/read", { uri: 42 }],
        ["resources/subscribe", {}],
        ["resources/subscribe", { uri: ["xyte://organization"] }],
        ["resources/unsubscribe", { uri: null }],
        ["prompts/get", { arguments: {} }],
        ["completion/complete", { ref: { type: "ref/prompt", name: "triage_open_incidents" } }],
      ] as const
    ) {
      const answer = await call(method, params);
      assert.equal(
        answer?.error?.code,
        -32602,
        `${method} ${JSON.stringify(params)}: ${JSON.stringify(answer)}`,
      );
    }
    // Well-formed requests for things that do not exist are -32602 too, naming what is missing.
    assert.match(
      (await call("prompts/get", { name: "nope" }))?.error?.message ?? "",
      /Prompt nope not found/,
    );
    const unknown = await call("completion/complete", {
      ref: { type: "ref/resource", uri: "xyte://nope/{x}" },
      argument: { name: "x", value: "" },
    });
    assert.equal(unknown?.error?.code, -32602);
    // The handler that answers subscriptions answers nothing else.
    assert.equal((await call("resources/nonsense", {}))?.error?.code, -32601);
  } finally {
    await server.close();
  }
});
