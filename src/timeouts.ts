/**
 * Timeouts that share one runtime timer. Every request sets a few (its body's arrival, its tool call's
 * deadline, each upstream attempt's) and nearly all are cancelled long before they run out. A runtime timer
 * costs microseconds to set and clear (Deno's are Node's `Timeout` objects), and a live one is one more
 * object for the garbage collector to move; here a timeout is a small entry in a heap ordered by due time,
 * and one runtime timer waits for the earliest. That timer holds the process open, as the work a pending
 * timeout guards does (a request's body, an upstream call): each is cancelled when its work ends, and with
 * none pending no timer is set.
 *
 * A timeout runs when the runtime timer set for it fires, as one of its own would have, or once it is due
 * when the timer fires for another; timeouts due at the same moment run in the order they were set. The
 * runtime timer is armed outside any request's async context: a timeout's callback sees none (it aborts a
 * signal or settles a promise, whose waiters keep their own).
 */
import { AsyncLocalStorage } from "node:async_hooks";

export interface PendingTimeout {
  /** The callback will not run (nothing happens when it already has). */
  cancel(): void;
}

interface Entry extends PendingTimeout {
  /** When it is due (`performance.now()` ms). */
  readonly at: number;
  /** Order of setting, for entries due at the same moment. */
  readonly seq: number;
  run: (() => void) | undefined;
  /** Its place in the heap; -1 once out of it. */
  index: number;
}

/**
 * The longest delay a runtime timer takes (2^31 - 1 ms, about 24.8 days). Deno's and Node's timers run one set
 * for longer after 1 ms (with a TimeoutOverflowWarning); a timeout due later than this arms the runtime timer
 * for this long, and when it fires with nothing due, for the rest.
 */
export const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

const heap: Entry[] = [];
let sequence = 0;
/**
 * The runtime timer: when it fires (the earliest due time, or sooner if that is further off than a runtime
 * timer waits), and how to clear it (the functions it was set with).
 */
let armed: { at: number; handle: unknown; clear: (handle: unknown) => void } | undefined;
/** Runs a function in the async context of this module's loading: none. */
const outsideRequests = AsyncLocalStorage.snapshot();

/**
 * Lets the process end while `timer` (from setTimeout or setInterval) is pending. Deno 2.9's timers are Node
 * `Timeout` objects, which `Deno.unrefTimer(Number(timer))` leaves holding the process open (measured: the
 * callback still runs); their own `unref` releases them.
 */
export function unrefTimer(timer: unknown): void {
  if (typeof timer === "number") Deno.unrefTimer(timer);
  else (timer as { unref(): unknown }).unref();
}

/** Runs `run` after `ms` unless cancelled first. `run` must not throw. */
export function afterTimeout(ms: number, run: () => void): PendingTimeout {
  const entry: Entry = {
    at: performance.now() + (ms > 0 ? ms : 0),
    seq: sequence++,
    run,
    index: heap.length,
    cancel: () => cancel(entry),
  };
  heap.push(entry);
  siftUp(entry.index);
  if (heap[0] === entry && (armed === undefined || entry.at < armed.at)) arm(entry.at);
  return entry;
}

/** How many timeouts are pending (tests). */
export function pendingTimeouts(): number {
  return heap.length;
}

function cancel(entry: Entry): void {
  // Out of the heap may still mean yet to run: due with others, whose callbacks run first; one may cancel it.
  entry.run = undefined;
  if (entry.index < 0) return;
  remove(entry.index);
  // Nothing left to wait for: no runtime timer either (a timer left set would outlive every timeout).
  if (heap.length === 0) disarm();
}

function arm(at: number): void {
  disarm();
  const set = setTimeout, clear = clearTimeout;
  const now = performance.now();
  const delay = Math.min(MAX_TIMER_DELAY_MS, Math.max(0, Math.ceil(at - now)));
  // `at` itself unless the delay was cut to the longest a runtime timer takes: then only that far.
  const firesAt = Math.min(at, now + delay);
  const handle = outsideRequests(() => set(() => fire(firesAt), delay));
  armed = { at: firesAt, handle, clear: clear as (handle: unknown) => void };
}

function disarm(): void {
  if (armed === undefined) return;
  armed.clear(armed.handle);
  armed = undefined;
}

/**
 * The runtime timer set for `armedAt` fired: everything due by then, or by now, runs; the timer is armed again
 * for what is left (which includes a timeout due later than a runtime timer could wait for).
 */
function fire(armedAt: number): void {
  armed = undefined;
  const due = Math.max(armedAt, performance.now());
  const ready: Entry[] = [];
  while (heap.length > 0 && heap[0]!.at <= due) {
    const entry = heap[0]!;
    remove(0);
    ready.push(entry);
  }
  if (heap.length > 0) arm(heap[0]!.at);
  for (const entry of ready) {
    const run = entry.run;
    entry.run = undefined;
    run?.();
  }
}

function before(a: Entry, b: Entry): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

function place(entry: Entry, index: number): void {
  heap[index] = entry;
  entry.index = index;
}

function siftUp(index: number): void {
  const entry = heap[index]!;
  while (index > 0) {
    const parentIndex = (index - 1) >> 1;
    const parent = heap[parentIndex]!;
    if (!before(entry, parent)) break;
    place(parent, index);
    index = parentIndex;
  }
  place(entry, index);
}

function siftDown(index: number): void {
  const entry = heap[index]!;
  for (;;) {
    const left = 2 * index + 1;
    if (left >= heap.length) break;
    const right = left + 1;
    const child = right < heap.length && before(heap[right]!, heap[left]!) ? right : left;
    if (!before(heap[child]!, entry)) break;
    place(heap[child]!, index);
    index = child;
  }
  place(entry, index);
}

function remove(index: number): void {
  const entry = heap[index]!;
  entry.index = -1;
  const last = heap.pop()!;
  if (last === entry) return;
  place(last, index);
  siftDown(index);
  siftUp(last.index);
}
