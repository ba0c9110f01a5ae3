/**
 * A signal that aborts when a parent signal aborts or after `ms`, and that can be disposed of as soon as the
 * work it guards is done. `AbortSignal.timeout` cannot be cancelled: each one keeps its timer, and through
 * `AbortSignal.any` the composite signal, alive until the timeout runs out (30 s and more here), which under
 * load is tens of thousands of live timers and a garbage collector busy moving them around. The timeout is
 * one of the process's shared ones (timeouts.ts), set and cancelled at the cost of a heap entry.
 */
import { afterTimeout } from "./timeouts.ts";

export interface Deadline extends Disposable {
  readonly signal: AbortSignal;
  /** When the time runs out (epoch ms). */
  readonly at: number;
  /** Whether the time ran out (rather than the parent aborting). */
  readonly timedOut: boolean;
}

export function deadline(ms: number, parent?: AbortSignal): Deadline {
  const controller = new AbortController();
  let timedOut = false;
  const onParentAbort = () => controller.abort(parent!.reason);
  const timer = afterTimeout(ms, () => {
    timedOut = true;
    controller.abort(new DOMException("The operation timed out.", "TimeoutError"));
  });
  if (parent?.aborted) controller.abort(parent.reason);
  else parent?.addEventListener("abort", onParentAbort, { once: true });
  return {
    signal: controller.signal,
    at: Date.now() + ms,
    get timedOut() {
      return timedOut;
    },
    [Symbol.dispose]() {
      timer.cancel();
      parent?.removeEventListener("abort", onParentAbort);
    },
  };
}
