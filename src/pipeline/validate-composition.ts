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
export function validateComposition(
  spec: PipelineSpec,
  source: YamlSource,
  childPipelines?: (name: string) => string[] | null,
): Diagnostic[] {
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
    } else if (comp.pipeline !== null && childPipelines && !comp.pipeline.includes('{{')) {
      if (childPipelines(comp.pipeline) === null) {
        // Caught here rather than when the run reaches the step, maybe hours in.
        report(
          [...p, 'pipeline'],
          `no pipeline named "${comp.pipeline}"`,
          `add pipelines/${comp.pipeline}.yaml to the definitions folder (.wave/ or .agents/); the Go Wave's built-in pipelines are not part of Wave`,
        );
      }
      const chain = tooDeep(spec.name, comp.pipeline, childPipelines);
      if (chain && childPipelines(comp.pipeline) !== null)
        report(
          [...p, 'pipeline'],
          `child runs nest at most ${MAX_NESTING} levels deep: ${[spec.name, ...chain].join(' → ')}`,
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
 * A chain of fixed child names from `first` that comes back to `root` or goes deeper than the
 * limit, or null. Cycles that do not pass through `root` are reported for their own pipelines.
 */
function tooDeep(
  root: string,
  first: string,
  childPipelines: (name: string) => string[] | null,
): string[] | null {
  const known = new Map<string, string[]>();
  const childrenOf = (name: string) => {
    let list = known.get(name);
    if (!list) {
      list = childPipelines(name) ?? [];
      known.set(name, list);
    }
    return list;
  };
  // A name explored in vain at some depth needs no second look at that depth or deeper.
  const cleared = new Map<string, number>();
  const walk = (chain: string[]): string[] | null => {
    const last = chain[chain.length - 1]!;
    if (last === root || chain.length > MAX_NESTING) return chain;
    if ((cleared.get(last) ?? Number.POSITIVE_INFINITY) <= chain.length) return null;
    for (const next of childrenOf(last)) {
      if (next !== root && chain.includes(next)) continue;
      const found = walk([...chain, next]);
      if (found) return found;
    }
    cleared.set(last, chain.length);
    return null;
  };
  return walk([first]);
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
