import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ContractSpec, StepSpec } from '../pipeline/model.js';
import type { RunContext } from './context.js';
import { type ContractContext, checkContract } from './contracts/index.js';

/** Runs a `rework_only` step once for `round`; how it ended. */
export type ReworkRunner = (
  target: StepSpec,
  feedback: string,
  round: number,
) => Promise<
  { kind: 'completed'; workspace: string } | { kind: 'failed'; message: string } | { kind: 'cancelled' }
>;

export type ContractPhaseResult =
  | { kind: 'passed' }
  | { kind: 'skipped'; reason: string }
  | {
      kind: 'failed';
      error: { code: string; message: string };
      retryable: boolean;
      /** What a retried prompt is told. */
      errors: string[];
    }
  | { kind: 'cancelled' };

/** GOWAVE.md §6: convergence defaults of contract rework. */
const CONVERGENCE_WINDOW = 3;
const CONVERGENCE_MIN_IMPROVEMENT = 0.05;

/**
 * The step's contracts in order, after its command or agent finished. `on_failure`: fail (the
 * step fails, retryable), rejected (the step and run fail with code `rejected`, no retry),
 * skip (the step is skipped), continue and warn (go on), rework (the rework step runs once,
 * then every contract is checked again, at most max_retries rounds; a score that stops
 * improving ends it early).
 */
export async function checkContracts(
  ctx: RunContext,
  step: StepSpec,
  cctx: ContractContext,
  rework: ReworkRunner | undefined,
): Promise<ContractPhaseResult> {
  const maxRounds = Math.max(
    1,
    ...step.contracts.filter((c) => c.onFailure === 'rework').map((c) => c.maxRetries ?? 0),
  );
  const scores: number[] = [];
  for (let round = 0; ; round++) {
    let reworked = false;
    for (const contract of step.contracts) {
      if (ctx.signal.aborted) return { kind: 'cancelled' };
      const result = await checkContract(contract, cctx);
      if (ctx.signal.aborted) return { kind: 'cancelled' };
      if (result.ok) {
        await ctx.recorder.emit({
          type: 'contract_passed',
          run_id: ctx.run.id,
          step: step.id,
          contract: contract.type,
        });
        continue;
      }
      const rehearsal = mockRehearsal(ctx, step, contract);
      if (rehearsal) result.errors.push(rehearsal);
      const onFailure = rehearsal ? 'warn' : contract.onFailure;
      await ctx.recorder.emit({
        type: 'contract_failed',
        run_id: ctx.run.id,
        step: step.id,
        contract: contract.type,
        errors: result.errors,
        on_failure: onFailure,
      });
      const summary = `contract ${contract.type} failed: ${result.errors.slice(0, 5).join('; ')}`;
      const failed = (code: string, message: string, retryable: boolean): ContractPhaseResult => ({
        kind: 'failed',
        error: { code, message },
        retryable,
        errors: [`The ${contract.type} contract failed:`, ...result.errors],
      });
      switch (onFailure) {
        case 'fail':
          return failed('contract_failed', summary, true);
        case 'rejected':
          return failed('rejected', `${summary} (on_failure: rejected)`, false);
        case 'skip':
          return { kind: 'skipped', reason: `contract ${contract.type} failed (on_failure: skip)` };
        case 'continue':
        case 'warn':
          continue;
        case 'rework': {
          const targetId = contract.reworkStep ?? step.reworkStep ?? null;
          const target = targetId ? ctx.spec.steps.find((s) => s.id === targetId) : undefined;
          if (!target || !rework) {
            const why = targetId
              ? `rework_step "${targetId}" is not a step of this pipeline`
              : 'no rework_step is configured';
            return failed('contract_failed', `${summary} (on_failure: rework, but ${why})`, true);
          }
          const stalled = convergence(contract, result.errors, scores);
          if (stalled) return failed('contract_failed', `${summary} (rework stalled: ${stalled})`, true);
          if (round >= maxRounds)
            return failed(
              'contract_failed',
              `contract validation failed after ${round} rework attempt${round === 1 ? '' : 's'}: ${summary}`,
              true,
            );
          const file = writeFeedback(cctx.workspace, step.id, contract, result.errors);
          const outcome = await rework(
            target,
            reworkFeedback(step, contract, result.errors, file),
            round + 1,
          );
          if (outcome.kind === 'cancelled') return { kind: 'cancelled' };
          if (outcome.kind === 'failed')
            return failed('rework_failed', `rework step "${target.id}" failed: ${outcome.message}`, false);
          reworked = true;
          break;
        }
      }
      if (reworked) break;
    }
    if (!reworked) return { kind: 'passed' };
  }
}

/**
 * Under --mock the agent writes sample outputs and changes no code, so the project's own test
 * suite says nothing about a prompt step: its failure there only warns (the rehearsal goes on,
 * the failure stays on record). Command steps run for real and keep their contracts.
 */
function mockRehearsal(ctx: RunContext, step: StepSpec, contract: ContractSpec): string | null {
  if (!ctx.mock || step.kind !== 'prompt' || contract.type !== 'test_suite') return null;
  if (contract.onFailure === 'warn' || contract.onFailure === 'continue') return null;
  return `(--mock: the mock agent changed no code, so this test_suite failure only warns instead of on_failure: ${contract.onFailure})`;
}

/** Why rework stopped converging, from `Score: NN%` in the errors (llm_judge), or null. */
function convergence(contract: ContractSpec, errors: string[], scores: number[]): string | null {
  const m = /Score: (\d+(?:\.\d+)?)%/.exec(errors.join('\n'));
  if (!m) return null;
  scores.push(Number(m[1]) / 100);
  const window = contract.convergenceWindow ?? CONVERGENCE_WINDOW;
  const min = contract.convergenceMinImprovement ?? CONVERGENCE_MIN_IMPROVEMENT;
  if (scores.length < window) return null;
  const gain = scores.at(-1)! - scores[scores.length - window]!;
  return gain < min
    ? `the score improved by ${Math.round(gain * 100)} points over the last ${window} rounds, less than ${Math.round(min * 100)}`
    : null;
}

/** `.agents/artifacts/review_feedback_<step>.json` in the step's workspace, as the Go Wave writes it. */
function writeFeedback(workspace: string, stepId: string, contract: ContractSpec, errors: string[]): string {
  const dir = join(workspace, '.agents', 'artifacts');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `review_feedback_${stepId}.json`);
  writeFileSync(
    file,
    `${JSON.stringify({ contract_type: contract.type, error: errors.join('\n') }, null, 2)}\n`,
  );
  return file;
}

function reworkFeedback(step: StepSpec, contract: ContractSpec, errors: string[], file: string): string {
  return [
    '## REWORK CONTEXT',
    '',
    `You are executing as a rework step for step "${step.id}", whose ${contract.type} contract failed.`,
    '',
    '### Agent Review Feedback',
    '',
    `The full feedback is in ${file}. In short:`,
    ...errors.map((e) => `- ${e}`),
    '',
    'Fix these problems.',
  ].join('\n');
}
