/**
 * The shutdown's error answer for per-request calls (2026-07-28 clients, and 2025-era clients of a stateless
 * server) that the end of the grace period cuts. Session clients get it from their session (see
 * `shutdownAnswer`); a per-request call's answer is whatever the SDK's handler makes of a closed exchange:
 * HTTP 499 with no body while the answer had not started, or an SSE answer (progress sent, or started early,
 * see early_stream.ts) that just ends. Either way its client would wait out its own timeout, not knowing
 * whether a change it asked for was made.
 */
import { shutdownAnswer } from "./jsonrpc.ts";

const encoder = new TextEncoder();

/**
 * `response`, the answer to request `id`, with the shutdown's error answer where the shutdown cut it:
 * a 499 becomes that answer (JSON); an SSE answer that ends while `draining()` without having carried the
 * answer to `id` gets it as its last event.
 *
 * Cheap for the answers that end normally, which are nearly all: chunks pass as they are, and only when an
 * answer ends during a drain is its last chunk looked at. The answer, when there is one, is the last event
 * before the end, written as one chunk (by the SDK, or by early_stream.ts), so it is there to find.
 */
export function withShutdownAnswer(
  response: Response,
  id: string | number,
  draining: () => boolean,
): Response {
  if (response.status === 499 && draining()) return Response.json(shutdownAnswer(id, false));
  if (!response.body || !response.headers.get("content-type")?.startsWith("text/event-stream")) {
    return response;
  }
  const source = response.body.getReader();
  let last: Uint8Array | undefined;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const chunk = await source.read();
      if (!chunk.done) {
        last = chunk.value;
        controller.enqueue(chunk.value);
        return;
      }
      if (draining() && !answersIn(last, id)) {
        const answer = JSON.stringify(shutdownAnswer(id, false));
        controller.enqueue(encoder.encode(`event: message\ndata: ${answer}\n\n`));
      }
      controller.close();
    },
    cancel(reason) {
      return source.cancel(reason);
    },
  });
  return new Response(body, { status: response.status, headers: response.headers });
}

/** Whether an SSE chunk holds the answer (result or error) to request `id`. */
function answersIn(chunk: Uint8Array | undefined, id: string | number): boolean {
  if (!chunk) return false;
  for (const line of new TextDecoder().decode(chunk).split("\n")) {
    if (!line.startsWith("data:")) continue;
    try {
      const message = JSON.parse(line.slice(5)) as { id?: unknown; result?: unknown; error?: unknown } | null;
      if (message?.id === id && (message.result !== undefined || message.error !== undefined)) return true;
    } catch {
      // not JSON: not an answer
    }
  }
  return false;
}
