import type { PathSegment } from './diagnostics.js';
import { parseDuration } from './duration.js';
import type { CompositionSpec, StepKind, StepSpec } from './model.js';
import type { RawStep } from './schema.js';

type ReportError = (path: PathSegment[], message: string, key?: boolean) => void;

/** The composition kind of a step, in the Go Wave's dispatch order (gate is decided before). */
export function compositionKindOf(step: RawStep): StepKind | null {
  if (step.iterate) return 'iterate';
  if (step.aggregate) return 'aggregate';
  if (step.branch) return 'branch';
  if (step.loop) return 'loop';
  if (step.pipeline !== undefined) return 'pipeline';
  return null;
}

/** The composition fields of a step, checked for what the kind needs. */
export function normalizeComposition(
  step: RawStep,
  kind: StepKind,
  at: PathSegment[],
  error: ReportError,
  normalizeInner: (inner: RawStep, path: PathSegment[]) => StepSpec,
): CompositionSpec {
  if (step.exec || step.script !== undefined)
    error(
      [...at, kind],
      `a ${kind} step runs child pipelines: it cannot also have \`exec\` or \`script\``,
      true,
    );
  if (kind === 'iterate' && step.pipeline === undefined)
    error([...at, 'iterate'], 'an iterate step needs `pipeline` (the pipeline run for each item)', true);
  if (step.input_ref) {
    const { from, literal } = step.input_ref;
    if ((from === undefined) === (literal === undefined))
      error([...at, 'input_ref'], 'give exactly one of `from` and `literal`', true);
  }
  const config = step.config ?? {};
  let childTimeoutMs: number | null = null;
  if (config.timeout !== undefined) childTimeoutMs = parseDuration(config.timeout) ?? null;
  const it = step.iterate;
  const agg = step.aggregate;
  const loop = step.loop;
  return {
    pipeline: step.pipeline ?? null,
    input: step.input ?? null,
    inputRef: step.input_ref
      ? { from: step.input_ref.from ?? null, literal: step.input_ref.literal ?? null }
      : null,
    inject: config.inject ?? [],
    extract: config.extract ?? [],
    childTimeoutMs,
    env: Object.fromEntries(Object.entries(config.env ?? {}).map(([k, v]) => [k, String(v)])),
    maxCycles: config.max_cycles ?? null,
    stopCondition: config.stop_condition ?? null,
    iterate: it
      ? {
          over: it.over,
          parallel: it.mode === 'parallel',
          maxConcurrent: it.max_concurrent !== undefined && it.max_concurrent > 0 ? it.max_concurrent : 0,
          onFailure: it.on_failure ?? 'fail',
        }
      : null,
    aggregate: agg ? { from: agg.from, into: agg.into, strategy: agg.strategy, key: agg.key ?? null } : null,
    loop: loop
      ? {
          maxIterations: loop.max_iterations ?? 0,
          until: loop.until ?? null,
          steps: (loop.steps ?? []).map((inner, j) => normalizeInner(inner, [...at, 'loop', 'steps', j])),
        }
      : null,
    branch: step.branch ? { on: step.branch.on, cases: step.branch.cases } : null,
  };
}
