import assert from "node:assert/strict";
import { z } from "zod";

Deno.test("zod setup: main.ts loads it before any other module (a schema reads the setting when it is built)", async () => {
  const source = await Deno.readTextFile(new URL("../../src/main.ts", import.meta.url));
  const firstImport = source.split("\n").find((line) => line.startsWith("import "));
  assert.equal(firstImport, 'import "./zod_setup.ts";');
});

interface Tree {
  name: string;
  children: Tree[];
}

function tree(): z.ZodType<Tree> {
  const node: z.ZodType<Tree> = z.object({ name: z.string(), children: z.array(z.lazy(() => node)) });
  return node;
}

const shared: Tree = { name: "s", children: [{ name: 5 as unknown as string, children: [] }] };

Deno.test("zod setup: schemas built without the memoizer parse JSON the same, errors included", async () => {
  const define = () =>
    z.object({
      id: z.union([z.string(), z.number()]).transform(String),
      tags: z.array(z.string()).default([]),
      nested: z.record(z.string(), z.looseObject({ n: z.number().int() })).optional(),
      items: z.array(z.object({ name: z.string(), children: z.array(z.unknown()) })),
      point: z.tuple([z.number(), z.number()]).optional(),
      ids: z.set(z.string()).optional(),
      // Recursive, as the SDK's JSON values are: the only schemas the memoizer wraps.
      tree: tree().optional(),
    }).strict();
  const withMemoizer = define();
  const { NO_MEMOIZER } = await import("../../src/zod_setup.ts");
  assert.equal(z.config().memoizer, NO_MEMOIZER);
  try {
    const without = define();
    const inputs = [
      { id: 7, items: [{ name: "a", children: [1, { x: [2] }] }], nested: { k: { n: 1, extra: true } } },
      { id: "x", tags: ["t"], items: [], point: [1, 2], ids: new Set(["a"]) },
      { id: null, items: [{ name: 3, children: "no" }], nested: { k: { n: 1.5 } }, stray: 1 },
      { id: "x", items: [{ name: "a", children: [] }], point: [1, "2", 3] },
      "not an object",
      // A part met twice (not a cycle): parsed twice, with the same output and issues at both paths.
      {
        id: 1,
        items: [],
        tree: { name: "r", children: [shared, shared, { name: "c", children: [shared] }] },
      },
    ];
    for (const input of inputs) {
      const a = withMemoizer.safeParse(structuredClone(input));
      const b = without.safeParse(structuredClone(input));
      assert.deepEqual(b.success, a.success, JSON.stringify(input));
      assert.deepEqual(b.data, a.data);
      assert.deepEqual(b.error?.issues, a.error?.issues);
    }
    // What it gives up, and the proof that it is off: a reference cycle, which no JSON value has.
    const cycle: Tree = { name: "loop", children: [] };
    cycle.children.push(cycle);
    assert.equal(withMemoizer.safeParse({ id: 1, items: [], tree: cycle }).success, true);
    assert.throws(() => without.safeParse({ id: 1, items: [], tree: cycle }), RangeError);
  } finally {
    z.config({ memoizer: z.memoizer() });
  }
});
