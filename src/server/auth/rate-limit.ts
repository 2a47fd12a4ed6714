/**
 * A fixed-window request counter per key (the actor, else the client address). Windows are
 * forgotten once they end, so memory follows the number of active clients.
 */
export class RateLimiter {
  private readonly windows = new Map<string, { count: number; resetAt: number }>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.sweeper = setInterval(() => this.sweep(), Math.max(1000, windowMs));
    this.sweeper.unref();
  }

  /** Counts one request; returns the seconds to wait when over the limit, else null. */
  hit(key: string): number | null {
    const now = this.now();
    let w = this.windows.get(key);
    if (!w || w.resetAt <= now) {
      w = { count: 0, resetAt: now + this.windowMs };
      this.windows.set(key, w);
    }
    w.count += 1;
    return w.count > this.max ? Math.max(1, Math.ceil((w.resetAt - now) / 1000)) : null;
  }

  private sweep(): void {
    const now = this.now();
    for (const [key, w] of this.windows) if (w.resetAt <= now) this.windows.delete(key);
  }

  close(): void {
    clearInterval(this.sweeper);
  }
}
