import { copyFileSync, existsSync, mkdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import type { EventDraft } from '../events/catalogue.js';
import type { ArtifactSpec, StepSpec } from '../pipeline/model.js';
import type { ArtifactRecord } from '../store/store.js';
import { jsonPath } from '../util/json-path.js';
import type { RunContext } from './context.js';
import { hashFile } from './fs-utils.js';
import { INJECT_DIR } from './template-values.js';

/** `.wave/artifacts/<run>/<step>/<name>`: where an artifact is kept after its step. */
export function artifactPath(ctx: RunContext, step: string, name: string): string {
  return join(ctx.project.runtimePath('.wave/artifacts'), ctx.run.id, step, name);
}

/** Copies earlier steps' artifacts into the workspace at `.wave/artifacts/<as>`. */
export function injectArtifacts(
  step: StepSpec,
  workspace: string,
  available: readonly ArtifactRecord[],
): { missing: string[] } {
  const missing: string[] = [];
  for (const inj of step.injects) {
    const record = available.find((a) => a.step === inj.step && a.name === inj.artifact);
    if (!record || !existsSync(record.path)) {
      if (!inj.optional) missing.push(`${inj.step}/${inj.artifact}`);
      continue;
    }
    const target = join(workspace, INJECT_DIR, inj.as);
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(record.path, target);
  }
  return { missing };
}

export interface CollectedArtifacts {
  events: Extract<EventDraft, { type: 'artifact_written' }>[];
  records: { step: string; name: string; path: string; type: string }[];
  /** Required artifacts the step did not produce. */
  missing: ArtifactSpec[];
  /** Artifacts whose path, symlinks followed, leaves the workspace: refused, never kept. */
  outside: ArtifactSpec[];
  /** `type: json` artifacts that do not parse, with why (other types are opaque files). */
  invalid: { spec: ArtifactSpec; problem: string }[];
}

/**
 * Where `path` (relative to the workspace) really is, symlinks followed: the file, `missing`,
 * or `outside` when it lies outside the workspace (for `workspace: project`, the project), as
 * `ln -s /etc/passwd out.txt` or `../../x` would.
 */
export function workspaceFile(workspace: string, path: string): string | 'missing' | 'outside' {
  let root: string;
  let real: string;
  try {
    root = realpathSync(workspace);
    real = realpathSync(resolve(workspace, path));
  } catch {
    return existsSync(resolve(workspace, path)) ? 'outside' : 'missing';
  }
  return real === root || real.startsWith(root + sep) ? real : 'outside';
}

/**
 * After the step: copies each output artifact from the workspace (or the captured stdout) to
 * the artifact store and measures it. Stdout artifacts were written there during the run.
 */
export async function collectArtifacts(
  ctx: RunContext,
  step: StepSpec,
  workspace: string,
): Promise<CollectedArtifacts> {
  const out: CollectedArtifacts = { events: [], records: [], missing: [], outside: [], invalid: [] };
  for (const spec of step.outputs) {
    const kept = artifactPath(ctx, step.id, spec.name);
    if (spec.source === 'file') {
      const source = workspaceFile(workspace, spec.path);
      if (source === 'outside') {
        out.outside.push(spec);
        continue;
      }
      if (source === 'missing' || !statSync(source).isFile()) {
        if (spec.required) out.missing.push(spec);
        continue;
      }
      mkdirSync(dirname(kept), { recursive: true });
      // The resolved file, not the link: the check above is about this very file.
      copyFileSync(source, kept);
    } else if (!existsSync(kept)) {
      if (spec.required) out.missing.push(spec);
      continue;
    }
    if (spec.type === 'json') {
      const problem = jsonProblem(kept);
      if (problem) out.invalid.push({ spec, problem });
    }
    const { sha256, size } = await hashFile(kept);
    out.events.push({
      type: 'artifact_written',
      run_id: ctx.run.id,
      step: step.id,
      name: spec.name,
      size,
      sha256,
    });
    out.records.push({ step: step.id, name: spec.name, path: kept, type: spec.type });
  }
  return out;
}

function jsonProblem(file: string): string | null {
  try {
    JSON.parse(readFileSync(file, 'utf8'));
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

/** Where a `source: stdout` artifact is captured while the step runs (the first one wins). */
export function stdoutCapturePath(ctx: RunContext, step: StepSpec): string | undefined {
  const spec = step.outputs.find((a) => a.source === 'stdout');
  if (!spec) return undefined;
  const path = artifactPath(ctx, step.id, spec.name);
  mkdirSync(dirname(path), { recursive: true });
  return path;
}

/** Copies the first stdout capture to further stdout artifacts of the same step. */
export function duplicateStdoutArtifacts(ctx: RunContext, step: StepSpec): void {
  const stdoutSpecs = step.outputs.filter((a) => a.source === 'stdout');
  const first = stdoutSpecs[0];
  if (!first) return;
  const from = artifactPath(ctx, step.id, first.name);
  if (!existsSync(from)) return;
  for (const spec of stdoutSpecs.slice(1)) copyFileSync(from, artifactPath(ctx, step.id, spec.name));
}

/** Reads a JSON artifact's field (`pipeline_outputs.field`, outcomes' json_path). */
export function readJsonPath(file: string, path: string): unknown {
  const data = JSON.parse(readFileSync(file, 'utf8')) as unknown;
  return jsonPath(data, path);
}
