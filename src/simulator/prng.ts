/** Small deterministic pseudo-random generator (mulberry32) with helpers used by the seed and faults. */

/** Mixes two 32-bit integers into one seed (used to derive independent streams). */
export function mixSeed(a: number, b: number): number {
  let h = (a ^ Math.imul(b + 0x9e3779b9, 0x85ebca6b)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/** Hashes a string to a 32-bit integer (FNV-1a). */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

const HEX_DIGIT_CODES: readonly number[] = Array.from("0123456789abcdef", (c) => c.charCodeAt(0));
const DASH = 45;
/** Scratch buffer of character codes; strings are built with one `fromCharCode` call (few allocations). */
const charCodes: number[] = [];

export class Prng {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** Next float in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Next unsigned 32-bit integer. */
  nextUint32(): number {
    return (this.next() * 4294967296) >>> 0;
  }

  /** Integer in [min, max] (inclusive). */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  /** Picks by relative weights: `[[value, weight], ...]`. */
  weighted<T>(choices: readonly (readonly [T, number])[]): T {
    let total = 0;
    for (let i = 0; i < choices.length; i++) total += choices[i][1];
    let r = this.next() * total;
    for (let i = 0; i < choices.length; i++) {
      r -= choices[i][1];
      if (r < 0) return choices[i][0];
    }
    return choices[choices.length - 1][0];
  }

  /** `n` lowercase hex digits. */
  hex(n: number): string {
    charCodes.length = n;
    let word = 0;
    for (let i = 0; i < n; i++) {
      if ((i & 7) === 0) word = this.nextUint32();
      charCodes[i] = HEX_DIGIT_CODES[(word >>> ((7 - (i & 7)) * 4)) & 0xf];
    }
    return String.fromCharCode.apply(null, charCodes);
  }

  /** A random RFC 4122 version-4 style UUID. */
  uuid(): string {
    charCodes.length = 36;
    let word = 0;
    let digit = 0;
    for (let i = 0; i < 36; i++) {
      if (i === 8 || i === 13 || i === 18 || i === 23) {
        charCodes[i] = DASH;
        continue;
      }
      if ((digit & 7) === 0) word = this.nextUint32();
      let nibble = (word >>> ((7 - (digit & 7)) * 4)) & 0xf;
      if (i === 14) nibble = 4;
      else if (i === 19) nibble = 8 | (nibble & 3);
      charCodes[i] = HEX_DIGIT_CODES[nibble];
      digit++;
    }
    return String.fromCharCode.apply(null, charCodes);
  }
}
