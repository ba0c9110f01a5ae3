/**
 * Keeps repeated log lines from flooding: for each key (bounded: a reason, a route and status), the first
 * line is written, then at most one per interval, saying how many were held back meanwhile.
 */
export class ThrottledLog {
  readonly #last = new Map<string, { at: number; held: number }>();

  constructor(readonly intervalMs = 60_000, private readonly now: () => number = Date.now) {}

  /**
   * Whether a line for `key` may be written now: undefined when not (it is counted), else the number of lines
   * held back since the last one written.
   */
  take(key: string): number | undefined {
    const at = this.now();
    const last = this.#last.get(key);
    if (last && at - last.at < this.intervalMs) {
      last.held++;
      return undefined;
    }
    this.#last.set(key, { at, held: 0 });
    return last?.held ?? 0;
  }
}
