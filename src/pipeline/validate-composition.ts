import { type Diagnostic, formatPath, type PathSegment } from './diagnostics.js';
import type { PipelineSpec, StepSpec } from './model.js';
import { didYouMean } from './suggest.js';
import type { YamlSource } from './yaml-source.js';

/** Child runs nest at most this deep (PIPELINES.md "Where Wave differs"). */
export const MAX_NESTING = 10;

/**
 * The checks of composition steps that a schema cannot make: loop sub-steps' ids and
 * dependencies, static nesting (loops in loops, a pipeline that runs itself), branch cases.
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

  const walk = (
    steps: readonly StepSpec[],
    at: (i: number) => PathSegment[],
    outer: string[],
    depth: number,
  ) => {
    const ids = steps.map((s) => s.id);
    steps.forEach((step, i) => {
      const comp = step.composition;
      if (!comp) return;
      const p = at(i);
      if (comp.pipeline === spec.name) {
        report(
          [...p, 'pipeline'],
          `pipeline "${spec.name}" runs itself: child runs nest at most ${MAX_NESTING} levels deep`,
        );
      }
      if (comp.branch && Object.keys(comp.branch.cases).length === 0)
        report([...p, 'branch', 'cases'], 'a branch needs at least one case');
      if (!comp.loop) return;
      if (depth + 1 >= MAX_NESTING) {
        report([...p, 'loop'], `loops nest at most ${MAX_NESTING} levels deep`);
        return;
      }
      const inner = comp.loop.steps;
      const innerIds = inner.map((s) => s.id);
      const known = new Set([...innerIds, ...outer, ...ids]);
      const seen = new Set<string>();
      inner.forEach((s, j) => {
        const q: PathSegment[] = [...p, 'loop', 'steps', j];
        if (seen.has(s.id)) report([...q, 'id'], `duplicate step id "${s.id}" in this loop`);
        seen.add(s.id);
        s.dependencies.forEach((dep, k) => {
          if (!known.has(dep))
            report([...q, 'dependencies', k], `unknown step "${dep}"`, didYouMean(dep, [...known]));
        });
      });
      walk(inner, (j) => [...p, 'loop', 'steps', j], [...outer, ...ids], depth + 1);
    });
  };
  walk(spec.steps, (i) => ['steps', i], [], 0);
  return out;
}
