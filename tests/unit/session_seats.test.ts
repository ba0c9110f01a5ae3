import assert from "node:assert/strict";
import { isSeat, type Seat, SessionSeats } from "../../src/transports/session_seats.ts";

function seat(taken: ReturnType<SessionSeats["take"]>): Seat {
  if (!isSeat(taken)) throw new Error(`no seat: ${JSON.stringify(taken)}`);
  return taken;
}

Deno.test("session seats: one holder cannot take more than its share, and the others still get theirs", () => {
  const seats = new SessionSeats({ total: 5, perHolder: 2 });
  const a1 = seat(seats.take(["a"]));
  seat(seats.take(["a"]));
  assert.deepEqual(seats.take(["a"]), { full: "holder", limit: 2 }, "a third for the same holder is refused");
  seat(seats.take(["b"]));
  assert.equal(seats.taken, 3);
  a1.release();
  a1.release(); // a second release gives back nothing more
  assert.equal(seats.heldBy("a"), 1);
  assert.equal(seats.taken, 2);
  seat(seats.take(["a"]));
  assert.deepEqual(seats.take(["a"]), { full: "holder", limit: 2 }, "still at most 2 after a double release");
});

Deno.test("session seats: the server's total caps every holder together", () => {
  const seats = new SessionSeats({ total: 3, perHolder: 3 });
  const held = [seat(seats.take(["a"])), seat(seats.take(["b"])), seat(seats.take(["c"]))];
  assert.deepEqual(seats.take(["d"]), { full: "server", limit: 3 });
  held[1]!.release();
  assert.equal(seats.heldBy("b"), 0);
  seat(seats.take(["d"]));
  assert.equal(seats.taken, 3);
});

Deno.test("session seats: a seat taken for several holders counts for each; any full one refuses it", () => {
  const seats = new SessionSeats({ total: 10, perHolder: 2 });
  const both = seat(seats.take(["org", "partner"]));
  seat(seats.take(["org", "other-partner"]));
  assert.deepEqual(seats.take(["org", "third-partner"]), { full: "holder", limit: 2 }, "org is full");
  assert.equal(seats.heldBy("third-partner"), 0, "a refused take counts for nobody");
  assert.equal(seats.heldBy("partner"), 1);
  both.release();
  assert.equal(seats.heldBy("org"), 1);
  assert.equal(seats.heldBy("partner"), 0);
  assert.equal(seats.taken, 1);
});
