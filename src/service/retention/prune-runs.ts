import { join } from 'node:path';
import type { Project } from '../../config/load-project.js';
import { removeTree } from '../../engine/fs-utils.js';
import type { RunStatus } from '../../events/catalogue.js';
import type { Store } from '../../store/store.js';
import type { PrunePolicy } from './cutoffs.js';

/** Where a run keeps files outside the store. */
export interface RunFileDirs {
  /** `.wave/artifacts`: a run's artifacts are under `<dir>/<run-id>`. */
  artifacts: string;
  /** runtime.workspace_root: a run's workspaces are under `<dir>/<run-id>`. */
  workspaces: string;
}

export interface PruneReport {
  dryRun: boolean;
  /** Top-level runs deleted (or that would be), each with its child runs. */
  runs: { id: string; pipeline: string; status: RunStatus; finished_at: string; child_runs: number }[];
  /** Runs whose output lines were dropped (or would be), and how many lines. */
  logs: { runs: number; lines: number };
  /** The database's size before and after reclaiming space; null on a dry run or when nothing went. */
  space: { before_bytes: number; after_bytes: number } | null;
}

/** Runs per transaction: long enough to be efficient, short enough not to stall other writers. */
const BATCH = 200;

/**
 * Deletes what the policy says has expired: whole runs (store rows, then their artifact and
 * workspace folders) and output lines of older runs; then gives the space back. A dry run
 * reports the same without changing anything.
 */
export async function pruneRuns(
  store: Store,
  dirs: RunFileDirs,
  policy: PrunePolicy,
  opts: { dryRun: boolean },
): Promise<PruneReport> {
  const report: PruneReport = { dryRun: opts.dryRun, runs: [], logs: { runs: 0, lines: 0 }, space: null };
  const seen = new Set<string>();
  for (;;) {
    // A dry run cannot page by deleting: ask for everything at once.
    const batch = await store.retention.findPrunableRuns(
      policy.cutoffs,
      opts.dryRun ? Number.MAX_SAFE_INTEGER : BATCH,
    );
    const fresh = batch.filter((r) => !seen.has(r.id));
    if (fresh.length === 0) break;
    for (const r of fresh) seen.add(r.id);
    const ids = fresh.flatMap((r) => r.runIds);
    const deleted = new Set(opts.dryRun ? ids : await store.retention.deleteRuns(ids));
    for (const r of fresh) {
      if (!deleted.has(r.id)) continue;
      report.runs.push({
        id: r.id,
        pipeline: r.pipeline,
        status: r.status,
        finished_at: r.finishedAt,
        child_runs: r.runIds.length - 1,
      });
    }
    if (!opts.dryRun) {
      for (const id of deleted) {
        removeTree(join(dirs.artifacts, id));
        removeTree(join(dirs.workspaces, id));
      }
    }
    if (opts.dryRun || batch.length < BATCH) break;
  }
  if (policy.logsBefore !== null) {
    const logsSeen = new Set<string>();
    for (;;) {
      const batch = (
        await store.retention.findLogsToPrune(
          policy.logsBefore,
          opts.dryRun ? Number.MAX_SAFE_INTEGER : BATCH,
        )
      ).filter((c) => !logsSeen.has(c.id) && !seen.has(c.id));
      if (batch.length === 0) break;
      for (const c of batch) logsSeen.add(c.id);
      if (opts.dryRun) {
        report.logs.runs += batch.length;
        report.logs.lines += batch.reduce((n, c) => n + c.lines, 0);
        break;
      }
      report.logs.lines += await store.retention.deleteLogs(batch.map((c) => c.id));
      report.logs.runs += batch.length;
    }
  }
  if (!opts.dryRun && (report.runs.length > 0 || report.logs.lines > 0)) {
    const space = await store.retention.reclaimSpace();
    report.space = { before_bytes: space.beforeBytes, after_bytes: space.afterBytes };
  }
  return report;
}

/** The project's folders of run files. */
export function runFileDirsOf(project: Project): RunFileDirs {
  return {
    artifacts: project.runtimePath('.wave/artifacts'),
    workspaces: project.runtimePath(project.config.runtime.workspace_root),
  };
}
