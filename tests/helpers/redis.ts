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

/**
 * How long a test on the live Redis waits for one of its answers where the test is not about timeouts (the
 * product's are 500 ms for a cache or rate-limit command, 1 s per connection). CI's one Redis serves every
 * parallel test file: on a loaded machine an answer took over 500 ms, and a cache bump that went through was
 * taken for Redis being away.
 */
export const PATIENT_REDIS_MS = 10_000;

/** `client` (from connectRedis) with its own per-command timeout raised to PATIENT_REDIS_MS. */
export function patient<T extends { options: { commandTimeout?: number } }>(client: T): T {
  client.options.commandTimeout = PATIENT_REDIS_MS;
  return client;
}

export interface TestRedisUser {
  /** `url` with this user's name and password. */
  url: string;
  /** Changes the user's rules (`ACL SETUSER`), e.g. "-@scripting" to take a permission away. */
  set(...rules: string[]): Promise<void>;
  /** Deletes the user (its connections are closed by Redis). */
  drop(): Promise<void>;
}

/**
 * A Redis user of its own for a test, with `rules` (`ACL SETUSER`, after `on`, a password, every key and
 * every channel), e.g. `["+@all", "-@scripting"]`. Its name is unique, so tests sharing one Redis do not
 * meet.
 */
export async function testRedisUser(url: string, rules: readonly string[]): Promise<TestRedisUser> {
  const { Redis } = await import("ioredis");
  const name = `test-${crypto.randomUUID()}`;
  const password = crypto.randomUUID();
  const acl = async (...args: string[]) => {
    const admin = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      await admin.connect();
      await admin.call("ACL", ...args);
    } finally {
      admin.disconnect();
    }
  };
  await acl("SETUSER", name, "on", `>${password}`, "~*", "&*", ...rules);
  const withUser = new URL(url);
  withUser.username = name;
  withUser.password = password;
  return {
    url: withUser.href,
    set: (...more) => acl("SETUSER", name, ...more),
    drop: () => acl("DELUSER", name),
  };
}
