/**
 * `deno task bench`: runs every benchmark script in this folder, one after another, each in its own process.
 *
 *   deno run --allow-all bench/all.ts [name…]   (names without .ts restrict the run)
 */
const here = new URL("./", import.meta.url);
const wanted = new Set(Deno.args);
const scripts = [...Deno.readDirSync(here)]
  // ab.ts compares checkouts given to it: run on its own.
  .filter((e) => e.isFile && e.name.endsWith(".ts") && e.name !== "all.ts" && e.name !== "ab.ts")
  .map((e) => e.name)
  .filter((name) => wanted.size === 0 || wanted.has(name.replace(/\.ts$/, "")))
  .sort();
let failed = 0;
for (const name of scripts) {
  // deno-lint-ignore no-console
  console.log(`\n== bench/${name}`);
  const status = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", new URL(name, here).pathname],
    stdout: "inherit",
    stderr: "inherit",
  }).spawn().status;
  if (!status.success) failed++;
}
Deno.exit(failed === 0 ? 0 : 1);
