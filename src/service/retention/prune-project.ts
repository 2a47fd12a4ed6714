import { randomBytes } from 'node:crypto';
import type { Project } from '../../config/load-project.js';
import { openStore } from '../../store/open-store.js';
import type { PrunePolicy } from './cutoffs.js';
import { type PruneReport, pruneRuns, runFileDirsOf } from './prune-runs.js';

/** `wave prune`: opens the project's store for one prune and closes it. */
export async function pruneProject(
  project: Project,
  policy: PrunePolicy,
  opts: { dryRun: boolean },
): Promise<PruneReport> {
  const store = openStore(project.storage, { origin: randomBytes(6).toString('hex') });
  try {
    await store.ready();
    return await pruneRuns(store, runFileDirsOf(project), policy, opts);
  } finally {
    await store.close();
  }
}
