/**
 * Resumable SSE streams for one Streamable HTTP session. Every event the session sends carries an id and is
 * kept for a short window, so a client whose connection dropped mid-call reconnects (GET with
 * `Last-Event-ID`) and receives what it missed, the tool result included, instead of losing the call.
 *
 * Bounded three times: a stream's events are forgotten `windowMs` after its last event; when a session holds
 * more than `maxBytes` of events its oldest streams go first (the newest stream is kept whole); and all
 * sessions together keep at most `budget.limitBytes`: past it, a session gives up its older streams, and an
 * event that still does not fit is sent without being kept (that stream then cannot be resumed past it).
 * Ids are `<stream id>/<sequence number>`.
 *
 * The initialize exchange is not kept: a client that missed its answer initializes again (it has nothing
 * to lose yet), and the answer would otherwise be most of an idle session's memory for the whole window.
 */
import type { EventId, EventStore, JSONRPCMessage, StreamId } from "@modelcontextprotocol/server";

interface KeptStream {
  events: { seq: number; text: string }[];
  bytes: number;
  lastAt: number;
}

/** The bytes every session's window may keep together, shared by the windows of one server. */
export class ReplayBudget {
  usedBytes = 0;
  constructor(readonly limitBytes: number) {}
}

export interface ReplayWindowOptions {
  windowMs: number;
  maxBytes: number;
  budget?: ReplayBudget;
  now?: () => number;
}

export class ReplayWindow implements EventStore {
  /** Oldest stream first: a stream moves to the end whenever it gets an event. */
  readonly #streams = new Map<StreamId, KeptStream>();
  readonly #options: ReplayWindowOptions;
  readonly #now: () => number;
  #bytes = 0;
  #seq = 0;

  constructor(options: ReplayWindowOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /** Bytes of events kept. */
  get bytes(): number {
    return this.#bytes;
  }

  storeEvent(streamId: StreamId, message: JSONRPCMessage): Promise<EventId> {
    this.expire();
    const seq = ++this.#seq;
    const eventId = `${streamId}/${seq}`;
    if (isInitializeAnswer(message)) {
      // Its stream held only the priming event so far: drop that too.
      const stream = this.#streams.get(streamId);
      if (stream) this.#forget(streamId, stream);
      return Promise.resolve(eventId);
    }
    const text = JSON.stringify(message);
    const budget = this.#options.budget;
    const overBudget = () => budget !== undefined && budget.usedBytes + text.length > budget.limitBytes;
    for (const [id, oldest] of this.#streams) {
      if (!overBudget() || id === streamId) break;
      this.#forget(id, oldest);
    }
    if (overBudget()) return Promise.resolve(eventId);
    const stream = this.#streams.get(streamId) ?? { events: [], bytes: 0, lastAt: 0 };
    this.#streams.delete(streamId);
    this.#streams.set(streamId, stream);
    stream.events.push({ seq, text });
    stream.bytes += text.length;
    stream.lastAt = this.#now();
    this.#account(text.length);
    for (const [id, oldest] of this.#streams) {
      if (this.#bytes <= this.#options.maxBytes || id === streamId) break;
      this.#forget(id, oldest);
    }
    return Promise.resolve(eventId);
  }

  /**
   * The stream of any id this window gave out, kept or not. A stream that went quiet for longer than the
   * window is resumed with nothing to replay (the SDK then reattaches a GET stream, or the stream of a call
   * still running, and closes the stream of one already answered): refusing it with 400 made SDK clients
   * stop reconnecting, so their GET stream never got another notification. Ids whose sequence number the
   * session never reached are refused (a stream it never had is then closed at once by the SDK).
   */
  getStreamIdForEventId(eventId: EventId): Promise<StreamId | undefined> {
    const cut = eventId.lastIndexOf("/");
    const seq = Number(eventId.slice(cut + 1));
    const given = cut > 0 && /^\d+$/.test(eventId.slice(cut + 1)) && seq >= 1 && seq <= this.#seq;
    return Promise.resolve(given ? eventId.slice(0, cut) : undefined);
  }

  async replayEventsAfter(
    lastEventId: EventId,
    { send }: { send: (eventId: EventId, message: JSONRPCMessage) => Promise<void> },
  ): Promise<StreamId> {
    const cut = lastEventId.lastIndexOf("/");
    const streamId = lastEventId.slice(0, cut);
    const after = Number(lastEventId.slice(cut + 1));
    for (const { seq, text } of this.#streams.get(streamId)?.events ?? []) {
      // Priming events (`{}`, sent first so the client holds an id) carry no message to replay.
      if (seq > after && text !== "{}") await send(`${streamId}/${seq}`, JSON.parse(text));
    }
    return streamId;
  }

  /** Forgets streams whose last event is older than the window. */
  expire(): void {
    const cutoff = this.#now() - this.#options.windowMs;
    for (const [id, stream] of this.#streams) {
      if (stream.lastAt >= cutoff) break;
      this.#forget(id, stream);
    }
  }

  /** Forgets every event (the session has ended). */
  clear(): void {
    for (const [id, stream] of this.#streams) this.#forget(id, stream);
  }

  #forget(id: StreamId, stream: KeptStream): void {
    this.#streams.delete(id);
    this.#account(-stream.bytes);
  }

  #account(bytes: number): void {
    this.#bytes += bytes;
    if (this.#options.budget) this.#options.budget.usedBytes += bytes;
  }
}

/** The server's answer to `initialize` (an InitializeResult carries the protocol version and server info). */
function isInitializeAnswer(message: JSONRPCMessage): boolean {
  if (!("result" in message) || typeof message.result !== "object" || message.result === null) return false;
  const result = message.result as Record<string, unknown>;
  return typeof result.protocolVersion === "string" && typeof result.serverInfo === "object";
}
