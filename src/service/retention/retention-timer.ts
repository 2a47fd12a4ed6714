import type { Config } from '../../config/config.js';
import type { Logger } from '../../logger.js';
import type { Store } from '../../store/store.js';
import { policyFromConfig } from './cutoffs.js';
import { pruneRuns, type RunFileDirs } from './prune-runs.js';

export interface RetentionTimerOptions {
  retention: Config['storage']['retention'];
  dirs: RunFileDirs;
  logger: Logger;
  /** Between prunes (storage.retention: hourly). */
  intervalMs?: number;
  now?: () => Date;
}

/** `wave serve`'s storage.retention: prunes at start, then every interval; off when it keeps everything. */
export class RetentionTimer {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly store: Store,
    private readonly opts: RetentionTimerOptions,
  ) {}

  start(): void {
    if (policyFromConfig(this.opts.retention, new Date()) === null) return;
    this.timer = setInterval(() => this.tick(), this.opts.intervalMs ?? 3_600_000);
    this.timer.unref();
    this.tick();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One prune now, unless one is still going. */
  tick(): Promise<void> {
    if (this.running) return this.running;
    this.running = this.prune().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async prune(): Promise<void> {
    const policy = policyFromConfig(this.opts.retention, (this.opts.now ?? (() => new Date()))());
    if (!policy) return;
    try {
      const report = await pruneRuns(this.store, this.opts.dirs, policy, { dryRun: false });
      if (report.runs.length > 0 || report.logs.lines > 0) {
        this.opts.logger.info(
          { runs: report.runs.length, log_lines: report.logs.lines, space: report.space },
          'retention: pruned finished runs',
        );
      }
    } catch (err) {
      this.opts.logger.error({ err }, 'retention: pruning failed');
    }
  }
}
