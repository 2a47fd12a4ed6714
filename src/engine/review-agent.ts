import type { StepSpec } from '../pipeline/model.js';
import type { AdapterLease } from './adapter-limits.js';
import { waitForAdapterPlace } from './adapter-wait.js';
import { createAdapter } from './adapters/registry.js';
import type { Usage } from './adapters/types.js';
import type { RunContext } from './context.js';
import type { ReviewAgent } from './contracts/types.js';
import { resolveModel, systemPrompt } from './executors/prompt.js';
import { retryRateLimited } from './rate-limit-retry.js';

/**
 * The agent a review contract (agent_review, llm_judge) asks: the named persona's adapter, or
 * the step's, with the mock adapter under --mock, in the step's workspace. Its activity shows
 * on the step's log like the step's own. It hits the same provider as a prompt step, so it goes
 * through the adapter's limits the same way: it queues for a place (`step_throttled` of the
 * step), and a refusal for load is waited out without costing the step an attempt. On the
 * adapter whose place the step already holds (a prompt step reviewed by its own adapter) it
 * runs in that place: the step's agent is done, and waiting for its own place would never end.
 * A review on another capped adapter waits while holding the step's place.
 */
export function reviewAgent(
  ctx: RunContext,
  step: StepSpec,
  place: { attempt: number; heldAdapter: string | null },
  workspace: string,
  env: NodeJS.ProcessEnv,
  onUsage: (usage: Usage) => void,
): ReviewAgent {
  return async (req) => {
    const name = req.persona ?? step.persona;
    const persona = name ? ctx.project.personas.personas.get(name) : undefined;
    if (name && !persona) return { ok: false, error: `persona "${name}" is not defined in this project` };
    const adapterName = ctx.mock
      ? 'mock'
      : ((req.persona ? null : step.adapter) ?? persona?.adapter ?? 'claude');
    const config = ctx.project.config.adapters[adapterName];
    if (!ctx.mock && adapterName !== 'mock' && !config)
      return { ok: false, error: `adapter "${adapterName}" is not declared in wave.yaml (adapters:)` };
    const adapter = createAdapter(adapterName, config, { mock: ctx.mock });
    const lease =
      adapterName === place.heldAdapter ? HELD : await waitForAdapterPlace(ctx, step.id, adapterName);
    if (!lease) return { ok: false, error: 'cancelled while waiting for the adapter' };
    const run = () =>
      adapter.run({
        name: adapterName,
        config: config ?? { binary: adapterName },
        prompt: req.prompt,
        systemPrompt: req.systemPrompt ?? systemPrompt(ctx, name),
        model: resolveModel(req.model ?? persona?.model ?? null, config),
        permissions: persona?.permissions ?? { allowed_tools: [], deny: [] },
        cwd: workspace,
        env,
        timeoutMs: req.timeoutMs,
        graceMs: ctx.project.config.runtime.process_grace_ms,
        signal: ctx.signal,
        outputs: [],
        contracts: [],
        resolvePath: (p) => ctx.project.resolvePath(p),
        purpose: req.purpose,
        onActivity: (stream, content) =>
          ctx.recorder.activity({ step: step.id, stream, content: `[${req.purpose}] ${content}` }),
      });
    let result: Awaited<ReturnType<typeof run>>;
    try {
      result = await retryRateLimited(ctx, step, place.attempt, run);
    } finally {
      lease.release();
    }
    if (result.usage) onUsage(result.usage);
    if (!result.ok) return { ok: false, error: result.error?.message ?? 'the agent failed' };
    return {
      ok: true,
      text: result.text ?? result.outputTail,
      tokens: result.usage ? result.usage.tokens_in + result.usage.tokens_out : null,
    };
  };
}

/** The step's own place: it is given back when the step's attempt ends, not by the review. */
const HELD: AdapterLease = { release() {} };
