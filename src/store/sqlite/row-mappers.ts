import type { RunStatus, StepStatus } from '../../events/catalogue.js';
import type { StepKind } from '../../pipeline/model.js';
import type { ArtifactRecord, GateRecord, RunMode, RunRecord, StepRecord } from '../records.js';

export interface RunRow {
  num: number;
  id: string;
  pipeline: string;
  status: string;
  input: string | null;
  labels: string;
  trigger_source: string;
  trigger_actor: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  cancel_requested: number;
  cancel_by: string | null;
  error: string | null;
  mode: string;
  options: string;
  owner: string | null;
  lease_expires_at: number | null;
  wants_slot: number;
  outcomes: string;
  parent_run_id: string | null;
  parent_step: string | null;
  parent_index: number | null;
  child_count: number;
  origin_kind: string | null;
  origin_run_id: string | null;
  origin_step: string | null;
}

/** Columns of `runs` read for a RunRecord (never the large `spec`). */
export const RUN_COLUMNS =
  'num, id, pipeline, status, input, labels, trigger_source, trigger_actor, created_at, started_at, finished_at, cancel_requested, cancel_by, error, mode, options, owner, lease_expires_at, wants_slot, outcomes, parent_run_id, parent_step, parent_index, origin_kind, origin_run_id, origin_step, (SELECT COUNT(*) FROM runs AS c WHERE c.parent_run_id = runs.id) AS child_count';

/** Most rows hold `{}` or `[]`: no parse needed for those (listing runs maps many rows). */
function parseJson(text: string, empty: object): unknown {
  if (text === '{}' || text === '[]') return Array.isArray(empty) ? [] : {};
  return JSON.parse(text);
}

export function toRun(r: RunRow): RunRecord {
  return {
    id: r.id,
    num: r.num,
    pipeline: r.pipeline,
    status: r.status as RunStatus,
    input: r.input,
    labels: parseJson(r.labels, {}) as Record<string, string>,
    trigger: { source: r.trigger_source as RunRecord['trigger']['source'], actor: r.trigger_actor },
    createdAt: r.created_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    cancelRequested: r.cancel_requested === 1,
    cancelBy: r.cancel_by,
    error: r.error ? (JSON.parse(r.error) as RunRecord['error']) : null,
    mode: r.mode as RunMode,
    options: parseJson(r.options, {}) as RunRecord['options'],
    owner: r.owner,
    leaseExpiresAt: r.lease_expires_at,
    wantsSlot: r.wants_slot === 1,
    outcomes: parseJson(r.outcomes, []) as RunRecord['outcomes'],
    parent:
      r.parent_run_id !== null && r.parent_step !== null
        ? { runId: r.parent_run_id, step: r.parent_step, index: r.parent_index ?? 0 }
        : null,
    childCount: r.child_count,
    origin:
      r.origin_kind !== null && r.origin_run_id !== null
        ? { kind: r.origin_kind as 'retry' | 'fork', runId: r.origin_run_id, step: r.origin_step }
        : null,
  };
}

export interface StepRow {
  run_id: string;
  id: string;
  idx: number;
  kind: string;
  persona: string | null;
  dependencies: string;
  status: string;
  attempts: number;
  started_at: string | null;
  finished_at: string | null;
  duration_ms: number | null;
  error: string | null;
  usage: string | null;
}

export function toStep(r: StepRow, children: string[] = []): StepRecord {
  return {
    runId: r.run_id,
    id: r.id,
    idx: r.idx,
    kind: r.kind as StepKind,
    persona: r.persona,
    dependencies: JSON.parse(r.dependencies) as string[],
    status: r.status as StepStatus,
    attempts: r.attempts,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    durationMs: r.duration_ms,
    error: r.error ? (JSON.parse(r.error) as StepRecord['error']) : null,
    usage: r.usage ? (JSON.parse(r.usage) as StepRecord['usage']) : null,
    children,
  };
}

export interface GateRow {
  run_id: string;
  step: string;
  status: string;
  prompt: string;
  choices: string;
  freeform: number;
  default_choice: string | null;
  timeout_at: string | null;
  answer_choice: string | null;
  answer_text: string | null;
  answer_by: string | null;
  answer_at: string | null;
}

export function toGate(r: GateRow): GateRecord {
  return {
    runId: r.run_id,
    step: r.step,
    status: r.status as GateRecord['status'],
    prompt: r.prompt,
    choices: JSON.parse(r.choices) as GateRecord['choices'],
    freeform: r.freeform === 1,
    default: r.default_choice,
    timeoutAt: r.timeout_at,
    answer:
      r.answer_choice !== null && r.answer_at !== null
        ? { choice: r.answer_choice, text: r.answer_text, by: r.answer_by, at: r.answer_at }
        : null,
  };
}

export interface ArtifactRow {
  run_id: string;
  step: string;
  name: string;
  path: string;
  type: string;
  size: number;
  sha256: string;
  created_at: string;
}

export function toArtifact(r: ArtifactRow): ArtifactRecord {
  return {
    runId: r.run_id,
    step: r.step,
    name: r.name,
    path: r.path,
    type: r.type,
    size: r.size,
    sha256: r.sha256,
    createdAt: r.created_at,
  };
}
