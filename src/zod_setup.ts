/**
 * Zod's process-wide settings, imported by main.ts before anything else: a schema reads them when it is
 * built, so they must be in place before any module (the MCP SDK's included) builds one.
 *
 * Zod 4.6 memoizes every parse of a schema that may recurse (the SDK's JSON-RPC message schemas are such,
 * through their JSON values), so that a parse can follow a reference cycle in its input: a WeakMap per parse
 * and per container, and a copy of every issue. That costs 3 to 5 times the parse itself, several times per
 * request (each message is checked against several schemas on its way in and out), and much of the garbage
 * collector's work under load. Every value this server parses is JSON (request bodies, stdio lines, Xyte's
 * answers) or built from JSON, and JSON has no cycles: the memoizer never has one to close. Without it a
 * parse answers the same, with the same errors (a part met twice in one input is parsed twice).
 */
import { z } from "zod";

/** A memoizer that remembers nothing: containers allocate their output as they would without one. */
export const NO_MEMOIZER: z.core.$ZodMemoizer = {
  attach: () => {},
  guard: () => {},
  alloc: (_inst, _payload, empty) => empty,
};

z.config({ memoizer: NO_MEMOIZER });
