/**
 * `space` arguments (src/tools/space_ref.ts): an id is looked up like a name, read from Xyte; ambiguity
 * lists every candidate or says how to narrow; the not_found hint names only tools the server exposes.
 */
import { toolContext } from "../helpers/tool_context.ts";
import assert from "node:assert/strict";
import { toolFailure } from "../helpers/tool_failure.ts";
import { exposedTools } from "../../src/registry.ts";
import { createSimulator, DEMO_ORG_KEY, type SimOrganization } from "../../src/simulator/mod.ts";
import { DEFAULT_TOOLSETS } from "../../src/toolsets.ts";
import { MAX_LISTED_CANDIDATES, resolveSpace } from "../../src/tools/space_ref.ts";
import { simulatedClient } from "../helpers/sim_client.ts";

/** A tool context over the demo organization, recording the paths of the requests sent upstream. */
function demo(options: { exposed?: readonly string[]; cachedReads?: boolean } = {}) {
  const sim = createSimulator();
  const sent: string[] = [];
  const xyte = simulatedClient(sim, DEMO_ORG_KEY, {
    fetch: (input, init) => {
      sent.push(new URL(String(input)).pathname);
      return sim.handle(new Request(input, init));
    },
  });
  const exposed = new Set(options.exposed ?? []);
  const ctx = toolContext(xyte, {
    cachedReads: options.cachedReads ?? true,
    exposes: (tool) => exposed.has(tool),
  });
  return { org: sim.state.organizations[0]!, ctx, sent };
}

/** A space's full_path as Xyte gives it: from the site down, without the organization's root. */
function fullPath(org: SimOrganization, id: number): string {
  const names: string[] = [];
  for (let s = org.spaces.find((x) => x.id === id); s && s.id !== org.rootSpaceId;) {
    names.unshift(s.name);
    const parent = s.parentId;
    s = org.spaces.find((x) => x.id === parent);
  }
  return names.join("/");
}

Deno.test("resolveSpace: an id gets the path a name gets, read from Xyte when no directory is held", async () => {
  const { org, ctx, sent } = demo();
  const london = org.spaces.find((s) => s.name === "London Office" && s.parentId === org.rootSpaceId)!;
  const byName = await resolveSpace("London Office", ctx);
  const mark = sent.length;
  for (const ref of [london.id, String(london.id)]) {
    assert.deepEqual(await resolveSpace(ref, ctx), byName);
  }
  assert.deepEqual(byName, { id: String(london.id), path: "London Office", label: "London Office" });
  assert.equal(sent.length - mark, 2, "one read of the space per call without a directory");
  assert.ok(sent.slice(mark).every((p) => p.endsWith(`/spaces/${london.id}`)));
});

Deno.test("resolveSpace: a room by id gets its full path; an id Xyte does not know is not_found", async () => {
  const { org, ctx } = demo();
  const room = org.spaces.find((s) => !org.spaces.some((c) => c.parentId === s.id))!;
  assert.deepEqual(await resolveSpace(room.id, ctx), {
    id: String(room.id),
    path: fullPath(org, room.id),
    label: fullPath(org, room.id),
  });
  const error = await toolFailure(() => resolveSpace(999_999_999, ctx));
  assert.equal(error.code, "not_found");
  assert.match(error.message, /no space has id 999999999/);
});

Deno.test("resolveSpace: a space deleted by a write is not found by its id right after, whatever else is held", async () => {
  const { org, ctx } = demo();
  const created = await ctx.xyte.call("organization.spaces.createSpace", {
    body: { name: "Doomed Room", parent_id: org.rootSpaceId },
  }) as { id: number | string };
  const id = String(created.id);
  assert.equal((await resolveSpace(id, ctx)).id, id);
  await ctx.xyte.call("organization.spaces.deleteSpace", { path: { space_id: id } });
  assert.equal((await toolFailure(() => resolveSpace(id, ctx))).code, "not_found");
});

Deno.test("resolveSpace: the not_found hint names only tools the server exposes", async () => {
  const defaults = (await exposedTools({ readOnly: false, toolsets: DEFAULT_TOOLSETS })).map((t) => t.name);
  const cases: [readonly string[], RegExp, string | undefined][] = [
    [["list_spaces", "call_endpoint"], /Call list_spaces/, undefined],
    [defaults, /call_endpoint key organization\.spaces\.getSpaces/, "list_spaces"],
    [["list_devices"], /list_devices rows carry/, "call_endpoint"],
    [[], /resources\/list names spaces/, "list_"],
  ];
  for (const [exposed, names, absent] of cases) {
    const { ctx } = demo({ exposed });
    for (const ref of ["Atlantis", 999_999_999]) {
      const error = await toolFailure(() => resolveSpace(ref, ctx));
      assert.equal(error.code, "not_found");
      assert.match(error.hint, names);
      if (absent) assert.ok(!error.hint.includes(absent), `${error.hint} (exposed: ${exposed.join(", ")})`);
    }
  }
});

Deno.test("resolveSpace: an ambiguous name lists every candidate up to a bound, then says how to narrow", async () => {
  const { org, ctx } = demo();
  const training = org.spaces.filter((s) => s.name === "Training Room");
  const some = await toolFailure(() => resolveSpace("Training Room", ctx));
  assert.equal(some.code, "ambiguous_space");
  for (const r of training) assert.ok(some.message.includes(`${r.id} (${fullPath(org, r.id)})`));
  assert.doesNotMatch(some.message, /more/);

  // Candidates at one depth (a shallower match would win alone): a closet in each of 25 rooms.
  const parents = org.spaces.filter((s) => fullPath(org, s.id).split("/").length === 4).slice(
    0,
    MAX_LISTED_CANDIDATES + 5,
  );
  assert.equal(parents.length, MAX_LISTED_CANDIDATES + 5, "the demo has enough rooms");
  for (const parent of parents) {
    await ctx.xyte.call("organization.spaces.findOrCreateSpace", {
      body: { name: "Closet", parent_id: parent.id },
    });
  }
  const many = await toolFailure(() => resolveSpace("Closet", ctx));
  assert.match(many.message, new RegExp(`^${parents.length} spaces match "Closet": `));
  assert.equal(many.message.match(/\d+ \([^)]+\/Closet\)/g)?.length, MAX_LISTED_CANDIDATES);
  assert.match(many.message, /, and 5 more$/);
  assert.match(many.hint, /a longer path such as "[^"]+\/Closet" to narrow/);
});
