/**
 * Long-lived SSE answers (a session's GET stream, a 2026-07-28 listen stream) that cannot make the server
 * buffer without bound. Their events are queued as they happen, whether or not the client reads: the SDK
 * enqueues each one without waiting, so a client that stops reading (but keeps its connection) would have the
 * server hold every later event. The legacy HTTP+SSE transport bounds its own queue the same way.
 */
import { DEFAULT_MAX_BUFFERED_BYTES } from "./legacy_sse.ts";

/**
 * `response` with its body relayed as the source produces it, and ended once more than `maxBytes` wait for a
 * client that is not reading: the source is cancelled (ending the stream where the SDK keeps it), the client
 * gets what was queued, then the end of the stream (a client that reads again reconnects).
 */
export function boundedStream(
  response: Response,
  onOverflow: () => void,
  maxBytes = DEFAULT_MAX_BUFFERED_BYTES,
): Response {
  if (!response.body) return response;
  const reader = response.body.getReader();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      void (async () => {
        try {
          for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
            controller.enqueue(chunk.value);
            if (-(controller.desiredSize ?? 0) > maxBytes) {
              await reader.cancel();
              onOverflow();
              break;
            }
          }
          controller.close();
        } catch {
          // The client went away (our stream was cancelled, and with it the source) or the source failed.
          try {
            controller.close();
          } catch {
            // already closed or cancelled
          }
        }
      })();
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  }, new ByteLengthQueuingStrategy({ highWaterMark: 0 }));
  return new Response(body, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
}
