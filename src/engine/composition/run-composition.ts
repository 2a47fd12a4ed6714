import type { StepSpec } from '../../pipeline/model.js';
import type { RunContext } from '../context.js';
import type { StepResult } from '../step-runner.js';
import { runAggregate } from './aggregate.js';
import { runIterate } from './iterate.js';
import { runLoop } from './loop.js';
import { StepOutputs } from './outputs.js';
import { type CompositionResult, CompositionScope } from './scope.js';
import { runBranch, runSubPipeline } from './sub-pipeline.js';

/**
 * A composition step (GOWAVE.md §§1-5): its work is child runs, run in this process inside the
 * parent's scheduler slot. One attempt (children have their own retries); `timeout_minutes`
 * and `optional` apply as to any step. Its outputs are kept as the step's artifacts.
 */
export async function runCompositionStep(ctx: RunContext, step: StepSpec): Promise<StepResult> {
  const runId = ctx.run.id;
  const started = Date.now();
  await ctx.recorder.emit({
    type: 'step_started',
    run_id: runId,
    step: step.id,
    kind: step.kind,
    persona: null,
    attempt: 1,
  });
  const timeout = new AbortController();
  const timer = step.timeoutMs === null ? undefined : setTimeout(() => timeout.abort(), step.timeoutMs);
  const signal = AbortSignal.any([ctx.signal, timeout.signal]);
  const outputs = new StepOutputs(ctx, step.id);
  let result: CompositionResult;
  try {
    result = await dispatch(ctx, step, signal, outputs);
  } catch (err) {
    result = { ok: false, error: { code: 'internal_error', message: (err as Error).message ?? String(err) } };
  } finally {
    clearTimeout(timer);
  }
  if (ctx.signal.aborted) return { status: 'cancelled' };
  if (timeout.signal.aborted) {
    result = {
      ok: false,
      error: { code: 'timeout', message: `the step timed out after ${Math.round(step.timeoutMs! / 1000)} s` },
    };
  }
  if ('cancelled' in result) return { status: 'cancelled' };
  if (result.ok) {
    await ctx.recorder.emit(
      [
        ...outputs.events,
        {
          type: 'step_completed',
          run_id: runId,
          step: step.id,
          status: 'success',
          duration_ms: Date.now() - started,
          attempt: 1,
        },
      ],
      { artifacts: outputs.records },
    );
    return { status: 'completed' };
  }
  await ctx.recorder.emit({
    type: 'step_failed',
    run_id: runId,
    step: step.id,
    error: result.error,
    attempt: 1,
    will_retry: false,
  });
  // A rejection is final: `optional` does not soften it (PIPELINES.md, carried up to the parent).
  return {
    status: 'failed',
    error: result.error,
    runGoesOn: step.optional && result.error.code !== 'rejected',
  };
}

async function dispatch(
  ctx: RunContext,
  step: StepSpec,
  signal: AbortSignal,
  outputs: StepOutputs,
): Promise<CompositionResult> {
  const comp = step.composition;
  if (!comp)
    return { ok: false, error: { code: 'internal_error', message: 'composition step without its spec' } };
  const s = await CompositionScope.open(ctx, step, comp, signal, outputs);
  switch (step.kind) {
    case 'iterate':
      return runIterate(s);
    case 'aggregate':
      return runAggregate(s);
    case 'branch':
      return runBranch(s);
    case 'loop':
      return runLoop(s);
    default:
      return runSubPipeline(s, comp.pipeline ?? '');
  }
}
