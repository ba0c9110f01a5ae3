/**
 * The shutdown's error answer for per-request calls (2026-07-28 clients, and 2025-era clients of a stateless
 * server) that the end of the grace period cuts. Session clients get it from their session (see
 * `shutdownAnswer`); a per-request call's answer is whatever the SDK's handler makes of a closed exchange:
 * HTTP 499 with no body while the answer had not started, an SSE answer (progress sent, or started early, see
 * early_stream.ts) that just ends, or, for a 2025-era call to a stateless server, a stream the handler leaves
 * open. Either way its client would wait out its own timeout, not knowing whether a change it asked for was
 * made.
 */
import { shutdownAnswer } from "./jsonrpc.ts";
import { formatSseEvent } from "./legacy_sse.ts";

const encoder = new TextEncoder();

/** The SSE event carrying the shutdown's error answer to request `id`. */
function shutdownEvent(id: string | number): Uint8Array {
  return encoder.encode(
    formatSseEvent({ event: "message", data: JSON.stringify(shutdownAnswer(id, false)) }),
  );
}

export class ShutdownAnswers {
  readonly #draining: () => boolean;
  /** How to cut each SSE answer still open: end it with the shutdown's answer unless it carried its own. */
  readonly #open = new Set<() => void>();

  constructor(draining: () => boolean) {
    this.#draining = draining;
  }

  /** SSE answers still open. */
  get open(): number {
    return this.#open.size;
  }

  /**
   * `response`, the answer to request `id`, with the shutdown's error answer where the shutdown cuts it: a
   * 499 becomes that answer (JSON); an SSE answer that ends during the drain, or is still open at its end
   * (`cutAll`), without having carried the answer to `id` gets it as its last event.
   *
   * Cheap for the answers that end normally, which are nearly all: chunks pass as they are, and only when an
   * answer ends during a drain is its last chunk looked at. The answer, when there is one, is the last event
   * before the end, written as one chunk (by the SDK, or by early_stream.ts), so it is there to find.
   */
  track(response: Response, id: string | number): Response {
    if (response.status === 499 && this.#draining()) return Response.json(shutdownAnswer(id, false));
    if (!response.body || !response.headers.get("content-type")?.startsWith("text/event-stream")) {
      return response;
    }
    const source = response.body.getReader();
    let last: Uint8Array | undefined;
    let ended = false;
    let controller!: ReadableStreamDefaultController<Uint8Array>;
    const end = () => {
      if (ended) return;
      ended = true;
      this.#open.delete(cut);
      if (this.#draining() && !answersIn(last, id)) controller.enqueue(shutdownEvent(id));
      controller.close();
    };
    const cut = () => {
      end();
      source.cancel().catch(() => {});
    };
    this.#open.add(cut);
    const body = new ReadableStream<Uint8Array>({
      start(streamController) {
        controller = streamController;
      },
      pull: async () => {
        let chunk: ReadableStreamReadResult<Uint8Array>;
        try {
          chunk = await source.read();
        } catch (error) {
          // The handler's stream broke off; at shutdown that is how a cut call's stream may end too.
          if (!this.#draining()) {
            this.#open.delete(cut);
            ended = true;
            throw error;
          }
          chunk = { done: true, value: undefined };
        }
        if (ended) return;
        if (!chunk.done) {
          last = chunk.value;
          controller.enqueue(chunk.value);
          return;
        }
        end();
      },
      cancel: (reason) => {
        ended = true;
        this.#open.delete(cut);
        return source.cancel(reason);
      },
    });
    return new Response(body, { status: response.status, headers: response.headers });
  }

  /** Ends every SSE answer still open (the end of the grace period), each with the shutdown's answer. */
  cutAll(): void {
    for (const cut of [...this.#open]) cut();
  }
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
