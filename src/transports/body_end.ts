/** Response bodies that tell when they are over (fully sent, failed, or cancelled by the client). */

interface Watch {
  callbacks: (() => void)[];
  ended: boolean;
}

/** The watch of each body wrapped here, so a second `onBodyEnd` on it joins the first wrapper. */
const watches = new WeakMap<Response, Watch>();

/**
 * `response` with `onEnd` called exactly once when its body ends; immediately when it has none. Wrapping a
 * response this function returned adds `onEnd` to the same wrapper (one stream hop, however many watchers).
 */
export function onBodyEnd(response: Response, onEnd: () => void): Response {
  const joined = watches.get(response);
  if (joined) {
    if (joined.ended) onEnd();
    else joined.callbacks.push(onEnd);
    return response;
  }
  if (!response.body) {
    onEnd();
    return response;
  }
  const watch: Watch = { callbacks: [onEnd], ended: false };
  const reader = response.body.getReader();
  const end = () => {
    if (watch.ended) return;
    watch.ended = true;
    for (const callback of watch.callbacks) callback();
  };
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { value, done } = await reader.read();
        if (done) {
          end();
          controller.close();
        } else {
          controller.enqueue(value);
        }
      } catch (error) {
        end();
        controller.error(error);
      }
    },
    cancel(reason) {
      end();
      return reader.cancel(reason);
    },
  });
  const wrapped = new Response(body, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
  watches.set(wrapped, watch);
  return wrapped;
}
