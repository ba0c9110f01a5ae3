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

/**
 * Keeps one stream of failure lines (e.g. Redis failing the rate limiter) from flooding while still saying
 * when the failure changes: the first line is written, then at most one per interval, and one at once whenever
 * the failure is of another kind than the last line's (Redis not answering, then refusing, or back). Unlike
 * `ThrottledLog`, kinds share one interval: a failure returning to an earlier kind is written at once.
 */
export class KindThrottledLog<Kind> {
  #lastAt = -Infinity;
  #lastKind: Kind | undefined;
  #held = 0;

  constructor(readonly intervalMs = 60_000, private readonly now: () => number = () => Date.now()) {}

  /**
   * Whether a line for a failure of `kind` may be written now: undefined when not (it is counted), else the
   * number of failures held back since the last line written.
   */
  take(kind: Kind): number | undefined {
    const at = this.now();
    if (kind === this.#lastKind && at - this.#lastAt < this.intervalMs) {
      this.#held++;
      return undefined;
    }
    const held = this.#held;
    this.#lastAt = at;
    this.#lastKind = kind;
    this.#held = 0;
    return held;
  }
}
