import { hostname } from 'node:os';
import type { Logger } from '../logger.js';
import { LEASE_MS, renewEveryMs, renewLeases } from '../scheduler/leases.js';
import type { ChangeNotice, ChangeSource } from '../store/change-feed.js';
import type { InstanceRole, Store } from '../store/store.js';

/** Far longer than a claim takes to be tracked; short enough that stale entries do not pile up. */
const PENDING_CANCEL_MS = 60_000;

export interface SupervisorOptions {
  /** server.role, recorded on this instance's row. */
  role: InstanceRole;
  /** server.lease_timeout: how long this process's leases last without a heartbeat. */
  leaseMs: number;
}

/**
 * The per-process watch over runs this process owns, for what other processes do to them:
 * - cancellations requested through the store (`wave cancel`, a server) abort the run: checked
 *   when the store announces one (PostgreSQL), else when the change feed reports another
 *   process's commit (this process's own requests come through `cancel`);
 * - the heartbeat renews leases and this instance's row so nobody takes a live run over; when it
 *   cannot for nearly a lease, the runs are halted here before anyone else may take them.
 */
export class RunSupervisor {
  private readonly controllers = new Map<
    string,
    { controller: AbortController; by: string | null; halted: boolean }
  >();
  private heartbeat: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  private checking = false;
  private again = false;
  /**
   * Cancels of runs not tracked (yet): a run claimed here is tracked a moment after its claim,
   * and a request in between must still stop it. Kept for PENDING_CANCEL_MS.
   */
  private readonly pending = new Map<string, { by: string | null; at: number }>();
  /** Another process committed while nothing was tracked: the next run tracked checks once. */
  private unchecked = false;
  /** When leases were last renewed (or this supervisor started). */
  private renewedAt = Date.now();

  constructor(
    private readonly store: Store,
    private readonly changes: ChangeSource,
    readonly owner: string,
    private readonly logger: Logger,
    private readonly opts: SupervisorOptions = { role: 'all', leaseMs: LEASE_MS },
  ) {}

  /** How long leases this process takes last without renewal. */
  get leaseMs(): number {
    return this.opts.leaseMs;
  }

  get role(): InstanceRole {
    return this.opts.role;
  }

  async start(): Promise<void> {
    await this.store.registerInstance({
      id: this.owner,
      host: hostname(),
      pid: process.pid,
      role: this.opts.role,
    });
    // A store that announces cancel requests (PostgreSQL) spares a check after every other
    // instance's commit; otherwise those commits are when to look.
    const announced = this.store.onCancelRequest?.((owner) => {
      if (owner === null || owner === this.owner) this.lookForCancels();
    });
    this.unsubscribe = announced ?? this.changes.subscribe((notice) => this.onChange(notice));
    this.renewedAt = Date.now();
    // A heartbeat, not a poll: it writes liveness, it does not look for news.
    this.heartbeat = setInterval(() => void this.renew(), renewEveryMs(this.opts.leaseMs));
    this.heartbeat.unref();
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
    const early = this.pending.get(runId);
    this.pending.delete(runId);
    if (early) {
      entry.by = early.by;
      entry.controller.abort();
    }
    if (this.unchecked) {
      // That commit may have been a cancel of this very run, made after it was claimed.
      this.unchecked = false;
      void this.checkCancels();
    }
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
    this.pending.delete(runId);
  }

  /**
   * Cancels a tracked run in this process (no store round trip); false when it is not tracked
   * here, and then remembered for a while in case this process is about to track it.
   */
  cancel(runId: string, by: string | null): boolean {
    const entry = this.controllers.get(runId);
    if (!entry) {
      this.remember(runId, by);
      return false;
    }
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

  /**
   * A cancel request is a state change without an event. This process's own requests reach
   * `cancel` directly, so only other processes' commits are checked.
   */
  private onChange(notice: ChangeNotice): void {
    if (notice.foreign) this.lookForCancels();
  }

  private lookForCancels(): void {
    if (this.controllers.size === 0) this.unchecked = true;
    else void this.checkCancels();
  }

  private remember(runId: string, by: string | null): void {
    const now = Date.now();
    if (this.pending.size >= 100) {
      for (const [id, p] of this.pending) if (now - p.at > PENDING_CANCEL_MS) this.pending.delete(id);
    }
    this.pending.set(runId, { by, at: now });
  }

  /** Aborts tracked runs whose cancellation was requested in the store. */
  async checkCancels(): Promise<void> {
    if (this.checking) {
      this.again = true;
      return;
    }
    this.checking = true;
    try {
      do {
        this.again = false;
        for (const { id, by } of await this.store.cancelRequested(this.owner)) this.cancel(id, by);
      } while (this.again);
    } catch (err) {
      this.logger.warn({ err }, 'cancel check failed');
    } finally {
      this.checking = false;
    }
  }

  private async renew(): Promise<void> {
    try {
      await renewLeases(this.store, this.owner, this.opts.leaseMs);
      this.renewedAt = Date.now();
    } catch (err) {
      this.logger.warn({ err }, 'lease renewal failed');
      // Cut off from the store this long, its leases run out before the next heartbeat: another
      // worker may then take its runs over. Stop them here first (halted, not cancelled), so
      // that no step runs in two places; they resume from their last completed step.
      const since = Date.now() - this.renewedAt;
      if (since >= this.opts.leaseMs - renewEveryMs(this.opts.leaseMs) && this.controllers.size > 0) {
        this.logger.error(
          { runs: this.controllers.size, sinceMs: since },
          'leases could not be renewed: halting this instance’s runs before others take them over',
        );
        this.haltAll();
      }
    }
  }

  /** This instance ends: runs it halted are free for the next start (or `wave resume`) at once. */
  async stop(): Promise<void> {
    if (!this.heartbeat) return;
    clearInterval(this.heartbeat);
    this.heartbeat = undefined;
    this.unsubscribe?.();
    await this.store
      .markInstanceDead(this.owner)
      .catch((err) => this.logger.warn({ err }, 'could not mark this instance stopped'));
  }
}
