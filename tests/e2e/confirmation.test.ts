/**
 * Destructive tools ask the user when the client supports elicitation: over stdio (2025-era session and
 * 2026-07-28 input_required) and over HTTP (session and per-request). Accepting deletes; declining or a
 * client without elicitation sends nothing upstream.
 */
import assert from "node:assert/strict";
import type { Client } from "@modelcontextprotocol/client";
import type { SimulatorServer } from "../../src/simulator/mod.ts";
import {
  type ClientOptions,
  connectHttp,
  connectStdio,
  serverEnv,
  startHttpServer,
  startHub,
} from "./harness.ts";

interface Outcome {
  isError?: boolean;
  structuredContent?: { error?: { code: string } };
}

/** Deletes one incident through `client`; returns the result and whether the incident still exists. */
async function deleteAnIncident(client: Client, hub: SimulatorServer) {
  const org = hub.state.organizations[0]!;
  const incident = org.incidents.find((i) => i.status === "closed") ?? org.incidents[0]!;
  const deletesBefore = hub.requests.filter((r) => r.method === "DELETE").length;
  const result = await client.callTool({
    name: "delete_incident",
    arguments: { incident_id: String(incident.id) },
  });
  return {
    result: result as Outcome,
    stillThere: org.incidents.some((i) => i.id === incident.id),
    deletesSent: hub.requests.filter((r) => r.method === "DELETE").length - deletesBefore,
  };
}

const asked: string[] = [];
const accept: ClientOptions["onElicit"] = (params) => {
  asked.push(params.message ?? "");
  return Promise.resolve({ action: "accept", content: { confirm: true } });
};
const decline: ClientOptions["onElicit"] = () => Promise.resolve({ action: "decline" });

for (const modern of [false, true]) {
  const era = modern ? "2026-07-28" : "2025-era";
  Deno.test(`stdio ${era}: an accepted elicitation confirms a delete; a declined one sends nothing`, async () => {
    const hub = await startHub();
    try {
      const yes = await connectStdio(serverEnv(hub), [], { modern, onElicit: accept });
      const accepted = await deleteAnIncident(yes.client, hub);
      await yes.close();
      assert.notEqual(accepted.result.isError, true);
      assert.equal(accepted.stillThere, false);
      assert.match(asked.at(-1)!, /incident/i, "the user is told what will be deleted");

      const no = await connectStdio(serverEnv(hub), [], { modern, onElicit: decline });
      const declined = await deleteAnIncident(no.client, hub);
      await no.close();
      assert.equal(declined.result.structuredContent?.error?.code, "cancelled_by_user");
      assert.equal(declined.stillThere, true);
      assert.equal(declined.deletesSent, 0);

      const plain = await connectStdio(serverEnv(hub), [], { modern });
      const refused = await deleteAnIncident(plain.client, hub);
      await plain.close();
      assert.equal(refused.result.structuredContent?.error?.code, "confirmation_required");
      assert.equal(refused.deletesSent, 0);
    } finally {
      await hub.close();
    }
  });
}

Deno.test("http: elicitation confirms a delete for a 2025-era session and a 2026-07-28 client", async () => {
  const hub = await startHub();
  const server = await startHttpServer(serverEnv(hub));
  try {
    for (const modern of [false, true]) {
      const client = await connectHttp(server.url, { modern, onElicit: accept });
      const outcome = await deleteAnIncident(client, hub);
      await client.close();
      assert.notEqual(outcome.result.isError, true, `era ${modern ? "2026" : "2025"}`);
      assert.equal(outcome.stillThere, false);
    }
  } finally {
    await server.stop();
    await hub.close();
  }
});

Deno.test("http --stateless: a 2025-era client cannot be asked, so the delete needs confirm and sends nothing", async () => {
  const hub = await startHub();
  const server = await startHttpServer(serverEnv(hub), ["--stateless"]);
  try {
    const client = await connectHttp(server.url, { onElicit: accept });
    const outcome = await deleteAnIncident(client, hub);
    await client.close();
    assert.equal(outcome.result.structuredContent?.error?.code, "confirmation_required");
    assert.equal(outcome.deletesSent, 0);
  } finally {
    await server.stop();
    await hub.close();
  }
});

Deno.test("stdio: an id of '..' cannot turn a cancel or a note delete into deleting the device", async () => {
  // `DELETE …/devices/D/commands/..` would resolve to `DELETE …/devices/D/`.
  const hub = await startHub();
  const { client, close } = await connectStdio(serverEnv(hub, { XYTE_TOOLSETS: "all" }), [], {
    onElicit: accept,
  });
  try {
    const device = hub.state.organizations[0]!.devices[0]!;
    const sentBefore = hub.requests.length;
    const calls = [
      { name: "cancel_command", arguments: { device_id: device.id, command_id: "..", confirm: ".." } },
      {
        name: "call_endpoint",
        arguments: {
          key: "organization.notes.deleteDeviceNote",
          path: { device_id: device.id, id: ".." },
          confirm: "..",
        },
      },
    ];
    for (const call of calls) {
      const result = await client.callTool(call) as Outcome;
      assert.equal(result.isError, true, `${call.name} refuses '..'`);
      assert.match(
        result.structuredContent?.error?.code ?? "",
        /^(invalid_arguments|validation)$/,
        call.name,
      );
    }
    assert.equal(hub.requests.length, sentBefore, "nothing reached Xyte");
    assert.ok(
      hub.state.organizations[0]!.devices.some((d) => d.id === device.id),
      "the device is still there",
    );
  } finally {
    await close();
    await hub.close();
  }
});

Deno.test("stdio: the user is asked about the device by name and place; a device that does not exist is not_found, nobody asked", async () => {
  const hub = await startHub();
  try {
    for (const modern of [false, true]) {
      const questions: string[] = [];
      const session = await connectStdio(serverEnv(hub), [], {
        modern,
        onElicit: (params) => {
          questions.push(params.message ?? "");
          return Promise.resolve({ action: "decline" });
        },
      });
      const device = hub.state.organizations[0]!.devices[modern ? 1 : 0]!;
      const declined = await session.client.callTool({
        name: "delete_device",
        arguments: { device_id: device.id },
      });
      assert.equal((declined as Outcome).structuredContent?.error?.code, "cancelled_by_user");
      assert.equal(questions.length, 1);
      assert.ok(questions[0]!.includes(JSON.stringify(device.name)), questions[0]);
      assert.match(questions[0]!, new RegExp(`\\(${device.id}, [^)]+/`), "its id and its space's path");

      const missing = await session.client.callTool({
        name: "delete_device",
        arguments: { device_id: "no-such-device" },
      });
      assert.equal((missing as Outcome).structuredContent?.error?.code, "not_found");
      assert.equal(questions.length, 1, "nobody is asked about a device that does not exist");
      await session.close();
    }
  } finally {
    await hub.close();
  }
});
