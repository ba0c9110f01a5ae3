/**
 * Reads an HTTP body as text with a size limit (a client's request, or an upstream answer), telling apart the
 * two ways it can fail: too large (from the declared length or while streaming) and unreadable (cut short,
 * aborted, broken chunking).
 */

export type BodyRead = { text: string } | { tooLarge: true } | { unreadable: string };

const decoder = new TextDecoder();

export async function readBodyText(message: Request | Response, maxBytes: number): Promise<BodyRead> {
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
