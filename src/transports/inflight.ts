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

  /** Tracks `response` until its body ends; returns the response to send in its place. */
  track(response: Response): Response {
    this.#count++;
    return onBodyEnd(response, () => this.#done());
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
