import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { changesDir, DIFF_ARTIFACT } from '../engine/changes.js';
import { WaveError } from '../errors.js';
import { RUN_ARTIFACT_STEP } from '../events/run-artifact-step.js';
import { didYouMean } from '../pipeline/suggest.js';
import { type DiffStat, diffStat } from '../util/diff-stat.js';
import type { ServiceDeps } from './deps.js';

/**
 * What a run (or one of its steps) changed in code. Once the run has ended, its diff is the run
 * artifact `_run/diff` recorded in the store; until then, and for one step's commit, the diff
 * files the engine writes at each worktree step's end (engine/changes.ts). Either way the answer
 * is the same before and after the worktree is removed. no_changes when there is none.
 */
export async function runChanges(deps: ServiceDeps, runId: string, step?: string): Promise<string> {
  if (!(await deps.store.getRun(runId))) throw new WaveError('run_not_found', `no run with id "${runId}"`);
  const dir = changesDir(deps.project.runtimePath('.wave/artifacts'), runId);
  if (step !== undefined) {
    const steps = (await deps.store.listSteps(runId)).map((s) => s.id);
    if (!steps.includes(step)) {
      const hint = didYouMean(step, steps);
      throw new WaveError(
        'step_not_found',
        `run "${runId}" has no step "${step}"${hint ? ` (${hint})` : ''}`,
      );
    }
  }
  const kept =
    step === undefined
      ? (await deps.store.listArtifacts(runId)).find(
          (a) => a.step === RUN_ARTIFACT_STEP && a.name === DIFF_ARTIFACT,
        )
      : undefined;
  // A store that keeps artifacts' content (PostgreSQL) answers on any server; else the file.
  const stored = kept ? await deps.store.readArtifactContent(runId, RUN_ARTIFACT_STEP, DIFF_ARTIFACT) : null;
  const file = kept?.path ?? join(dir, step === undefined ? 'run.diff' : `${step}.diff`);
  const diff = stored ? stored.toString('utf8') : existsSync(file) ? readFileSync(file, 'utf8') : '';
  if (diff === '') {
    const what = step === undefined ? `run "${runId}"` : `step "${step}" of run "${runId}"`;
    throw new WaveError('no_changes', `${what} changed no files in a worktree`);
  }
  return diff;
}

export async function runChangeStat(deps: ServiceDeps, runId: string, step?: string): Promise<DiffStat> {
  return diffStat(await runChanges(deps, runId, step));
}
