/**
 * Waiting for something to happen in another process or over the network (a Redis message, a log line): polls
 * instead of sleeping a fixed time, which a loaded machine outruns. The bound is generous; it only decides how
 * long a test that is going to fail takes to say so.
 */
export async function until(
  condition: () => boolean,
  what: string,
  timeoutMs = 10_000,
  state?: () => string,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${state ? ` (${state()})` : ""}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
