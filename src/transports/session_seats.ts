/**
 * Places under the HTTP session caps. Every long-lived thing a client holds open on the server takes one seat
 * while it lasts: a 2025-era Streamable HTTP session, a legacy HTTP+SSE session, a 2026-07-28
 * `subscriptions/listen` stream. `MCP_MAX_SESSIONS` caps the seats of the whole server, and
 * `MCP_MAX_SESSIONS_PER_TENANT` those of one holder (each key of a multi-tenant client, or one client token of
 * a single-tenant server with several), so that one holder cannot take every seat and lock the others out.
 */

/** A taken seat; `release()` gives it back (a second call does nothing). */
export interface Seat {
  release(): void;
}

/** Why no seat was given: the server is full, or the holder already holds its most. */
export interface SeatRefusal {
  full: "server" | "holder";
  limit: number;
}

export interface SeatLimits {
  /** Most seats of the server. */
  total: number;
  /** Most seats of one holder (at most `total` in effect). */
  perHolder: number;
}

export class SessionSeats {
  readonly #limits: SeatLimits;
  readonly #byHolder = new Map<string, number>();
  #taken = 0;

  constructor(limits: SeatLimits) {
    this.#limits = limits;
  }

  /** Seats taken, by every holder. */
  get taken(): number {
    return this.#taken;
  }

  /** Seats `holder` has taken. */
  heldBy(holder: string): number {
    return this.#byHolder.get(holder) ?? 0;
  }

  /**
   * A seat for `holders` (each counts it: a multi-tenant client's keys), or why there is none. Taken at once:
   * two concurrent takers never share the last.
   */
  take(holders: readonly string[]): Seat | SeatRefusal {
    if (this.#taken >= this.#limits.total) return { full: "server", limit: this.#limits.total };
    if (holders.some((holder) => this.heldBy(holder) >= this.#limits.perHolder)) {
      return { full: "holder", limit: this.#limits.perHolder };
    }
    this.#taken++;
    for (const holder of holders) this.#byHolder.set(holder, this.heldBy(holder) + 1);
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.#taken--;
        for (const holder of holders) {
          const left = this.heldBy(holder) - 1;
          if (left > 0) this.#byHolder.set(holder, left);
          else this.#byHolder.delete(holder);
        }
      },
    };
  }
}

export function isSeat(taken: Seat | SeatRefusal): taken is Seat {
  return "release" in taken;
}
