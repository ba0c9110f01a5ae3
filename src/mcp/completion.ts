/**
 * Argument completion (`completion/complete`) for resource template variables and prompt arguments.
 * Candidates come from live directories (devices, spaces, open tickets; see `resources/directory.ts`) or
 * the endpoint catalog; a typed value matches by id or by name, and the answer is a list of ids.
 */

/** Where the candidates of a completable argument come from. */
export type CompletionSource = "device_id" | "space_id" | "ticket_id" | "endpoint_key";

/** One value an argument can take, with the human label it is also found by. */
export interface CompletionCandidate {
  id: string;
  /** Device name, space path, ticket title or endpoint summary; null when unknown. */
  label: string | null;
}

/** The most values one completion answer carries (the MCP limit). */
export const MAX_COMPLETION_VALUES = 100;

/**
 * Ids of the candidates matching what the user typed, best first: id prefix, then label prefix (or the
 * start of a label word or path segment), then id or label containing the text; case-insensitive.
 * Empty input returns every candidate in directory order. The completion handler (register_completion.ts)
 * answers with the first 100 values and reports the total and `hasMore`, so the full list is returned here.
 */
export function matchCompletions(candidates: readonly CompletionCandidate[], typed: string): string[] {
  const needle = typed.trim().toLowerCase();
  const ranked: { id: string; rank: number; order: number }[] = [];
  const seen = new Set<string>();
  candidates.forEach((candidate, order) => {
    if (seen.has(candidate.id)) return;
    const rank = needle === "" ? 0 : matchRank(candidate, needle);
    if (rank === undefined) return;
    seen.add(candidate.id);
    ranked.push({ id: candidate.id, rank, order });
  });
  return ranked.sort((a, b) => a.rank - b.rank || a.order - b.order).map((r) => r.id);
}

function matchRank(candidate: CompletionCandidate, needle: string): number | undefined {
  const id = candidate.id.toLowerCase();
  const label = candidate.label?.toLowerCase() ?? "";
  if (id.startsWith(needle)) return 0;
  if (label.startsWith(needle)) return 1;
  if (label.split(/[\s/·.,_-]+/).some((word) => word.startsWith(needle))) return 2;
  if (id.includes(needle) || label.includes(needle)) return 3;
  return undefined;
}
