import { WaveError } from '../errors.js';
import { TERMINAL_RUN_STATUSES } from '../events/catalogue.js';
import { killRunProcesses } from '../runs/orphan-processes.js';
import { claimRun, isOwnerDead } from '../scheduler/leases.js';
import type { RunRecord } from '../store/store.js';
import type { ServiceDeps } from './deps.js';

/** API.md: queued → cancelled at once; running/waiting → requested; finished → 409. */
export async function cancelRun(
  deps: ServiceDeps,
  id: string,
  by: string | null,
): Promise<{ run: RunRecord; requested: boolean }> {
  const result = await deps.store.requestCancel(id, by);
  if (!result) throw new WaveError('run_not_found', `no run with id "${id}"`);
  if (result.kind === 'finished') {
    throw new WaveError('run_finished', `run "${id}" already ended (${result.run.status})`, {
      status: result.run.status,
    });
  }
  // A run this process executes stops now; one of another process stops within a second.
  if (result.kind === 'requested') deps.supervisor.cancel(id, by);
  return { run: result.run, requested: result.kind === 'requested' };
}

/** How a cancellation ended, as far as the caller waited. */
export type CancelOutcome =
  | { kind: 'queued' }
  | { kind: 'cancelled' }
  | { kind: 'orphan' }
  | { kind: 'ended'; status: 'completed' | 'failed' }
  | { kind: 'stopping' };

/**
 * Cancels a run and waits (until `deadline`) to tell how it ended. A run whose owner died is
 * cancelled here: its leftover processes are killed and run_cancelled is written.
 */
export async function cancelAndWait(
  deps: ServiceDeps,
  id: string,
  by: string | null,
  waitMs: number,
): Promise<CancelOutcome> {
  const { requested } = await cancelRun(deps, id, by);
  if (!requested) return { kind: 'queued' };
  const deadline = Date.now() + waitMs;
  // Woken by the change feed (the run's end is a commit), not by polling; subscribed before the
  // first read so that no commit falls between a read and the wait.
  let wake: (() => void) | undefined;
  const unsubscribe = deps.changes.subscribe(() => wake?.());
  try {
    for (;;) {
      const changed = new Promise<void>((resolve) => {
        wake = resolve;
      });
      const now = await deps.store.getRun(id);
      if (!now) throw new WaveError('run_not_found', `no run with id "${id}"`);
      if (TERMINAL_RUN_STATUSES.has(now.status)) {
        return now.status === 'cancelled'
          ? { kind: 'cancelled' }
          : { kind: 'ended', status: now.status as 'completed' | 'failed' };
      }
      if (isOwnerDead(now.owner, now.leaseExpiresAt)) {
        await cancelOrphan(deps, id, by);
        return { kind: 'orphan' };
      }
      const left = deadline - Date.now();
      if (left <= 0) return { kind: 'stopping' };
      // An owner that dies while we wait commits nothing: it is looked at again at the deadline.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([changed, new Promise<void>((r) => (timer = setTimeout(r, left)))]);
      clearTimeout(timer);
      if (Date.now() >= deadline) {
        const last = await deps.store.getRun(id);
        if (last && !TERMINAL_RUN_STATUSES.has(last.status) && isOwnerDead(last.owner, last.leaseExpiresAt)) {
          await cancelOrphan(deps, id, by);
          return { kind: 'orphan' };
        }
        if (last && TERMINAL_RUN_STATUSES.has(last.status)) continue;
        return { kind: 'stopping' };
      }
    }
  } finally {
    unsubscribe();
  }
}

async function cancelOrphan(deps: ServiceDeps, runId: string, by: string | null): Promise<void> {
  const run = await claimRun(deps.store, runId, deps.owner);
  if (!run) return;
  // Its children died with it (they ran in its process): they end cancelled too, first.
  for (const child of await deps.store.listChildren(runId)) {
    if (!TERMINAL_RUN_STATUSES.has(child.status)) await cancelOrphan(deps, child.id, by);
  }
  await killRunProcesses(runId);
  const started = run.startedAt ? Date.parse(run.startedAt) : Date.now();
  await deps.store.append(runId, [
    { type: 'run_cancelled', run_id: runId, status: 'cancelled', duration_ms: Date.now() - started, by },
  ]);
}
