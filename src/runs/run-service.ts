import { createHash } from 'node:crypto';
import type { Project, RunnablePipeline } from '../config/load-project.js';
import { projectRelative } from '../config/project-relative.js';
import { WaveError } from '../errors.js';
import { type RunStatus, TERMINAL_RUN_STATUSES, type Trigger, type WaveEvent } from '../events/catalogue.js';
import { ValidationError } from '../pipeline/diagnostics.js';
import type { NewRun, RunMode, RunOptions, RunRecord, Store } from '../store/store.js';
import { newRunId } from './ids.js';
import { checkInput, inputTextProblem } from './input-check.js';
import {
  pipelineOutputs,
  type RunDetailView,
  type RunView,
  toGateView,
  toRunView,
  toStepView,
} from './views.js';

export interface CreateRunRequest {
  pipeline: string;
  input: string | null;
  labels?: Record<string, string>;
  trigger: Trigger;
  mode: RunMode;
  options?: RunOptions;
  idempotencyKey?: string;
  claim?: NewRun['claim'];
}

/**
 * What makes two submissions "the same request" for an Idempotency-Key: the pipeline, the input
 * and the labels (in any key order), as a hash so the store keeps no second copy of the input.
 */
export function requestFingerprint(
  pipeline: string,
  input: string | null,
  labels: Record<string, string>,
): string {
  const sorted = Object.keys(labels)
    .sort()
    .map((k) => [k, labels[k]]);
  return createHash('sha256')
    .update(JSON.stringify([pipeline, input, sorted]))
    .digest('base64url');
}

export interface GateAnswerRequest {
  choice?: string;
  text?: string;
  approved?: boolean;
}

/**
 * What callers (the CLI, HTTP routes, webhooks) do with runs, with the checks and errors of
 * API.md: one place, so every caller gets the same answers. Knows nothing of HTTP.
 */
export class RunService {
  constructor(
    private readonly store: Store,
    private readonly project: Project,
  ) {}

  /**
   * The pipeline to run, loaded without holding the event loop; an invalid one's errors name
   * files relative to the project, since they may go to a remote caller.
   */
  private async runnablePipeline(name: string): Promise<RunnablePipeline> {
    try {
      return await this.project.loadRunnablePipeline(name);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      throw new ValidationError('invalid_pipeline', err.diagnostics.map(projectRelative(this.project.paths)));
    }
  }

  async createRun(req: CreateRunRequest): Promise<{ run: RunRecord; created: boolean; events: WaveEvent[] }> {
    const spec = (await this.runnablePipeline(req.pipeline)).spec;
    if (spec.disabled) {
      throw new WaveError(
        'pipeline_disabled',
        `pipeline "${spec.name}" is disabled (metadata.disabled) and cannot be run`,
      );
    }
    const input = req.input === '' ? null : req.input;
    if (spec.input?.required && input === null) {
      const example = spec.input.example ? ` (for example "${spec.input.example}")` : '';
      throw new WaveError('input_required', `pipeline "${spec.name}" needs an input${example}`, {
        input: { type: spec.input.type, description: spec.input.description, example: spec.input.example },
      });
    }
    const textProblem = input === null ? null : inputTextProblem(input);
    if (textProblem) throw new WaveError('invalid_input', textProblem);
    if (input !== null && spec.input?.schema) {
      const problems = checkInput(input, spec.input.schema);
      if (problems.length) {
        throw new WaveError(
          'invalid_input',
          `the input does not match the pipeline's input.schema: ${problems.join('; ')}`,
          { issues: problems },
        );
      }
    }
    return this.store.createRun({
      id: newRunId(spec.name),
      pipeline: spec.name,
      input,
      labels: req.labels ?? {},
      trigger: req.trigger,
      mode: req.mode,
      options: req.options ?? {},
      spec,
      ...(req.idempotencyKey
        ? {
            idempotency: {
              key: req.idempotencyKey,
              actor: req.trigger.actor,
              fingerprint: requestFingerprint(spec.name, input, req.labels ?? {}),
            },
          }
        : {}),
      ...(req.claim ? { claim: req.claim } : {}),
    });
  }

  async requireRun(id: string): Promise<RunRecord> {
    const run = await this.store.getRun(id);
    if (!run) throw new WaveError('run_not_found', `no run with id "${id}"`);
    return run;
  }

  async view(run: RunRecord): Promise<RunView> {
    return toRunView(run, await this.store.queuePosition(run));
  }

  /** The run with its steps, gates, outcomes and named outputs. */
  async detail(id: string): Promise<RunDetailView> {
    const run = await this.requireRun(id);
    const [steps, gates, artifacts, spec, position] = await Promise.all([
      this.store.listSteps(id),
      this.store.listGates(id),
      this.store.listArtifacts(id),
      this.store.getRunSpec(id),
      this.store.queuePosition(run),
    ]);
    return {
      ...toRunView(run, position),
      steps: steps.map((s) => toStepView(s, artifacts)),
      gates: gates.map(toGateView),
      outcomes: run.outcomes,
      outputs: pipelineOutputs(spec, artifacts),
    };
  }

  async list(query: {
    statuses?: RunStatus[];
    pipeline?: string;
    labels?: Record<string, string>;
    limit: number;
    cursor?: string;
  }) {
    const page = await this.store.listRuns(query);
    const runs = await Promise.all(page.runs.map((r) => this.view(r)));
    return { runs, next_cursor: page.nextCursor };
  }

  /** API.md: queued → cancelled at once; running/waiting → requested; finished → 409. */
  async cancel(id: string, by: string | null): Promise<{ run: RunRecord; requested: boolean }> {
    const result = await this.store.requestCancel(id, by);
    if (!result) throw new WaveError('run_not_found', `no run with id "${id}"`);
    if (result.kind === 'finished') {
      throw new WaveError('run_finished', `run "${id}" already ended (${result.run.status})`, {
        status: result.run.status,
      });
    }
    return { run: result.run, requested: result.kind === 'requested' };
  }

  /** First answer wins in the store; every other answer is gate_not_waiting. */
  async answerGate(
    id: string,
    stepId: string,
    body: GateAnswerRequest,
    by: string | null,
  ): Promise<WaveEvent> {
    const run = await this.requireRun(id);
    const spec = await this.store.getRunSpec(id);
    const step = spec?.steps.find((s) => s.id === stepId);
    if (step?.kind !== 'gate' || !step.gate) {
      throw new WaveError('step_not_found', `run "${id}" has no gate step "${stepId}"`);
    }
    const gate = (await this.store.listGates(id)).find((g) => g.step === stepId);
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
    const event = await this.store.answerGate(id, stepId, {
      choice,
      text: body.text ?? null,
      by,
      timedOut: false,
    });
    if (!event) {
      const latest = (await this.store.listGates(id)).find((g) => g.step === stepId);
      const fresh = await this.requireRun(id);
      throw new WaveError(
        'gate_not_waiting',
        `gate "${stepId}" is not waiting: ${latest?.answer ? `it was already answered "${latest.answer.choice}"${latest.answer.by ? ` by ${latest.answer.by}` : ''}` : `the run is ${fresh.status}`}`,
        {
          status: latest?.status ?? null,
          answer: latest?.answer ?? null,
        },
      );
    }
    return event;
  }
}
