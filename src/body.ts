/**
 * Reads an HTTP body as text with a size limit (a client's request, or an upstream answer), and optionally a
 * time limit, telling apart the ways it can fail: too large (from the declared length or while streaming),
 * unreadable (cut short, aborted, broken chunking) and timed out (a client trickling its body).
 */
import { afterTimeout } from "./timeouts.ts";

/** A body read without a time limit. */
export type SizedBodyRead = { text: string } | { tooLarge: true } | { unreadable: string };
export type BodyRead = SizedBodyRead | { timedOut: true };

const decoder = new TextDecoder();

/**
 * `timeoutMs`: how long the whole body may take. When it runs out the read is given up (the caller should
 * answer and close the connection, which ends the pending read).
 */
export function readBodyText(message: Request | Response, maxBytes: number): Promise<SizedBodyRead>;
export function readBodyText(
  message: Request | Response,
  maxBytes: number,
  timeoutMs: number,
): Promise<BodyRead>;
export async function readBodyText(
  message: Request | Response,
  maxBytes: number,
  timeoutMs?: number,
): Promise<BodyRead> {
  if (timeoutMs === undefined) return await readWithin(message, maxBytes);
  const { promise: timedOut, resolve } = Promise.withResolvers<BodyRead>();
  const timer = afterTimeout(timeoutMs, () => resolve({ timedOut: true }));
  try {
    return await Promise.race([readWithin(message, maxBytes), timedOut]);
  } finally {
    timer.cancel();
  }
}

async function readWithin(message: Request | Response, maxBytes: number): Promise<SizedBodyRead> {
  const declared = message.headers.get("content-length");
  if (declared !== null && Number(declared) > maxBytes) {
    await message.body?.cancel().catch(() => {});
    return { tooLarge: true };
  }
  if (!message.body) return { text: "" };
  // A declared length within the limit bounds the body (HTTP reads no further): read it whole. Not for an
  // encoded answer: fetch decompresses it, and its length is the compressed one (40 KB of gzip can unpack to
  // any size).
  const encoding = message.headers.get("content-encoding");
  if (declared !== null && (encoding === null || encoding.trim().toLowerCase() === "identity")) {
    try {
      return { text: await message.text() };
    } catch (error) {
      return { unreadable: firstLine(error) };
    }
  }
  const reader = message.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        await reader.cancel().catch(() => {});
        return { tooLarge: true };
      }
      chunks.push(value);
    }
  } catch (error) {
    return { unreadable: firstLine(error) };
  }
  return { text: decoder.decode(concatBytes(chunks, total)) };
}

function firstLine(error: unknown): string {
  return error instanceof Error ? error.message.split("\n")[0]! : String(error);
}

/** The chunks as one array of `length` bytes (the chunk itself when there is only one). */
export function concatBytes(
  chunks: readonly Uint8Array[],
  length = chunks.reduce((n, chunk) => n + chunk.byteLength, 0),
): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}
