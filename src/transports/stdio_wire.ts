/**
 * Line-delimited JSON-RPC over stdin/stdout, answering what the SDK's stdio transport silently drops:
 * - a line that is not JSON gets a Parse error (-32700, id null);
 * - a JSON value that is not a valid JSON-RPC message gets an Invalid Request error (-32600) with its id
 *   when it has one (JSON-RPC 2.0 §5), so a client waiting on that id is not left hanging;
 * - a line longer than `maxLineBytes` is skipped up to its newline and answered with a Parse error, and the
 *   server keeps serving (the SDK's reader closes the whole connection instead).
 * stdout carries these answers and the server's messages only, one JSON object per line, in order.
 */
import { type JSONRPCMessage, parseJSONRPCMessage, type Transport } from "@modelcontextprotocol/server";
import { concatBytes } from "../body.ts";

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
    return this.#write(JSON.stringify(message));
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
    await this.close();
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
