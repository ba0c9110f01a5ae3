/**
 * Serves the conformance fixture (`fixture_server.ts`) through the project's HTTP stack until SIGINT/SIGTERM.
 *
 *   deno run -A tests/conformance/serve_fixture.ts [port]      (or CONFORMANCE_PORT; default 0 = any free port)
 *
 * Prints `conformance fixture listening on <url>` on stderr once it accepts connections.
 */
import { startFixture } from "./fixture_server.ts";

const portText = Deno.args[0] ?? Deno.env.get("CONFORMANCE_PORT") ?? "0";
const port = Number(portText);
if (!/^\d+$/.test(portText) || port > 65535) {
  // deno-lint-ignore no-console
  console.error(`serve_fixture: invalid port ${JSON.stringify(portText)}`);
  Deno.exit(2);
}

const handle = await startFixture({ port });
// deno-lint-ignore no-console
console.error(`conformance fixture listening on ${handle.url}`);

const { promise: stop, resolve } = Promise.withResolvers<void>();
for (const signal of ["SIGINT", "SIGTERM"] as const) Deno.addSignalListener(signal, () => resolve());
await stop;
await handle.close(1000);
Deno.exit(0);
