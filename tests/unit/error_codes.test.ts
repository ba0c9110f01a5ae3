import assert from "node:assert/strict";
import { ERROR_CODES } from "../../src/mcp/error_codes.ts";
import { missingKey, XYTE_ERROR_CODES } from "../../src/xyte/errors.ts";

Deno.test("every error code used in src/ is documented in ERROR_CODES", async () => {
  const used = new Set<string>();
  for await (const file of walk(new URL("../../src/", import.meta.url))) {
    if (file.pathname.includes("/simulator/")) continue; // the simulated hub has its own vocabulary
    const text = await Deno.readTextFile(file);
    for (const match of text.matchAll(/code: "([a-z_]+)"/g)) used.add(match[1]!);
  }
  used.delete("custom"); // zod's issue code in config.ts, not a tool error
  const missing = [...used].filter((code) => !Object.hasOwn(ERROR_CODES, code));
  assert.deepEqual(missing, []);
  for (const code of XYTE_ERROR_CODES) assert.ok(Object.hasOwn(ERROR_CODES, code), code);
});

async function* walk(dir: URL): AsyncGenerator<URL> {
  for await (const entry of Deno.readDir(dir)) {
    const url = new URL(entry.name + (entry.isDirectory ? "/" : ""), dir);
    if (entry.isDirectory) yield* walk(url);
    else if (entry.name.endsWith(".ts")) yield url;
  }
}

Deno.test("a call without a key of its kind names the key with the right article and where to give it", () => {
  assert.equal(
    missingKey("organization.devices.getDevices", "organization").hint,
    "This endpoint needs an organization API key: set XYTE_ORG_API_KEY (or XYTE_ORG_API_KEY_FILE).",
  );
  assert.match(
    missingKey("partner.devices.getDevices", "partner", "headers").hint,
    /needs a partner API key/,
  );
});
