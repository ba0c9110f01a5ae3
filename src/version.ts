/** The product's name and version; `deno.json` is the single source of the version. */
import manifest from "../deno.json" with { type: "json" };

export const PROGRAM_NAME = "xyte-mcp";
export const VERSION: string = manifest.version;
