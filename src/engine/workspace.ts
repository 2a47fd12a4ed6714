import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { WaveError } from '../errors.js';
import type { StepSpec } from '../pipeline/model.js';
import { renderTemplate } from '../pipeline/templates.js';
import type { ArtifactRecord } from '../store/store.js';
import { recordWorktreeBase } from './changes.js';
import type { RunContext } from './context.js';
import { removeTree } from './fs-utils.js';
import { applyMounts } from './mounts.js';

const exec = promisify(execFile);

/** `.wave/workspaces/<run>` (or runtime.workspace_root/<run>). */
export function runWorkspaceRoot(ctx: RunContext): string {
  return join(ctx.project.runtimePath(ctx.project.config.runtime.workspace_root), ctx.run.id);
}

/**
 * The directory a step runs in: `fresh` (an empty folder, made anew for the first attempt),
 * `project` (the project root) or `worktree` (a git worktree on branch `wave/<run-id>`, shared
 * by the run's worktree steps). Readonly and readwrite mounts are copied in.
 */
export async function prepareWorkspace(
  ctx: RunContext,
  step: StepSpec,
  attempt: number,
  values: Record<string, string>,
  /** The run's artifacts so far (mounts with `subset_from` read one). */
  artifacts: readonly ArtifactRecord[] = [],
): Promise<string> {
  let dir: string;
  switch (step.workspace.type) {
    case 'project':
      dir = ctx.project.root;
      break;
    case 'worktree':
      dir = await ensureWorktree(ctx, step, values);
      break;
    default: {
      dir = join(runWorkspaceRoot(ctx), step.id);
      // A fresh workspace is empty when the step starts; retries keep the previous attempt's files.
      if (attempt === 1 || !existsSync(dir)) removeTree(dir);
      mkdirSync(dir, { recursive: true });
    }
  }
  applyMounts(ctx, step, dir, artifacts);
  return dir;
}

/** The run's one git worktree, shared by its worktree steps. */
export function worktreeDir(ctx: RunContext): string {
  return join(runWorkspaceRoot(ctx), 'worktree');
}

async function ensureWorktree(
  ctx: RunContext,
  step: StepSpec,
  values: Record<string, string>,
): Promise<string> {
  const dir = worktreeDir(ctx);
  if (existsSync(join(dir, '.git'))) return dir;
  const root = ctx.project.root;
  try {
    await exec('git', ['-C', root, 'rev-parse', '--git-dir']);
  } catch {
    throw new WaveError(
      'workspace_error',
      `step "${step.id}" uses a worktree, but ${root} is not a git repository (git init, or use workspace type fresh or project)`,
    );
  }
  const branch = step.workspace.branch ? renderTemplate(step.workspace.branch, values) : `wave/${ctx.run.id}`;
  const base = step.workspace.base ? renderTemplate(step.workspace.base, values) : 'HEAD';
  mkdirSync(dirname(dir), { recursive: true });
  try {
    await exec('git', ['-C', root, 'worktree', 'add', '-B', branch, dir, base]);
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr?.trim();
    throw new WaveError(
      'workspace_error',
      `git worktree add for branch ${branch} from ${base} failed: ${stderr || (err as Error).message}`,
    );
  }
  await recordWorktreeBase(ctx, dir);
  return dir;
}

/** Removes the run's worktree when the run ends; the branch stays. */
export async function removeWorktree(ctx: RunContext): Promise<void> {
  const dir = worktreeDir(ctx);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return;
  try {
    await exec('git', ['-C', ctx.project.root, 'worktree', 'remove', '--force', dir]);
  } catch (err) {
    ctx.logger.warn({ err, dir }, 'could not remove the worktree');
    removeTree(dir);
    await exec('git', ['-C', ctx.project.root, 'worktree', 'prune']).catch(() => undefined);
  }
}
