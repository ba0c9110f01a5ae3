/**
 * The completion callbacks of resource template variables and prompt arguments: live ids from the
 * client's directories (devices, spaces, open tickets) or endpoint keys from the catalog.
 */
import { type CompletionCandidate, type CompletionSource, matchCompletions } from "../mcp/completion.ts";
import { log } from "../observability/log.ts";
import { ENDPOINTS } from "../xyte/catalog.ts";
import type { XyteClient } from "../xyte/client.ts";
import type { DirectoryCache, DirectoryKind } from "./directory.ts";

/** Completes what the user typed so far into matching ids, from what `xyte`'s tenant holds. */
export type Completer = (typed: string, xyte: XyteClient) => Promise<string[]>;

const DIRECTORY_OF: Record<Exclude<CompletionSource, "endpoint_key">, DirectoryKind> = {
  device_id: "devices",
  space_id: "spaces",
  ticket_id: "open_tickets",
};

const ENDPOINT_CANDIDATES: readonly CompletionCandidate[] = ENDPOINTS.map((e) => ({
  id: e.key,
  label: e.title,
}));

const completionLog = log("completion");

/**
 * The completer of one source. Completion is a convenience: when Xyte cannot be read, it answers no values
 * (and logs why) rather than failing the request.
 */
export function completerFor(source: CompletionSource, directories: DirectoryCache): Completer {
  if (source === "endpoint_key") {
    return (typed) => Promise.resolve(matchCompletions(ENDPOINT_CANDIDATES, typed));
  }
  const kind = DIRECTORY_OF[source];
  return async (typed, xyte) => {
    try {
      return matchCompletions(await directories.get(xyte, kind), typed);
    } catch (error) {
      completionLog.warning("completion unavailable: cannot read the directory", {
        source,
        error: error instanceof Error ? error.message : String(error),
      });
      return [];
    }
  };
}
