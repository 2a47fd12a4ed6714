import { copyFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { WaveError } from '../errors.js';
import { TERMINAL_RUN_STATUSES } from '../events/catalogue.js';
import type { PipelineSpec } from '../pipeline/model.js';
import { didYouMean } from '../pipeline/suggest.js';
import type { ArtifactRecord, NewRun, RunRecord, StepRecord, Store } from '../store/store.js';

/** A retry reruns what did not complete; a fork reruns `fromStep` and everything downstream. */
export type Derivation = { kind: 'retry' } | { kind: 'fork'; fromStep: string };

/** API.md "Lineage": only a finished top-level run can be retried or forked. */
export function checkSource(source: RunRecord, how: Derivation): void {
  if (!TERMINAL_RUN_STATUSES.has(source.status)) {
    throw new WaveError(
      'run_not_finished',
      `run ${source.id} is still ${source.status}: wait for it to end (or cancel it) before a ${how.kind}`,
      { status: source.status },
    );
  }
  if (source.parent) {
    throw new WaveError(
      'invalid_usage',
      `run ${source.id} is a child run of ${source.parent.runId}: ${how.kind} that run instead`,
      { parent: source.parent.runId },
    );
  }
  if (how.kind === 'retry' && source.status === 'completed') {
    throw new WaveError(
      'nothing_to_retry',
      `run ${source.id} completed: there is nothing to retry (fork it from a step to run part of it again)`,
    );
  }
}

/** Every step that depends on `from`, directly or not, and `from` itself. */
function downstreamOf(spec: PipelineSpec, from: string): Set<string> {
  const rerun = new Set([from]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const s of spec.steps) {
      if (!rerun.has(s.id) && s.dependencies.some((d) => rerun.has(d))) {
        rerun.add(s.id);
        grew = true;
      }
    }
  }
  return rerun;
}

/**
 * The steps of `spec` the new run takes over from the source: for a retry, every step that
 * completed there; for a fork, every step outside `fromStep`'s downstream, each of which must
 * have completed there (rework-only steps run only on demand, so they are never required).
 */
export function reusedSteps(
  spec: PipelineSpec,
  sourceSteps: readonly StepRecord[],
  how: Derivation,
): string[] {
  const completed = new Set(sourceSteps.filter((s) => s.status === 'completed').map((s) => s.id));
  if (how.kind === 'retry') return spec.steps.filter((s) => completed.has(s.id)).map((s) => s.id);
  if (!spec.steps.some((s) => s.id === how.fromStep)) {
    const hint = didYouMean(
      how.fromStep,
      spec.steps.map((s) => s.id),
    );
    throw new WaveError(
      'step_not_found',
      `pipeline "${spec.name}" has no step "${how.fromStep}"${hint ? ` (${hint})` : ''}`,
      { step: how.fromStep },
    );
  }
  const rerun = downstreamOf(spec, how.fromStep);
  const reused: string[] = [];
  for (const s of spec.steps) {
    if (rerun.has(s.id)) continue;
    if (completed.has(s.id)) reused.push(s.id);
    else if (!s.reworkOnly) {
      throw new WaveError(
        'step_not_completed',
        `step "${s.id}" did not complete in run ${sourceSteps[0]?.runId ?? ''}: a fork from "${how.fromStep}" would need to reuse it; fork from "${s.id}" or an earlier step`,
        { step: s.id },
      );
    }
  }
  return reused;
}

/**
 * Copies the reused steps' artifacts into the new run's directory, so that pruning the source
 * never takes them from the new run. A file already gone is left out (a step that injects it
 * then says it is missing).
 */
export async function copyReusedArtifacts(
  artifacts: readonly ArtifactRecord[],
  steps: readonly string[],
  artifactsRoot: string,
  newRunId: string,
): Promise<NonNullable<NewRun['origin']>['reuse']['artifacts']> {
  const keep = new Set(steps);
  const copied: NonNullable<NewRun['origin']>['reuse']['artifacts'] = [];
  for (const a of artifacts) {
    if (!keep.has(a.step)) continue;
    const target = join(artifactsRoot, newRunId, a.step, a.name);
    await mkdir(dirname(target), { recursive: true });
    try {
      await copyFile(a.path, target);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw err;
    }
    copied.push({
      step: a.step,
      name: a.name,
      path: target,
      type: a.type,
      size: a.size,
      sha256: a.sha256,
      createdAt: a.createdAt,
    });
  }
  return copied;
}

/** The source run's state a derivation needs, read in one go. */
export async function readSource(store: Store, id: string) {
  const [steps, artifacts] = await Promise.all([store.listSteps(id), store.listArtifacts(id)]);
  return { steps, artifacts };
}
