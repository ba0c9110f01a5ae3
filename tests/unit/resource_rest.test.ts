/**
 * xyte://incidents and xyte://spaces/{id} cannot page: when they hold less than there is, `more` names the tool
 * call that gets the rest (the first of list_incidents / list_spaces and call_endpoint the server exposes),
 * and following it, page after page, gets every row the document left out, none twice.
 */
import assert from "node:assert/strict";
import type { ResourceReadContext } from "../../src/mcp/resource.ts";
import type { Tool } from "../../src/mcp/tool.ts";
import { DirectoryCache } from "../../src/resources/directory.ts";
import { incidentsResource } from "../../src/resources/incidents.ts";
import { spaceResource } from "../../src/resources/spaces.ts";
import { createSimulator } from "../../src/simulator/mod.ts";
import { callEndpoint } from "../../src/tools/catalog.ts";
import { listIncidents } from "../../src/tools/incidents.ts";
import { getSpace, listSpaces } from "../../src/tools/spaces.ts";
import { exposedTools } from "../../src/registry.ts";
import { DEFAULT_TOOLSETS } from "../../src/toolsets.ts";
import { connectInMemory } from "../helpers/in_memory.ts";
import { simulatedClient } from "../helpers/sim_client.ts";
import { addActiveIncidents, addChildSpaces } from "../helpers/sim_rows.ts";
import { toolContext } from "../helpers/tool_context.ts";

const KEY = "resource-rest-key-5c19e2";

function fixture() {
  const sim = createSimulator({ organizations: [{ key: KEY, seed: 11, deviceCount: 20 }] });
  const xyte = simulatedClient(sim, KEY);
  const org = sim.state.organizations[0]!;
  /** A resource read on a server exposing `tools` (by name). */
  const readCtx = (tools: readonly string[]): ResourceReadContext => ({
    xyte,
    signal: new AbortController().signal,
    directories: new DirectoryCache(),
    exposes: (tool) => tools.includes(tool),
  });
  /** Runs the tool a `more` note names with its arguments; its result. */
  const call = async (tool: Tool, args: Record<string, unknown>) => {
    const { result } = await tool.execute(tool.input.parse(args), toolContext(xyte));
    return result as Record<string, unknown>;
  };
  return { org, xyte, readCtx, call };
}

/** The tool call a resource's `more` note names: the tool's name and its JSON arguments. */
function callIn(more: string): { tool: string; args: Record<string, unknown> } {
  const match = /: ([a-z_]+) (\{.*\})\.$/.exec(more);
  assert.ok(match, `${more} names a tool call with its arguments`);
  return { tool: match[1]!, args: JSON.parse(match[2]!) };
}

/**
 * Every row the call_endpoint call `args` and the pages after it answer (by `has_next_page`), each answer
 * whole (call_endpoint drops rows past its size limit).
 */
async function followCatalog(
  call: (tool: Tool, args: Record<string, unknown>) => Promise<Record<string, unknown>>,
  first: Record<string, unknown>,
): Promise<string[]> {
  const ids: string[] = [];
  for (let args = first;;) {
    const answer = await call(callEndpoint, args) as {
      truncated: boolean;
      response: { items: { id: string | number }[]; has_next_page: boolean };
    };
    assert.equal(answer.truncated, false, "each page fits call_endpoint's answer whole");
    ids.push(...answer.response.items.map((row) => String(row.id)));
    if (!answer.response.has_next_page) return ids;
    const query = args.query as Record<string, number>;
    args = { ...args, query: { ...query, page: query.page! + 1 } };
  }
}

interface IncidentsDoc {
  since: string;
  until: string;
  count: number;
  truncated: boolean;
  more?: string;
  incidents: { id: string }[];
}

Deno.test("xyte://incidents: holding 500, it names the list_incidents call for the rest; following it loses none", async () => {
  const f = fixture();
  addActiveIncidents(f.org, 730);
  const doc = await incidentsResource.read(
    f.readCtx([listIncidents.name, callEndpoint.name]),
  ) as IncidentsDoc;
  assert.equal(doc.incidents.length, 500);
  assert.equal(doc.truncated, true);
  const first = callIn(doc.more!);
  assert.equal(first.tool, "list_incidents");
  assert.deepEqual(first.args, {
    status: "active",
    since: doc.since,
    until: doc.until,
    page: 6,
    per_page: 100,
  });

  // Page on as list_incidents says (has_next_page), from the call the document named.
  const rest: { id: string }[] = [];
  for (let args = first.args;;) {
    const page = await f.call(listIncidents, args) as { incidents: { id: string }[]; has_next_page: boolean };
    rest.push(...page.incidents);
    if (!page.has_next_page) break;
    args = { ...args, page: (args.page as number) + 1 };
  }
  const [since, until] = [Date.parse(doc.since), Date.parse(doc.until)];
  const truth = f.org.incidents.filter((i) =>
    i.status === "active" && i.createdAtMs >= since && i.createdAtMs <= until
  );
  assert.ok(truth.length > 730, "the seeded active incidents and the added ones");
  const got = [...doc.incidents, ...rest].map((i) => i.id);
  assert.deepEqual(got, truth.map((i) => i.id), "every incident of the window, once, newest first");
});

Deno.test("xyte://incidents: without list_incidents it names call_endpoint; without either, which toolsets would do", async () => {
  const f = fixture();
  addActiveIncidents(f.org, 560);
  const viaCatalog = await incidentsResource.read(f.readCtx([callEndpoint.name])) as IncidentsDoc;
  const call = callIn(viaCatalog.more!);
  assert.equal(call.tool, "call_endpoint");
  const rest = await followCatalog(f.call, call.args);
  const [since, until] = [Date.parse(viaCatalog.since), Date.parse(viaCatalog.until)];
  const truth = f.org.incidents.filter((i) =>
    i.status === "active" && i.createdAtMs >= since && i.createdAtMs <= until
  );
  assert.deepEqual(
    [...viaCatalog.incidents.map((i) => i.id), ...rest],
    truth.map((i) => i.id),
    "every incident of the window, once, newest first",
  );

  const neither = await incidentsResource.read(f.readCtx([])) as IncidentsDoc;
  assert.equal(
    neither.more,
    "Older incidents: not with the tools this server exposes; list_incidents (toolset incidents) or " +
      "call_endpoint (toolset catalog) would get them.",
  );
});

Deno.test("xyte://incidents: all of them held, no more note", async () => {
  const f = fixture();
  const doc = await incidentsResource.read(f.readCtx([listIncidents.name])) as IncidentsDoc;
  assert.ok(doc.count > 0 && doc.count < 500);
  assert.equal(doc.truncated, false);
  assert.equal("more" in doc, false);
});

interface SpaceDoc {
  id: string;
  children: { id: string }[];
  more_children: boolean;
  more?: string;
}

Deno.test("xyte://spaces/{id}: holding 100 children, it names the list_spaces call for the rest; following it loses none", async () => {
  const f = fixture();
  const site = f.org.spaces.find((s) => s.parentId === f.org.rootSpaceId)!;
  addChildSpaces(f.org, site.id, 230);
  const truth = f.org.spaces.filter((s) => s.parentId === site.id).map((s) => String(s.id));
  const doc = await spaceResource.read(
    { space_id: String(site.id) },
    f.readCtx([listSpaces.name, callEndpoint.name]),
  ) as SpaceDoc;
  assert.equal(doc.children.length, 100);
  assert.equal(doc.more_children, true);
  const first = callIn(doc.more!);
  assert.equal(first.tool, "list_spaces");
  assert.deepEqual(first.args, { parent: String(site.id), page: 2, per_page: 100 });

  const rest: { id: string }[] = [];
  for (let args = first.args;;) {
    const page = await f.call(listSpaces, args) as { spaces: { id: string }[]; has_next_page: boolean };
    rest.push(...page.spaces);
    if (!page.has_next_page) break;
    args = { ...args, page: (args.page as number) + 1 };
  }
  assert.deepEqual([...doc.children, ...rest].map((s) => s.id), truth, "every child, once, in order");

  // list_spaces is not in the default toolsets: call_endpoint (catalog) is.
  const viaCatalog = await spaceResource.read(
    { space_id: String(site.id) },
    f.readCtx([callEndpoint.name]),
  ) as SpaceDoc;
  const call = callIn(viaCatalog.more!);
  assert.equal(call.tool, "call_endpoint");
  const viaRest = await followCatalog(f.call, call.args);
  assert.deepEqual(
    [...viaCatalog.children.map((s) => s.id), ...viaRest],
    truth,
    "every child, once, in order",
  );

  const few = f.org.spaces.find((s) =>
    f.org.spaces.some((c) => c.parentId === s.id) &&
    f.org.spaces.filter((c) => c.parentId === s.id).length < 100
  )!;
  const small = await spaceResource.read(
    { space_id: String(few.id) },
    f.readCtx([listSpaces.name]),
  ) as SpaceDoc;
  assert.equal(small.more_children, false);
  assert.equal("more" in small, false, "nothing more, no note");
});

Deno.test("served: the note names what the serving server exposes (default toolsets: call_endpoint for spaces)", async () => {
  const sim = createSimulator({ organizations: [{ key: KEY, seed: 11, deviceCount: 20 }] });
  const org = sim.state.organizations[0]!;
  addActiveIncidents(org, 560);
  const site = org.spaces.find((s) => s.parentId === org.rootSpaceId)!;
  addChildSpaces(org, site.id, 150);
  const tools = await exposedTools({ readOnly: false, toolsets: DEFAULT_TOOLSETS });
  assert.ok(!tools.some((t) => t.name === listSpaces.name), "list_spaces is not a default tool");
  const { client, close } = await connectInMemory(
    { xyte: simulatedClient(sim, KEY), tools, readOnly: false },
    "resource-rest",
  );
  try {
    const read = async (uri: string) => {
      const { contents } = await client.readResource({ uri });
      return JSON.parse((contents[0] as { text: string }).text) as { more?: string };
    };
    assert.equal(callIn((await read("xyte://incidents")).more!).tool, "list_incidents");
    assert.equal(callIn((await read(`xyte://spaces/${site.id}`)).more!).tool, "call_endpoint");
  } finally {
    await close();
  }
});

Deno.test("get_space: holding 100 children, it names the call that lists the rest, as the space resource does", async () => {
  const f = fixture();
  const site = f.org.spaces.find((s) => s.parentId === f.org.rootSpaceId)!;
  addChildSpaces(f.org, site.id, 130);
  const truth = f.org.spaces.filter((s) => s.parentId === site.id).map((s) => String(s.id));
  const asked = async (exposed: readonly string[]) => {
    const ctx = toolContext(f.xyte, { exposes: (tool) => exposed.includes(tool) });
    const { result } = await getSpace.execute(getSpace.input.parse({ space: String(site.id) }), ctx);
    return result as { children: { id: string }[]; more_children: boolean; more?: string };
  };
  const space = await asked([getSpace.name, listSpaces.name, callEndpoint.name]);
  assert.equal(space.more_children, true);
  const first = callIn(space.more!);
  assert.equal(first.tool, "list_spaces");
  const rest = await f.call(listSpaces, first.args) as { spaces: { id: string }[]; has_next_page: boolean };
  assert.equal(rest.has_next_page, false);
  assert.deepEqual(
    [...space.children, ...rest.spaces].map((s) => s.id),
    truth,
    "every child, once, in order",
  );

  const viaCatalog = callIn((await asked([getSpace.name, callEndpoint.name])).more!);
  assert.equal(viaCatalog.tool, "call_endpoint");
  assert.deepEqual(await followCatalog(f.call, viaCatalog.args), truth.slice(100));

  const few = f.org.spaces.find((s) => s.parentId === f.org.rootSpaceId && s.id !== site.id)!;
  const small = await getSpace.execute(getSpace.input.parse({ space: String(few.id) }), toolContext(f.xyte));
  assert.equal("more" in small.result, false, "nothing more, no note");
});
