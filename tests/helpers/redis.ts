/**
 * A real Redis for tests. CI (`.ci/run`) starts redis-server and sets REDIS_TEST_URL; elsewhere a private
 * redis-server is started on a free loopback port when the binary exists. Tests that need Redis and find
 * neither are skipped with the reason printed.
 */
import { freePort } from "./free_port.ts";

export interface TestRedis {
  url: string;
  close(): Promise<void>;
}

export const REDIS_UNAVAILABLE_REASON = "no REDIS_TEST_URL and no redis-server on PATH";

/** A Redis URL to test against, or undefined (with the reason logged) when none can be had. */
export async function startTestRedis(): Promise<TestRedis | undefined> {
  const shared = Deno.env.get("REDIS_TEST_URL");
  if (shared) return { url: shared, close: () => Promise.resolve() };
  const port = freePort();
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command("redis-server", {
      args: ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
      stdout: "null",
      stderr: "null",
    }).spawn();
  } catch {
    // deno-lint-ignore no-console
    console.error(`skipping Redis-backed checks: ${REDIS_UNAVAILABLE_REASON}`);
    return undefined;
  }
  for (let i = 0; i < 100; i++) {
    try {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      conn.close();
      return {
        url: `redis://127.0.0.1:${port}`,
        close: async () => {
          child.kill("SIGTERM");
          await child.status;
        },
      };
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  child.kill("SIGKILL");
  await child.status;
  throw new Error("redis-server did not start");
}
