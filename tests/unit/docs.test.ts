import assert from "node:assert/strict";
import { generateDocs } from "../../scripts/docs.ts";

Deno.test("the checked-in tool reference and README config table match the registry (run `deno task docs`)", async () => {
  const root = new URL("../../", import.meta.url);
  const readme = await Deno.readTextFile(new URL("README.md", root));
  for (const file of await generateDocs(readme)) {
    const onDisk = await Deno.readTextFile(new URL(file.path, root)).catch(() => "(missing)");
    assert.ok(onDisk === file.content, `${file.path} is stale: run \`deno task docs\` and review the diff`);
  }
});
