/**
 * Shares the event loop between long reads (SSE replays, log downloads) and everything else.
 * The store is synchronous, so a loop of `await store.read…()` never yields to I/O on its own:
 * each reader instead hands one bounded piece of work (read a page, render it, write it) to
 * `run`. Pieces run one after another in arrival order, in the loop's check phase (after the
 * I/O of the turn, so pending requests are served first), for at most `sliceMs` per turn.
 * A piece must not wait on I/O itself (a socket's drain): that waits outside.
 */
export class Pacer {
  private readonly queue: (() => Promise<void>)[] = [];
  private scheduled = false;

  constructor(private readonly sliceMs = 2) {}

  run<T>(task: () => T | Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push(async () => {
        try {
          resolve(await task());
        } catch (err) {
          reject(err);
        }
      });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => void this.slice());
  }

  private async slice(): Promise<void> {
    const start = performance.now();
    // A reader queues its next piece from the previous one's promise callback, which runs
    // before this loop looks at the queue again: it keeps its place in this slice.
    for (let task = this.queue.shift(); task; task = this.queue.shift()) {
      await task();
      if (performance.now() - start >= this.sliceMs) break;
    }
    this.scheduled = false;
    if (this.queue.length) this.schedule();
  }
}
