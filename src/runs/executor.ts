import type { Project } from '../config/load-project.js';
import type { AdapterLimits } from '../engine/adapter-limits.js';
import type { GatePolicy, SlotControl } from '../engine/context.js';
import { executeRun, type RunResult } from '../engine/engine.js';
import { EventRecorder } from '../engine/recorder.js';
import { WaveError } from '../errors.js';
import type { EventBus } from '../events/bus.js';
import type { Logger } from '../logger.js';
import type { ChangeSource } from '../store/change-feed.js';
import { neverStarted } from '../store/records.js';
import type { RunRecord, Store } from '../store/store.js';
import { createChildRuns } from './child-runs.js';
import type { NarrativeWriter } from './narratives.js';
import { killRunProcesses } from './orphan-processes.js';
import type { RunSupervisor } from './supervisor.js';

export interface ExecutorDeps {
  store: Store;
  bus: EventBus;
  changes: ChangeSource;
  project: Project;
  supervisor: RunSupervisor;
  logger: Logger;
  /** Places on limited adapters, one set per process (absent: adapters are not limited). */
  adapterLimits?: AdapterLimits;
  /** Writes finished runs' narratives (absent: none are written). */
  narratives?: NarrativeWriter;
}

/**
 * Executes a run this process has claimed: builds its RunContext (abort signal tracked by the
 * supervisor, batching recorder, the pipeline snapshot taken at creation) and runs the engine.
 */
export async function executeClaimedRun(
  deps: ExecutorDeps,
  run: RunRecord,
  opts: { gates: GatePolicy; slots?: SlotControl; holdsSlot?: boolean; mock?: boolean },
): Promise<RunResult> {
  const spec = await deps.store.getRunSpec(run.id);
  if (!spec) throw new WaveError('run_not_found', `run "${run.id}" has no pipeline snapshot`);
  // A resumed run's previous owner died; its step processes may still be running. They must
  // not run alongside the steps started again now.
  if (run.startedAt !== null) {
    const killed = await killRunProcesses(run.id);
    if (killed) deps.logger.warn({ run: run.id, killed }, 'stopped processes left by the previous owner');
  }
  const tracked = deps.supervisor.track(run.id);
  if (run.cancelRequested) tracked.cancel(run.cancelBy);
  const mock = opts.mock ?? run.options.mock ?? false;
  let ended = false;
  try {
    const result = await executeRun({
      run,
      spec,
      project: {
        root: deps.project.paths.root,
        config: deps.project.config,
        personas: deps.project.personas,
        resolvePath: (p) => deps.project.resolvePath(p),
        runtimePath: (p) => deps.project.runtimePath(p),
        forge: deps.project.forge,
      },
      store: deps.store,
      bus: deps.bus,
      changes: deps.changes,
      recorder: new EventRecorder(deps.store, run.id, {
        neverStarted: neverStarted(run),
        halted: tracked.halted,
      }),
      signal: tracked.signal,
      cancelledBy: tracked.cancelledBy,
      halted: tracked.halted,
      ...(opts.holdsSlot !== undefined ? { holdsSlot: opts.holdsSlot } : {}),
      mock,
      gates: opts.gates,
      ...(opts.slots ? { slots: opts.slots } : {}),
      resumed: run.startedAt !== null,
      logger: deps.logger.child({ run: run.id }),
      ...(deps.adapterLimits ? { adapterLimits: deps.adapterLimits } : {}),
      children: createChildRuns(deps),
    });
    // The terminal event is stored by now: the narrative comes after it, never before.
    if (result.status !== 'interrupted') deps.narratives?.start(run.id, mock);
    ended = result.status !== 'interrupted';
    return result;
  } finally {
    deps.supervisor.untrack(run.id);
    // A terminal event frees the run's lease with it; a halted or crashed run is let go here.
    if (!ended) await deps.store.releaseRun(run.id, deps.supervisor.owner).catch(() => undefined);
  }
}
