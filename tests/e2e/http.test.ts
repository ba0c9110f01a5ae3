import assert from "node:assert/strict";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { Client } from "@modelcontextprotocol/client";
import { exampleToolCall } from "../../src/demo.ts";
import { callEveryTool } from "./every_tool.ts";
import { MODERN_META, MODERN_PROTOCOL } from "../fuzz/generators.ts";
import {
  connectHttp,
  JSON_RPC_HEADERS,
  openRawSession,
  openSessions,
  ORG_KEY,
  serverEnv,
  startHttpServer,
  startHub,
  waitFor,
} from "./harness.ts";

/** One POST over a raw socket with the given Host header; returns the whole response text. */
async function rawPost(url: string, host: string, body: string): Promise<string> {
  const { hostname, port, pathname } = new URL(url);
  const conn = await Deno.connect({ hostname, port: Number(port) });
  const request = [
    `POST ${pathname} HTTP/1.1`,
    `Host: ${host}`,
    "Content-Type: application/json",
    "Accept: application/json, text/event-stream",
    `Content-Length: ${new TextEncoder().encode(body).length}`,
    "Connection: close",
    "",
    body,
  ].join("\r\n");
  await conn.write(new TextEncoder().encode(request));
  return await new Response(conn.readable).text();
}

Deno.test("http (sessions): 2025-era and 2026-07-28 clients call every tool; sessions open and end", async () => {
  const hub = await startHub();
  const server = await startHttpServer(serverEnv(hub));
  try {
    const legacyTransport = new StreamableHTTPClientTransport(new URL(server.url));
    const legacy = new Client({ name: "e2e-legacy", version: "1" });
    await legacy.connect(legacyTransport);
    assert.ok(legacyTransport.sessionId, "a 2025-era client gets an Mcp-Session-Id");
    await callEveryTool(legacy);
    assert.equal(await openSessions(server.url), 1);

    const modern = await connectHttp(server.url, { modern: true });
    await callEveryTool(modern);
    await modern.close();

    await legacyTransport.terminateSession();
    await legacy.close();
    assert.equal(await openSessions(server.url), 0, "DELETE ends the session");
    assert.ok(!server.stderr().includes(ORG_KEY), "keys never reach the logs");
  } finally {
    const status = await server.stop();
    assert.equal(status.code, 0, "SIGTERM stops the HTTP server cleanly");
    await hub.close();
  }
});

Deno.test("http (--stateless): clients of both eras are served without sessions; legacy SSE is off", async () => {
  const hub = await startHub();
  const server = await startHttpServer(serverEnv(hub), ["--stateless"]);
  try {
    const transport = new StreamableHTTPClientTransport(new URL(server.url));
    const legacy = new Client({ name: "e2e-stateless", version: "1" });
    await legacy.connect(transport);
    assert.equal(transport.sessionId, undefined, "no session in stateless mode");
    await callEveryTool(legacy);
    await legacy.close();
    const modern = await connectHttp(server.url, { modern: true });
    await callEveryTool(modern);
    await modern.close();
    assert.equal(await openSessions(server.url), 0);

    // Its sessions would live on one replica, so behind a load balancer half of the POSTs would miss them.
    for (const [path, method] of [["/sse", "GET"], ["/sse", "HEAD"], ["/messages?sessionId=x", "POST"]]) {
      const response = await fetch(new URL(path!, server.url), {
        method,
        headers: JSON_RPC_HEADERS,
        ...(method === "POST" ? { body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }) } : {}),
      });
      assert.equal(response.status, 404, `${method} ${path}`);
      if (method === "HEAD") continue; // no body
      assert.match((await response.json()).error.message, /off with --stateless.*\/mcp/);
    }
    // A request cancelled in its own batch: nothing else could reach it, so it is answered, not left open.
    const batch = await fetch(server.url, {
      method: "POST",
      headers: { ...JSON_RPC_HEADERS, "mcp-protocol-version": "2025-03-26" },
      body: JSON.stringify([
        {
          jsonrpc: "2.0",
          id: 5,
          method: "tools/call",
          params: { name: "list_devices", arguments: { per_page: 1 } },
        },
        { jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: 5 } },
      ]),
      signal: AbortSignal.timeout(5_000),
    });
    const answered = await batch.text();
    assert.match(answered, /"result":\{"content"/);
    assert.match(answered, /"id":5\}/);
    // 405s name the one method served, whatever the refused method.
    for (const method of ["GET", "DELETE", "PUT"]) {
      const response = await fetch(server.url, { method, headers: JSON_RPC_HEADERS });
      await response.body?.cancel();
      assert.equal(response.status, 405, method);
      assert.equal(response.headers.get("allow"), "POST", method);
    }
  } finally {
    await server.stop();
    await hub.close();
  }
});

Deno.test("http: healthz, unknown session, bad JSON, foreign Host and Origin are answered precisely", async () => {
  const hub = await startHub();
  const server = await startHttpServer(serverEnv(hub));
  try {
    // Liveness answers the status alone; the version is a metric.
    const health = await fetch(new URL("/healthz", server.url));
    assert.equal(health.status, 200);
    assert.deepEqual(await health.json(), { status: "ok" });
    const metrics = await (await fetch(new URL("/metrics", server.url))).text();
    assert.match(metrics, /^xyte_mcp_build_info\{version="\d+\.\d+\.\d+[^"]*"\} 1$/m);

    const unknownSession = await fetch(server.url, {
      method: "POST",
      headers: { ...JSON_RPC_HEADERS, "mcp-session-id": "no-such-session" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    assert.equal(unknownSession.status, 404);
    assert.equal((await unknownSession.json()).error.code, -32001);

    const garbage = await fetch(server.url, { method: "POST", headers: JSON_RPC_HEADERS, body: "{not json" });
    assert.equal(garbage.status, 400);
    assert.equal((await garbage.json()).error.code, -32700);
    // An object of more members than any request needs is refused before the SDK copies it (1 MB of
    // members in params took over a second of the event loop).
    const session = await openRawSession(server.url, "wide");
    const pingWith = async (members: number) => {
      const params = Object.fromEntries(Array.from({ length: members }, (_, i) => [`k${i}`, i]));
      const response = await fetch(server.url, {
        method: "POST",
        headers: session,
        body: JSON.stringify({ jsonrpc: "2.0", id: members, method: "ping", params }),
      });
      return { status: response.status, text: await response.text() };
    };
    const wide = await pingWith(1001);
    assert.equal(wide.status, 400);
    assert.match(wide.text, /"code":-32600.*more than 1000 members/);
    assert.equal((await pingWith(1000)).status, 200);

    // Not JSON by its Content-Type: 415 before the body is read, on both transports' POST routes.
    for (
      const [path, contentType] of [["/mcp", "text/plain"], ["/messages?sessionId=x", "text/plain"], [
        "/messages?sessionId=x",
        undefined,
      ]]
    ) {
      const response = await fetch(new URL(path!, server.url), {
        method: "POST",
        headers: { accept: JSON_RPC_HEADERS.accept, ...(contentType ? { "content-type": contentType } : {}) },
        body: new TextEncoder().encode("{not json"),
      });
      assert.equal(response.status, 415, `${path} with ${contentType ?? "no Content-Type"}`);
      assert.match((await response.json()).error.message, /application\/json/);
    }

    // fetch() cannot set Host, so speak raw HTTP/1.1 the way a DNS-rebound browser would.
    const rebinding = await rawPost(
      server.url,
      "attacker.example",
      JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    );
    assert.match(rebinding, /^HTTP\/1\.1 403/);

    const foreignOrigin = await fetch(server.url, {
      method: "POST",
      headers: { ...JSON_RPC_HEADERS, origin: "https://attacker.example" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    assert.equal(foreignOrigin.status, 403);
    await foreignOrigin.body?.cancel();

    const notFound = await fetch(new URL("/nope", server.url));
    assert.equal(notFound.status, 404);
    await notFound.body?.cancel();
  } finally {
    await server.stop();
    await hub.close();
  }
});

Deno.test("http --demo: no key needed; the banner's URL and curl example work as printed", async () => {
  const server = await startHttpServer(serverEnv(undefined), ["--demo"]);
  try {
    await waitFor(() => server.stdout().includes("Stop with"), "the banner's last line", 10_000);
    const banner = server.stdout();
    assert.ok(banner.includes(`MCP endpoint (Streamable HTTP): ${server.url}`));
    assert.ok(banner.includes(`claude mcp add --transport http xyte ${server.url}`));
    const example = exampleToolCall();
    for (const [name, value] of Object.entries(example.headers)) {
      assert.ok(banner.includes(`-H '${name}: ${value}'`));
    }
    assert.ok(banner.includes(`-d '${example.body}'`));

    const response = await fetch(server.url, {
      method: "POST",
      headers: example.headers,
      body: example.body,
    });
    assert.equal(response.status, 200);
    const answer = await response.json();
    assert.match(answer.result.content[0].text, /^organization: 250 devices/);
  } finally {
    assert.equal((await server.stop()).code, 0);
  }
});

Deno.test("http: a slow 2026-07-28 answer starts as a stream, so a client closing its connection stops its call", async () => {
  const hub = await startHub();
  const server = await startHttpServer(serverEnv(hub, { XYTE_CACHE_TTL_S: "0" }));
  try {
    const deviceId = hub.state.organizations[0]!.devices[0]!.id;
    const call = JSON.stringify({
      jsonrpc: "2.0",
      id: 7,
      method: "tools/call",
      params: {
        name: "get_device",
        arguments: { device_id: deviceId },
        // Sized as SDK clients send it: Deno 2.9.6 does not notice a departed client while a request of this
        // size is being worked on, unless its answer has started.
        _meta: {
          ...MODERN_META,
          "io.modelcontextprotocol/clientInfo": { name: "e2e-".repeat(50), version: "1" },
        },
      },
    });
    const headers = (accept: string) => ({
      "content-type": "application/json",
      accept,
      "mcp-protocol-version": MODERN_PROTOCOL,
      "mcp-method": "tools/call",
      "mcp-name": "get_device",
    });
    // A quick answer is JSON, whether the client takes SSE too or not.
    for (const accept of ["application/json, text/event-stream", "application/json"]) {
      const quick = await fetch(server.url, { method: "POST", headers: headers(accept), body: call });
      assert.equal(quick.headers.get("content-type"), "application/json", accept);
      assert.equal((await quick.json()).result.isError, undefined);
    }

    // A slow answer to a client that takes only JSON is JSON all the same.
    const slowFault = hub.faults.add({ endpointKey: "organization.devices.getDevice", delayMs: 1500 });
    const slowPlain = await fetch(server.url, {
      method: "POST",
      headers: headers("application/json"),
      body: call,
    });
    assert.equal(slowPlain.headers.get("content-type"), "application/json");
    assert.equal((await slowPlain.json()).result.isError, undefined);
    hub.faults.remove(slowFault);

    hub.faults.add({ endpointKey: "organization.devices.getDevice", delayMs: 8000 });
    const client = new AbortController();
    const answer = await fetch(server.url, {
      method: "POST",
      headers: headers("application/json, text/event-stream"),
      body: call,
      signal: client.signal,
    });
    assert.equal(
      answer.headers.get("content-type"),
      "text/event-stream",
      "the answer starts before the result",
    );
    client.abort(); // the client goes away while Xyte is still answering
    await answer.body?.cancel().catch(() => {});
    await waitFor(
      () => /"message":"tool call failed".*"code":"cancelled"/.test(server.stderr()),
      "the call to stop",
      6000,
    );
    assert.equal(
      server.stderr().split("\n").filter((line) => line.includes('"tool call ok"')).length,
      3,
      "only the calls whose clients waited finished",
    );
  } finally {
    await server.stop();
    await hub.close();
  }
});

Deno.test("http: an unknown method is -32601, in band in a 2025-era session, HTTP 404 for a 2026-07-28 request", async () => {
  const hub = await startHub();
  const server = await startHttpServer(serverEnv(hub));
  const request = (method: string, meta: Record<string, unknown> = {}) =>
    JSON.stringify({ jsonrpc: "2.0", id: 9, method, params: { _meta: meta } });
  try {
    const session = await openRawSession(server.url, "unknown-method");
    const legacy = await fetch(server.url, { method: "POST", headers: session, body: request("foo/bar") });
    assert.equal(legacy.status, 200);
    assert.match(await legacy.text(), /"code":-32601/);
    // The same server answers list methods from its shared routes in that session.
    const listed = await fetch(server.url, {
      method: "POST",
      headers: session,
      body: request("prompts/list"),
    });
    assert.match(await listed.text(), /"name":"troubleshoot_offline_device"/);

    const modern = await fetch(server.url, {
      method: "POST",
      headers: { ...JSON_RPC_HEADERS, "mcp-protocol-version": MODERN_PROTOCOL, "mcp-method": "foo/bar" },
      body: request("foo/bar", MODERN_META),
    });
    assert.equal(modern.status, 404);
    assert.equal((await modern.json()).error.code, -32601);
  } finally {
    await server.stop();
    await hub.close();
  }
});

Deno.test("http: MCP_MAX_SESSIONS caps Streamable HTTP and legacy SSE sessions and listen streams together", async () => {
  const hub = await startHub();
  const server = await startHttpServer(serverEnv(hub, { MCP_MAX_SESSIONS: "2" }));
  const streams = new AbortController();
  try {
    for (let i = 0; i < 3; i++) {
      const head = await fetch(new URL("/sse", server.url), { method: "HEAD" });
      assert.equal(head.status, 405, "HEAD /sse opens no stream (its body would never be read)");
      assert.equal(head.headers.get("allow"), "GET");
    }
    assert.equal(await openSessions(server.url), 0, "no HEAD took a place");
    await openRawSession(server.url, "e2e-cap");
    const sse = await fetch(new URL("/sse", server.url), {
      headers: { accept: "text/event-stream" },
      signal: streams.signal,
    });
    assert.equal(sse.status, 200, "one Streamable HTTP session and one SSE stream fit a cap of 2");
    assert.equal(await openSessions(server.url), 2);

    await assert.rejects(
      openRawSession(server.url, "e2e-cap-3"),
      /HTTP 503/,
      "a third session of either kind is refused",
    );
    const refused = await fetch(new URL("/sse", server.url), { headers: { accept: "text/event-stream" } });
    assert.equal(refused.status, 503);
    assert.equal((await refused.json()).error.code, -32000);
    const listen = await fetch(server.url, {
      method: "POST",
      headers: {
        ...JSON_RPC_HEADERS,
        "mcp-protocol-version": MODERN_PROTOCOL,
        "mcp-method": "subscriptions/listen",
      },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "subscriptions/listen",
        params: { notifications: { resourceSubscriptions: ["xyte://organization"] }, _meta: MODERN_META },
      }),
    });
    assert.equal(listen.status, 503, "so is a 2026-07-28 listen stream");
    assert.equal(listen.headers.get("retry-after"), "30");
    await listen.body?.cancel();

    const metrics = await (await fetch(new URL("/metrics", server.url))).text();
    assert.match(metrics, /xyte_mcp_sessions_active\{transport="streamable_http"\} 1\n/);
    assert.match(metrics, /xyte_mcp_sessions_active\{transport="sse"\} 1\n/);

    streams.abort();
    await sse.body?.cancel().catch(() => {});
    for (let i = 0; i < 100 && (await openSessions(server.url)) > 1; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.equal(await openSessions(server.url), 1, "the SSE session ends with its stream");
    await openRawSession(server.url, "e2e-cap-again");
    assert.equal(await openSessions(server.url), 2, "its place is free again");
  } finally {
    streams.abort();
    await server.stop();
    await hub.close();
  }
});

Deno.test("http (sessions): a cancelled call's stream ends at once and its id is free again", async () => {
  const hub = await startHub();
  hub.faults.add({ endpointKey: "organization.devices.getDevice", delayMs: 10_000, times: 1 });
  const server = await startHttpServer(serverEnv(hub));
  const post = (body: unknown, signal?: AbortSignal) =>
    fetch(server.url, { method: "POST", headers, body: JSON.stringify(body), signal });
  const dataOf = (text: string) =>
    text.split("\n").filter((line) => line.startsWith("data: {")).map((line) => JSON.parse(line.slice(6)));
  let headers: Record<string, string> = {};
  try {
    headers = await openRawSession(server.url, "e2e-cancel");
    const deviceId = hub.state.organizations[0]!.devices[0]!.id;
    // A client that keeps its POST open after cancelling (as the 1.x SDK client does).
    const call = await post(
      {
        jsonrpc: "2.0",
        id: 7,
        method: "tools/call",
        params: { name: "get_device", arguments: { device_id: deviceId } },
      },
      AbortSignal.timeout(8_000), // sooner than the upstream answer, later than a loaded machine's cancellation
    );
    assert.equal(call.status, 200);
    const cancel = await post({
      jsonrpc: "2.0",
      method: "notifications/cancelled",
      params: { requestId: 7 },
    });
    await cancel.body?.cancel();
    assert.equal(cancel.status, 202);
    const messages = dataOf(await call.text()); // ends before the slow upstream answer (10 s) would come
    assert.deepEqual(messages.map((m) => [m.id, m.error?.code, "result" in m]), [[7, -32800, false]]);

    const again = await post({ jsonrpc: "2.0", id: 7, method: "tools/list" });
    assert.equal(again.status, 200, "the id is free again");
    assert.ok(dataOf(await again.text())[0].result.tools.length > 0);
  } finally {
    await server.stop();
    await hub.close();
  }
});
