import type { StepSpec } from '../pipeline/model.js';
import type { AdapterLease } from './adapter-limits.js';
import type { RunContext } from './context.js';
import { promptAdapterName } from './executors/prompt.js';

/**
 * Waits for a place on the adapter of a prompt step before it starts (it stays pending
 * meanwhile), announcing each position in line as `step_throttled`. Null when the run was
 * cancelled while waiting: its place is gone from the line already.
 */
export async function waitForAdapter(ctx: RunContext, step: StepSpec): Promise<AdapterLease | null> {
  if (step.kind !== 'prompt') return NO_LIMIT;
  return waitForAdapterPlace(ctx, step.id, promptAdapterName(ctx, step));
}

/**
 * Waits for a place on `adapter` for an agent that `step` runs: the step's own, or a review
 * contract's (which hits the same provider). Positions are announced as `step_throttled` of
 * `step`. Null when the run was cancelled while waiting.
 */
export async function waitForAdapterPlace(
  ctx: RunContext,
  step: string,
  adapter: string,
): Promise<AdapterLease | null> {
  const limits = ctx.adapterLimits;
  if (!limits?.limited(adapter)) return NO_LIMIT;
  // Positions arrive synchronously from the queue; their events are written in that order.
  let announced: Promise<void> = Promise.resolve();
  let lease: AdapterLease | null;
  try {
    lease = await limits.acquire(adapter, {
      signal: ctx.signal,
      who: { runId: ctx.run.id, step },
      onWait: (position) => {
        announced = announced.then(async () => {
          await ctx.recorder.emit({ type: 'step_throttled', run_id: ctx.run.id, step, adapter, position });
        });
      },
    });
  } catch {
    lease = null;
  }
  try {
    await announced;
  } catch (err) {
    lease?.release();
    throw err;
  }
  return lease;
}

const NO_LIMIT: AdapterLease = { release() {} };
