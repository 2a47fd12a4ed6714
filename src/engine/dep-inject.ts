import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import type { PipelineSpec, StepSpec } from '../pipeline/model.js';
import type { ArtifactRecord } from '../store/store.js';

/**
 * Go Wave dependency auto-injection (GOWAVE.md §12): before a command or prompt step, every
 * artifact of each direct dependency (from the store, so a composition step's outputs count
 * too) is copied to `<ws>/.agents/artifacts/<dep>/<file>` and `<ws>/.agents/output/<file>`.
 * These are the Go Wave's folder names inside the workspace, whatever the project's definitions
 * folder is, because the shipped prompts and scripts read those paths.
 */
export const DEPS_DIR = '.agents/artifacts';
export const DEPS_OUTPUT_DIR = '.agents/output';

export interface InjectedDeps {
  /** `deps.<dep>.<name>` and `artifacts.<dep>.<name>`: paths relative to the workspace. */
  values: Record<string, string>;
  /** WAVE_DEPS_DIR and WAVE_DEP_<DEP>_<NAME> (absolute paths). */
  env: Record<string, string>;
  /** Files of two dependencies with the same name in `.agents/output/` (the last one wins). */
  clashes: string[];
}

/**
 * The file name of an artifact in the workspace: its declared path's name when the dependency
 * declares it (`.agents/output/plan.json` → `plan.json`), else its name, with `.json` added to a
 * json artifact without an extension (as the Go Wave's archive copy is named).
 */
export function artifactFileName(spec: PipelineSpec, record: ArtifactRecord): string {
  const declared = spec.steps.find((s) => s.id === record.step)?.outputs.find((o) => o.name === record.name);
  if (declared && declared.source === 'file' && !declared.path.includes('{{')) return basename(declared.path);
  return record.type === 'json' && extname(record.name) === '' ? `${record.name}.json` : record.name;
}

/** The env name of one artifact: upper-cased, anything not alphanumeric becomes `_`. */
export function depEnvName(dep: string, name: string): string {
  return `WAVE_DEP_${dep}_${name}`.toUpperCase().replace(/[^A-Z0-9]/g, '_');
}

export function injectDependencies(
  spec: PipelineSpec,
  step: StepSpec,
  workspace: string,
  artifacts: readonly ArtifactRecord[],
): InjectedDeps {
  const out: InjectedDeps = {
    values: {},
    env: { WAVE_DEPS_DIR: join(workspace, DEPS_DIR) },
    clashes: [],
  };
  const aliased = new Map<string, string>();
  for (const dep of step.dependencies) {
    for (const record of artifacts) {
      if (record.step !== dep || !existsSync(record.path)) continue;
      const file = artifactFileName(spec, record);
      const rel = `${DEPS_DIR}/${dep}/${file}`;
      copyInto(record.path, join(workspace, rel));
      copyInto(record.path, join(workspace, DEPS_OUTPUT_DIR, file));
      const earlier = aliased.get(file);
      if (earlier !== undefined && earlier !== dep) out.clashes.push(`${file} (${earlier}, then ${dep})`);
      aliased.set(file, dep);
      out.values[`deps.${dep}.${record.name}`] = rel;
      out.values[`artifacts.${dep}.${record.name}`] = rel;
      out.env[depEnvName(dep, record.name)] = join(workspace, rel);
    }
  }
  return out;
}

function copyInto(from: string, to: string): void {
  mkdirSync(join(to, '..'), { recursive: true });
  copyFileSync(from, to);
}
