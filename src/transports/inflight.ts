/**
 * Counts requests in flight, until their response body has been fully sent (or abandoned), so a graceful
 * shutdown can wait for calls that are still streaming their result.
 */
import { onBodyEnd } from "./body_end.ts";

export class InFlight {
  #count = 0;
  #idle: (() => void)[] = [];

  get count(): number {
    return this.#count;
  }

  /** Counts a request from now; `end` stops counting it when its response body ends. */
  begin(): { end(response: Response): Response; abandon(): void } {
    this.#count++;
    let counted = true;
    const done = () => {
      if (!counted) return;
      counted = false;
      this.#done();
    };
    return { end: (response) => onBodyEnd(response, done), abandon: done };
  }

  /** Resolves when nothing is in flight, or after `timeoutMs`; true when it drained in time. */
  waitIdle(timeoutMs: number): Promise<boolean> {
    if (this.#count === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.#idle.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  #done(): void {
    this.#count--;
    if (this.#count === 0) { for (const wake of this.#idle.splice(0)) wake(); }
  }
}
