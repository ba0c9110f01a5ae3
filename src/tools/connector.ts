/**
 * ChatGPT connector tools: `search` and `fetch` in the shape ChatGPT connectors and deep research expect
 * (OpenAI's MCP guide): `search({query})` → `{results: [{id, title, url}]}`, `fetch({id})` →
 * `{id, title, text, url, metadata}`, each success as exactly one text item holding the JSON.
 *
 * The corpus is the organization of the configured key: devices, spaces, open tickets and the incidents of
 * the last 30 days. Ids are `device:<uuid>`, `space:<id>`, `ticket:<id>`, `incident:<id>`; urls are the
 * matching `xyte://` resource URIs, so citations point at something a host can read back.
 */
import { z } from "zod";
import { ToolFailure } from "../mcp/results.ts";
import { defineTool, READ_ONLY, type Tool, type ToolContext } from "../mcp/tool.ts";
import { type EndpointKey, wordStems } from "../xyte/catalog.ts";
import { fetchAllPages, type ListPage, readListPage } from "../xyte/paginate.ts";
import {
  parseWire,
  WireDevice,
  WireIncident,
  WireSpace,
  WireTicket,
  type WireTicket as WireTicketT,
} from "../xyte/wire.ts";
import { MAX_ID_CHARS } from "./shapes.ts";

const GET_DEVICES = "organization.devices.getDevices";
const GET_DEVICE = "organization.devices.getDevice";
const GET_SPACES = "organization.spaces.getSpaces";
const GET_SPACE = "organization.spaces.getSpace";
const GET_TICKETS = "organization.tickets.getTickets";
const GET_TICKET = "organization.tickets.getTicket";
const GET_INCIDENTS = "organization.incidents.getIncidents";

/** Incidents older than this are outside the connector's corpus. */
export const INCIDENT_WINDOW_DAYS = 30;
/** Most results one search returns. */
export const MAX_SEARCH_RESULTS = 20;
/** Most devices listed in a space document. */
const MAX_SPACE_DEVICES = 50;
const PAGE = 100;
const INCIDENT_PAGE = 500;

export type DocKind = "device" | "space" | "ticket" | "incident";

/** One searchable record. */
export interface ConnectorDoc {
  id: string;
  kind: DocKind;
  title: string;
  url: string;
  /** Words that match strongly (name, title). */
  primary: string;
  /** Everything else worth matching (model, path, status, identifiers, description). */
  secondary: string;
}

/** The `xyte://` resource a record is read back from (incidents have one list resource). */
export function resourceUrl(kind: DocKind, rawId: string): string {
  return kind === "incident" ? "xyte://incidents" : `xyte://${kind}s/${encodeURIComponent(rawId)}`;
}

// Corpus -------------------------------------------------------------------------------------------------

type Ctx = Pick<ToolContext, "xyte" | "signal">;

async function allPages<T>(
  ctx: Ctx,
  key: EndpointKey,
  query: Record<string, string | number>,
  perPage: number,
  perPageName: string,
  parse: (row: unknown) => T,
): Promise<T[]> {
  const fetchPage = async (page: number, signal?: AbortSignal): Promise<ListPage<T>> => {
    const body = await ctx.xyte.call(key, {
      query: { ...query, page, [perPageName]: perPage },
      signal,
    });
    const list = readListPage(body, "items", key);
    return { ...list, rows: list.rows.map(parse) };
  };
  return (await fetchAllPages(fetchPage, perPage, { concurrency: 4, limit: 10_000, signal: ctx.signal }))
    .rows;
}

function listDevices(ctx: Ctx, spaceId?: string): Promise<WireDevice[]> {
  return allPages(
    ctx,
    GET_DEVICES,
    spaceId ? { space_id: spaceId } : {},
    PAGE,
    "per_page",
    (row) => parseWire(WireDevice, row, GET_DEVICES),
  );
}

function listSpaces(ctx: Ctx): Promise<WireSpace[]> {
  return allPages(ctx, GET_SPACES, {}, PAGE, "per_page", (row) => parseWire(WireSpace, row, GET_SPACES));
}

async function listOpenTickets(ctx: Ctx): Promise<WireTicketT[]> {
  const body = await ctx.xyte.call(GET_TICKETS, { signal: ctx.signal });
  return readListPage(body, "array", GET_TICKETS).rows.map((row) => parseWire(WireTicket, row, GET_TICKETS));
}

/** Incidents created in the connector's window (docs.xyte.io: `from` in epoch seconds, `page_size`). */
function listRecentIncidents(ctx: Ctx): Promise<WireIncident[]> {
  const from = Math.floor(Date.now() / 1000) - INCIDENT_WINDOW_DAYS * 86_400;
  return allPages(
    ctx,
    GET_INCIDENTS,
    { from },
    INCIDENT_PAGE,
    "page_size",
    (row) => parseWire(WireIncident, row, GET_INCIDENTS),
  );
}

const incidentId = (i: WireIncident): string => i.id ?? i.uuid ?? "";
const incidentTitle = (i: WireIncident): string => i.title ?? i.name ?? i.issue ?? "Incident";

function deviceDoc(d: WireDevice): ConnectorDoc {
  const model = d.model?.name ? ` (${d.model.name})` : "";
  return {
    id: `device:${d.id}`,
    kind: "device",
    title: `Device ${d.name ?? d.id}${model}, ${d.effective_status ?? "status unknown"}`,
    url: resourceUrl("device", d.id),
    primary: `${d.name ?? ""} ${d.effective_status ?? ""}`,
    secondary: [
      d.id,
      d.model?.name,
      d.model?.sub_model,
      d.sn,
      d.mac,
      d.cloud_id,
      d.status,
      d.effective_status,
      d.space?.full_path,
      d.firmware?.version,
    ].filter(Boolean).join(" "),
  };
}

function spaceDoc(s: WireSpace): ConnectorDoc {
  return {
    id: `space:${s.id}`,
    kind: "space",
    title: `Space ${s.full_path ?? s.name ?? s.id}`,
    url: resourceUrl("space", s.id),
    primary: s.name ?? "",
    secondary: [s.id, s.full_path, s.space_type].filter(Boolean).join(" "),
  };
}

function ticketDoc(t: WireTicketT): ConnectorDoc {
  return {
    id: `ticket:${t.id}`,
    kind: "ticket",
    title: `Ticket: ${t.title ?? t.id} (${t.status ?? "open"})`,
    url: resourceUrl("ticket", t.id),
    primary: t.title ?? "",
    secondary: [t.id, t.description, t.user_name, t.user_email, t.status].filter(Boolean).join(" "),
  };
}

function incidentDoc(i: WireIncident): ConnectorDoc {
  const on = i.device_name ? ` on ${i.device_name}` : "";
  return {
    id: `incident:${incidentId(i)}`,
    kind: "incident",
    title: `Incident: ${incidentTitle(i)}${on} (${i.status ?? "unknown"}, ${i.priority ?? "no priority"})`,
    url: resourceUrl("incident", incidentId(i)),
    primary: incidentTitle(i),
    secondary: [i.issue, i.description, i.device_name, i.space_path, i.status, i.priority]
      .filter(Boolean).join(" "),
  };
}

/**
 * How long a loaded corpus answers further searches. Deep research sends bursts of searches; re-reading
 * every device page for each would multiply the upstream load. fetch always reads live.
 */
export const CORPUS_TTL_MS = 30_000;
const NEVER_ABORTED = new AbortController().signal;

/** A loaded (or loading) corpus, and what it was loaded from. */
interface KeptCorpus {
  /** When loading began (`performance.now`). */
  at: number;
  /** The response cache's generation when loading began (see `readsGeneration`). */
  generation: number | undefined;
  docs: Promise<ConnectorDoc[]>;
}

/** Keyed by the client's identity: one corpus per tenant, shared by its calls, gone with its identity. */
const corpora = new WeakMap<object, KeptCorpus>();

/**
 * The generation of the tenant's cached reads, which a write of the tenant moves on: the same invalidation
 * as the response cache's, so a corpus follows writes through this server and, with a shared cache (Redis),
 * through the other replicas. Every list of the corpus is an organization endpoint: one generation is theirs.
 */
function readsGeneration(ctx: Ctx): Promise<number | undefined> {
  return ctx.xyte.cacheGeneration(GET_DEVICES);
}

/** Whether `kept` may answer a search made when the tenant's reads are at `generation`. */
function isCurrent(kept: KeptCorpus, generation: number | undefined): boolean {
  return kept.generation === generation && performance.now() - kept.at < CORPUS_TTL_MS;
}

/**
 * The searchable corpus of this client's organization, shared for `CORPUS_TTL_MS` until the tenant writes.
 * A call with `cache: false` loads it afresh, past the response cache, and leaves that for the searches after.
 */
async function corpus(ctx: Ctx & Pick<ToolContext, "cachedReads">): Promise<ConnectorDoc[]> {
  const key = ctx.xyte.identity;
  // Read before loading: a write meanwhile moves it on, so a load that may predate the write is not reused.
  const generation = await readsGeneration(ctx);
  const kept = corpora.get(key);
  if (ctx.cachedReads && kept && isCurrent(kept, generation)) return kept.docs;
  // Not tied to this caller's cancellation: other searches may be waiting on the same load.
  const entry: KeptCorpus = {
    at: performance.now(),
    generation,
    docs: loadCorpus({ xyte: ctx.xyte, signal: NEVER_ABORTED }),
  };
  corpora.set(key, entry);
  entry.docs.catch(() => {
    if (corpora.get(key) === entry) corpora.delete(key);
  });
  return entry.docs;
}

async function loadCorpus(ctx: Ctx): Promise<ConnectorDoc[]> {
  const [devices, spaces, tickets, incidents] = await Promise.all([
    listDevices(ctx),
    listSpaces(ctx),
    listOpenTickets(ctx),
    listRecentIncidents(ctx),
  ]);
  return [
    ...incidents.filter((i) => i.status === "active").map(incidentDoc),
    ...tickets.map(ticketDoc),
    ...devices.map(deviceDoc),
    ...spaces.map(spaceDoc),
    ...incidents.filter((i) => i.status !== "active").map(incidentDoc),
  ];
}

// Ranking ------------------------------------------------------------------------------------------------

/** Question words, stemmed like the text (e.g. "does" → "doe"): they carry no search meaning. */
const QUESTION_WORDS = new Set(
  "a all an and any are at by do doe does for from have has how i in is it list many me my of on or our show that the there this to we what which who with"
    .split(" "),
);

/** Words naming a kind of record: they select that kind rather than match text. */
const KIND_WORDS: Record<string, DocKind> = {
  device: "device",
  space: "space",
  ticket: "ticket",
  incident: "incident",
  alert: "incident",
};

/**
 * Documents matching the query, best first. Words are weighted by rarity across the corpus (a word
 * matching few records counts more); a match in the name or title counts double, a prefix of 3+ letters
 * half. Kind words ("devices", "tickets", "incidents", "alerts", "spaces") count as a match for records of
 * that kind; a query of kind words only lists that kind. An id (`device:…` or the bare id) comes first.
 */
export function rankDocs(
  docs: readonly ConnectorDoc[],
  query: string,
  max = MAX_SEARCH_RESULTS,
): ConnectorDoc[] {
  const trimmed = query.trim();
  if (trimmed === "") return [];
  const exact = docs.filter((d) => d.id === trimmed || d.id.slice(d.id.indexOf(":") + 1) === trimmed);
  const stems = [...new Set(wordStems(trimmed))].filter((w) => !QUESTION_WORDS.has(w));
  const kinds = new Set(stems.flatMap((w) => (Object.hasOwn(KIND_WORDS, w) ? [KIND_WORDS[w]!] : [])));
  const words = stems.filter((w) => !Object.hasOwn(KIND_WORDS, w));
  const indexed = docs.map((doc) => ({
    doc,
    primary: new Set(wordStems(doc.primary)),
    secondary: new Set(wordStems(doc.secondary)),
  }));
  const matches = (set: Set<string>, word: string): number => {
    if (set.has(word)) return 1;
    if (word.length >= 3) { for (const w of set) if (w.startsWith(word)) return 0.5; }
    return 0;
  };
  const weights = new Map(words.map((word) => {
    const df = indexed.filter((d) => matches(d.primary, word) + matches(d.secondary, word) > 0).length;
    return [word, Math.log(1 + docs.length / Math.max(1, df))];
  }));
  const ranked = indexed
    .map((entry, order) => {
      let score = 0;
      let matched = 0;
      for (const word of words) {
        const m = Math.max(2 * matches(entry.primary, word), matches(entry.secondary, word));
        if (m > 0) matched++;
        score += m * weights.get(word)!;
      }
      const kindMatch = kinds.has(entry.doc.kind);
      return { doc: entry.doc, score, matched: matched + (kindMatch ? 1 : 0), words: matched, order };
    })
    .filter((r) => (words.length > 0 ? r.words > 0 : r.matched > 0) && !exact.includes(r.doc))
    .sort((a, b) => b.matched - a.matched || b.score - a.score || a.order - b.order)
    .map((r) => r.doc);
  return [...exact, ...ranked].slice(0, max);
}

// fetch documents ----------------------------------------------------------------------------------------

export interface FetchedDoc {
  id: string;
  title: string;
  text: string;
  url: string;
  metadata: Record<string, string>;
}

/** `kind:value` → parts; `invalid_arguments` for anything else. */
export function parseDocId(id: string): { kind: DocKind; value: string } {
  const match = /^(device|space|ticket|incident):(.+)$/.exec(id.trim());
  if (!match) {
    throw new ToolFailure({
      code: "invalid_arguments",
      message: `id ${JSON.stringify(id)} is not a connector id`,
      hint: "Pass an id from search results: device:<uuid>, space:<id>, ticket:<id> or incident:<id>.",
      retriable: false,
    });
  }
  return { kind: match[1] as DocKind, value: match[2]! };
}

/**
 * The answer to `fetch`: the document's id, title and url, its text, and metadata (its kind, and the given
 * entries that have a value).
 */
function fetchedDoc(
  doc: ConnectorDoc,
  text: string,
  entries: Record<string, string | number | null | undefined>,
): FetchedDoc {
  const metadata: Record<string, string> = { kind: doc.kind };
  for (const [k, v] of Object.entries(entries)) {
    if (v !== null && v !== undefined && v !== "") metadata[k] = String(v);
  }
  return { id: doc.id, title: doc.title, text, url: doc.url, metadata };
}

function lines(entries: [string, string | null | undefined][]): string {
  return entries.filter(([, v]) => v !== null && v !== undefined && v !== "").map(([k, v]) => `${k}: ${v}`)
    .join("\n");
}

/** A secondary lookup that must not fail the document: its failure becomes a note. */
async function optional<T>(what: string, load: () => Promise<T>): Promise<T | string> {
  try {
    return await load();
  } catch {
    return `(${what} could not be loaded)`;
  }
}

async function fetchDevice(ctx: Ctx, deviceId: string): Promise<FetchedDoc> {
  const [body, tickets, incidents] = await Promise.all([
    ctx.xyte.call(GET_DEVICE, { path: { device_id: deviceId }, signal: ctx.signal }),
    optional("open tickets", () => listOpenTickets(ctx)),
    optional("incidents", () => listRecentIncidents(ctx)),
  ]);
  const d = parseWire(WireDevice, body, GET_DEVICE);
  const doc = deviceDoc(d);
  const related = (label: string, rows: string | string[]) =>
    typeof rows === "string" ? `${label}: ${rows}` : rows.length === 0 ? `${label}: none` : [
      `${label}:`,
      ...rows.map((r) => `- ${r}`),
    ].join("\n");
  const text = [
    lines([
      ["Device", d.name ?? d.id],
      ["Id", d.id],
      ["Status (self-reported)", d.status],
      ["Effective status", d.effective_status],
      ["Model", [d.model?.name, d.model?.sub_model].filter(Boolean).join(" / ")],
      ["Firmware", d.firmware?.version],
      ["Space", d.space?.full_path],
      ["Last seen", d.last_seen_at ?? "never"],
      ["Serial number", d.sn],
      ["MAC", d.mac],
      ["Cloud id", d.cloud_id],
      ["Details", d.details ? JSON.stringify(d.details) : null],
      ["Reported state", d.state ? JSON.stringify(d.state) : null],
    ]),
    related(
      "Open tickets",
      typeof tickets === "string"
        ? tickets
        : tickets.filter((t) => t.device_id === d.id).map((t) => `ticket:${t.id} ${t.title ?? ""}`),
    ),
    related(
      `Incidents (last ${INCIDENT_WINDOW_DAYS} days)`,
      typeof incidents === "string"
        ? incidents
        : incidents.filter((i) => i.device_id === d.id).map((i) =>
          `incident:${incidentId(i)} ${incidentTitle(i)} (${i.status ?? "?"}, ${i.priority ?? "?"}, ${
            i.created_at ?? "?"
          })`
        ),
    ),
  ].join("\n\n");
  return fetchedDoc(doc, text, {
    status: d.status,
    effective_status: d.effective_status,
    model: d.model?.name,
    space: d.space?.full_path,
    last_seen_at: d.last_seen_at,
  });
}

async function fetchSpace(ctx: Ctx, spaceId: string): Promise<FetchedDoc> {
  const [body, devices] = await Promise.all([
    ctx.xyte.call(GET_SPACE, { path: { space_id: spaceId }, signal: ctx.signal }),
    optional("devices", () => listDevices(ctx, spaceId)),
  ]);
  const s = parseWire(WireSpace, body, GET_SPACE);
  const doc = spaceDoc(s);
  let deviceText: string;
  if (typeof devices === "string") deviceText = `Devices: ${devices}`;
  else {
    const counts = new Map<string, number>();
    for (const d of devices) {
      counts.set(d.effective_status ?? "unknown", (counts.get(d.effective_status ?? "unknown") ?? 0) + 1);
    }
    const shown = devices.slice(0, MAX_SPACE_DEVICES).map((d) =>
      `- device:${d.id} ${d.name ?? ""} (${d.model?.name ?? "?"}), ${d.effective_status ?? "?"}, in ${
        d.space?.full_path ?? "?"
      }`
    );
    const more = devices.length > shown.length ? [`- … and ${devices.length - shown.length} more`] : [];
    const byStatus = [...counts].map(([k, n]) => `${n} ${k}`).join(", ");
    deviceText = [
      `Devices here and below: ${devices.length}${byStatus ? ` (${byStatus})` : ""}`,
      ...shown,
      ...more,
    ]
      .join("\n");
  }
  const text = [
    lines([
      ["Space", s.name ?? s.id],
      ["Id", s.id],
      ["Path", s.full_path],
      ["Type", s.space_type],
      ["Parent id", s.parent_id ?? null],
      ["Created", s.created_at],
      ["Configuration", s.config ? JSON.stringify(s.config) : null],
    ]),
    deviceText,
  ].join("\n\n");
  return fetchedDoc(doc, text, {
    path: s.full_path,
    type: s.space_type,
    devices: typeof devices === "string" ? null : devices.length,
  });
}

const WireComment = z.looseObject({
  text: z.string().nullish(),
  created_at: z.string().nullish(),
  system: z.boolean().nullish(),
  user: z.unknown().optional(),
  owner: z.unknown().optional(),
});

async function fetchTicket(ctx: Ctx, ticketId: string): Promise<FetchedDoc> {
  const body = await ctx.xyte.call(GET_TICKET, { path: { ticket_id: ticketId }, signal: ctx.signal });
  const t = parseWire(WireTicket, body, GET_TICKET);
  const doc = ticketDoc(t);
  const comments = (t.comments ?? []).map((c) => {
    const parsed = WireComment.safeParse(c);
    if (!parsed.success) return `- ${JSON.stringify(c)}`;
    const who = parsed.data.system ? "system" : String(parsed.data.user ?? parsed.data.owner ?? "unknown");
    return `- ${parsed.data.created_at ?? "?"} ${who}: ${parsed.data.text ?? ""}`;
  });
  const text = [
    lines([
      ["Ticket", t.title ?? t.id],
      ["Id", t.id],
      ["Status", t.status],
      ["Created", t.created_at],
      ["Device", t.device_id ? `device:${t.device_id}` : null],
      ["Opened by", [t.user_name, t.user_email ? `<${t.user_email}>` : null].filter(Boolean).join(" ")],
    ]),
    `Description:\n${t.description ?? "(none)"}`,
    comments.length > 0 ? `Messages:\n${comments.join("\n")}` : "Messages: none",
  ].join("\n\n");
  return fetchedDoc(doc, text, {
    status: t.status,
    device_id: t.device_id,
    created_at: t.created_at,
  });
}

async function fetchIncident(ctx: Ctx, id: string): Promise<FetchedDoc> {
  // Xyte has no single-incident endpoint: look it up in the connector's window.
  const incident = (await listRecentIncidents(ctx)).find((i) => incidentId(i) === id);
  if (!incident) {
    throw new ToolFailure({
      code: "not_found",
      message: `no incident ${id} in the last ${INCIDENT_WINDOW_DAYS} days`,
      hint: "Use an incident id from recent search results; older incidents are outside the connector.",
      retriable: false,
    });
  }
  const doc = incidentDoc(incident);
  const text = [
    lines([
      ["Incident", incidentTitle(incident)],
      ["Id", id],
      ["Status", incident.status],
      ["Priority", incident.priority],
      ["Issue", incident.issue],
      ["Device", incident.device_id ? `device:${incident.device_id} ${incident.device_name ?? ""}` : null],
      ["Space", incident.space_path],
      ["Opened", incident.created_at],
      ["Closed", incident.closed_at],
    ]),
    `Description:\n${incident.description ?? "(none)"}`,
  ].join("\n\n");
  return fetchedDoc(doc, text, {
    status: incident.status,
    priority: incident.priority,
    device_id: incident.device_id,
    created_at: incident.created_at,
  });
}

// Tools --------------------------------------------------------------------------------------------------

export const search = defineTool({
  name: "search",
  title: "Search Xyte",
  description: "Search the organization's devices, spaces, open tickets and incidents of the last 30 days " +
    "by words (names, models, statuses, paths, titles). Returns ids for fetch. Changes made outside this " +
    "server can take about 30 s to show; fetch reads live.",
  toolset: "connector",
  input: z.object({ query: z.string().max(1000).describe("Search words or a question") }).strict(),
  output: z.object({ results: z.array(z.object({ id: z.string(), title: z.string(), url: z.string() })) }),
  annotations: READ_ONLY,
  content: "json",
  async run(args, ctx) {
    if (args.query.trim() === "") return { results: [] };
    const docs = rankDocs(await corpus(ctx), args.query);
    return { results: docs.map((d) => ({ id: d.id, title: d.title, url: d.url })) };
  },
  summarize(result) {
    return `${result.results.length} result(s).`;
  },
});

export const fetchDocument = defineTool({
  name: "fetch",
  title: "Fetch a Xyte record",
  description: "The full record for an id from search (device:…, space:…, ticket:…, incident:…) as " +
    "readable text, with its xyte:// url and metadata.",
  toolset: "connector",
  input: z.object({ id: z.string().min(1).max(MAX_ID_CHARS + 32).describe("An id from search results") })
    .strict(),
  output: z.object({
    id: z.string(),
    title: z.string(),
    text: z.string(),
    url: z.string(),
    metadata: z.record(z.string(), z.string()),
  }),
  annotations: READ_ONLY,
  content: "json",
  run(args, ctx) {
    const { kind, value } = parseDocId(args.id);
    switch (kind) {
      case "device":
        return fetchDevice(ctx, value);
      case "space":
        return fetchSpace(ctx, value);
      case "ticket":
        return fetchTicket(ctx, value);
      case "incident":
        return fetchIncident(ctx, value);
    }
  },
  summarize(doc) {
    return doc.title;
  },
});

export const CONNECTOR_TOOLS: readonly Tool[] = [search, fetchDocument];
