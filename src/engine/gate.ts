import type { GateChoice, StepSpec } from '../pipeline/model.js';
import { renderTemplate } from '../pipeline/templates.js';
import type { GateRecord } from '../store/store.js';
import type { AnswerGate, RunContext } from './context.js';
import { POLL_TIMEOUT_MS, pollGate } from './poll-gate.js';
import { templateValues } from './template-values.js';

export type GateOutcome =
  | { kind: 'completed'; choice: string }
  | { kind: 'failed'; error: { code: string; message: string } }
  | { kind: 'cancelled' };

/** The choice `--auto-approve` takes: the default, else the first that does not fail. */
export function autoChoice(gate: { choices: GateChoice[]; default: string | null }): GateChoice | undefined {
  return gate.choices.find((c) => c.key === gate.default) ?? gate.choices.find((c) => c.target !== '_fail');
}

/**
 * A gate step: announces itself (gate_waiting), takes a preset answer if the command line gave
 * one, else waits for the first answer from anywhere (HTTP, `wave gate`, a terminal prompt)
 * or the timeout. First answer wins in the store, atomically.
 */
export async function runGateStep(
  ctx: RunContext,
  step: StepSpec,
  existing: GateRecord | undefined,
  onBlocked: () => void,
): Promise<GateOutcome> {
  const spec = step.gate!;
  // timer, pr_merge and ci_pass need nobody: the engine answers them (poll-gate.ts).
  const kind = spec.type ?? 'approval';
  const polled = kind !== 'approval';
  let gate = existing;
  if (!gate) {
    const values = templateValues(ctx, step, await ctx.store.listGates(ctx.run.id));
    const timeoutMs = polled
      ? (spec.timeoutMs ?? POLL_TIMEOUT_MS)
      : (spec.timeoutMs ?? gateDefaultTimeout(ctx));
    // A timer passes when its time is up: its default is the first choice that goes on.
    const defaultChoice = kind === 'timer' ? (autoChoice(spec)?.key ?? null) : polled ? null : spec.default;
    const timeoutAt = timeoutMs === null ? null : new Date(Date.now() + timeoutMs).toISOString();
    await ctx.recorder.emit([
      { type: 'step_started', run_id: ctx.run.id, step: step.id, kind: 'gate', persona: null, attempt: 1 },
      {
        type: 'gate_waiting',
        run_id: ctx.run.id,
        step: step.id,
        prompt: renderTemplate(spec.prompt, values),
        choices: spec.choices,
        freeform: spec.freeform,
        default: defaultChoice,
        timeout_at: timeoutAt,
      },
    ]);
    gate = (await ctx.store.listGates(ctx.run.id)).find((g) => g.step === step.id)!;
  }

  const answer = gateAnswerer(ctx, step);

  if (gate.status === 'waiting') {
    const preset = ctx.gates.presets[step.id];
    // --auto-approve stands in for a person: it answers approval gates only.
    const auto = spec.auto || (ctx.gates.autoApprove && !polled) ? autoChoice(gate) : undefined;
    if (preset) {
      if (!gate.choices.some((c) => c.key === preset.choice)) {
        return fail(
          'invalid_choice',
          `--gate ${step.id}=${preset.choice}: "${preset.choice}" is not a choice of this gate (${gate.choices.map((c) => c.key).join(', ')})`,
        );
      }
      await answer(preset.choice, preset.text, ctx.gates.actor);
    } else if (auto) {
      await answer(auto.key, null, ctx.gates.actor);
    } else if (ctx.gates.unanswered === 'fail' && !ctx.gates.ask && !polled) {
      return fail(
        'gate_unanswered',
        `gate "${step.id}" needs an answer and there is no terminal to ask on: run with --auto-approve or --gate ${step.id}=<${gate.choices.map((c) => c.key).join('|')}>`,
      );
    }
  }

  gate = (await ctx.store.listGates(ctx.run.id)).find((g) => g.step === step.id) ?? gate;
  if (gate.status === 'waiting') onBlocked();
  const stopPolling = new AbortController();
  const polling =
    gate.status === 'waiting' && (kind === 'pr_merge' || kind === 'ci_pass')
      ? answerWhenPolled(ctx, step, gate, AbortSignal.any([ctx.signal, stopPolling.signal]))
      : Promise.resolve();
  const decided = await waitForDecision(ctx, step, gate, !polled).finally(() => stopPolling.abort());
  // The forge CLI call in flight ends with the gate: no process outlives its step.
  await polling;
  if (decided === 'cancelled') return { kind: 'cancelled' };
  if (decided.status === 'timed_out' && !decided.answer) {
    return fail(
      'gate_timeout',
      polled
        ? `${kind} gate "${step.id}" timed out at ${decided.timeoutAt}: ${decided.prompt}`
        : `gate "${step.id}" timed out at ${decided.timeoutAt} with no default choice`,
    );
  }
  const choice = decided.choices.find((c) => c.key === decided.answer!.choice);
  if (choice?.target === '_fail' && polled && decided.answer!.by === kind) {
    return fail(
      'gate_failed',
      `${kind} gate "${step.id}" failed: ${decided.answer!.text ?? 'the check failed'}`,
    );
  }
  if (choice?.target === '_fail') {
    const who = decided.answer!.by
      ? ` by ${decided.answer!.by}`
      : decided.status === 'timed_out'
        ? ' (timeout default)'
        : '';
    return fail('gate_rejected', `gate "${step.id}" answered "${choice.key}" (${choice.label})${who}`);
  }
  return { kind: 'completed', choice: decided.answer!.choice };
}

/** Answers this gate as a person would (first answer wins); false when it was no longer waiting. */
function gateAnswerer(ctx: RunContext, step: StepSpec): AnswerGate {
  return async (choice, text, by) =>
    (await ctx.store.answerGate(ctx.run.id, step.id, { choice, text, by, timedOut: false })) !== null;
}

function fail(code: string, message: string): GateOutcome {
  return { kind: 'failed', error: { code, message } };
}

/** Gates without `timeout` wait for `runtime.timeouts.gate_approval_hours`, else forever. */
function gateDefaultTimeout(ctx: RunContext): number | null {
  return ctx.project.config.runtime.gate_timeout_ms;
}

/** Resolves with the gate once it is answered or timed out, or 'cancelled'. */
async function waitForDecision(
  ctx: RunContext,
  step: StepSpec,
  initial: GateRecord,
  askPerson: boolean,
): Promise<GateRecord | 'cancelled'> {
  const decided = (g: GateRecord | undefined) => g !== undefined && g.status !== 'waiting';
  if (decided(initial)) return initial;
  const asking = new AbortController();
  const onCancel = () => asking.abort();
  ctx.signal.addEventListener('abort', onCancel, { once: true });
  if (ctx.gates.ask && askPerson) {
    void ctx.gates
      .ask(initial, gateAnswerer(ctx, step), asking.signal)
      .catch((err) => ctx.logger.warn({ err }, 'gate prompt failed'));
  }

  try {
    return await new Promise<GateRecord | 'cancelled'>((resolve) => {
      let done = false;
      const timers: NodeJS.Timeout[] = [];
      const finish = (value: GateRecord | 'cancelled') => {
        if (done) return;
        done = true;
        unsubscribe();
        for (const t of timers) clearTimeout(t);
        ctx.signal.removeEventListener('abort', onAbort);
        resolve(value);
      };
      const check = async () => {
        const gate = (await ctx.store.listGates(ctx.run.id)).find((g) => g.step === step.id);
        if (gate && decided(gate)) finish(gate);
      };
      // An answer from anywhere arrives as a gate_answered event through the change feed.
      const unsubscribe = ctx.changes.subscribe(({ events }) => {
        if (events.some((e) => e.type === 'gate_answered' && e.run_id === ctx.run.id && e.step === step.id))
          void check().catch(() => undefined);
      });
      const onAbort = () => finish('cancelled');
      ctx.signal.addEventListener('abort', onAbort, { once: true });
      if (initial.timeoutAt) {
        const delay = Math.max(0, Date.parse(initial.timeoutAt) - Date.now());
        timers.push(
          setTimeout(() => {
            void onTimeout(ctx, step, initial).then(check);
          }, delay),
        );
      }
      void check();
    });
  } finally {
    asking.abort();
    ctx.signal.removeEventListener('abort', onCancel);
  }
}

/** The timeout takes the default choice, unless a human answered first (still first-wins). */
async function onTimeout(ctx: RunContext, step: StepSpec, gate: GateRecord): Promise<void> {
  if (gate.default !== null) {
    await ctx.store.answerGate(ctx.run.id, step.id, {
      choice: gate.default,
      text: null,
      by: null,
      timedOut: true,
    });
  } else {
    await ctx.store.append(ctx.run.id, [], { gateTimedOut: { step: step.id } });
  }
}

/**
 * Polls the forge for a pr_merge or ci_pass gate and answers it with the verdict, as
 * `<gate type>` (first answer wins: a person may still answer first over HTTP or `wave gate`).
 */
async function answerWhenPolled(
  ctx: RunContext,
  step: StepSpec,
  gate: GateRecord,
  signal: AbortSignal,
): Promise<void> {
  try {
    const verdict = await pollGate(ctx, step, signal);
    if (!verdict || signal.aborted) return;
    const passes = verdict.kind === 'passed';
    const choice = gate.choices.find((c) => (passes ? c.target !== '_fail' : c.target === '_fail'));
    if (!choice) return;
    await ctx.store.answerGate(ctx.run.id, step.id, {
      choice: choice.key,
      text: verdict.detail,
      by: step.gate!.type ?? null,
      timedOut: false,
    });
  } catch (err) {
    ctx.logger.warn({ err, step: step.id }, 'gate polling failed');
  }
}
