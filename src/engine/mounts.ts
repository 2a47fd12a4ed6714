import { cpSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, join, normalize, relative, resolve, sep } from 'node:path';
import { WaveError } from '../errors.js';
import type { MountSpec, StepSpec } from '../pipeline/model.js';
import type { ArtifactRecord } from '../store/store.js';
import { jsonPath } from '../util/json-path.js';
import type { RunContext } from './context.js';
import { makeReadOnly, removeTree } from './fs-utils.js';

/**
 * Copies a step's mounts into its workspace (PIPELINES.md "Go Wave compatibility"). An absolute
 * target (the Go Wave's `/project`) is taken inside the workspace. A mount with `subset_from`
 * copies only the files an earlier artifact lists (GOWAVE §11). Wave's own runtime files
 * (workspaces, kept artifacts, logs, the SQLite store) are never copied: a mount of the project
 * root must not copy the workspace into itself, nor a database being written.
 */
export function applyMounts(
  ctx: RunContext,
  step: StepSpec,
  workspace: string,
  artifacts: readonly ArtifactRecord[],
): void {
  const store = ctx.project.runtimePath(ctx.project.config.storage.path);
  const skip = [
    ctx.project.runtimePath(ctx.project.config.runtime.workspace_root),
    ctx.project.runtimePath('.wave/artifacts'),
    ctx.project.runtimePath('.wave/logs'),
    ...['', '-wal', '-shm', '-journal'].map((suffix) => store + suffix),
  ];
  step.workspace.mount.forEach((mount, i) => {
    let source = resolve(ctx.project.root, mount.source);
    const target = resolve(workspace, mount.target.replace(/^[/\\]+/, ''));
    if (!existsSync(source)) {
      throw new WaveError('workspace_error', `mount source ${mount.source} does not exist in the project`);
    }
    if (relative(workspace, target).startsWith('..') || isAbsolute(relative(workspace, target))) {
      throw new WaveError('workspace_error', `mount target ${mount.target} is outside the workspace`);
    }
    if (mount.subsetFrom !== null) {
      const subset = subsetSource(ctx, step, mount, i, source, artifacts);
      if (subset) source = subset;
    }
    if (existsSync(target)) removeTree(target);
    mkdirSync(dirname(target), { recursive: true });
    copyTree(source, target, [...skip, target]);
    if (mount.mode === 'readonly') makeReadOnly(target);
  });
}

/** cpSync, leaving out `skip` paths (and never copying a folder into itself). */
function copyTree(source: string, target: string, skip: readonly string[]): void {
  const inside = skip.filter((s) => s.startsWith(source + sep));
  if (inside.length === 0 || !lstatSync(source).isDirectory()) {
    cpSync(source, target, { recursive: true, dereference: false, preserveTimestamps: true });
    return;
  }
  mkdirSync(target, { recursive: true });
  for (const entry of readdirSync(source)) {
    const from = join(source, entry);
    if (skip.includes(from)) continue;
    copyTree(from, join(target, entry), inside);
  }
}

/**
 * `<step>.<artifact>.<json.path>`: the files that array lists, copied (not linked) into
 * `<workspaces>/<run>/_subsets/<step>/mount<i>/`. An artifact not found falls back to the whole
 * source, as in the Go Wave; a value that is not an array of strings fails the step.
 */
function subsetSource(
  ctx: RunContext,
  step: StepSpec,
  mount: MountSpec,
  index: number,
  source: string,
  artifacts: readonly ArtifactRecord[],
): string | null {
  const spec = mount.subsetFrom!;
  const [from = '', name = '', ...rest] = spec.split('.');
  const path = rest.join('.');
  const record =
    artifacts.find((a) => a.step === from && a.name === name) ?? artifacts.find((a) => a.name === name);
  if (!record || !existsSync(record.path)) {
    ctx.recorder.activity({
      step: step.id,
      stream: 'stderr',
      content: `subset_from ${spec}: artifact not found; mounting all of ${mount.source}`,
    });
    return null;
  }
  let list: unknown;
  try {
    list = jsonPath(JSON.parse(readFileSync(record.path, 'utf8')), path);
  } catch (err) {
    throw new WaveError(
      'workspace_error',
      `subset_from ${spec}: the artifact is not JSON (${(err as Error).message})`,
    );
  }
  if (!Array.isArray(list) || list.some((f) => typeof f !== 'string')) {
    throw new WaveError('workspace_error', `subset_from ${spec}: ${path} is not an array of file paths`);
  }
  const dir = join(
    ctx.project.runtimePath(ctx.project.config.runtime.workspace_root),
    ctx.run.id,
    '_subsets',
    step.id,
    `mount${index}`,
  );
  removeTree(dir);
  mkdirSync(dir, { recursive: true });
  const root = realpathSync(source);
  for (const file of list as string[]) {
    const rel = normalize(file);
    if (isAbsolute(rel) || rel === '..' || rel.startsWith(`..${sep}`)) continue;
    const full = join(source, rel);
    let real: string;
    try {
      if (!lstatSync(full).isFile()) continue;
      real = realpathSync(full);
    } catch {
      continue;
    }
    if (!real.startsWith(root + sep)) continue;
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    cpSync(real, join(dir, rel), { preserveTimestamps: true });
  }
  return dir;
}
