/** A Xyte client served by an in-process simulated hub (no sockets), for unit tests. */
import { Secret } from "../../src/secret.ts";
import type { Simulator } from "../../src/simulator/mod.ts";
import { XyteClient, type XyteClientOptions } from "../../src/xyte/client.ts";

/**
 * A client with organization key `key` whose requests `sim` answers; `options` adds to (or replaces) its
 * settings, `identity` is its cache identity (a fresh one by default, as for a new tenant client).
 */
export function simulatedClient(
  sim: Simulator,
  key: string,
  options: Partial<XyteClientOptions> = {},
  identity?: object,
): XyteClient {
  return new XyteClient({
    hubUrl: "http://hub.test",
    entryUrl: "http://hub.test",
    organizationKey: new Secret(key),
    timeoutMs: 5000,
    fetch: (input, init) => sim.handle(new Request(input, init)),
    ...options,
  }, identity);
}
