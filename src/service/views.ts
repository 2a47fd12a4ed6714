import { existsSync } from 'node:fs';
import type { Usage } from '../engine/adapters/types.js';
import { readJsonPath } from '../engine/artifacts.js';
import type { RunError, RunStatus, StepError, StepStatus, Trigger } from '../events/catalogue.js';
import { RUN_ARTIFACT_STEP } from '../events/run-artifact-step.js';
import type { GateChoice, PipelineSpec, StepKind } from '../pipeline/model.js';
import type { ArtifactRecord, GateRecord, Outcome, RunRecord, StepRecord } from '../store/store.js';

/** The API's objects (API.md "Objects"): every field present, null when it has no value. */
export interface StepView {
  id: string;
  kind: StepKind;
  persona: string | null;
  status: StepStatus;
  attempts: number;
  dependencies: string[];
  started_at: string | null;
  finished_at: string | null;
  duration_ms: number | null;
  error: StepError | null;
  artifacts: { name: string; size: number; sha256: string }[];
  usage: Usage | null;
  children: string[];
}

export interface GateView {
  step: string;
  status: 'waiting' | 'answered' | 'timed_out' | 'cancelled';
  prompt: string;
  choices: GateChoice[];
  freeform: boolean;
  default: string | null;
  timeout_at: string | null;
  answer: { choice: string; text: string | null; by: string | null; at: string } | null;
}

export interface RunView {
  id: string;
  pipeline: string;
  status: RunStatus;
  input: string | null;
  labels: Record<string, string>;
  trigger: Trigger;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  duration_ms: number | null;
  queue_position: number | null;
  cancel_requested: boolean;
  error: RunError | null;
  parent: { run_id: string; step: string } | null;
  origin: { kind: 'retry' | 'fork'; run_id: string; step: string | null } | null;
  child_count: number;
  steps?: StepView[];
  gates?: GateView[];
  /** Go Wave compatibility: `outcomes` values and named `pipeline_outputs` (detail only). */
  outcomes?: Outcome[];
  outputs?: Record<string, { step: string; artifact: string; type: string | null; value: unknown }>;
  /** Artifacts of the run itself, not of a step (its `diff`): step `_run` in the artifacts route. */
  artifacts?: { name: string; size: number; sha256: string }[];
}

/** A run with everything GET /api/runs/:id returns. */
export type RunDetailView = RunView &
  Required<Pick<RunView, 'steps' | 'gates' | 'outcomes' | 'outputs' | 'artifacts'>>;

export function toRunView(run: RunRecord, queuePosition: number | null): RunView {
  return {
    id: run.id,
    pipeline: run.pipeline,
    status: run.status,
    input: run.input,
    labels: run.labels,
    trigger: run.trigger,
    created_at: run.createdAt,
    started_at: run.startedAt,
    finished_at: run.finishedAt,
    duration_ms:
      run.startedAt && run.finishedAt ? Date.parse(run.finishedAt) - Date.parse(run.startedAt) : null,
    queue_position: queuePosition,
    cancel_requested: run.cancelRequested,
    error: run.error,
    parent: run.parent ? { run_id: run.parent.runId, step: run.parent.step } : null,
    origin: run.origin ? { kind: run.origin.kind, run_id: run.origin.runId, step: run.origin.step } : null,
    child_count: run.childCount,
  };
}

export function toStepView(step: StepRecord, artifacts: readonly ArtifactRecord[]): StepView {
  return {
    id: step.id,
    kind: step.kind,
    persona: step.persona,
    status: step.status,
    attempts: step.attempts,
    dependencies: step.dependencies,
    started_at: step.startedAt,
    finished_at: step.finishedAt,
    duration_ms: step.durationMs,
    error: step.error,
    artifacts: artifacts
      .filter((a) => a.step === step.id)
      .map((a) => ({ name: a.name, size: a.size, sha256: a.sha256 })),
    usage: step.usage,
    children: step.children,
  };
}

/** The artifacts that belong to the run, not to one of its steps. */
export function runArtifacts(artifacts: readonly ArtifactRecord[]): NonNullable<RunView['artifacts']> {
  return artifacts
    .filter((a) => a.step === RUN_ARTIFACT_STEP)
    .map((a) => ({ name: a.name, size: a.size, sha256: a.sha256 }));
}

export function toGateView(g: GateRecord): GateView {
  return {
    step: g.step,
    status: g.status,
    prompt: g.prompt,
    choices: g.choices,
    freeform: g.freeform,
    default: g.default,
    timeout_at: g.timeoutAt,
    answer: g.answer,
  };
}

/** `pipeline_outputs`: each alias's artifact (or one JSON field of it), once it exists. */
export function pipelineOutputs(
  spec: PipelineSpec | null,
  artifacts: readonly ArtifactRecord[],
): NonNullable<RunView['outputs']> {
  const out: NonNullable<RunView['outputs']> = {};
  for (const [alias, o] of Object.entries(spec?.outputs ?? {})) {
    const a = artifacts.find((x) => x.step === o.step && x.name === o.artifact);
    let value: unknown = null;
    if (a && existsSync(a.path)) {
      try {
        value = o.field
          ? (readJsonPath(a.path, o.field) ?? null)
          : { name: a.name, size: a.size, sha256: a.sha256 };
      } catch {
        value = null;
      }
    }
    out[alias] = { step: o.step, artifact: o.artifact, type: o.type, value };
  }
  return out;
}
