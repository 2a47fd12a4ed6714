import type { EventBus } from '../events/bus.js';
import type { WaveEvent } from '../events/catalogue.js';
import type { Logger } from '../logger.js';
import { RENEW_EVERY_MS, renewLeases } from '../scheduler/leases.js';
import type { Store } from '../store/store.js';

const POLL_MS = 250;

/**
 * The per-process watch over runs this process owns, for what other processes do to them:
 * - cancellations requested through the store (`wave cancel`, a server) abort the run;
 * - events other processes commit (`wave gate`, another server) are published on this bus;
 * - leases are renewed so nobody takes a live run over.
 * One cheap poll every 250 ms: a cancel lands within a second.
 */
export class RunSupervisor {
  private readonly controllers = new Map<
    string,
    { controller: AbortController; by: string | null; halted: boolean }
  >();
  private timer: NodeJS.Timeout | undefined;
  private watermark = 0;
  private lastRenew = 0;
  private ticking = false;

  constructor(
    private readonly store: Store,
    private readonly bus: EventBus,
    readonly owner: string,
    private readonly origin: string,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    this.watermark = await this.store.lastSeq();
    this.lastRenew = Date.now();
    this.timer = setInterval(() => void this.tick(), POLL_MS);
    this.timer.unref();
  }

  /** Registers a run this process is executing; returns its abort signal and canceller. */
  track(runId: string): {
    signal: AbortSignal;
    cancelledBy: () => string | null;
    halted: () => boolean;
    cancel: (by: string | null) => void;
  } {
    const entry = { controller: new AbortController(), by: null as string | null, halted: false };
    this.controllers.set(runId, entry);
    return {
      signal: entry.controller.signal,
      cancelledBy: () => entry.by,
      halted: () => entry.halted,
      cancel: (by) => {
        if (entry.controller.signal.aborted) return;
        entry.by = by;
        entry.controller.abort();
      },
    };
  }

  untrack(runId: string): void {
    this.controllers.delete(runId);
  }

  /** Cancels a tracked run in this process (no store round trip). */
  cancel(runId: string, by: string | null): boolean {
    const entry = this.controllers.get(runId);
    if (!entry) return false;
    if (!entry.controller.signal.aborted) {
      entry.by = by;
      entry.controller.abort();
    }
    return true;
  }

  /** Shutdown: stops every run of this process without cancelling it (they resume later). */
  haltAll(): void {
    for (const entry of this.controllers.values()) {
      if (entry.controller.signal.aborted) continue;
      entry.halted = true;
      entry.controller.abort();
    }
  }

  get trackedCount(): number {
    return this.controllers.size;
  }

  async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      if (this.controllers.size) {
        for (const { id, by } of await this.store.cancelRequested(this.owner)) this.cancel(id, by);
        if (Date.now() - this.lastRenew >= RENEW_EVERY_MS) {
          this.lastRenew = Date.now();
          await renewLeases(this.store, this.owner);
        }
      }
      await this.readForeignEvents();
    } catch (err) {
      this.logger.warn({ err }, 'run supervision tick failed');
    } finally {
      this.ticking = false;
    }
  }

  /**
   * Seq order is commit order, so once `top` is visible every event below it is too: read the
   * others' events up to it, then move past our own without scanning them again.
   */
  private async readForeignEvents(): Promise<void> {
    const top = await this.store.lastSeq();
    while (this.watermark < top) {
      const rows = await this.store.readEvents({
        afterSeq: this.watermark,
        upToSeq: top,
        excludeOrigin: this.origin,
        limit: 1000,
      });
      if (rows.length) this.bus.publish(rows.map((r) => JSON.parse(r.json) as WaveEvent));
      this.watermark = rows.length < 1000 ? top : rows[rows.length - 1]!.seq;
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
