import type { EventDraft } from '../../src/events/catalogue.js';
import type { Store } from '../../src/store/store.js';
import { draft, newRun, pipelineSpec, stepSpec } from './store.js';

/**
 * A parent run whose iterate step `each` started child runs, written through the real store
 * (the way the engine records them), for the views of lineage: no execution involved.
 */
export const FANOUT_SPEC = pipelineSpec('fanout', [
  stepSpec('prepare'),
  { ...stepSpec('each', 'iterate', ['prepare']), command: null },
]);
export const REVIEW_SPEC = pipelineSpec('review', [stepSpec('work')]);

const runStarted = (runId: string, pipeline: string): EventDraft => ({
  type: 'run_started',
  run_id: runId,
  pipeline,
  resumed: false,
});

/** Held by an owner that never lets go, so neither a scheduler nor recovery takes these runs. */
const CLAIM = { owner: 'lineage-seed', leaseMs: 3_600_000 };

export interface SeededFamily {
  parent: string;
  /** By item index: completed, failed, running. */
  children: [string, string, string];
}

export async function seedFamily(store: Store): Promise<SeededFamily> {
  const { run: parent } = await store.createRun(newRun({ spec: FANOUT_SPEC, claim: CLAIM }));
  await store.append(parent.id, [
    runStarted(parent.id, 'fanout'),
    draft.stepStarted(parent.id, 'prepare'),
    draft.stepCompleted(parent.id, 'prepare', 5),
    { ...draft.stepStarted(parent.id, 'each'), kind: 'iterate' } as EventDraft,
  ]);
  const ids: string[] = [];
  for (let index = 0; index < 3; index++) ids.push(await startChild(store, parent.id, index));
  const [done, broken, running] = ids as [string, string, string];
  await store.append(done, [draft.stepCompleted(done, 'work', 7), draft.runCompleted(done)]);
  await finishChild(store, parent.id, done, 'completed');
  await store.append(broken, [
    draft.stepFailed(broken, 'work'),
    {
      type: 'run_failed',
      run_id: broken,
      status: 'failed',
      duration_ms: 9,
      error: { code: 'step_failed', message: 'step work failed', step: 'work' },
    },
  ]);
  await finishChild(store, parent.id, broken, 'failed');
  return { parent: parent.id, children: [done, broken, running] };
}

/** A child run of `parent`'s step `each` at `index`, started and running its step. */
export async function startChild(store: Store, parent: string, index: number): Promise<string> {
  const { run } = await store.createRun(
    newRun({
      spec: REVIEW_SPEC,
      trigger: { source: 'pipeline', actor: parent },
      parent: { runId: parent, step: 'each', index },
      claim: CLAIM,
    }),
  );
  await store.append(run.id, [runStarted(run.id, 'review'), draft.stepStarted(run.id, 'work')]);
  await store.append(parent, [
    { type: 'child_run_started', run_id: parent, step: 'each', child_run_id: run.id, pipeline: 'review' },
  ]);
  return run.id;
}

export async function finishChild(
  store: Store,
  parent: string,
  child: string,
  status: 'completed' | 'failed' | 'cancelled',
): Promise<void> {
  await store.append(parent, [
    { type: 'child_run_finished', run_id: parent, step: 'each', child_run_id: child, status },
  ]);
}
