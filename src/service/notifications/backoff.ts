/** API.md "Notifications": waits after the 1st..5th failed attempt; after the 6th it is failed. */
export const DELIVERY_BACKOFF_MS: readonly number[] = [1_000, 5_000, 30_000, 120_000, 600_000];

/** When to try again after `attempts` failed attempts, or null to give up. */
export function nextAttemptAt(
  attempts: number,
  nowMs: number,
  schedule = DELIVERY_BACKOFF_MS,
): number | null {
  const wait = schedule[attempts - 1];
  return wait === undefined ? null : nowMs + wait;
}
