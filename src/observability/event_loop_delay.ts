/**
 * The event-loop delay behind prom-client's `nodejs_eventloop_lag_{min,max,mean,stddev,p50,p90,p99}_seconds`:
 * what `perf_hooks.monitorEventLoopDelay` gives prom-client, measured in JS in a histogram of fixed size.
 *
 * Deno's own monitor (2.x) is kept out: its histogram holds 5 significant digits, so it takes 2 MiB when
 * created and 1 MiB more for every doubling of the longest delay it has seen, and never gives any back (11 MiB
 * after the 1,000 idle sessions of bench/http.ts); and it does not see the loop blocked (five 50 ms blocks
 * read as a few microseconds).
 *
 * A timer every `resolution` ms (`SAMPLE_INTERVAL_MS`, 50) records how much later than due it ran, in ns.
 * Values keep 1/128 of precision (the percentiles; min, max, mean and stddev are exact), in 40 KB whatever
 * the delays. The figures are the delay beyond the interval, as Deno's monitor reported: Node's counts the
 * interval in (an idle Node process reads about 10 ms at every percentile; this reads well under 1 ms at p50).
 *
 * What they mean: how long a timer, or a request's callbacks, waited for the loop. A loop kept busy by many
 * short tasks delays every tick, and reads so at any interval. One block of B ms delays the tick due during
 * it: by between B - 50 and B ms when B is 50 ms or more (B - 25 on average), so `max` shows it to within
 * 50 ms; a shorter block delays a tick only with probability B/50, by at most B. Node samples every 10 ms
 * (prom-client's default) and so sees more of the short blocks, but each tick wakes an idle Deno process at
 * about 0.1 ms of CPU: about 11 ms of CPU per second at 10 ms, 3 at 50 (bench/README.md). A 15 s scrape
 * interval gives the percentiles 300 ticks.
 */
import { unrefTimer } from "../timeouts.ts";

/** How often the sampler runs, in ms: what the gauges are precise to, against what it costs an idle process. */
export const SAMPLE_INTERVAL_MS = 50;

/** Buckets per doubling of the value: a percentile is within 1/128 of the delay it stands for. */
const SUB_BUCKETS = 128;
/** Values below this (ns) have a bucket each. */
const EXACT = 2 * SUB_BUCKETS;
/** The largest power of two a bucket spans; longer delays (over 19 hours) count in the last bucket. */
const MAX_SHIFT = 38;
/** What Node's histograms report as the minimum of no values (int64 max). */
const NO_MINIMUM = 9223372036854775807;

/** The part of perf_hooks' `IntervalHistogram` that prom-client reads. */
export class EventLoopDelay {
  readonly #resolutionMs: number;
  readonly #now: () => number;
  readonly #counts = new Float64Array(EXACT + MAX_SHIFT * SUB_BUCKETS);
  #count = 0;
  #min = Infinity;
  #max = 0;
  #sum = 0;
  #sumOfSquares = 0;
  #timer: ReturnType<typeof setInterval> | undefined;
  /** When the previous sample ran (`now()` ms). */
  #last: number | undefined;

  constructor(resolutionMs = SAMPLE_INTERVAL_MS, now: () => number = () => performance.now()) {
    this.#resolutionMs = Math.max(1, resolutionMs);
    this.#now = now;
  }

  /** Starts sampling (an unref'd timer: it keeps no process alive); false when it already was. */
  enable(): boolean {
    if (this.#timer !== undefined) return false;
    this.#last = undefined;
    this.#timer = setInterval(() => this.sample(), this.#resolutionMs);
    unrefTimer(this.#timer);
    return true;
  }

  disable(): boolean {
    if (this.#timer === undefined) return false;
    clearInterval(this.#timer);
    this.#timer = undefined;
    return true;
  }

  /** One tick of the timer: records how much later than `resolution` after the previous one it ran. */
  sample(): void {
    const now = this.#now();
    if (this.#last !== undefined) this.record((now - this.#last - this.#resolutionMs) * 1e6);
    this.#last = now;
  }

  /** Counts a delay of `ns` nanoseconds (a negative one as 0). */
  record(ns: number): void {
    const value = Math.max(0, Math.round(ns));
    this.#counts[bucketOf(value)]!++;
    this.#count++;
    this.#min = Math.min(this.#min, value);
    this.#max = Math.max(this.#max, value);
    this.#sum += value;
    this.#sumOfSquares += value * value;
  }

  reset(): void {
    this.#counts.fill(0);
    this.#count = 0;
    this.#min = Infinity;
    this.#max = 0;
    this.#sum = 0;
    this.#sumOfSquares = 0;
  }

  get count(): number {
    return this.#count;
  }

  get min(): number {
    return this.#count === 0 ? NO_MINIMUM : this.#min;
  }

  get max(): number {
    return this.#max;
  }

  get mean(): number {
    return this.#count === 0 ? NaN : this.#sum / this.#count;
  }

  get stddev(): number {
    if (this.#count === 0) return NaN;
    const mean = this.#sum / this.#count;
    return Math.sqrt(Math.max(0, this.#sumOfSquares / this.#count - mean * mean));
  }

  /** The delay `percentile`% of the samples are at or below (the top of its bucket, within min and max). */
  percentile(percentile: number): number {
    if (this.#count === 0) return 0;
    const rank = Math.max(1, Math.ceil((percentile / 100) * this.#count));
    let seen = 0;
    for (let bucket = 0; bucket < this.#counts.length; bucket++) {
      seen += this.#counts[bucket]!;
      if (seen >= rank) return Math.min(this.#max, Math.max(this.#min, highestIn(bucket)));
    }
    return this.#max;
  }
}

/** The bucket of a value (an integer ≥ 0). */
function bucketOf(value: number): number {
  if (value < EXACT) return value;
  // The shift that brings the value into [SUB_BUCKETS, EXACT): its top 8 bits pick the bucket.
  let shift = Math.floor(Math.log2(value)) - 7;
  while (value / 2 ** shift >= EXACT) shift++;
  while (value / 2 ** shift < SUB_BUCKETS) shift--;
  if (shift > MAX_SHIFT) return EXACT + MAX_SHIFT * SUB_BUCKETS - 1;
  return EXACT + (shift - 1) * SUB_BUCKETS + Math.floor(value / 2 ** shift) - SUB_BUCKETS;
}

/** The largest value `bucketOf` puts in `bucket`. */
function highestIn(bucket: number): number {
  if (bucket < EXACT) return bucket;
  const shift = Math.floor((bucket - EXACT) / SUB_BUCKETS) + 1;
  const top = (bucket - EXACT) % SUB_BUCKETS + SUB_BUCKETS;
  return (top + 1) * 2 ** shift - 1;
}
