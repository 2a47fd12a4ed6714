import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { EventDraft } from '../events/catalogue.js';
import type { ArtifactSpec, StepSpec } from '../pipeline/model.js';
import type { ArtifactRecord } from '../store/store.js';
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
  const out: CollectedArtifacts = { events: [], records: [], missing: [] };
  for (const spec of step.outputs) {
    const kept = artifactPath(ctx, step.id, spec.name);
    if (spec.source === 'file') {
      const source = resolve(workspace, spec.path);
      if (!existsSync(source) || !statSync(source).isFile()) {
        if (spec.required) out.missing.push(spec);
        continue;
      }
      mkdirSync(dirname(kept), { recursive: true });
      copyFileSync(source, kept);
    } else if (!existsSync(kept)) {
      if (spec.required) out.missing.push(spec);
      continue;
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

/** `.a.b[0].c` (leading dot optional). */
export function jsonPath(data: unknown, path: string): unknown {
  const parts = path
    .replace(/^\$/, '')
    .split(/\.|\[(\d+)\]/)
    .filter((p) => p !== undefined && p !== '');
  let v: unknown = data;
  for (const p of parts) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[p];
  }
  return v;
}
