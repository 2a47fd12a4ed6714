import type { Config } from '../../config/config.js';
import type { PruneCutoffs } from '../../store/store.js';

/** What to prune: finished runs per status, and output lines of older finished runs. */
export interface PrunePolicy {
  cutoffs: PruneCutoffs;
  /** Finished runs before this keep their run but lose their output lines; null = keep. */
  logsBefore: string | null;
}

const before = (now: Date, ms: number | null) =>
  ms === null ? null : new Date(now.getTime() - ms).toISOString();

/** storage.retention as of `now`; null when it keeps everything. */
export function policyFromConfig(retention: Config['storage']['retention'], now: Date): PrunePolicy | null {
  if (retention.runs_ms === null && retention.failed_runs_ms === null && retention.logs_ms === null)
    return null;
  return {
    cutoffs: {
      completed: before(now, retention.runs_ms),
      cancelled: before(now, retention.runs_ms),
      failed: before(now, retention.failed_runs_ms),
    },
    logsBefore: before(now, retention.logs_ms),
  };
}

/** `wave prune --older-than D`: every finished run older than D, whatever its status. */
export function policyOlderThan(ms: number, now: Date): PrunePolicy {
  const cutoff = before(now, ms);
  return { cutoffs: { completed: cutoff, cancelled: cutoff, failed: cutoff }, logsBefore: null };
}
