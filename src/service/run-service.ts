import { createHash } from 'node:crypto';
import type { Project, RunnablePipeline } from '../config/load-project.js';
import { projectRelative } from '../config/project-relative.js';
import { WaveError } from '../errors.js';
import { type RunStatus, TERMINAL_RUN_STATUSES, type Trigger, type WaveEvent } from '../events/catalogue.js';
import type { Pacer } from '../pacer.js';
import { ValidationError } from '../pipeline/diagnostics.js';
import type { PipelineSpec } from '../pipeline/model.js';
import { type Follower, followRun } from '../runs/follow.js';
import { claimRun, creationClaim } from '../scheduler/leases.js';
import type { NewRun, RunMode, RunOptions, RunRecord, Store } from '../store/store.js';
import type { DiffStat } from '../util/diff-stat.js';
import { type CancelOutcome, cancelAndWait, cancelRun } from './cancel-run.js';
import type { ServiceDeps } from './deps.js';
import { answerGate, type GateAnswerRequest } from './gate-answer.js';
import { checkInput, inputTextProblem } from './input-check.js';
import { checkSource, copyReusedArtifacts, type Derivation, readSource, reusedSteps } from './lineage.js';
import type { LogFormat } from './log-stream.js';
import { withReusedChildren } from './reused-children.js';
import { runChangeStat, runChanges } from './run-changes.js';
import { newRunId } from './run-ids.js';
import { findArtifact, followLogs, openArtifact, runLogs } from './run-output.js';
import {
  type GateView,
  pipelineOutputs,
  type RunDetailView,
  type RunView,
  runArtifacts,
  toGateView,
  toRunView,
  toStepView,
} from './views.js';
import { triggerWebhookRuns, type WebhookDelivery } from './webhook-runs.js';

/** The records and views callers of the service use, so that none of them reaches into the store. */
export type { ArtifactRecord, RunRecord, StepRecord } from '../store/store.js';
export type { CancelOutcome } from './cancel-run.js';
export type { GateAnswerRequest } from './gate-answer.js';
export type { Derivation } from './lineage.js';
export type { LogFormat } from './log-stream.js';
export type { GateView, RunDetailView, RunView, StepView } from './views.js';
export type { WebhookDelivery } from './webhook-runs.js';

export interface CreateRunRequest {
  pipeline: string;
  input: string | null;
  labels?: Record<string, string>;
  trigger: Trigger;
  mode: RunMode;
  options?: RunOptions;
  idempotencyKey?: string;
  /** This process runs it at once (a foreground `wave run`): it is claimed as it is created. */
  runHere?: boolean;
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

/**
 * What callers (the CLI, HTTP routes, webhooks) do with runs, with the checks and errors of
 * API.md: one place, so every caller gets the same answers. Knows nothing of HTTP.
 */
export class RunService {
  private readonly store: ServiceDeps['store'];
  private readonly project: Project;

  constructor(private readonly deps: ServiceDeps) {
    this.store = deps.store;
    this.project = deps.project;
  }

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

  /**
   * Checks and queues a run (or, with an Idempotency-Key seen before, finds the run it made); a
   * server's scheduler is told at once. `queuePosition`: where a run created now stood in line
   * (its run_queued event), so answering with it costs no second count; undefined for a run
   * found by its key.
   */
  async submit(
    req: CreateRunRequest,
  ): Promise<{ run: RunRecord; created: boolean; queuePosition?: number | null }> {
    const { run, created, events } = await this.create(req);
    if (created && req.mode === 'server') this.deps.scheduler.wake();
    const queued = events.find((e) => e.type === 'run_queued' && e.run_id === run.id);
    return queued?.type === 'run_queued'
      ? { run, created, queuePosition: queued.queue_position }
      : { run, created };
  }

  /**
   * POST /api/runs/:id/retry and /fork: a new run of the source's pipeline (as defined now, so a
   * fixed step runs fixed) that takes over the steps it reuses and runs the rest.
   */
  async derive(
    sourceId: string,
    how: Derivation,
    req: Pick<CreateRunRequest, 'trigger' | 'mode' | 'runHere'> & {
      input?: string | null;
      detached?: boolean;
    },
  ): Promise<RunRecord> {
    const source = await this.requireRun(sourceId);
    checkSource(source, how);
    const { steps, artifacts } = await readSource(this.store, source.id);
    const { lineage: _child, ...options } = source.options;
    const request: CreateRunRequest = {
      pipeline: source.pipeline,
      input: req.input !== undefined ? req.input : source.input,
      labels: source.labels,
      trigger: req.trigger,
      mode: req.mode,
      options: { ...options, detached: req.detached ?? false },
      ...(req.runHere ? { runHere: true } : {}),
    };
    const { run } = await this.create(request, async (spec, id) => {
      const reused = reusedSteps(spec, steps, how);
      const root = this.project.runtimePath('.wave/artifacts');
      return {
        kind: how.kind,
        runId: source.id,
        step: how.kind === 'fork' ? how.fromStep : null,
        reuse: { steps: reused, artifacts: await copyReusedArtifacts(artifacts, reused, root, id) },
      };
    });
    if (req.mode === 'server') this.deps.scheduler.wake();
    return run;
  }

  private async create(
    req: CreateRunRequest,
    originOf?: (spec: PipelineSpec, id: string) => Promise<NonNullable<NewRun['origin']>>,
  ): Promise<{ run: RunRecord; created: boolean; events: WaveEvent[] }> {
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
    const id = newRunId(spec.name);
    const origin = originOf ? await originOf(spec, id) : undefined;
    return this.store.createRun({
      id,
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
      ...(req.runHere ? { claim: creationClaim(this.deps.owner, this.deps.supervisor.leaseMs) } : {}),
      ...(origin ? { origin } : {}),
    });
  }

  async requireRun(id: string): Promise<RunRecord> {
    const run = await this.store.getRun(id);
    if (!run) throw new WaveError('run_not_found', `no run with id "${id}"`);
    return run;
  }

  /** The run as the API shows it; `queuePosition` when known already (see `submit`). */
  async view(run: RunRecord, queuePosition?: number | null): Promise<RunView> {
    return toRunView(run, queuePosition !== undefined ? queuePosition : await this.store.queuePosition(run));
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
    const listed = await withReusedChildren(this.store, run, steps);
    return {
      ...toRunView(run, position),
      steps: listed.map((s) => toStepView(s, artifacts)),
      gates: gates.map(toGateView),
      outcomes: run.outcomes,
      outputs: pipelineOutputs(spec, artifacts),
      artifacts: runArtifacts(artifacts),
    };
  }

  async list(query: {
    statuses?: RunStatus[];
    pipeline?: string;
    labels?: Record<string, string>;
    limit: number;
    cursor?: string;
    /** Only this run's children. */
    parent?: string;
    /** Only this run's retries and forks. */
    origin?: string;
    /** Child runs too; by default only top-level runs are listed (API.md "Lineage"). */
    includeChildren?: boolean;
  }) {
    const { parent, includeChildren, ...rest } = query;
    const page = await this.store.listRuns({
      ...rest,
      ...(parent !== undefined ? { parent } : includeChildren ? {} : { parent: null }),
    });
    const runs = await Promise.all(page.runs.map((r) => this.view(r)));
    return { runs, next_cursor: page.nextCursor };
  }

  /** API.md: queued → cancelled at once; running/waiting → requested (and aborted here if run here). */
  cancel(id: string, by: string | null): Promise<{ run: RunRecord; requested: boolean }> {
    return cancelRun(this.deps, id, by);
  }

  /** Cancels and waits up to `waitMs` to tell how the run ended; a dead owner's run is cancelled here. */
  cancelAndWait(id: string, by: string | null, waitMs: number): Promise<CancelOutcome> {
    return cancelAndWait(this.deps, id, by, waitMs);
  }

  /**
   * Takes over a run to continue it in this process: one that stopped (its owner died) or a
   * queued local one. A live owner keeps its run.
   */
  async resume(id: string): Promise<RunRecord> {
    const existing = await this.requireRun(id);
    if (TERMINAL_RUN_STATUSES.has(existing.status)) {
      throw new WaveError(
        'run_finished',
        `run ${existing.id} already ended (${existing.status}); start a new one with wave run ${existing.pipeline}`,
        { status: existing.status },
      );
    }
    if (existing.parent) {
      throw new WaveError(
        'invalid_usage',
        `run ${existing.id} is a child run of ${existing.parent.runId} (step ${existing.parent.step}); resume that run and it resumes its children`,
        { parent: existing.parent.runId },
      );
    }
    if (existing.mode === 'server' && existing.status === 'queued') {
      throw new WaveError(
        'invalid_usage',
        `run ${existing.id} is queued for a wave serve; the server starts it`,
      );
    }
    const run = await claimRun(this.store, existing.id, this.deps.owner, this.deps.supervisor.leaseMs);
    if (!run) {
      throw new WaveError(
        'invalid_usage',
        `run ${existing.id} is being run by another live process (${existing.owner}); wave cancel it first, or wait`,
      );
    }
    return run;
  }

  /** Where runs are kept, for /api/health and messages. */
  get storage(): { kind: Store['kind']; location: string } {
    return { kind: this.store.kind, location: this.store.location };
  }

  /** Queued, running and waiting runs (cheap enough for every health check). */
  activeCounts(): Promise<{ queued: number; running: number; waiting: number }> {
    return this.store.countActive();
  }

  /**
   * A cursor past the last committed event names events that never existed (a stream of another
   * store, a forged id): replaying "after" it would silently skip every event up to it.
   */
  async checkEventCursor(cursor: number): Promise<void> {
    const last = await this.store.lastSeq();
    if (cursor > last)
      throw new WaveError(
        'invalid_request',
        `the cursor ${cursor} (Last-Event-ID or since) is beyond the last event (${last}): resume from an id this server sent`,
        { cursor, last_seq: last },
      );
  }

  /** The pipeline snapshot a run was created with. */
  async spec(id: string): Promise<PipelineSpec> {
    const spec = await this.store.getRunSpec(id);
    if (!spec) throw new WaveError('run_not_found', `run "${id}" has no pipeline snapshot`);
    return spec;
  }

  /** A run's output as text chunks (see log-stream.ts); step_not_found for an unknown step. */
  logs(q: { runId: string; step?: string | undefined; format: LogFormat }, pacer?: Pacer) {
    return runLogs(this.deps, q, pacer);
  }

  /** A run's output, from its start, as it is written, until the run ends. */
  followLogs(
    q: { runId: string; step?: string | undefined; format: LogFormat },
    onText: (text: string) => void,
  ): Promise<Follower> {
    return followLogs(this.deps, q, onText);
  }

  /** A run's events from `afterSeq` on, in order, until it ends. */
  follow(runId: string, onEvents: (events: WaveEvent[]) => void | Promise<void>): Follower {
    return followRun(this.store, this.deps.changes, runId, { afterSeq: 0, onEvents });
  }

  /** The run's (or a step's) unified diff; no_changes when it changed nothing in a worktree. */
  diff(id: string, step?: string): Promise<string> {
    return runChanges(this.deps, id, step);
  }

  /** Files with added and removed line counts, from the same diff. */
  diffStat(id: string, step?: string): Promise<DiffStat> {
    return runChangeStat(this.deps, id, step);
  }

  /** An artifact's record and the checked path of its file. */
  artifact(id: string, step: string, name: string) {
    return findArtifact(this.deps, id, step, name);
  }

  /** An artifact's record and its content: kept in the store, or read from its file. */
  openArtifact(id: string, step: string, name: string) {
    return openArtifact(this.deps, id, step, name);
  }

  /** The runs one verified webhook delivery asks for, created once per delivery id. */
  triggerWebhook(d: WebhookDelivery): Promise<{ runs: string[]; duplicate: boolean }> {
    return triggerWebhookRuns(this.deps, d, async (r, sender) => {
      const { run } = await this.submit({
        pipeline: r.pipeline,
        input: r.input,
        labels: r.labels,
        trigger: { source: 'webhook', actor: sender },
        mode: 'server',
      });
      return run.id;
    });
  }

  /** First answer wins in the store; every other answer is gate_not_waiting. */
  answerGate(id: string, stepId: string, body: GateAnswerRequest, by: string | null): Promise<GateView> {
    return answerGate(this.deps, id, stepId, body, by);
  }
}
