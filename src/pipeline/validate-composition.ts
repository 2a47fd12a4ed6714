import { type Diagnostic, formatPath, type PathSegment } from './diagnostics.js';
import type { PipelineSpec } from './model.js';
import { didYouMean } from './suggest.js';
import type { YamlSource } from './yaml-source.js';

/** Child runs nest at most this deep (PIPELINES.md "Where Wave differs"). */
export const MAX_NESTING = 10;

/**
 * The checks of composition steps that a schema cannot make: a pipeline that runs itself,
 * branch cases, loop steps' dependencies.
 */
export function validateComposition(spec: PipelineSpec, source: YamlSource): Diagnostic[] {
  const out: Diagnostic[] = [];
  const report = (path: PathSegment[], message: string, hint?: string) =>
    out.push({
      severity: 'error',
      file: source.file,
      line: source.lineOf(path),
      path: formatPath(path),
      message,
      ...(hint ? { hint } : {}),
    });

  const ids = spec.steps.map((s) => s.id);
  spec.steps.forEach((step, i) => {
    const comp = step.composition;
    if (!comp) return;
    const p: PathSegment[] = ['steps', i];
    if (comp.pipeline === spec.name) {
      report(
        [...p, 'pipeline'],
        `pipeline "${spec.name}" runs itself: child runs nest at most ${MAX_NESTING} levels deep`,
      );
    }
    if (comp.branch && Object.keys(comp.branch.cases).length === 0)
      report([...p, 'branch', 'cases'], 'a branch needs at least one case');
    // The rest of a loop's steps is checked as the pipeline of a pass (validateLoopSteps),
    // which cannot tell an outer step from an unknown one.
    const known = new Set([...(comp.loop?.steps ?? []).map((s) => s.id), ...ids]);
    comp.loop?.steps.forEach((s, j) => {
      s.dependencies.forEach((dep, k) => {
        if (!known.has(dep))
          report(
            [...p, 'loop', 'steps', j, 'dependencies', k],
            `unknown step "${dep}"`,
            didYouMean(dep, [...known]),
          );
      });
    });
  });
  return out;
}

/**
 * A loop's steps checked as the pipeline each pass runs (personas, contracts, templates,
 * artifacts…), through `validate`; dependencies and injected artifacts of outer steps are met
 * before the loop starts, so they are left out. Positions point into the loop.
 */
export function validateLoopSteps(
  spec: PipelineSpec,
  source: YamlSource,
  validate: (spec: PipelineSpec, source: YamlSource) => Diagnostic[],
): Diagnostic[] {
  const out: Diagnostic[] = [];
  spec.steps.forEach((step, i) => {
    const loop = step.composition?.loop;
    if (!loop || loop.steps.length === 0) return;
    const ids = new Set(loop.steps.map((s) => s.id));
    const pass: PipelineSpec = {
      ...spec,
      input: null,
      requiresTools: [],
      outputs: {},
      steps: loop.steps.map((s) => ({
        ...s,
        dependencies: s.dependencies.filter((d) => ids.has(d)),
        injects: s.injects.filter((x) => ids.has(x.step)),
      })),
    };
    const prefix: PathSegment[] = ['steps', i, 'loop'];
    for (const d of validate(pass, prefixedSource(source, prefix))) {
      out.push({ ...d, path: d.path ? `${formatPath(prefix)}.${d.path}` : formatPath(prefix) });
    }
  });
  return out;
}

/** `source` seen from `prefix`: paths given to it are relative to that node. */
function prefixedSource(source: YamlSource, prefix: PathSegment[]): YamlSource {
  return {
    ...source,
    value: () => {
      let v: unknown = source.value();
      for (const seg of prefix)
        v = v && typeof v === 'object' ? (v as Record<string | number, unknown>)[seg] : undefined;
      return v;
    },
    lineOf: (path) => source.lineOf([...prefix, ...path]),
    keyLineOf: (path) => source.keyLineOf([...prefix, ...path]),
  };
}
