import { WaveError } from '../errors.js';
import { TERMINAL_RUN_STATUSES } from '../events/catalogue.js';
import type { RunRecord } from '../store/store.js';
import type { ServiceDeps } from './deps.js';
import { type GateView, toGateView } from './views.js';

export interface GateAnswerRequest {
  choice?: string;
  text?: string;
  approved?: boolean;
}

async function requireRun(deps: ServiceDeps, id: string): Promise<RunRecord> {
  const run = await deps.store.getRun(id);
  if (!run) throw new WaveError('run_not_found', `no run with id "${id}"`);
  return run;
}

/** First answer wins in the store; every other answer is gate_not_waiting. */
export async function answerGate(
  deps: ServiceDeps,
  id: string,
  stepId: string,
  body: GateAnswerRequest,
  by: string | null,
): Promise<GateView> {
  const run = await requireRun(deps, id);
  const spec = await deps.store.getRunSpec(id);
  const step = spec?.steps.find((s) => s.id === stepId);
  if (step?.kind !== 'gate' || !step.gate) {
    throw new WaveError('step_not_found', `run "${id}" has no gate step "${stepId}"`);
  }
  const gate = (await deps.store.listGates(id)).find((g) => g.step === stepId);
  const choices = gate?.choices ?? step.gate.choices;
  const freeform = gate?.freeform ?? step.gate.freeform;
  let choice = body.choice;
  if (choice === undefined && body.approved !== undefined) {
    choice = choices.find((c) => (body.approved ? c.target !== '_fail' : c.target === '_fail'))?.key;
    if (choice === undefined) {
      throw new WaveError(
        'invalid_choice',
        `gate "${stepId}" has no choice that ${body.approved ? 'approves' : 'rejects'}`,
        {
          choices: choices.map((c) => c.key),
        },
      );
    }
  }
  if (choice === undefined)
    throw new WaveError('invalid_choice', 'give a `choice` (or `approved`)', {
      choices: choices.map((c) => c.key),
    });
  if (!choices.some((c) => c.key === choice)) {
    throw new WaveError(
      'invalid_choice',
      `"${choice}" is not a choice of gate "${stepId}" (${choices.map((c) => c.key).join(', ')})`,
      {
        choices: choices.map((c) => c.key),
      },
    );
  }
  if (body.text !== undefined && body.text !== '' && !freeform) {
    throw new WaveError('invalid_choice', `gate "${stepId}" takes no free text (freeform is false)`);
  }
  const notWaiting = () => {
    const why = TERMINAL_RUN_STATUSES.has(run.status)
      ? `the run already ended (${run.status})`
      : !gate
        ? 'the gate has not been reached yet'
        : gate.answer
          ? `it was already answered "${gate.answer.choice}"${gate.answer.by ? ` by ${gate.answer.by}` : ''}`
          : `it is ${gate.status}`;
    return new WaveError('gate_not_waiting', `gate "${stepId}" is not waiting: ${why}`, {
      status: gate?.status ?? null,
      answer: gate?.answer ?? null,
    });
  };
  if (gate?.status !== 'waiting') throw notWaiting();
  const event = await deps.store.answerGate(id, stepId, {
    choice,
    text: body.text ?? null,
    by,
    timedOut: false,
  });
  if (!event) {
    const latest = (await deps.store.listGates(id)).find((g) => g.step === stepId);
    const fresh = await requireRun(deps, id);
    throw new WaveError(
      'gate_not_waiting',
      `gate "${stepId}" is not waiting: ${latest?.answer ? `it was already answered "${latest.answer.choice}"${latest.answer.by ? ` by ${latest.answer.by}` : ''}` : `the run is ${fresh.status}`}`,
      {
        status: latest?.status ?? null,
        answer: latest?.answer ?? null,
      },
    );
  }
  const answered = (await deps.store.listGates(id)).find((g) => g.step === stepId);
  if (!answered) throw new WaveError('step_not_found', `run "${id}" has no gate step "${stepId}"`);
  return toGateView(answered);
}
