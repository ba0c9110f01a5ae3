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
 * a 499 becomes that answer (JSON); an SSE answer that ends while `draining()` without having carried a
 * message answering `id` gets it as its last event.
 */
export function withShutdownAnswer(
  response: Response,
  id: string | number,
  draining: () => boolean,
): Response {
  if (response.status === 499 && draining()) return Response.json(shutdownAnswer(id));
  if (!response.body || !response.headers.get("content-type")?.startsWith("text/event-stream")) {
    return response;
  }
  const decoder = new TextDecoder();
  let answered = false;
  let line = "";
  const watch = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      controller.enqueue(chunk);
      if (answered) return;
      const lines = (line + decoder.decode(chunk, { stream: true })).split("\n");
      line = lines.pop()!;
      answered = lines.some((text) => text.startsWith("data:") && answers(text.slice(5), id));
    },
    flush(controller) {
      if (answered || !draining()) return;
      controller.enqueue(encoder.encode(`event: message\ndata: ${JSON.stringify(shutdownAnswer(id))}\n\n`));
    },
  });
  return new Response(response.body.pipeThrough(watch), {
    status: response.status,
    headers: response.headers,
  });
}

/** Whether an SSE `data:` value is the answer (result or error) to request `id`. */
function answers(data: string, id: string | number): boolean {
  if (!data.includes('"id"')) return false;
  try {
    const message = JSON.parse(data) as { id?: unknown; result?: unknown; error?: unknown } | null;
    return message?.id === id && (message.result !== undefined || message.error !== undefined);
  } catch {
    return false;
  }
}
