import type { Usage } from '../engine/adapters/types.js';
import type { RunError, RunStatus, StepError, StepStatus, Trigger } from '../events/catalogue.js';
import type { GateChoice, PipelineSpec, StepKind } from '../pipeline/model.js';

/** Where a run executes: queued for a `wave serve`, or owned by a local `wave run` process. */
export type RunMode = 'server' | 'local';

/** How a run was started; kept so that `wave resume` (and a server restart) behaves the same. */
export interface RunOptions {
  mock?: boolean;
  autoApprove?: boolean;
  /** Preset gate answers (`--gate STEP=KEY[:TEXT]`). */
  gates?: Record<string, { choice: string; text: string | null }>;
  /** Started with `--detach`: gates wait for `wave gate` instead of a terminal. */
  detached?: boolean;
  /** A child run: `{{ env.* }}` values and its place in the lineage (engine's ChildLineage). */
  templateEnv?: Record<string, string>;
  lineage?: {
    depth: number;
    inherited: { name: string; path: string }[];
    iteration: number | null;
    scopeOf: string | null;
    maxCycles?: number | null;
    adapter?: string | null;
  };
}

export interface Outcome {
  step: string;
  type: string;
  label: string;
  value: unknown;
}

export interface RunRecord {
  id: string;
  /** Creation order: FIFO and cursor pagination. */
  num: number;
  pipeline: string;
  status: RunStatus;
  input: string | null;
  labels: Record<string, string>;
  trigger: Trigger;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  cancelRequested: boolean;
  cancelBy: string | null;
  error: RunError | null;
  mode: RunMode;
  options: RunOptions;
  owner: string | null;
  leaseExpiresAt: number | null;
  /** A waiting server run whose gate was answered and that needs a slot again. */
  wantsSlot: boolean;
  outcomes: Outcome[];
  /** Set on a child run of a composition step (API.md "Lineage"). */
  parent: RunParent | null;
  /** How many child runs this run's composition steps started. */
  childCount: number;
  /** Set on a retry or fork: the run it came from (API.md "Lineage"). */
  origin: RunOrigin | null;
}

/**
 * A run that never started and reuses no steps: it has no event but run_queued, every step
 * pending and no gate, so whoever executes it has nothing to read first.
 */
export function neverStarted(run: RunRecord): boolean {
  return run.startedAt === null && run.origin === null;
}

export interface RunOrigin {
  kind: 'retry' | 'fork';
  runId: string;
  /** The fork's `from_step`; null for a retry. */
  step: string | null;
}

/**
 * What a retry or fork takes over from its source run, written with the new run: each step is
 * announced completed (`reused: true`), its artifacts (already copied to the new run's
 * directory), outcomes and gate answer are kept, its usage is not (it was counted in the source).
 */
export interface ReusedSteps {
  steps: string[];
  artifacts: Omit<ArtifactRecord, 'runId'>[];
}

/**
 * Where a child run belongs: its parent run, the composition step, and its place there (the
 * item of an iterate, the pass of a loop; 0 otherwise). (runId, step, index) names one child, so
 * a resumed parent finds the children it already started instead of starting them again.
 */
export interface RunParent {
  runId: string;
  step: string;
  index: number;
}

export interface StepRecord {
  runId: string;
  id: string;
  idx: number;
  kind: StepKind;
  persona: string | null;
  dependencies: string[];
  status: StepStatus;
  attempts: number;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
  error: StepError | null;
  usage: Usage | null;
  /** Child run ids of a composition step, in item order; [] for other kinds. */
  children: string[];
}

export interface GateAnswer {
  choice: string;
  text: string | null;
  by: string | null;
  at: string;
}

export interface GateRecord {
  runId: string;
  step: string;
  /** cancelled: its run ended before it was answered. */
  status: 'waiting' | 'answered' | 'timed_out' | 'cancelled';
  prompt: string;
  choices: GateChoice[];
  freeform: boolean;
  default: string | null;
  timeoutAt: string | null;
  answer: GateAnswer | null;
}

export interface ArtifactRecord {
  runId: string;
  step: string;
  name: string;
  /** Absolute path of the kept copy under `.wave/artifacts/<run>/<step>/<name>`. */
  path: string;
  type: string;
  size: number;
  sha256: string;
  createdAt: string;
}

export interface NewRun {
  id: string;
  pipeline: string;
  input: string | null;
  labels: Record<string, string>;
  trigger: Trigger;
  mode: RunMode;
  options: RunOptions;
  spec: PipelineSpec;
  /**
   * An Idempotency-Key: a repeat of `key` by the same `actor` within 24 h returns the first run;
   * with another `fingerprint` (a different request body) it is `idempotency_key_reused`.
   */
  idempotency?: { key: string; actor: string | null; fingerprint: string };
  /** Claim the run for this owner in the same transaction (a local `wave run`). */
  claim?: { owner: string; leaseMs: number };
  /** A child run of a composition step: driven by its parent, never by a scheduler. */
  parent?: RunParent;
  /** A retry or fork: where it came from and what it reuses from there. */
  origin?: RunOrigin & { reuse: ReusedSteps };
}

export interface RunQuery {
  statuses?: RunStatus[];
  pipeline?: string;
  labels?: Record<string, string>;
  mode?: RunMode;
  /** Lineage: a run id lists that run's children; null lists top-level runs only; absent, both. */
  parent?: string | null;
  /** Lineage: only the retries and forks of this run. */
  origin?: string;
  limit: number;
  /** Opaque cursor from a previous page. */
  cursor?: string;
}

export interface EventQuery {
  runId?: string;
  afterSeq: number;
  /** Inclusive upper bound. */
  upToSeq?: number;
  types?: readonly string[];
  /** Only events of this step (logs). */
  step?: string;
  /** Leave out events written by this origin (a process reading only others' events). */
  excludeOrigin?: string;
  limit: number;
  /** Ends the page after the event that brings its JSON to this many characters (one at least). */
  maxBytes?: number;
}

/** One run's output lines (logs), in order. */
export interface OutputQuery {
  runId: string;
  afterSeq: number;
  step?: string;
  limit: number;
  /** Ends the page after the line that brings its content to this many characters (one at least). */
  maxBytes?: number;
}

/** A stream_activity event as logs show it. */
export interface OutputLine {
  seq: number;
  ts: string;
  step: string;
  stream: string;
  content: string;
}

/** An event as stored: `json` is the exact wire form (SSE data, --json line). */
export interface StoredEvent {
  seq: number;
  runId: string;
  type: string;
  json: string;
}
