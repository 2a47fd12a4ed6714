import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { RUN_ARTIFACT_STEP } from '../events/run-artifact-step.js';
import type { StepSpec } from '../pipeline/model.js';
import type { RunRecord } from '../store/store.js';
import { artifactPath } from './artifacts.js';
import type { RunContext } from './context.js';
import { DEPS_DIR, DEPS_OUTPUT_DIR } from './dep-inject.js';
import { hashFile } from './fs-utils.js';
import { INJECT_DIR } from './template-values.js';

const exec = promisify(execFile);

/** The run artifact that keeps the run's diff once its worktree is gone. */
export const DIFF_ARTIFACT = 'diff';

/**
 * `.wave/artifacts/<run>/.changes/`: the run's `diff` artifact (`run.diff`), each step's commit
 * (`<step>.diff`) and the commit the worktree started from (`base`). Kept as files beside the
 * step artifacts so they outlive the worktree; the leading dot keeps clear of step ids.
 */
export function changesDir(artifactsRoot: string, runId: string): string {
  return join(artifactsRoot, runId, '.changes');
}

function dirOf(ctx: RunContext): string {
  return changesDir(ctx.project.runtimePath('.wave/artifacts'), ctx.run.id);
}

/** Notes the commit a new worktree starts from: the run's diff is taken against it. */
export async function recordWorktreeBase(ctx: RunContext, worktree: string): Promise<void> {
  const { stdout } = await exec('git', ['-C', worktree, 'rev-parse', 'HEAD']);
  mkdirSync(dirOf(ctx), { recursive: true });
  writeFileSync(join(dirOf(ctx), 'base'), `${stdout.trim()}\n`);
}

// Steps of one run share the worktree, and git's index lock does not queue: one commit at a time.
const commitChains = new WeakMap<RunRecord, Promise<void>>();

/**
 * At a worktree step's end: commits what it left uncommitted as `wave: <run-id> <step>` and
 * rewrites the step's and the run's diff files. Injected inputs (.wave/artifacts, .agents) are
 * Wave's, not the step's, and stay out of the commit.
 */
export function commitStepChanges(ctx: RunContext, step: StepSpec, worktree: string): Promise<void> {
  const previous = commitChains.get(ctx.run) ?? Promise.resolve();
  const next = previous.then(() => commitAndDiff(ctx, step, worktree));
  commitChains.set(
    ctx.run,
    next.catch(() => undefined),
  );
  return next;
}

async function commitAndDiff(ctx: RunContext, step: StepSpec, worktree: string): Promise<void> {
  const baseFile = join(dirOf(ctx), 'base');
  if (!existsSync(join(worktree, '.git')) || !existsSync(baseFile)) return;
  const git = (...args: string[]) => exec('git', ['-C', worktree, ...args], { maxBuffer: 256 * 1024 * 1024 });
  await git(
    'add',
    '-A',
    '--',
    '.',
    `:(exclude)${INJECT_DIR}`,
    `:(exclude)${DEPS_DIR}`,
    `:(exclude)${DEPS_OUTPUT_DIR}`,
  );
  const staged = await git('diff', '--cached', '--quiet').then(
    () => false,
    () => true,
  );
  if (staged) {
    const message = `wave: ${ctx.run.id} ${step.id}`;
    // A machine with no git identity (CI, containers) still gets its commit.
    const identity = await git('config', 'user.email').then(
      () => [],
      () => ['-c', 'user.name=Wave', '-c', 'user.email=wave@localhost'],
    );
    await git(...identity, '-c', 'commit.gpgsign=false', 'commit', '--no-verify', '-q', '-m', message);
    const { stdout } = await git('diff', '--no-color', '--no-ext-diff', 'HEAD~1', 'HEAD');
    writeFileSync(join(dirOf(ctx), `${step.id}.diff`), stdout);
  }
  const base = readFileSync(baseFile, 'utf8').trim();
  const { stdout } = await git('diff', '--no-color', '--no-ext-diff', base, 'HEAD');
  writeFileSync(join(dirOf(ctx), 'run.diff'), stdout);
}

/**
 * At the run's end: a run that changed code keeps its diff as the run artifact `_run/diff`,
 * recorded in the store like a step's artifact, so it is listed, downloadable, and what the
 * diff route answers from once the worktree is removed.
 */
export async function keepRunDiff(ctx: RunContext): Promise<void> {
  await commitChains.get(ctx.run);
  const file = join(dirOf(ctx), 'run.diff');
  if (!existsSync(file) || statSync(file).size === 0) return;
  const kept = artifactPath(ctx, RUN_ARTIFACT_STEP, DIFF_ARTIFACT);
  mkdirSync(dirname(kept), { recursive: true });
  copyFileSync(file, kept);
  const { sha256, size } = await hashFile(kept);
  await ctx.recorder.emit(
    {
      type: 'artifact_written',
      run_id: ctx.run.id,
      step: RUN_ARTIFACT_STEP,
      name: DIFF_ARTIFACT,
      size,
      sha256,
    },
    { artifacts: [{ step: RUN_ARTIFACT_STEP, name: DIFF_ARTIFACT, path: kept, type: 'text' }] },
  );
}
