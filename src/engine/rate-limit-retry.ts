import { setTimeout as sleep } from 'node:timers/promises';
import type { StepSpec } from '../pipeline/model.js';
import type { AdapterResult } from './adapters/types.js';
import type { RunContext } from './context.js';
import { addUsage } from './usage.js';

const FIRST_DELAY_MS = 1000;
const MAX_DELAY_MS = 60_000;
/** After this many refusals in a row the attempt fails as `rate_limited` (and counts). */
const MAX_REFUSALS = 8;

/**
 * Runs the agent again, with exponential backoff, while the provider refuses for load
 * (`rate_limited`: a 429/overloaded answer or an exit code in `retry_on_exit`): such a refusal
 * says nothing about the prompt, so it costs no attempt. Each wait is announced as a
 * `step_retrying` carrying the same attempt number. The step keeps its place on the adapter
 * meanwhile: another step starting now would only be refused too.
 */
export async function retryRateLimited(
  ctx: RunContext,
  step: StepSpec,
  attempt: number,
  run: () => Promise<AdapterResult>,
): Promise<AdapterResult> {
  let spent: AdapterResult['usage'] = null;
  for (let refusals = 0; ; refusals++) {
    const result = await run();
    spent = addUsage(spent, result.usage);
    if (result.error?.code !== 'rate_limited' || refusals >= MAX_REFUSALS || ctx.signal.aborted)
      return { ...result, usage: spent };
    const delay = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** refusals);
    await ctx.recorder.emit({
      type: 'step_retrying',
      run_id: ctx.run.id,
      step: step.id,
      attempt,
      delay_ms: delay,
      reason: `rate limited, not counted as an attempt: ${result.error.message}`,
    });
    try {
      await sleep(delay, undefined, { signal: ctx.signal });
    } catch {
      return {
        ok: false,
        error: { code: 'cancelled', message: 'cancelled while waiting out a rate limit' },
        usage: spent,
        outputTail: result.outputTail,
      };
    }
  }
}
