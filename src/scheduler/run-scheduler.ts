import type { GatePolicy, SlotControl } from '../engine/context.js';
import { isTerminalEvent, TERMINAL_RUN_STATUSES } from '../events/catalogue.js';
import type { Logger } from '../logger.js';
import { type ExecutorDeps, executeClaimedRun } from '../runs/executor.js';
import type { ChangeNotice } from '../store/change-feed.js';
import type { RunRecord } from '../store/store.js';
import { claimNextRun, claimRun, findOrphans } from './leases.js';

/*
 * A server run's states and who moves it:
 *   queued  → running     the scheduler claims the oldest queued run when a slot is free (FIFO)
 *   running → waiting     the engine: only gates are left waiting; the run gives its slot back
 *   waiting → running     a gate was answered; the engine asks for a slot and is served before
 *                         any queued run
 *   running|waiting → completed | failed | cancelled   (the engine)
 *   queued  → cancelled   a cancel request, at once (the store)
 * At most `max_concurrent` runs hold a slot; waiting runs hold none.
 */

export interface SchedulerOptions {
  maxConcurrent: number;
  /** server.global_max_concurrent: the cap over every worker sharing the store; null = none. */
  globalMaxConcurrent?: number | null;
  recovery: 'resume' | 'fail';
  mock: boolean;
  logger: Logger;
}

interface SlotRequest {
  runId: string;
  resolve: () => void;
}

export class RunScheduler implements SlotControl {
  private readonly holding = new Set<string>();
  private readonly executing = new Map<string, Promise<void>>();
  private readonly slotQueue: SlotRequest[] = [];
  /** Slots set aside for a claim in flight. */
  private reserved = 0;
  private pumping = false;
  private again = false;
  private stopped = false;
  private started = false;
  private unsubscribe: (() => void) | undefined;
  private sweep: NodeJS.Timeout | undefined;
  private sweeping = false;
  private readonly gates: GatePolicy = { presets: {}, autoApprove: false, actor: null, unanswered: 'wait' };

  constructor(
    private readonly deps: ExecutorDeps,
    private readonly opts: SchedulerOptions,
  ) {}

  /** Recovers runs a dead server left behind, then starts taking queued runs. */
  async start(): Promise<void> {
    this.started = true;
    await this.recover();
    // No poll: the change feed says when another process queued or ended a run.
    this.unsubscribe = this.deps.changes.subscribe((notice) => {
      if (mayFreeOrFillSlot(notice)) this.pump();
    });
    this.pump();
    // A lease running out is a moment in time, not a commit: no change feed announces it. So
    // twice per lease_timeout the scheduler looks for runs whose owner went silent (a worker
    // killed, its host lost) and resumes them, as a restart would.
    const every = Math.max(500, Math.floor(this.deps.supervisor.leaseMs / 2));
    this.sweep = setInterval(() => void this.sweepOrphans(), every);
    this.sweep.unref();
  }

  private async sweepOrphans(): Promise<void> {
    if (this.sweeping || this.stopped) return;
    this.sweeping = true;
    try {
      await this.recover();
      this.pump();
    } catch (err) {
      this.opts.logger.warn({ err }, 'looking for orphaned runs failed');
    } finally {
      this.sweeping = false;
    }
  }

  get runningCount(): number {
    return this.holding.size;
  }

  get executingCount(): number {
    return this.executing.size;
  }

  isExecuting(runId: string): boolean {
    return this.executing.has(runId);
  }

  /** A slot freed: give it to a run waiting for one, else to the oldest queued run. */
  release(runId: string): void {
    if (this.holding.delete(runId)) this.pump();
  }

  acquire(runId: string, signal: AbortSignal): Promise<void> {
    if (this.holding.has(runId)) return Promise.resolve();
    if (this.holding.size + this.reserved < this.opts.maxConcurrent && this.slotQueue.length === 0) {
      this.holding.add(runId);
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const request: SlotRequest = { runId, resolve };
      this.slotQueue.push(request);
      signal.addEventListener(
        'abort',
        () => {
          const i = this.slotQueue.indexOf(request);
          if (i !== -1) this.slotQueue.splice(i, 1);
          reject(new Error('cancelled while waiting for a slot'));
        },
        { once: true },
      );
    });
  }

  /**
   * Work was queued: take it now instead of at the next tick. A scheduler that was never started
   * (a local command's) does nothing, so it never takes a server's queued runs.
   */
  wake(): void {
    if (this.started) this.pump();
  }

  /** Fills free slots: runs that asked for a slot first, then queued runs in creation order. */
  pump(): void {
    if (this.stopped) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = true;
    void this.fill().finally(() => {
      this.pumping = false;
      if (this.again && !this.stopped) {
        this.again = false;
        this.pump();
      }
    });
  }

  private async fill(): Promise<void> {
    try {
      while (!this.stopped && this.holding.size + this.reserved < this.opts.maxConcurrent) {
        const waiting = this.slotQueue.shift();
        if (waiting) {
          this.holding.add(waiting.runId);
          waiting.resolve();
          continue;
        }
        // The slot is reserved while the claim is in flight: a run whose gate is answered
        // meanwhile must queue for a slot instead of taking this one too (over the cap).
        this.reserved++;
        let run: RunRecord | null;
        try {
          run = await claimNextRun(this.deps.store, this.deps.supervisor.owner, {
            cap: this.opts.maxConcurrent,
            globalCap: this.opts.globalMaxConcurrent ?? null,
            leaseMs: this.deps.supervisor.leaseMs,
          });
        } finally {
          this.reserved--;
        }
        if (!run) {
          // Nothing queued; a run that asked for a slot meanwhile gets the reserved one.
          if (this.slotQueue.length === 0) return;
          continue;
        }
        this.holding.add(run.id);
        this.execute(run);
      }
    } catch (err) {
      this.opts.logger.error({ err }, 'scheduling failed');
    }
  }

  private execute(run: RunRecord, holdsSlot = true): void {
    const log = this.opts.logger.child({ run: run.id });
    log.info({ pipeline: run.pipeline, resumed: run.startedAt !== null }, 'run starting');
    const done = executeClaimedRun(this.deps, run, {
      gates: this.gates,
      slots: this,
      holdsSlot,
      mock: this.opts.mock || (run.options.mock ?? false),
    })
      .then((result) => log.info({ status: result.status }, 'run ended'))
      .catch((err) => log.error({ err }, 'run crashed'))
      .finally(() => {
        this.holding.delete(run.id);
        this.executing.delete(run.id);
        this.pump();
      });
    this.executing.set(run.id, done);
  }

  /**
   * Runs whose server died: running ones resume (or fail with `interrupted`), waiting ones
   * wait again without a slot, queued ones that were claimed but never started go back in line.
   */
  private async recover(): Promise<void> {
    const orphans = await findOrphans(this.deps.store, 'server');
    for (const orphan of orphans) {
      if (this.stopped) return;
      // This process's own run (its lease lapsed while the database was away) may still run
      // here: taking it again would run it twice. One it halted (the supervisor stops runs whose
      // leases it could not renew) is taken again like anyone's.
      if (this.executing.has(orphan.id)) continue;
      if (orphan.status === 'queued') {
        await this.deps.store.releaseRun(orphan.id, orphan.owner ?? '');
        continue;
      }
      const run = await claimRun(
        this.deps.store,
        orphan.id,
        this.deps.supervisor.owner,
        this.deps.supervisor.leaseMs,
      );
      if (!run) continue;
      if (this.opts.recovery === 'fail') {
        await this.failInterrupted(run);
        continue;
      }
      this.opts.logger.info({ run: run.id, status: run.status }, 'recovering run');
      if (run.status === 'waiting') {
        this.execute(run, false);
      } else if (this.holding.size + this.reserved < this.opts.maxConcurrent) {
        this.holding.add(run.id);
        this.execute(run);
      } else {
        // More runs were running than the cap now allows: they resume as slots free up.
        void this.acquire(run.id, new AbortController().signal).then(() => this.execute(run));
      }
    }
  }

  /** server.recovery: fail: the run ends `interrupted`, and its unfinished child runs with it. */
  private async failInterrupted(run: RunRecord): Promise<void> {
    for (const child of await this.deps.store.listChildren(run.id)) {
      if (TERMINAL_RUN_STATUSES.has(child.status)) continue;
      const claimed = await claimRun(
        this.deps.store,
        child.id,
        this.deps.supervisor.owner,
        this.deps.supervisor.leaseMs,
      );
      if (claimed) await this.failInterrupted(claimed);
    }
    const started = run.startedAt ? Date.parse(run.startedAt) : Date.now();
    await this.deps.store.append(run.id, [
      {
        type: 'run_failed',
        run_id: run.id,
        status: 'failed',
        duration_ms: Date.now() - started,
        error: {
          code: 'interrupted',
          message: 'the server stopped while the run was running (server.recovery: fail)',
          step: null,
        },
      },
    ]);
  }

  /** Stops taking runs; running ones are halted by the caller (they resume at next start). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.sweep);
    this.unsubscribe?.();
  }

  /** Resolves when every run this scheduler started has returned. */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.executing.values()]);
  }
}

/**
 * Another process queued a run, ended one, or committed without events (a claim given back):
 * worth a claim attempt. This process's own submits and run ends pump directly; output and
 * step events are not news for the queue, and there are many of them.
 */
function mayFreeOrFillSlot(notice: ChangeNotice): boolean {
  if (!notice.foreign) return false;
  return (
    notice.events.length === 0 || notice.events.some((e) => e.type === 'run_queued' || isTerminalEvent(e))
  );
}
