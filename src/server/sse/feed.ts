import type { Logger } from '../../logger.js';
import type { Pacer } from '../../pacer.js';
import type { ChangeSource } from '../../store/change-feed.js';
import type { Store, StoredEvent } from '../../store/store.js';

/** A live event as every SSE client receives it: the frame is built once and shared. */
export interface FeedItem {
  row: StoredEvent;
  frame: string;
}

export type FeedListener = (items: readonly FeedItem[]) => void;

const PAGE = 1000;
/** A page ends early past this much JSON (long output lines): bounded memory per read. */
const PAGE_BYTES = 256 * 1024;

export function sseFrame(row: StoredEvent): string {
  return `id: ${row.seq}\nevent: ${row.type}\ndata: ${row.json}\n\n`;
}

/**
 * One reader of the events table for the whole server. The change feed only says "something
 * was committed" (here or by another process); the feed then reads everything after its position, in seq order, and hands each
 * event to every listener. The store is the log: a listener can never see events out of
 * order or miss one between two reads.
 */
export class EventFeed {
  private readonly listeners = new Set<FeedListener>();
  private seq = 0;
  private reading = false;
  private again = false;
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly store: Store,
    private readonly changes: ChangeSource,
    private readonly logger: Logger,
    private readonly pacer: Pacer,
  ) {}

  async start(): Promise<void> {
    this.seq = await this.store.lastSeq();
    this.unsubscribe = this.changes.subscribe(({ upToSeq }) => {
      if (upToSeq <= this.seq) return;
      // Nobody listens (no SSE client): nothing to read. Everything up to upToSeq is committed,
      // so a listener that comes later finds it in the store (the hub replays up to `position`).
      if (this.listeners.size === 0 && !this.reading) this.seq = upToSeq;
      else this.poke();
    });
  }

  /** Everything up to here has been handed to listeners (or was committed before start). */
  get position(): number {
    return this.seq;
  }

  get listenerCount(): number {
    return this.listeners.size;
  }

  listen(listener: FeedListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Reads now (coalesced: many commits in one tick cost one read). */
  poke(): void {
    if (this.reading) {
      this.again = true;
      return;
    }
    this.reading = true;
    queueMicrotask(() => void this.drain());
  }

  private async drain(): Promise<void> {
    try {
      do {
        this.again = false;
        // A page in each turn of the pacer: a burst of output never holds the event loop.
        while (await this.pacer.run(() => this.readPage())) {}
      } while (this.again);
    } catch (err) {
      this.logger.error({ err }, 'event feed read failed');
    } finally {
      this.reading = false;
    }
  }

  /** Reads and hands out one page; false once there was nothing more. */
  private async readPage(): Promise<boolean> {
    const rows = await this.store.readEvents({ afterSeq: this.seq, limit: PAGE, maxBytes: PAGE_BYTES });
    if (rows.length === 0) return false;
    const items = rows.map((row) => ({ row, frame: sseFrame(row) }));
    this.seq = rows[rows.length - 1]!.seq;
    for (const listener of [...this.listeners]) {
      try {
        listener(items);
      } catch (err) {
        this.logger.error({ err }, 'event feed listener failed');
      }
    }
    return true;
  }

  stop(): void {
    this.unsubscribe?.();
    this.listeners.clear();
  }
}
