/** Long list calls report progress per page when the client asks for it (progressToken). */
import assert from "node:assert/strict";
import { connectStdio, serverEnv, startHub } from "./harness.ts";

Deno.test("list_devices all=true sends progress notifications while it fetches pages", async () => {
  const hub = await startHub();
  const session = await connectStdio(serverEnv(hub));
  try {
    const updates: { progress: number; total?: number; message?: string }[] = [];
    const result = await session.client.callTool(
      { name: "list_devices", arguments: { all: true, per_page: 100 } },
      { onprogress: (p: { progress: number; total?: number; message?: string }) => updates.push(p) },
    );
    const devices = (result.structuredContent as { devices: unknown[] }).devices;
    assert.equal(devices.length, hub.state.organizations[0]!.devices.length);
    // 250 devices = 3 pages of 100; the client may miss the very last notification (SDK race), not the first.
    assert.ok(updates.length >= 2, `got ${updates.length} progress notification(s)`);
    assert.ok(
      updates.every((u, i) => i === 0 || u.progress > updates[i - 1]!.progress),
      "progress increases",
    );
    assert.match(updates[0]!.message ?? "", /page/);
  } finally {
    await session.close();
    await hub.close();
  }
});
