/** How often a condition is checked again; short, since each check is cheap. */
const POLL_MS = 20;

/**
 * The tests' one way to wait for something that happens asynchronously: checks `check` until it
 * returns a truthy value (which it resolves with) or `timeoutMs` passes, then fails naming
 * `what` and the last error `check` threw. Deadlines are generous: the machine may be loaded.
 */
export async function eventually<T>(
  check: () => T | Promise<T>,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`,
      );
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}
