/**
 * Line-delimited JSON-RPC over stdin/stdout, answering what the SDK's stdio transport silently drops:
 * - a line that is not JSON gets a Parse error (-32700, id null);
 * - a JSON value that is not a valid JSON-RPC message gets an Invalid Request error (-32600) with its id
 *   when it has one (JSON-RPC 2.0 §5), so a client waiting on that id is not left hanging;
 * - a line longer than `maxLineBytes` is skipped up to its newline and answered with a Parse error, and the
 *   server keeps serving (the SDK's reader closes the whole connection instead).
 * stdout carries these answers and the server's messages only, one JSON object per line, in order.
 *
 * The end of stdin (EOF, or `stopReading()` at shutdown) does not close the connection: requests read are
 * still being answered. The transport counts them until answered, so its owner can wait for them
 * (`waitAnswered`) and answer the rest with the shutdown's error (`answerPendingForShutdown`) before closing.
 */
import {
  isJSONRPCErrorResponse,
  isJSONRPCNotification,
  isJSONRPCRequest,
  isJSONRPCResultResponse,
  type JSONRPCMessage,
  parseJSONRPCMessage,
  type Transport,
} from "@modelcontextprotocol/server";
import { concatBytes } from "../body.ts";
import { InFlight } from "./inflight.ts";
import { shutdownAnswer } from "./jsonrpc.ts";

export const DEFAULT_MAX_LINE_BYTES = 10 * 1024 * 1024;

export interface LineTransportOptions {
  input?: ReadableStream<Uint8Array>;
  output?: WritableStream<Uint8Array>;
  maxLineBytes?: number;
  /** Told about every line refused (never its content). */
  onRefused?: (reason: string) => void;
}

export class LineStdioTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  /**
   * Called once stdin has ended (EOF, a read error, or `stopReading()`): no message follows. The connection
   * stays open for the answers to the requests read; its owner closes it. Unset: the transport closes itself.
   */
  onend?: () => void;

  readonly #input: ReadableStream<Uint8Array>;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #maxLineBytes: number;
  readonly #onRefused: (reason: string) => void;
  readonly #encoder = new TextEncoder();
  // A byte-order mark is kept (and makes the line invalid JSON), as the SDK's own reader does.
  readonly #decoder = new TextDecoder("utf-8", { ignoreBOM: true });
  #reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  #closed = false;
  #writes: Promise<void> = Promise.resolve();
  /** Requests read and not answered yet: id → stop counting it. */
  readonly #pending = new Map<string | number, () => void>();
  readonly #inFlight = new InFlight();
  /** Requests given the shutdown's answer: their own answer, should it come after, is not sent. */
  readonly #cut = new Set<string | number>();

  constructor(options: LineTransportOptions = {}) {
    this.#input = options.input ?? Deno.stdin.readable;
    this.#writer = (options.output ?? Deno.stdout.writable).getWriter();
    this.#maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
    this.#onRefused = options.onRefused ?? (() => {});
  }

  start(): Promise<void> {
    this.#reader = this.#input.getReader();
    void this.#pump();
    return Promise.resolve();
  }

  send(message: JSONRPCMessage): Promise<void> {
    if ((isJSONRPCResultResponse(message) || isJSONRPCErrorResponse(message)) && message.id !== undefined) {
      if (this.#cut.has(message.id)) return Promise.resolve();
      this.#settle(message.id);
    }
    return this.#write(JSON.stringify(message));
  }

  /** Stops reading stdin (shutdown): lines not read yet are left unread; `onend` follows. */
  async stopReading(): Promise<void> {
    await this.#reader?.cancel().catch(() => {});
  }

  /** Requests read and not answered yet. */
  get pendingRequests(): number {
    return this.#pending.size;
  }

  /** Resolves when every request read has been answered, or after `timeoutMs`; true when all were in time. */
  waitAnswered(timeoutMs: number): Promise<boolean> {
    return this.#inFlight.waitIdle(timeoutMs);
  }

  /**
   * Answers every request still unanswered with the shutdown's error (the grace period is over); resolves
   * once written. Their own answers, if they still come, are dropped: each request gets one answer.
   */
  answerPendingForShutdown(): Promise<void> {
    for (const id of [...this.#pending.keys()]) {
      this.#settle(id);
      this.#cut.add(id);
      void this.#write(JSON.stringify(shutdownAnswer(id, false)));
    }
    return this.#writes.catch(() => {});
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#reader?.cancel().catch(() => {});
    await this.#writes.catch(() => {});
    this.onclose?.();
  }

  /** Reads stdin, splitting it into lines of bytes (a line may arrive in many chunks, or many per chunk). */
  async #pump(): Promise<void> {
    const reader = this.#reader!;
    let pending: Uint8Array[] = [];
    let pendingBytes = 0;
    let discarding = false;
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        let start = 0;
        for (let newline = value.indexOf(10); newline >= 0; newline = value.indexOf(10, start)) {
          const piece = value.subarray(start, newline);
          if (discarding) discarding = false;
          else if (pendingBytes + piece.byteLength > this.#maxLineBytes) this.#tooLong();
          else this.#line(concatBytes([...pending, piece], pendingBytes + piece.byteLength));
          pending = [];
          pendingBytes = 0;
          start = newline + 1;
        }
        const rest = value.subarray(start);
        if (discarding || rest.byteLength === 0) continue;
        if (pendingBytes + rest.byteLength > this.#maxLineBytes) {
          this.#tooLong();
          discarding = true;
          pending = [];
          pendingBytes = 0;
        } else {
          pending.push(rest.slice());
          pendingBytes += rest.byteLength;
        }
      }
      // Bytes after the last newline are not a complete message; like the SDK's reader, drop them at EOF.
    } catch (error) {
      if (!this.#closed) this.onerror?.(error instanceof Error ? error : new Error(String(error)));
    }
    if (this.#closed) return;
    if (this.onend) this.onend();
    else await this.close();
  }

  /** Counts a request until it is answered; a cancelled one is never answered, so it stops counting. */
  #track(message: JSONRPCMessage): void {
    if (isJSONRPCRequest(message)) {
      // A listen request is a stream held open until the connection closes (which answers it), not a call.
      if (message.method === "subscriptions/listen" || this.#pending.has(message.id)) return;
      this.#pending.set(message.id, this.#inFlight.begin().abandon);
    } else if (isJSONRPCNotification(message) && message.method === "notifications/cancelled") {
      const id = (message.params as { requestId?: unknown } | undefined)?.requestId;
      if (typeof id === "string" || typeof id === "number") this.#settle(id);
    }
  }

  #settle(id: string | number): void {
    const done = this.#pending.get(id);
    if (!done) return;
    this.#pending.delete(id);
    done();
  }

  #line(bytes: Uint8Array): void {
    const text = this.#decoder.decode(bytes).replace(/\r$/, "");
    if (text.trim() === "") return;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      this.#refuse(null, -32700, "Parse error: the line is not valid JSON.", "not JSON");
      return;
    }
    let message: JSONRPCMessage;
    try {
      // The check the SDK's stdio reader makes, so valid messages mean exactly what they mean there.
      message = parseJSONRPCMessage(value);
    } catch {
      const object = typeof value === "object" && value !== null && !Array.isArray(value)
        ? value as Record<string, unknown>
        : undefined;
      // Never answer a response (result or error), nor an invalid notification (a method, no id).
      if (object && ("result" in object || "error" in object)) {
        this.#onRefused("invalid response");
        return;
      }
      if (object && typeof object.method === "string" && !("id" in object)) {
        this.#onRefused("invalid notification");
        return;
      }
      const id = object?.id;
      const usableId = typeof id === "string" || (typeof id === "number" && Number.isSafeInteger(id))
        ? id
        : null;
      this.#refuse(usableId, -32600, "Invalid Request: not a valid JSON-RPC 2.0 message.", "invalid message");
      return;
    }
    this.#track(message);
    this.onmessage?.(message);
  }

  #tooLong(): void {
    this.#refuse(
      null,
      -32700,
      `Parse error: a message longer than ${this.#maxLineBytes} bytes was skipped.`,
      "too long",
    );
  }

  #refuse(id: string | number | null, code: number, message: string, reason: string): void {
    this.#onRefused(reason);
    void this.#write(JSON.stringify({ jsonrpc: "2.0", id, error: { code, message } }));
  }

  #write(line: string): Promise<void> {
    const bytes = this.#encoder.encode(`${line}\n`);
    this.#writes = this.#writes.then(() => this.#writer.write(bytes));
    return this.#writes;
  }
}
