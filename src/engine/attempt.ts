import type { WaveEvent } from '../events/catalogue.js';
import type { StepSpec } from '../pipeline/model.js';
import { findTemplateRefs } from '../pipeline/templates.js';
import type { Outcome, SideEffects } from '../store/store.js';
import type { Usage } from './adapters/types.js';
import { collectArtifacts, injectArtifacts, readJsonPath, workspaceFile } from './artifacts.js';
import { materializeInherited } from './composition/inherited.js';
import type { RunContext } from './context.js';
import { checkContracts, type ReworkRunner } from './contract-phase.js';
import type { ContractContext } from './contracts/index.js';
import { injectDependencies } from './dep-inject.js';
import { runCommandStep } from './executors/command.js';
import { runPromptStep } from './executors/prompt.js';
import type { ExecOptions } from './executors/types.js';
import { reviewAgent } from './review-agent.js';
import { isProjectValue, renderShellTemplate, templateEnv } from './shell-template.js';
import { checkInjectedSchemas, dependenciesMayHaveArtifacts, renderStepFields } from './step-inputs.js';
import { PROJECT_COMMAND, stepEnv, templateValues } from './template-values.js';
import { appendThread, threadContext } from './thread.js';
import { addUsage } from './usage.js';
import { prepareWorkspace } from './workspace.js';

export type AttemptResult =
  | { kind: 'success'; usage: Usage | null; side: SideEffects; workspace: string }
  | {
      kind: 'failure';
      error: { code: string; message: string };
      retryable: boolean;
      feedback: string;
      usage: Usage | null;
      /** Where the attempt ran, once its workspace was made (rework reads its partial outputs). */
      workspace?: string;
    }
  | { kind: 'skipped'; reason: string }
  | { kind: 'cancelled' };

const TAIL_FOR_FEEDBACK = 2000;

/** One attempt of a command or prompt step: workspace, run, artifacts, contracts, outcomes. */
export async function runAttempt(
  ctx: RunContext,
  written: StepSpec,
  attempt: number,
  feedback: string | null,
  rework?: ReworkRunner,
  /** The adapter this attempt already holds a place on (a prompt step's own, for its whole attempt). */
  heldAdapter: string | null = null,
): Promise<AttemptResult> {
  // Read only what this step can use: gate answers exist only in pipelines with gates, and
  // artifacts matter only to a step that injects some, depends on some (they are copied in,
  // GOWAVE §12) or mounts a subset (a store round trip each otherwise).
  const needsArtifacts =
    written.injects.length > 0 ||
    dependenciesMayHaveArtifacts(ctx, written) ||
    written.workspace.mount.some((m) => m.subsetFrom !== null);
  const [gates, artifacts] = await Promise.all([
    ctx.spec.steps.some((s) => s.kind === 'gate') ? ctx.store.listGates(ctx.run.id) : [],
    needsArtifacts ? ctx.store.listArtifacts(ctx.run.id) : [],
  ]);
  const values = templateValues(ctx, written, gates);
  const step = renderStepFields(written, values);
  if (ctx.mock) noteRehearsedCommands(ctx, written);
  let workspace: string;
  try {
    workspace = await prepareWorkspace(ctx, step, attempt, values, artifacts);
  } catch (err) {
    const e = err as { code?: string; message: string };
    return {
      kind: 'failure',
      error: { code: e.code === 'workspace_error' ? e.code : 'workspace_error', message: e.message },
      retryable: false,
      feedback: '',
      usage: null,
    };
  }
  // Before inject_artifacts, which may overwrite these copies (GOWAVE §12).
  let deps: ReturnType<typeof injectDependencies>;
  try {
    deps = injectDependencies(ctx.spec, step, workspace, artifacts);
  } catch (err) {
    // A readonly mount over the workspace itself, say: the step cannot get its inputs.
    const message = `could not copy the dependencies' outputs into the workspace (.agents/): ${(err as Error).message}`;
    return {
      kind: 'failure',
      error: { code: 'workspace_error', message },
      retryable: false,
      feedback: '',
      usage: null,
    };
  }
  Object.assign(values, deps.values);
  for (const clash of deps.clashes) {
    ctx.recorder.activity({
      step: step.id,
      stream: 'stderr',
      content: `.agents/output/${clash}: two dependencies have a file of this name; the last one is kept`,
    });
  }
  const { missing } = injectArtifacts(step, workspace, artifacts);
  if (missing.length) {
    const message = `injected artifacts are missing: ${missing.join(', ')}`;
    return {
      kind: 'failure',
      error: { code: 'artifact_missing', message },
      retryable: false,
      feedback: message,
      usage: null,
    };
  }

  materializeInherited(ctx, workspace);
  const env = { ...stepEnv(ctx, step, workspace, attempt), ...deps.env };
  const timeoutMs = step.timeoutMs ?? ctx.project.config.runtime.default_timeout_ms;
  const contractContext: ContractContext = {
    step,
    workspace,
    projectRoot: ctx.project.root,
    resolvePath: (p) => ctx.project.resolvePath(p),
    // project.* values are commands by nature ({{ project.test_command }}) and go in as written.
    renderCommand: (cmd) => renderShellTemplate(cmd, values, { raw: isProjectValue }),
    env: { ...env, ...templateEnv(values) },
    timeoutMs,
    graceMs: ctx.project.config.runtime.process_grace_ms,
    signal: ctx.signal,
    onLine: (stream, line) => ctx.recorder.activity({ step: step.id, stream, content: line }),
  };
  const invalidInput = await checkInjectedSchemas(step, contractContext);
  if (invalidInput) {
    return {
      kind: 'failure',
      error: invalidInput,
      retryable: true,
      feedback: invalidInput.message,
      usage: null,
    };
  }

  const thread = step.kind === 'prompt' ? (step.thread ?? null) : null;
  const opts: ExecOptions = {
    workspace,
    values,
    env,
    timeoutMs,
    attempt,
    feedback,
    ...(thread ? { preamble: threadContext(ctx, thread) } : {}),
  };
  const exec =
    step.kind === 'prompt' ? await runPromptStep(ctx, step, opts) : await runCommandStep(ctx, step, opts);
  if (thread && !(!exec.ok && exec.cancelled)) appendThread(ctx, thread, step.id, exec.tail);
  if (!exec.ok) {
    if (exec.cancelled) return { kind: 'cancelled' };
    return {
      kind: 'failure',
      error: exec.error,
      retryable: exec.retryable,
      feedback: feedbackText(attempt, [exec.error.message], exec.tail),
      usage: exec.usage,
      workspace,
    };
  }

  const collected = await collectArtifacts(ctx, step, workspace);
  if (collected.events.length) await ctx.recorder.emit(collected.events, { artifacts: collected.records });
  if (collected.outside.length) {
    const message = `output artifacts lie outside the step's workspace once symlinks are followed, and are refused: ${collected.outside.map((a) => `${a.name} (${a.path})`).join(', ')}`;
    return {
      kind: 'failure',
      error: { code: 'artifact_outside_workspace', message },
      retryable: false,
      feedback: feedbackText(attempt, [message], exec.tail),
      usage: exec.usage,
      workspace,
    };
  }
  if (collected.missing.length) {
    const message = `required output artifacts were not written: ${collected.missing.map((a) => `${a.name} (${a.path})`).join(', ')}`;
    return {
      kind: 'failure',
      error: { code: 'artifact_missing', message },
      retryable: true,
      feedback: feedbackText(attempt, [message], exec.tail),
      usage: exec.usage,
      workspace,
    };
  }

  if (collected.invalid.length) {
    const message = `json artifacts are not valid JSON: ${collected.invalid.map((a) => `${a.spec.name} (${a.spec.path}: ${a.problem})`).join(', ')}`;
    return {
      kind: 'failure',
      error: { code: 'artifact_invalid', message },
      retryable: true,
      feedback: feedbackText(attempt, [message], exec.tail),
      usage: exec.usage,
      workspace,
    };
  }

  // What review contracts' agents spent counts as the step's usage.
  let reviewUsage: Usage | null = null;
  const contracts = await checkContracts(
    ctx,
    step,
    {
      ...contractContext,
      agent: reviewAgent(ctx, step, { attempt, heldAdapter }, workspace, env, (u) => {
        reviewUsage = addUsage(reviewUsage, u);
      }),
      artifactPath: async (name) =>
        (await ctx.store.listArtifacts(ctx.run.id)).findLast((a) => a.name === name)?.path ?? null,
      runEvents: async () => {
        // Output lines are written in batches: the latest must be in the store first.
        await ctx.recorder.flush();
        return (await ctx.store.readEvents({ runId: ctx.run.id, afterSeq: 0, limit: 5000 })).map(
          (r) => JSON.parse(r.json) as WaveEvent,
        );
      },
    },
    rework,
  );
  const usage = addUsage(exec.usage, reviewUsage);
  if (contracts.kind === 'cancelled') return contracts;
  if (contracts.kind === 'skipped') return contracts;
  if (contracts.kind === 'failed') {
    return {
      kind: 'failure',
      error: contracts.error,
      retryable: contracts.retryable,
      feedback: feedbackText(attempt, contracts.errors, exec.tail),
      usage,
      workspace,
    };
  }

  const outcomes = extractOutcomes(ctx, step, workspace);
  if (outcomes.length === 0) return { kind: 'success', usage, side: {}, workspace };
  // Parallel steps share the run record: the list only grows, and is written whole each time.
  ctx.run.outcomes.push(...outcomes);
  return { kind: 'success', usage, side: { outcomes: [...ctx.run.outcomes] }, workspace };
}

function extractOutcomes(ctx: RunContext, step: StepSpec, workspace: string): Outcome[] {
  const out: Outcome[] = [];
  for (const o of step.outcomes) {
    const file = workspaceFile(workspace, o.extractFrom);
    if (file === 'outside') {
      ctx.recorder.activity({
        step: step.id,
        stream: 'stderr',
        content: `outcome "${o.label}": ${o.extractFrom} lies outside the step's workspace; it is not read`,
      });
      continue;
    }
    let value: unknown;
    try {
      value = file === 'missing' ? undefined : readJsonPath(file, o.jsonPath);
    } catch (err) {
      ctx.recorder.activity({
        step: step.id,
        stream: 'stderr',
        content: `outcome "${o.label}": ${o.extractFrom} is not JSON (${(err as Error).message})`,
      });
      continue;
    }
    if (value === undefined) {
      ctx.recorder.activity({
        step: step.id,
        stream: 'stderr',
        content: `outcome "${o.label}": nothing at ${o.jsonPath} in ${o.extractFrom}`,
      });
      continue;
    }
    out.push({ step: step.id, type: o.type, label: o.label, value });
  }
  return out;
}

/** What a retried prompt step is told about the attempt that failed. */
function feedbackText(attempt: number, errors: string[], tail: string): string {
  const trimmed = tail.length > TAIL_FOR_FEEDBACK ? `…${tail.slice(-TAIL_FOR_FEEDBACK)}` : tail;
  return [
    `Your previous attempt (attempt ${attempt}) failed:`,
    ...errors.map((e) => `- ${e}`),
    ...(trimmed.trim() ? ['', 'The end of its output was:', '```', trimmed.trimEnd(), '```'] : []),
    '',
    'Fix these problems in this attempt.',
  ].join('\n');
}

/** Says which of the step's project commands a --mock run rehearses as `true` (template-values). */
function noteRehearsedCommands(ctx: RunContext, step: StepSpec): void {
  const texts = [step.command ?? '', ...step.contracts.map((c) => c.command ?? '')];
  const names = new Set<string>();
  for (const text of texts)
    for (const { name } of findTemplateRefs(text)) if (PROJECT_COMMAND.test(name)) names.add(name);
  if (names.size === 0) return;
  ctx.recorder.activity({
    step: step.id,
    stream: 'stderr',
    content: `--mock: ${[...names].map((n) => `{{ ${n} }}`).join(', ')} rehearsed as \`true\` (the mock agents changed no code)`,
  });
}
