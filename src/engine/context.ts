import type { Config } from '../config/config.js';
import type { ForgeInfo } from '../config/forge.js';
import type { EventBus } from '../events/bus.js';
import type { RunError } from '../events/catalogue.js';
import type { Logger } from '../logger.js';
import type { PipelineSpec } from '../pipeline/model.js';
import type { PersonaSet } from '../pipeline/personas.js';
import type { ChangeSource } from '../store/change-feed.js';
import type { GateRecord, RunRecord, Store } from '../store/store.js';
import type { AdapterLimits } from './adapter-limits.js';
import type { EventRecorder } from './recorder.js';

/** What the engine needs to know of the project: no HTTP, no terminal. */
export interface EngineProject {
  root: string;
  config: Config;
  personas: PersonaSet;
  /** `.wave/...` and relative definition paths. */
  resolvePath(p: string): string;
  /** Runtime paths (workspaces, artifacts) under the project root. */
  runtimePath(p: string): string;
  /** `{{ forge.* }}`; when absent it is detected from `config.forge` and the origin remote. */
  forge?: ForgeInfo;
}

/** Answers a gate: first answer wins; false when someone else answered first. */
export type AnswerGate = (choice: string, text: string | null, by: string | null) => Promise<boolean>;

/**
 * How gates get their answers besides HTTP and `wave gate`: presets and auto-approve from the
 * command line, a terminal prompt, or a clear failure when none of them can answer (CI).
 */
export interface GatePolicy {
  presets: Record<string, { choice: string; text: string | null }>;
  autoApprove: boolean;
  /** The actor recorded for preset and auto answers. */
  actor: string | null;
  /** `wait`: someone answers over HTTP or `wave gate`; `fail`: nobody can, fail at once. */
  unanswered: 'wait' | 'fail';
  /** Asks interactively (a terminal); runs alongside the wait, so another answer may win. */
  ask?: (gate: GateRecord, answer: AnswerGate, signal: AbortSignal) => Promise<void>;
}

/** Concurrency slots of a server: a waiting run gives its slot back and asks again later. */
export interface SlotControl {
  release(runId: string): void;
  acquire(runId: string, signal: AbortSignal): Promise<void>;
}

export interface RunContext {
  run: RunRecord;
  spec: PipelineSpec;
  project: EngineProject;
  store: Store;
  bus: EventBus;
  /** Commits by this process or others (a gate answered elsewhere). */
  changes: ChangeSource;
  recorder: EventRecorder;
  /** Aborted when the run is cancelled; reaches every child process. */
  signal: AbortSignal;
  /** Who cancelled, once `signal` is aborted. */
  cancelledBy: () => string | null;
  /**
   * True when `signal` was aborted to stop the process (server shutdown), not to cancel the
   * run: the engine then writes no terminal event and the run resumes at the next start.
   */
  halted: () => boolean;
  /** Whether the run starts holding a concurrency slot (a recovered waiting run does not). */
  holdsSlot?: boolean;
  /** Every prompt step uses the mock adapter. */
  mock: boolean;
  gates: GatePolicy;
  slots?: SlotControl;
  /** This run is being continued after a crash, kill or restart. */
  resumed: boolean;
  logger: Logger;
  /** `{{ env.<key> }}`: a sub-pipeline's `config.env`, inherited down the chain. */
  templateEnv?: Record<string, string>;
  /** Places on rate-limited adapters, shared by every run of the process (absent: no limits). */
  adapterLimits?: AdapterLimits;
  /** Runs the child runs of composition steps (absent: composition steps fail, naming why). */
  children?: ChildRuns;
  /** Set on a child run: where it sits in its lineage. */
  lineage?: ChildLineage;
}

/** What a child run carries from its parent (kept in its RunOptions, so a resume has it too). */
export interface ChildLineage {
  /** 1 for a child of a top-level run. */
  depth: number;
  /** Parent artifacts given to the child: copied into each of its step workspaces. */
  inherited: { name: string; path: string }[];
  /** `{{ iteration }}`: the item's index in an iterate, the pass's in a loop. */
  iteration: number | null;
  /** A loop pass: it reads its parent's step outputs as its own (`{{ triage.out.x }}`). */
  scopeOf: string | null;
  /** A parent's `config.max_cycles`: the limit of this run's loops that set none. */
  maxCycles?: number | null;
  /** `adapter:` of a composition step above: every prompt step of the child runs uses it. */
  adapter?: string | null;
}

/** One child run a composition step wants: found by (step, index) if it exists, else created. */
export interface ChildRequest {
  step: string;
  index: number;
  /** The pipeline to load; ignored when `spec` is given (a loop pass). */
  pipeline: string;
  spec?: PipelineSpec;
  input: string | null;
  templateEnv: Record<string, string>;
  lineage: ChildLineage;
  /** Aborted when the step stops waiting for the child (timeout, a sibling failed). */
  signal: AbortSignal;
}

export interface ChildOutcome {
  run: RunRecord;
  status: 'completed' | 'failed' | 'cancelled' | 'interrupted';
  error: RunError | null;
  /** Ended before this step looked (a resumed parent): nothing ran now. */
  reused: boolean;
}

export interface ChildRuns {
  /** The children that exist already for `parent`'s step (a resumed parent), by index. */
  existing(parent: RunContext, step: string): Promise<Map<number, RunRecord>>;
  /** Creates (or resumes) the child and runs it in this process, inside the parent's slot. */
  run(parent: RunContext, req: ChildRequest, existing: RunRecord | undefined): Promise<ChildOutcome>;
  /** Where composition outputs (iterate's collected JSON) are also written, as the Go Wave does. */
  outputDir: string;
}
