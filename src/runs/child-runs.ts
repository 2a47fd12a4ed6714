import { join } from 'node:path';
import type { ChildOutcome, ChildRequest, ChildRuns, RunContext } from '../engine/context.js';
import { executeRun } from '../engine/engine.js';
import { EventRecorder } from '../engine/recorder.js';
import { WaveError } from '../errors.js';
import { TERMINAL_RUN_STATUSES } from '../events/catalogue.js';
import { claimRun } from '../scheduler/leases.js';
import { newRunId } from '../service/run-ids.js';
import { neverStarted } from '../store/records.js';
import type { RunRecord } from '../store/store.js';
import type { ExecutorDeps } from './executor.js';
import { killRunProcesses } from './orphan-processes.js';
import { passStore } from './pass-store.js';
import { withAdapter } from './with-adapter.js';

/**
 * Child runs of composition steps, executed in the parent's process and slot (never queued
 * behind the concurrency cap, so a parent cannot deadlock the queue). A child is a run of its
 * own in the store, linked to its parent step and index; a resumed parent finds the children it
 * started: an ended one is not run again, an unfinished one resumes from its last completed step.
 */
export function createChildRuns(deps: ExecutorDeps): ChildRuns {
  const paths = deps.project.paths;
  const outputDir =
    paths.defsKind === 'builtin' ? join(paths.root, '.wave', 'output') : join(paths.defsDir, 'output');
  const children: ChildRuns = {
    outputDir,

    async existing(parent, step) {
      const found = new Map<number, RunRecord>();
      for (const c of await deps.store.listChildren(parent.run.id)) {
        if (c.parent?.step === step && !found.has(c.parent.index)) found.set(c.parent.index, c);
      }
      return found;
    },

    async run(parent, req, known) {
      const owner = deps.supervisor.owner;
      let child: RunRecord;
      if (known && TERMINAL_RUN_STATUSES.has(known.status)) {
        return {
          run: known,
          status: known.status as ChildOutcome['status'],
          error: known.error,
          reused: true,
        };
      }
      if (known) {
        const claimed = await claimRun(deps.store, known.id, owner, deps.supervisor.leaseMs);
        if (!claimed) {
          throw new WaveError(
            'child_failed',
            `child run ${known.id} is held by another live process (${known.owner})`,
          );
        }
        child = claimed;
        // Its previous owner died: processes it left must not run beside the steps started again.
        if (child.startedAt !== null) await killRunProcesses(child.id);
      } else {
        const loaded = req.spec ?? (await deps.project.loadRunnablePipeline(req.pipeline)).spec;
        const spec = req.lineage.adapter ? withAdapter(loaded, req.lineage.adapter) : loaded;
        if (spec.disabled)
          throw new WaveError('pipeline_disabled', `pipeline "${spec.name}" is disabled (metadata.disabled)`);
        const { mock, autoApprove, gates, detached } = parent.run.options;
        const created = await deps.store.createRun({
          id: newRunId(spec.name),
          pipeline: spec.name,
          input: req.input,
          labels: {},
          trigger: { source: 'pipeline', actor: parent.run.id },
          mode: parent.run.mode,
          options: {
            ...(mock !== undefined ? { mock } : {}),
            ...(autoApprove !== undefined ? { autoApprove } : {}),
            ...(gates !== undefined ? { gates } : {}),
            ...(detached !== undefined ? { detached } : {}),
            templateEnv: req.templateEnv,
            lineage: req.lineage,
          },
          spec,
          claim: { owner, leaseMs: deps.supervisor.leaseMs },
          parent: { runId: parent.run.id, step: req.step, index: req.index },
        });
        child = created.run;
        await parent.recorder.emit({
          type: 'child_run_started',
          run_id: parent.run.id,
          step: req.step,
          child_run_id: child.id,
          pipeline: spec.name,
        });
      }
      return execute(parent, req, child);
    },
  };

  async function execute(parent: RunContext, req: ChildRequest, child: RunRecord): Promise<ChildOutcome> {
    const spec = await deps.store.getRunSpec(child.id);
    if (!spec) throw new WaveError('run_not_found', `child run "${child.id}" has no pipeline snapshot`);
    // Tracked, so that a cancel of the child itself (API, `wave cancel`) reaches it too.
    const tracked = deps.supervisor.track(child.id);
    if (child.cancelRequested) tracked.cancel(child.cancelBy);
    try {
      const result = await executeRun({
        run: child,
        spec,
        project: parent.project,
        // A loop pass reads the artifacts of the run it belongs to as its own.
        store: req.lineage.scopeOf ? passStore(parent.store, child.id, req.lineage.scopeOf) : parent.store,
        bus: parent.bus,
        changes: parent.changes,
        recorder: new EventRecorder(parent.store, child.id, {
          neverStarted: neverStarted(child),
          halted: () => parent.halted() || tracked.halted(),
        }),
        signal: AbortSignal.any([req.signal, tracked.signal]),
        cancelledBy: () => tracked.cancelledBy() ?? parent.cancelledBy(),
        halted: () => parent.halted() || tracked.halted(),
        mock: parent.mock,
        ...(parent.adapterLimits ? { adapterLimits: parent.adapterLimits } : {}),
        gates: parent.gates,
        resumed: child.startedAt !== null,
        logger: parent.logger.child({ child: child.id }),
        templateEnv: req.templateEnv,
        children,
        lineage: req.lineage,
      });
      const ended = (await deps.store.getRun(child.id)) ?? child;
      if (result.status !== 'interrupted') {
        await parent.recorder.emit({
          type: 'child_run_finished',
          run_id: parent.run.id,
          step: req.step,
          child_run_id: child.id,
          status: ended.status,
        });
      }
      return { run: ended, status: result.status, error: result.error, reused: false };
    } finally {
      deps.supervisor.untrack(child.id);
      await deps.store.releaseRun(child.id, deps.supervisor.owner).catch(() => undefined);
    }
  }

  return children;
}
