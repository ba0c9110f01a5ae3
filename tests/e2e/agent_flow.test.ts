/**
 * A scripted agent answers "which devices in <site> are offline, and what do their open tickets say?" the way
 * a model would with our tools, and must need at most 2 tool calls.
 */
import assert from "node:assert/strict";
import { loadTools } from "../../src/registry.ts";
import { connectStdio, serverEnv, startHub } from "./harness.ts";
import { devicesInSite, siteNames } from "./scenarios/sim_truth.ts";

Deno.test("agent flow: offline devices of a site and their open tickets in at most 2 tool calls", async () => {
  const hub = await startHub();
  const session = await connectStdio(serverEnv(hub));
  try {
    const org = hub.state.organizations[0]!;
    // The site where the question is most interesting: offline devices that have open tickets.
    const openTicketsOf = (id: string) => org.tickets.filter((t) => t.deviceId === id && t.status === "open");
    const site = siteNames(org).map((name) => ({
      name,
      withTickets: devicesInSite(org, name, ["offline", "disconnected"]).filter((d) =>
        openTicketsOf(d.id).length > 0
      ),
    })).sort((a, b) => b.withTickets.length - a.withTickets.length)[0]!;
    assert.ok(site.withTickets.length > 0, "the seed has an offline device with an open ticket");

    let calls = 0;
    const call = async (name: string, args: Record<string, unknown>) => {
      calls++;
      const result = await session.client.callTool({ name, arguments: args });
      assert.notEqual(result.isError, true);
      return result.structuredContent as Record<string, unknown>;
    };
    // The agent reads the question, sees fleet_summary's description ("what is broken in <site>?") and asks once.
    const summary = await call("fleet_summary", { space: site.name, attention_limit: 200 }) as {
      needs_attention: {
        id: string;
        effective_status: string;
        open_tickets: { id: string; title: string | null; description: string | null }[];
      }[];
    };
    const offline = summary.needs_attention.filter((d) =>
      ["offline", "disconnected"].includes(d.effective_status)
    );

    const expected = devicesInSite(org, site.name, ["offline", "disconnected"]);
    assert.deepEqual(offline.map((d) => d.id).sort(), expected.map((d) => d.id).sort());
    for (const device of offline) {
      const truth = openTicketsOf(device.id);
      assert.deepEqual(device.open_tickets.map((t) => t.id).sort(), truth.map((t) => t.id).sort());
      for (const ticket of device.open_tickets) {
        const original = truth.find((t) => t.id === ticket.id)!;
        assert.equal(ticket.title, original.title, "the agent sees what the ticket says");
        assert.ok(original.description.startsWith((ticket.description ?? "").replace(/…$/, "")));
      }
    }
    assert.ok(calls <= 2, `answered in ${calls} tool call(s)`);
  } finally {
    await session.close();
    await hub.close();
  }
});

Deno.test("agent flow: on a default server, a space not found is hinted with tools the agent can call", async () => {
  const hub = await startHub();
  const session = await connectStdio(serverEnv(hub));
  try {
    const { tools } = await session.client.listTools();
    const listed = new Set(tools.map((t) => t.name));
    assert.ok(!listed.has("list_spaces"), "list_spaces is not in the default toolsets");
    const every = (await loadTools()).map((t) => t.name);
    for (const space of ["Atlantis", 999_999_999]) {
      const result = await session.client.callTool({ name: "fleet_summary", arguments: { space } });
      assert.equal(result.isError, true);
      const { error } = result.structuredContent as { error: { code: string; hint: string } };
      assert.equal(error.code, "not_found");
      const named = every.filter((name) => new RegExp(`\\b${name}\\b`).test(error.hint));
      assert.ok(named.length > 0, `the hint says how to find a space: ${error.hint}`);
      assert.deepEqual(named.filter((name) => !listed.has(name)), [], `only exposed tools: ${error.hint}`);
    }
  } finally {
    await session.close();
    await hub.close();
  }
});
