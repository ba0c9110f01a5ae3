/**
 * What an agent relies on from the space writes. create_space says whether it created the space or found one
 * of that name (Xyte's find_or_create answers both alike), and which settings a found space did not take.
 * delete_space goes by id only; an unknown id, a space that is not empty, or the root are refused with the
 * space named and what to do next, and a deletion names what went.
 */
import { toolContext } from "../helpers/tool_context.ts";
import assert from "node:assert/strict";
import { toErrorPayload, ToolFailure } from "../../src/mcp/results.ts";
import type { ToolErrorPayload } from "../../src/mcp/schemas.ts";
import type { ToolContext } from "../../src/mcp/tool.ts";
import { createSimulator, type Simulator } from "../../src/simulator/mod.ts";
import type { SimOrganization } from "../../src/simulator/types.ts";
import { createSpace, deleteSpace } from "../../src/tools/spaces.ts";
import { createMemoryCacheStore } from "../../src/xyte/cache_store.ts";
import { XyteError } from "../../src/xyte/errors.ts";
import { simulatedClient } from "../helpers/sim_client.ts";

const KEY = "space-writes-key-3c9d20";

interface Fixture {
  sim: Simulator;
  org: SimOrganization;
  ctx: ToolContext;
}

/** A simulated organization and a tenant client over it, its reads cached 300 s (as a deployment's are). */
function fixture(exposes: (tool: string) => boolean = () => true): Fixture {
  const sim = createSimulator({ organizations: [{ key: KEY, seed: 3, deviceCount: 20 }] });
  const cache = { store: createMemoryCacheStore(), tenant: "t", ttlSeconds: () => 300, reads: true };
  return {
    sim,
    org: sim.state.organizations[0]!,
    ctx: toolContext(simulatedClient(sim, KEY, { cache }), { exposes }),
  };
}

interface CreatedSpace {
  id: string;
  path: string | null;
  parent_id: string | null;
  created: boolean;
  unapplied_config?: string[];
}

async function create(f: Fixture, args: Record<string, unknown>) {
  const { result, summary } = await createSpace.execute(createSpace.input.parse(args), f.ctx);
  return { space: result as unknown as CreatedSpace, summary };
}

/** The tool error an agent gets from `run`'s failure. */
async function refusal(run: () => Promise<unknown>): Promise<ToolErrorPayload> {
  try {
    await run();
  } catch (error) {
    assert.ok(
      error instanceof ToolFailure || error instanceof XyteError,
      `expected a tool error, got ${error}`,
    );
    return toErrorPayload(error);
  }
  assert.fail("expected the call to be refused");
}

/** A site (a direct child of the root) that has child spaces. */
function siteWithChildren(org: SimOrganization) {
  return org.spaces.find((s) =>
    s.parentId === org.rootSpaceId && org.spaces.some((c) => c.parentId === s.id)
  )!;
}

Deno.test("create_space: created true for a new space; false, with the same space, when the parent has one of that name", async () => {
  const f = fixture();
  const site = siteWithChildren(f.org);
  const first = await create(f, { name: "Agent Lab", parent: site.id });
  assert.equal(first.space.created, true);
  assert.match(first.summary, /^Created space /);

  const again = await create(f, { name: "agent lab", parent: site.id });
  assert.equal(again.space.created, false);
  assert.equal(again.space.id, first.space.id);
  assert.match(again.summary, /already existed; nothing was created/);
  assert.equal(f.org.spaces.filter((s) => s.name === "Agent Lab").length, 1);

  // A namesake under another parent is not this parent's: a new space.
  const elsewhere = f.org.spaces.find((s) => s.parentId === f.org.rootSpaceId && s.id !== site.id)!;
  const other = await create(f, { name: "Agent Lab", parent: elsewhere.id });
  assert.equal(other.space.created, true);
  assert.notEqual(other.space.id, first.space.id);
});

Deno.test("create_space: a found space keeps its settings, and the answer names the ones it did not take", async () => {
  const f = fixture();
  const site = siteWithChildren(f.org);
  await create(f, { name: "Agent Store", parent: site.id, config: { temperature_units: "celsius" } });
  const found = await create(f, {
    name: "Agent Store",
    parent: site.id,
    config: { temperature_units: "fahrenheit", priority_factor: 0 },
  });
  assert.equal(found.space.created, false);
  // priority_factor 0 is not stored on the found space either: both are named.
  assert.deepEqual(found.space.unapplied_config, ["temperature_units", "priority_factor"]);
  assert.match(found.summary, /left as they were \(temperature_units, priority_factor\): update_space/);
  assert.equal(f.org.spaces.find((s) => s.name === "Agent Store")!.config.temperature_units, "celsius");

  const same = await create(f, {
    name: "Agent Store",
    parent: site.id,
    config: { temperature_units: "celsius" },
  });
  assert.equal(same.space.unapplied_config, undefined, "a setting the space already has is no surprise");
});

Deno.test("create_space: a space made elsewhere since a cached read is found, not reported as created", async () => {
  const f = fixture();
  const site = siteWithChildren(f.org);
  // A refused create reads the namesakes (cached) and changes nothing, so the cache keeps that read.
  await refusal(() =>
    create(f, { name: "Agent Annex", parent: site.id, config: { temperature_units: "kelvin" } })
  );
  // Then someone adds the space in Xyte's own app.
  const now = Date.now();
  f.org.spaces.push({
    id: 987_654,
    name: "Agent Annex",
    parentId: site.id,
    config: {},
    createdAtMs: now,
    updatedAtMs: now,
  });
  const found = await create(f, { name: "Agent Annex", parent: site.id });
  assert.equal(found.space.id, "987654");
  assert.equal(found.space.created, false);
});

async function remove(f: Fixture, spaceId: number | string) {
  const args = deleteSpace.input.parse({ space_id: spaceId, confirm: String(spaceId) });
  const { result, summary } = await deleteSpace.execute(args, f.ctx);
  return { result, summary };
}

Deno.test("delete_space: names the space it deleted", async () => {
  const f = fixture();
  const site = siteWithChildren(f.org);
  const { space } = await create(f, { name: "Agent Doomed", parent: site.id });
  const { result, summary } = await remove(f, Number(space.id));
  assert.deepEqual(result, { id: space.id, deleted: true, path: space.path });
  assert.equal(summary, `Space ${JSON.stringify(space.path)} (${space.id}) deleted.`);
  assert.ok(!f.org.spaces.some((s) => String(s.id) === space.id));
});

Deno.test("delete_space: an unknown id is not_found with how to find an id, and no delete is sent", async () => {
  const f = fixture();
  const error = await refusal(() => remove(f, 999_999));
  assert.equal(error.code, "not_found");
  assert.equal(error.message, "no space has id 999999");
  assert.match(error.hint, /list_spaces .*get_space/);
  assert.ok(!f.sim.requests.some((r) => r.method === "DELETE"));
});

Deno.test("delete_space: a space with children is refused naming it, with the tools that empty it", async () => {
  const f = fixture();
  const site = siteWithChildren(f.org);
  const error = await refusal(() => remove(f, site.id));
  assert.equal(error.code, "validation");
  assert.ok(error.message.includes(`"${site.name}" (${site.id})`), error.message);
  assert.match(error.message, /child spaces/);
  assert.match(error.hint, new RegExp(`get_space \\{space: ${site.id}\\}.*update_space`));
  assert.match(error.hint, new RegExp(`list_devices \\{space: ${site.id}\\}.*update_device`));

  // Tools this server does not expose are not named.
  const narrow = fixture((tool) => !tool.endsWith("_device") && !tool.endsWith("_devices"));
  const hint = (await refusal(() => remove(narrow, site.id))).hint;
  assert.doesNotMatch(hint, /list_devices|update_device/);
  assert.match(hint, /move its devices elsewhere\.$/);
});

Deno.test("delete_space: the root is refused as the root, not as a space to empty", async () => {
  const f = fixture();
  const error = await refusal(() => remove(f, f.org.rootSpaceId));
  assert.equal(error.code, "validation");
  assert.match(error.hint, /root space, which cannot be deleted/);
});

Deno.test("delete_space: a name instead of an id is refused with how to get the id", () => {
  const parsed = deleteSpace.input.safeParse({ space_id: "London Office" });
  assert.ok(!parsed.success);
  assert.match(parsed.error.issues.map((i) => i.message).join(" "), /space id .*get_space or list_spaces/);
});
