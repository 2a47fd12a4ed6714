import { setTimeout as sleep } from 'node:timers/promises';
import { forgeValues } from '../config/forge.js';
import { retryDelayMs, type StepSpec } from '../pipeline/model.js';
import { renderTemplate } from '../pipeline/templates.js';
import type { GateRecord, StepRecord } from '../store/store.js';
import { waitForAdapter } from './adapter-wait.js';
import type { Usage } from './adapters/types.js';
import { type AttemptResult, runAttempt } from './attempt.js';
import { runCompositionStep } from './composition/run-composition.js';
import type { RunContext } from './context.js';
import { reworkFailureCode } from './contract-phase.js';
import { promptAdapterName } from './executors/prompt.js';
import { runGateStep } from './gate.js';
import { adoptReworkOutputs, reworkRunner, stepReworkFeedback } from './rework.js';
import { forgeOf } from './template-values.js';
import { addUsage } from './usage.js';

export type StepResult =
  | { status: 'completed' }
  | {
      status: 'failed';
      error: { code: string; message: string } /** optional / on_failure continue */;
      runGoesOn: boolean;
    }
  | { status: 'skipped'; reason: string }
  | { status: 'cancelled' };

/** The attempt a step starts with: 1, or where a crashed or restarted run left it. */
export function firstAttempt(step: StepSpec, record: StepRecord | undefined): number {
  if (record?.status !== 'running') return 1;
  // A failure recorded with will_retry left an error behind: the next attempt is due.
  const next = record.error ? record.attempts + 1 : Math.max(1, record.attempts);
  return Math.min(next, step.retry.maxAttempts);
}

/**
 * Runs one step to its end: attempts with backoff for commands and prompts, the wait for an
 * answer for gates. Emits step_started / step_completed / step_failed / step_retrying /
 * step_skipped; never throws for a step's own failure.
 */
export async function runStep(
  ctx: RunContext,
  step: StepSpec,
  record: StepRecord | undefined,
  gate: GateRecord | undefined,
  onGateBlocked: () => void,
): Promise<StepResult> {
  const runId = ctx.run.id;
  if (step.composition) return runCompositionStep(ctx, step);
  if (step.kind === 'gate') {
    const started = Date.now();
    const outcome = await runGateStep(ctx, step, gate, onGateBlocked);
    if (outcome.kind === 'cancelled') return { status: 'cancelled' };
    if (outcome.kind === 'failed') {
      await ctx.recorder.emit({
        type: 'step_failed',
        run_id: runId,
        step: step.id,
        error: outcome.error,
        attempt: 1,
        will_retry: false,
      });
      return { status: 'failed', error: outcome.error, runGoesOn: step.optional };
    }
    await ctx.recorder.emit({
      type: 'step_completed',
      run_id: runId,
      step: step.id,
      status: 'success',
      duration_ms: Date.now() - started,
      attempt: 1,
    });
    return { status: 'completed' };
  }

  const interrupted = await interruptedRework(ctx, step, record);
  if (interrupted) {
    // The step had failed for good and its rework had begun when the run stopped: rework again.
    const failure = {
      kind: 'failure' as const,
      error: record!.error!,
      retryable: false,
      feedback: '',
      usage: null,
    };
    return reworkStep(ctx, step, interrupted, record!.attempts, Date.now(), failure);
  }
  let attempt = firstAttempt(step, record);
  let feedback: string | null = null;
  let usage: Usage | null = record?.usage ?? null;
  for (;;) {
    // Each attempt queues for its adapter anew: a retry must not jump the line.
    const lease = await waitForAdapter(ctx, step);
    if (!lease) return { status: 'cancelled' };
    const started = Date.now();
    await ctx.recorder.emit({
      type: 'step_started',
      run_id: runId,
      step: step.id,
      kind: step.kind,
      // "{{ forge.type }}-commenter" is reported by the name it resolves to.
      persona: step.persona?.includes('{{')
        ? renderTemplate(step.persona, forgeValues(forgeOf(ctx)), { keep: true })
        : step.persona,
      attempt,
    });
    let result: AttemptResult;
    try {
      // The place is held for the whole attempt, contracts included: the step counts as running
      // on its adapter until it ends, and its review agents on that adapter use the same place.
      const held = step.kind === 'prompt' ? promptAdapterName(ctx, step) : null;
      result = await runAttempt(ctx, step, attempt, feedback, reworkRunner(ctx, held), held);
    } finally {
      lease.release();
    }
    if (result.kind === 'cancelled') return { status: 'cancelled' };
    if (result.kind !== 'skipped') usage = addUsage(usage, result.usage);
    const usageSide = usage ? { usage: { step: step.id, usage } } : {};
    if (result.kind === 'success') {
      await ctx.recorder.emit(
        {
          type: 'step_completed',
          run_id: runId,
          step: step.id,
          status: 'success',
          duration_ms: Date.now() - started,
          attempt,
        },
        { ...result.side, ...usageSide },
      );
      return { status: 'completed' };
    }
    if (result.kind === 'skipped') {
      await ctx.recorder.emit({ type: 'step_skipped', run_id: runId, step: step.id, reason: result.reason });
      return { status: 'skipped', reason: result.reason };
    }
    const rejected = result.error.code === 'rejected';
    const willRetry = result.retryable && attempt < step.retry.maxAttempts && !ctx.signal.aborted;
    const rework = !willRetry && !rejected && !ctx.signal.aborted ? reworkTarget(ctx, step) : null;
    await ctx.recorder.emit(
      {
        type: 'step_failed',
        run_id: runId,
        step: step.id,
        error: result.error,
        attempt,
        // The step is not finished while its rework runs.
        will_retry: willRetry || rework !== null,
      },
      usageSide,
    );
    if (rework) {
      return reworkStep(ctx, step, rework, attempt, started, result);
    }
    if (willRetry) {
      const delay = retryDelayMs(step.retry, attempt);
      await ctx.recorder.emit({
        type: 'step_retrying',
        run_id: runId,
        step: step.id,
        attempt: attempt + 1,
        delay_ms: delay,
        reason: result.error.message,
      });
      try {
        await sleep(delay, undefined, { signal: ctx.signal });
      } catch {
        return { status: 'cancelled' };
      }
      // A retried prompt step is told what failed; a command gets the same environment again.
      feedback = step.kind === 'prompt' ? result.feedback : null;
      attempt += 1;
      continue;
    }
    if (rejected) return { status: 'failed', error: result.error, runGoesOn: false };
    if (step.retry.onFailure === 'skip') {
      const reason = `failed after ${attempt} attempt${attempt === 1 ? '' : 's'} (retry.on_failure: skip): ${result.error.message}`;
      await ctx.recorder.emit({ type: 'step_skipped', run_id: runId, step: step.id, reason });
      return { status: 'skipped', reason };
    }
    return {
      status: 'failed',
      error: result.error,
      runGoesOn: step.optional || step.retry.onFailure === 'continue',
    };
  }
}

/**
 * After a restart: the rework step of `step` when `step` had used up its attempts and its
 * rework had started (the rework step is no longer pending), else null.
 */
async function interruptedRework(
  ctx: RunContext,
  step: StepSpec,
  record: StepRecord | undefined,
): Promise<StepSpec | null> {
  if (record?.status !== 'running' || !record.error || record.attempts < step.retry.maxAttempts) return null;
  const target = reworkTarget(ctx, step);
  if (!target) return null;
  const status = (await ctx.store.listSteps(ctx.run.id)).find((r) => r.id === target.id)?.status;
  return status && status !== 'pending' ? target : null;
}

/** The step that repairs `step` when it failed for good (retry.on_failure: rework), or null. */
function reworkTarget(ctx: RunContext, step: StepSpec): StepSpec | null {
  if (step.retry.onFailure !== 'rework' || !step.reworkStep) return null;
  return ctx.spec.steps.find((s) => s.id === step.reworkStep) ?? null;
}

/**
 * Step-level rework (GOWAVE.md §6): announced on the failed step as a step_retrying whose
 * reason starts with "rework:", then the rework step runs once under its own id. If it
 * succeeds, the failed step completes with the rework step's declared outputs as its own;
 * if not, the failed step fails with code `rework_failed` (`rejected` when the rework was).
 */
async function reworkStep(
  ctx: RunContext,
  step: StepSpec,
  target: StepSpec,
  attempt: number,
  started: number,
  failure: Extract<AttemptResult, { kind: 'failure' }>,
): Promise<StepResult> {
  const runId = ctx.run.id;
  await ctx.recorder.emit({
    type: 'step_retrying',
    run_id: runId,
    step: step.id,
    attempt,
    delay_ms: 0,
    reason: `rework: step "${target.id}" runs to repair it (retry.on_failure: rework) after: ${failure.error.message}`,
  });
  const feedback = stepReworkFeedback(
    step,
    failure.error,
    Date.now() - started,
    failure.feedback,
    failure.workspace,
  );
  const outcome = await reworkRunner(ctx)(target, feedback, 1);
  if (outcome.kind === 'cancelled') return { status: 'cancelled' };
  if (outcome.kind === 'failed') {
    const error = {
      code: reworkFailureCode(outcome.code),
      message: `rework step "${target.id}" failed: ${outcome.message}`,
    };
    await ctx.recorder.emit({
      type: 'step_failed',
      run_id: runId,
      step: step.id,
      error,
      attempt,
      will_retry: false,
    });
    return { status: 'failed', error, runGoesOn: step.optional && error.code !== 'rejected' };
  }
  await adoptReworkOutputs(ctx, step, target, outcome.workspace);
  await ctx.recorder.emit({
    type: 'step_completed',
    run_id: runId,
    step: step.id,
    status: 'success',
    duration_ms: Date.now() - started,
    attempt,
  });
  return { status: 'completed' };
}
