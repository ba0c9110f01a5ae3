/**
 * Answers that start before the result when the work takes a while. A 2026-07-28 client cancels a call by
 * closing its connection, and Deno 2.9.6 notices a departed client only while an answer is being written: not
 * while the handler works on a request whose body is more than a few hundred bytes (every tools/call). An
 * answer that waits for the result therefore lets a cancelled call run on to its end, upstream requests and
 * all. So when the answer is not ready within `afterMs`, an SSE answer starts at once (its headers sent, which
 * is enough for `request.signal` to fire when the client goes); the result follows as its one event, or, when
 * the handler's own answer is a stream, that stream's events follow as they come. Comment lines keep the
 * stream alive through proxies meanwhile. Quick answers are left exactly as they are (JSON, with their own
 * status), which costs nothing for the calls that finish quickly.
 */
import { DEFAULT_KEEP_ALIVE_MS, formatSseComment, formatSseEvent } from "./legacy_sse.ts";
import { afterTimeout } from "../timeouts.ts";

/** How long an answer may take before it starts as a stream. */
export const STREAM_AFTER_MS = 1000;

export interface EarlyStreamOptions {
  afterMs?: number;
  keepAliveMs?: number;
}

/** `answer` as it is when it comes within `afterMs`; otherwise an SSE answer started now that carries it. */
export async function streamIfSlow(
  answer: Promise<Response>,
  options: EarlyStreamOptions = {},
): Promise<Response> {
  const { promise: late, resolve } = Promise.withResolvers<undefined>();
  const timer = afterTimeout(options.afterMs ?? STREAM_AFTER_MS, () => resolve(undefined));
  const first = await Promise.race([answer, late]);
  timer.cancel();
  return first ?? startedStream(answer, options.keepAliveMs ?? DEFAULT_KEEP_ALIVE_MS);
}

const encoder = new TextEncoder();

function startedStream(answer: Promise<Response>, keepAliveMs: number): Response {
  let source: ReadableStreamDefaultReader<Uint8Array> | undefined;
  let done = false;
  let keepAlive: ReturnType<typeof setInterval> | undefined;
  const finish = () => {
    done = true;
    clearInterval(keepAlive);
  };
  const body = new ReadableStream<Uint8Array>({
    async start(controller) {
      const write = (bytes: Uint8Array) => {
        if (!done) controller.enqueue(bytes);
      };
      keepAlive = setInterval(() => write(encoder.encode(formatSseComment("keepalive"))), keepAliveMs);
      try {
        const response = await answer;
        clearInterval(keepAlive);
        if (done) return void await response.body?.cancel();
        if (response.headers.get("content-type")?.startsWith("text/event-stream") && response.body) {
          source = response.body.getReader();
          for (let chunk = await source.read(); !chunk.done && !done; chunk = await source.read()) {
            write(chunk.value);
          }
        } else {
          const text = await response.text();
          // One JSON-RPC message (an answer, or an error answer whose HTTP status can no longer be sent).
          if (text !== "") write(encoder.encode(formatSseEvent({ event: "message", data: text })));
        }
      } catch {
        // The handler failed or its stream broke: end ours; the client sees the stream end without an answer.
      }
      if (!done) {
        finish();
        controller.close();
      }
    },
    cancel(reason) {
      finish();
      return source?.cancel(reason);
    },
  });
  return new Response(body, {
    status: 200,
    headers: {
      "content-type": "text/event-stream",
      "cache-control": "no-cache, no-transform",
      "x-accel-buffering": "no",
    },
  });
}
