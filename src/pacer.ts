/**
 * Shares the event loop between long reads (SSE replays, log downloads) and everything else.
 * The store is synchronous, so a loop of `await store.read…()` never yields to I/O on its own:
 * each reader instead hands one bounded piece of work (read a page, render it, write it) to
 * `run`. Pieces run one after another in arrival order, and once they have held the loop for
 * `sliceMs` the next waits for a fresh turn (setImmediate), so pending requests are served
 * in between. A piece must not wait on I/O itself (a socket's drain): that waits outside.
 */
export class Pacer {
  private readonly queue: (() => Promise<void>)[] = [];
  private running = false;
  private sliceStart = 0;
  /** True until the event loop next reaches its check phase: the slice has not been handed back. */
  private inSlice = false;

  constructor(private readonly sliceMs = 5) {}

  run<T>(task: () => T | Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push(async () => {
        try {
          resolve(await task());
        } catch (err) {
          reject(err);
        }
      });
      if (!this.running) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    for (let task = this.queue.shift(); task; task = this.queue.shift()) {
      // A slice lasts until the loop turns, not until the queue empties: a reader that queues
      // its next page from a promise callback is still in the same turn.
      if (!this.inSlice) this.startSlice();
      else if (performance.now() - this.sliceStart >= this.sliceMs) {
        await new Promise((resolve) => setImmediate(resolve));
        this.startSlice();
      }
      await task();
    }
    this.running = false;
  }

  private startSlice(): void {
    this.sliceStart = performance.now();
    this.inSlice = true;
    setImmediate(() => {
      this.inSlice = false;
    });
  }
}
