import type { EventBus } from '../events/bus.js';
import type { WaveEvent } from '../events/catalogue.js';
import type { Logger } from '../logger.js';
import type { Store } from './store.js';

/** News that something was committed. */
export interface ChangeNotice {
  /** Every event with seq ≤ upToSeq is committed (seq order is commit order). */
  upToSeq: number;
  /**
   * The events committed: this process's own commit, or what other processes committed since
   * the last check. Empty when a commit changed state without an event (a cancel request).
   */
  events: readonly WaveEvent[];
  /** Another process committed (seen through the store, not the in-process bus). */
  foreign: boolean;
}

export type ChangeListener = (notice: ChangeNotice) => void;

/** What waiting parties need of the change feed. */
export interface ChangeSource {
  /** `keepAlive` holds the process open while subscribed (a `wave logs --follow`). */
  subscribe(listener: ChangeListener, opts?: { keepAlive?: boolean }): () => void;
}

/** One cheap check per interval: other processes' commits reach an SSE client within ~this. */
export const CHANGE_CHECK_MS = 100;
const PAGE = 1000;

/**
 * The one way a process learns that events were committed. Its own commits arrive from the
 * store at once (`committed`, wired as the store's onCommit); other processes' commits are found
 * by one check of the store's change token every CHANGE_CHECK_MS, or at once when the store
 * wakes the feed (`Store.onChange`: PostgreSQL's NOTIFY), then read (in seq order, from where
 * the last read ended) and published on the in-process bus too. Nobody else polls.
 */
export class ChangeFeed implements ChangeSource {
  private readonly listeners = new Set<ChangeListener>();
  private keepAlive = 0;
  private timer: NodeJS.Timeout | undefined;
  private token = 0;
  /** Other processes' events are read up to here. */
  private foreignSeq = 0;
  private top = 0;
  private checking = false;
  /** A wake arrived during a check: check once more when it ends. */
  private again = false;
  private stopWaking: (() => void) | undefined;

  constructor(
    private readonly store: Store,
    private readonly bus: EventBus,
    private readonly opts: { origin: string; logger: Logger; intervalMs?: number },
  ) {}

  async start(): Promise<void> {
    this.token = await this.store.changeToken();
    this.foreignSeq = await this.store.lastSeq();
    this.top = Math.max(this.top, this.foreignSeq);
    this.stopWaking = this.store.onChange?.(() => void this.check());
    this.timer = setInterval(() => void this.check(), this.opts.intervalMs ?? CHANGE_CHECK_MS);
    if (this.keepAlive === 0) this.timer.unref();
  }

  subscribe(listener: ChangeListener, opts: { keepAlive?: boolean } = {}): () => void {
    // A distinct wrapper per subscription: the same function may subscribe twice.
    const entry: ChangeListener = (n) => listener(n);
    this.listeners.add(entry);
    if (opts.keepAlive && this.keepAlive++ === 0) this.timer?.ref();
    let active = true;
    return () => {
      if (!active) return;
      active = false;
      this.listeners.delete(entry);
      if (opts.keepAlive && --this.keepAlive === 0) this.timer?.unref();
    };
  }

  /** This process committed (called by the store after the commit, events possibly none). */
  committed(events: readonly WaveEvent[]): void {
    const last = events[events.length - 1];
    if (last) this.top = Math.max(this.top, last.seq);
    this.bus.publish(events);
    this.notify({ upToSeq: this.top, events, foreign: false });
  }

  /** The one cheap check: did another process commit? If so, read and announce it. */
  async check(): Promise<void> {
    if (this.checking) {
      // The running check may have read the token before this commit: look again after it.
      this.again = true;
      return;
    }
    this.checking = true;
    try {
      do {
        this.again = false;
        await this.checkOnce();
      } while (this.again && this.timer);
    } catch (err) {
      this.opts.logger.warn({ err }, 'change feed check failed');
    } finally {
      this.checking = false;
    }
  }

  private async checkOnce(): Promise<void> {
    const token = await this.store.changeToken();
    if (token === this.token) return;
    // What notifications announced, when the store can vouch for it (a read otherwise).
    const top = this.store.knownTop?.(this.token) ?? (await this.store.lastSeq());
    const events: WaveEvent[] = [];
    // Seq order is commit order: once `top` is visible every event below it is too.
    let from = this.foreignSeq;
    while (from < top) {
      const rows = await this.store.readEvents({
        afterSeq: from,
        upToSeq: top,
        excludeOrigin: this.opts.origin,
        limit: PAGE,
      });
      for (const r of rows) events.push(JSON.parse(r.json) as WaveEvent);
      from = rows.length < PAGE ? top : rows[rows.length - 1]!.seq;
    }
    // Taken only once all is read: a read that failed (the database away) is tried again whole.
    this.foreignSeq = from;
    this.token = token;
    this.top = Math.max(this.top, top);
    this.bus.publish(events);
    this.notify({ upToSeq: this.top, events, foreign: true });
  }

  private notify(notice: ChangeNotice): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(notice);
      } catch (err) {
        this.opts.logger.error({ err }, 'change listener failed');
      }
    }
  }

  stop(): void {
    this.stopWaking?.();
    this.stopWaking = undefined;
    clearInterval(this.timer);
    this.timer = undefined;
    this.listeners.clear();
  }
}
