/** Fault injection: a registry of FaultSpecs matched against incoming API requests. */
import { Prng } from "./prng.ts";
import type { FaultSpec } from "./types.ts";

const FAULT_PRNG_SEED = 0xfa017;

export interface ActiveFault {
  id: string;
  spec: FaultSpec;
  /** Matching requests left (null = unlimited). */
  remaining: number | null;
}

export interface FaultTarget {
  endpointKey: string | null;
  method: string;
  path: string;
  /** The request's query string, without the `?`. */
  query?: string;
}

/** Whether every `name=value` pair of `wanted` is among the pairs of `actual` (both URL query strings). */
function queryHolds(wanted: string, actual: string): boolean {
  const have = new URLSearchParams(actual);
  for (const [name, value] of new URLSearchParams(wanted)) {
    if (!have.getAll(name).includes(value)) return false;
  }
  return true;
}

function isFiniteNonNegative(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value) && value >= 0;
}

/** Checks a FaultSpec coming from untrusted input (admin API); throws TypeError naming the bad field. */
export function validateFaultSpec(value: unknown): FaultSpec {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new TypeError("A fault spec must be a JSON object");
  }
  const spec = value as Record<string, unknown>;
  const known = new Set([
    "endpointKey",
    "method",
    "pathPrefix",
    "query",
    "status",
    "body",
    "contentType",
    "retryAfter",
    "delayMs",
    "hang",
    "times",
    "probability",
    "dropConnection",
  ]);
  for (const key of Object.keys(spec)) {
    if (!known.has(key)) throw new TypeError(`Unknown fault field: ${key}`);
  }
  for (const key of ["endpointKey", "method", "pathPrefix", "query", "body", "contentType"]) {
    if (spec[key] !== undefined && typeof spec[key] !== "string") {
      throw new TypeError(`${key} must be a string`);
    }
  }
  for (const key of ["hang", "dropConnection"]) {
    if (spec[key] !== undefined && typeof spec[key] !== "boolean") {
      throw new TypeError(`${key} must be a boolean`);
    }
  }
  if (
    spec.status !== undefined &&
    (!Number.isInteger(spec.status) || (spec.status as number) < 200 || (spec.status as number) > 599)
  ) {
    throw new TypeError("status must be an integer HTTP status (200-599)");
  }
  if (
    spec.retryAfter !== undefined && typeof spec.retryAfter !== "string" &&
    !isFiniteNonNegative(spec.retryAfter)
  ) {
    throw new TypeError("retryAfter must be a string or a non-negative number");
  }
  if (spec.delayMs !== undefined && !isFiniteNonNegative(spec.delayMs)) {
    throw new TypeError("delayMs must be a non-negative number");
  }
  if (spec.times !== undefined && (!Number.isInteger(spec.times) || (spec.times as number) < 1)) {
    throw new TypeError("times must be a positive integer");
  }
  if (
    spec.probability !== undefined &&
    (!isFiniteNonNegative(spec.probability) || (spec.probability as number) > 1)
  ) {
    throw new TypeError("probability must be a number between 0 and 1");
  }
  return { ...spec } as FaultSpec;
}

export class FaultRegistry {
  #faults: ActiveFault[] = [];
  #nextId = 1;
  #prng = new Prng(FAULT_PRNG_SEED);

  /** Registers a fault (validated) and returns its id. */
  add(spec: FaultSpec): string {
    const valid = validateFaultSpec(spec);
    const id = `fault-${this.#nextId++}`;
    this.#faults.push({ id, spec: valid, remaining: valid.times ?? null });
    return id;
  }

  remove(id: string): boolean {
    const before = this.#faults.length;
    this.#faults = this.#faults.filter((f) => f.id !== id);
    return this.#faults.length !== before;
  }

  clear(): void {
    this.#faults = [];
  }

  /** Clears the faults and restarts ids and the probability PRNG (same draws after every reset). */
  reset(): void {
    this.clear();
    this.#nextId = 1;
    this.#prng = new Prng(FAULT_PRNG_SEED);
  }

  list(): ActiveFault[] {
    return this.#faults.map((f) => ({ ...f, spec: { ...f.spec } }));
  }

  /**
   * The first registered fault that matches the request and passes its probability draw; consumes one of
   * its `times` (a fault is dropped when used up).
   */
  take(target: FaultTarget): FaultSpec | null {
    for (const fault of this.#faults) {
      const spec = fault.spec;
      if (spec.endpointKey !== undefined && spec.endpointKey !== target.endpointKey) continue;
      if (spec.method !== undefined && spec.method.toUpperCase() !== target.method.toUpperCase()) continue;
      if (spec.pathPrefix !== undefined && !target.path.startsWith(spec.pathPrefix)) continue;
      if (spec.query !== undefined && !queryHolds(spec.query, target.query ?? "")) continue;
      if (spec.probability !== undefined && this.#prng.next() >= spec.probability) continue;
      if (fault.remaining !== null) {
        fault.remaining--;
        if (fault.remaining <= 0) this.#faults = this.#faults.filter((f) => f !== fault);
      }
      return spec;
    }
    return null;
  }
}
