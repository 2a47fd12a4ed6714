import type { EventDraft, WaveEvent } from '../events/catalogue.js';
import type { SideEffects, Store } from '../store/store.js';
import { OutageAppender } from './outage-append.js';

/** Lines buffered before a flush is forced, and the longest a line waits to be written. */
const MAX_BUFFERED = 2000;
const FLUSH_DELAY_MS = 25;

export type ActivityDraft = Extract<EventDraft, { type: 'stream_activity' }>;

/**
 * Writes one run's events. State events are committed at once; output lines are batched into
 * one transaction per flush (many lines never cost one transaction each). Before any state
 * event, pending lines are flushed first, so the stored order is the order things happened.
 * All writes go through one promise chain: commits never overtake each other. While the database
 * cannot be reached, writes wait for it (OutageAppender) instead of failing the run.
 */
export class EventRecorder {
  private buffer: EventDraft[] = [];
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<unknown> = Promise.resolve();
  private failure: unknown;
  private readonly writer: OutageAppender;

  /** Options: OutageAppender's (`neverStarted`, `halted`). */
  constructor(
    store: Store,
    private readonly runId: string,
    opts: { neverStarted?: boolean; halted?: () => boolean } = {},
  ) {
    this.writer = new OutageAppender(store, runId, opts);
  }

  /** Queues an output line; it is written within FLUSH_DELAY_MS. */
  activity(draft: Omit<ActivityDraft, 'type' | 'run_id' | 'ts'>): void {
    this.queue({ type: 'stream_activity', run_id: this.runId, ts: new Date().toISOString(), ...draft });
  }

  /**
   * Queues a state event that nothing waits for (run_started): it is committed with the next
   * state event, in order, or within FLUSH_DELAY_MS, whichever comes first. One transaction
   * fewer per run; its time is when it happened, not when it was written.
   */
  soon(draft: EventDraft): void {
    this.queue({ ...draft, ts: draft.ts ?? new Date().toISOString() } as EventDraft);
  }

  private queue(draft: EventDraft): void {
    this.buffer.push(draft);
    if (this.buffer.length >= MAX_BUFFERED) this.flushSoon(0);
    else this.flushSoon(FLUSH_DELAY_MS);
  }

  /** Commits state events (after any pending lines) and resolves with them once committed. */
  emit(drafts: EventDraft | readonly EventDraft[], side?: SideEffects): Promise<WaveEvent[]> {
    const list = Array.isArray(drafts) ? (drafts as EventDraft[]) : [drafts as EventDraft];
    const lines = this.takeBuffer();
    const work = this.chain.then(async () => {
      // Output lines lost in a background flush must not pass silently.
      if (this.failure) throw this.failure;
      if (lines.length === 0) return this.writer.append(list, side);
      // Pending lines and the state event share one transaction, lines first.
      const written = await this.writer.append([...lines, ...list], side);
      return written.slice(lines.length);
    });
    this.chain = work.catch((err) => {
      this.failure ??= err;
    });
    return work;
  }

  /** Writes everything pending; rejects if any earlier batch failed. */
  async flush(): Promise<void> {
    const lines = this.takeBuffer();
    if (lines.length) {
      this.chain = this.chain
        .then(() => this.writer.append(lines))
        .catch((err) => {
          this.failure ??= err;
        });
    }
    await this.chain;
    if (this.failure) throw this.failure;
  }

  private flushSoon(delay: number): void {
    if (this.timer && delay > 0) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush().catch(() => {
        // kept in `failure`; the next emit or flush reports it
      });
    }, delay);
    this.timer.unref?.();
  }

  private takeBuffer(): EventDraft[] {
    clearTimeout(this.timer);
    this.timer = undefined;
    const lines = this.buffer;
    this.buffer = [];
    return lines;
  }
}
