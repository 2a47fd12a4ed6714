import { existsSync, readFileSync } from 'node:fs';
import type { AdapterConfig } from '../../config/manifest-schema.js';
import type { StepSpec } from '../../pipeline/model.js';
import { renderTemplate } from '../../pipeline/templates.js';
import { createAdapter } from '../adapters/registry.js';
import type { RunContext } from '../context.js';
import { judgeGuidance } from '../contracts/llm-judge.js';
import { priceUsage } from '../pricing.js';
import { retryRateLimited } from '../rate-limit-retry.js';
import type { ExecOptions, ExecResult } from './types.js';

const TIERS = ['cheapest', 'balanced', 'strongest'] as const;

/** A literal model, or a tier mapped through the adapter's `tier_models`. */
export function resolveModel(requested: string | null, adapter: AdapterConfig | undefined): string | null {
  if (requested && (TIERS as readonly string[]).includes(requested)) {
    return adapter?.tier_models?.[requested as (typeof TIERS)[number]] ?? adapter?.default_model ?? null;
  }
  return requested ?? adapter?.default_model ?? null;
}

/** base-protocol.md, then the persona's prompt. */
export function systemPrompt(ctx: RunContext, personaName: string | null): string {
  const parts: string[] = [];
  const base = ctx.project.personas.baseProtocolFile;
  if (base && existsSync(base)) parts.push(readFileSync(base, 'utf8').trim());
  const persona = personaName ? ctx.project.personas.personas.get(personaName) : undefined;
  if (persona?.promptFile && existsSync(persona.promptFile))
    parts.push(readFileSync(persona.promptFile, 'utf8').trim());
  return parts.join('\n\n---\n\n');
}

/** The adapter a prompt step runs on: `mock` with --mock, else the step's, its persona's, or claude. */
export function promptAdapterName(ctx: RunContext, step: StepSpec): string {
  if (ctx.mock) return 'mock';
  const persona = step.persona ? ctx.project.personas.personas.get(step.persona) : undefined;
  return step.adapter ?? persona?.adapter ?? 'claude';
}

/** Runs a prompt step through its persona's adapter (or the mock adapter with --mock). */
export async function runPromptStep(ctx: RunContext, step: StepSpec, opts: ExecOptions): Promise<ExecResult> {
  const persona = step.persona ? ctx.project.personas.personas.get(step.persona) : undefined;
  if (step.persona && !persona) {
    return fail(
      'persona_not_found',
      `persona "${step.persona}" is not defined in this project any more`,
      false,
    );
  }
  const adapterName = promptAdapterName(ctx, step);
  const adapterConfig = ctx.project.config.adapters[adapterName];
  if (!ctx.mock && adapterName !== 'mock' && !adapterConfig) {
    return fail(
      'adapter_not_found',
      `adapter "${adapterName}" is not declared in wave.yaml (adapters:)`,
      false,
    );
  }
  const source =
    step.prompt && 'source' in step.prompt
      ? step.prompt.source
      : step.prompt
        ? readPromptFile(step.prompt.sourcePath)
        : '';
  if (source === null)
    return fail(
      'prompt_not_found',
      `prompt file ${(step.prompt as { sourcePath: string }).sourcePath} is missing`,
      false,
    );
  let prompt = (opts.preamble ?? '') + renderTemplate(source, opts.values) + judgeGuidance(step.contracts);
  if (opts.feedback) prompt += `\n\n---\n${opts.feedback}`;

  const adapter = createAdapter(adapterName, adapterConfig, { mock: ctx.mock });
  const model = resolveModel(step.model ?? persona?.model ?? null, adapterConfig);
  const result = await retryRateLimited(ctx, step, opts.attempt, () =>
    adapter.run({
      name: adapterName,
      config: adapterConfig ?? { binary: adapterName },
      prompt,
      systemPrompt: systemPrompt(ctx, step.persona),
      model,
      permissions: persona?.permissions ?? { allowed_tools: [], deny: [] },
      cwd: opts.workspace,
      env: opts.env,
      timeoutMs: opts.timeoutMs,
      graceMs: ctx.project.config.runtime.process_grace_ms,
      signal: ctx.signal,
      outputs: step.outputs,
      contracts: step.contracts,
      resolvePath: (p) => ctx.project.resolvePath(p),
      onActivity: (stream, content) => ctx.recorder.activity({ step: step.id, stream, content }),
    }),
  );
  const usage = priceUsage(result.usage, model, ctx.project.config.pricing);
  if (result.ok) return { ok: true, usage, tail: result.outputTail };
  const error = result.error ?? { code: 'agent_error', message: 'the agent failed' };
  const cancelled = error.code === 'cancelled';
  return {
    ok: false,
    cancelled,
    error,
    usage,
    tail: result.outputTail,
    retryable: !cancelled && error.code !== 'adapter_missing',
  };
}

function readPromptFile(path: string): string | null {
  return existsSync(path) ? readFileSync(path, 'utf8') : null;
}

function fail(code: string, message: string, retryable: boolean): ExecResult {
  return { ok: false, cancelled: false, error: { code, message }, usage: null, tail: '', retryable };
}
