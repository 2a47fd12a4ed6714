import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { StepSpec } from '../pipeline/model.js';
import type { Usage } from './adapters/types.js';
import { collectArtifacts } from './artifacts.js';
import { runAttempt } from './attempt.js';
import type { RunContext } from './context.js';
import type { ReworkRunner } from './contract-phase.js';
import { addUsage } from './usage.js';

/**
 * Runs `rework_only` steps as rework targets (GOWAVE.md §6): once, with their contracts but
 * without their own retry, announced with their own step_started / step_completed /
 * step_failed (`attempt` counts the rounds). A rework target's own `on_failure: rework`
 * contracts may rework in turn. It runs within the place on an adapter its reworked step holds
 * (`heldAdapter`), so its review agents on that adapter do not wait for that very place.
 */
export function reworkRunner(ctx: RunContext, heldAdapter: string | null = null): ReworkRunner {
  // The store keeps a step's usage whole: rounds add up here.
  const spent = new Map<string, Usage | null>();
  const run: ReworkRunner = async (target, feedback, round) => {
    const started = Date.now();
    await ctx.recorder.emit({
      type: 'step_started',
      run_id: ctx.run.id,
      step: target.id,
      kind: target.kind,
      persona: target.persona,
      attempt: round,
    });
    const result = await runAttempt(ctx, target, round, feedback, run, heldAdapter);
    if (result.kind === 'cancelled') return { kind: 'cancelled' };
    const usage = addUsage(spent.get(target.id) ?? null, result.kind === 'skipped' ? null : result.usage);
    spent.set(target.id, usage);
    const usageSide = usage ? { usage: { step: target.id, usage } } : {};
    if (result.kind === 'success') {
      await ctx.recorder.emit(
        {
          type: 'step_completed',
          run_id: ctx.run.id,
          step: target.id,
          status: 'success',
          duration_ms: Date.now() - started,
          attempt: round,
        },
        { ...result.side, ...usageSide },
      );
      return { kind: 'completed', workspace: result.workspace };
    }
    const error =
      result.kind === 'skipped'
        ? { code: 'skipped', message: `the rework step was skipped: ${result.reason}` }
        : result.error;
    await ctx.recorder.emit(
      { type: 'step_failed', run_id: ctx.run.id, step: target.id, error, attempt: round, will_retry: false },
      usageSide,
    );
    return { kind: 'failed', code: error.code, message: error.message };
  };
  return run;
}

/** The `## REWORK CONTEXT` a step-level rework target is given about the step it repairs. */
export function stepReworkFeedback(
  failed: StepSpec,
  error: { code: string; message: string },
  durationMs: number,
  /** What a retry would have been told: the errors and the end of the output. */
  previous: string,
  workspace: string | undefined,
): string {
  const partial = workspace
    ? failed.outputs
        .filter((o) => o.source === 'file' && existsSync(join(workspace, o.path)))
        .map((o) => o.path)
    : [];
  return [
    '## REWORK CONTEXT',
    '',
    `You are executing as a rework step for failed step "${failed.id}". It failed after ${Math.round(durationMs / 1000)}s with:`,
    '',
    `${error.message} (${error.code})`,
    ...(previous.trim() ? ['', '### What went wrong', '', previous.trim()] : []),
    ...(partial.length
      ? ['', `### Partial artifacts (in ${workspace})`, '', ...partial.map((p) => `- ${p}`)]
      : []),
    '',
    `Repair what "${failed.id}" was meant to do.`,
  ].join('\n');
}

/**
 * After a successful step-level rework, the rework step's declared outputs count as the
 * failed step's too: copied from the rework step's workspace and recorded under its id.
 */
export async function adoptReworkOutputs(
  ctx: RunContext,
  failed: StepSpec,
  target: StepSpec,
  workspace: string,
): Promise<{ step: string; name: string; path: string; type: string }[]> {
  const collected = await collectArtifacts(
    ctx,
    { ...target, id: failed.id, outputs: target.outputs.map((o) => ({ ...o, required: false })) },
    workspace,
  );
  if (collected.events.length) await ctx.recorder.emit(collected.events, { artifacts: collected.records });
  return collected.records;
}
