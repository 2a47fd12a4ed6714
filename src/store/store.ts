import type { Usage } from '../engine/adapters/types.js';
import type { EventDraft, WaveEvent } from '../events/catalogue.js';
import type { PipelineSpec } from '../pipeline/model.js';
import type { AdapterPlaceStore } from './adapter-places.js';
import type { DeliveryStore } from './deliveries.js';
import type { InsightsStore } from './insights-records.js';
import type {
  ArtifactRecord,
  EventQuery,
  GateRecord,
  NewRun,
  Outcome,
  OutputLine,
  OutputQuery,
  RunQuery,
  RunRecord,
  StepRecord,
  StoredEvent,
} from './records.js';
import type { RetentionStore } from './retention.js';
import type { ScheduleStore } from './schedule-records.js';

export type * from './adapter-places.js';
export type * from './deliveries.js';
export type * from './insights-records.js';
export type * from './records.js';
export type * from './retention.js';
export type * from './schedule-records.js';

/** State written in the same transaction as the events that announce it. */
export interface SideEffects {
  usage?: { step: string; usage: Usage };
  artifacts?: { step: string; name: string; path: string; type: string }[];
  outcomes?: Outcome[];
  /** A gate that timed out with no default: recorded without a gate_answered event. */
  gateTimedOut?: { step: string };
}

export interface GateAnswerInput {
  choice: string;
  text: string | null;
  by: string | null;
  timedOut: boolean;
}

export type CancelResult =
  | { kind: 'cancelled'; run: RunRecord; event: WaveEvent }
  | { kind: 'requested'; run: RunRecord }
  | { kind: 'finished'; run: RunRecord };

/** A process that owns runs, as the store knows it. */
export type InstanceRole = 'all' | 'api' | 'worker';

export interface InstanceRecord {
  id: string;
  host: string;
  pid: number;
  role: InstanceRole;
  heartbeatAt: number;
  dead: boolean;
  /** Runs it owns that are running or waiting. */
  running: number;
}

/**
 * The persistence boundary. Every method is async so that a PostgreSQL store can implement the
 * same interface; the SQLite store is synchronous underneath. Each mutating call is one
 * transaction; events it writes are published to subscribers only after it commits.
 *
 * Ordering rule: a reader that has seen seq N never later sees a new event with seq < N. Seq
 * order is commit order, so "everything up to N" is a position a reader can keep. SQLite meets
 * it by taking `MAX(seq) + 1` inside a `BEGIN IMMEDIATE` transaction: writers are serialised by
 * the database lock, so no transaction can commit a lower seq after a higher one is visible. A
 * store with concurrent writers must serialise seq assignment up to commit (PostgreSQL: a
 * transaction-level advisory lock around taking the seq).
 *
 * Owner liveness is data: a run is free to claim when it has no owner, its lease expired, or its
 * owner's instance row is marked dead. Nothing is decided by code run inside the transaction.
 */
export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  /** Where it lives (a file path), for /api/health and messages. */
  readonly location: string;
  /** Schedules and the slots servers claimed (API.md "Schedules"). */
  readonly schedules: ScheduleStore;
  /** Pruning finished runs (storage.retention, `wave prune`). */
  readonly retention: RetentionStore;
  /** Outbound notifications' delivery queue. */
  readonly deliveries: DeliveryStore;
  /** Facts over a window of runs for GET /api/insights. */
  readonly insights: InsightsStore;
  /** Places on capped adapters, shared by every process on this store. */
  readonly adapterPlaces: AdapterPlaceStore;

  createRun(run: NewRun): Promise<{ run: RunRecord; created: boolean; events: WaveEvent[] }>;
  getRun(id: string): Promise<RunRecord | null>;
  getRunSpec(id: string): Promise<PipelineSpec | null>;
  listRuns(query: RunQuery): Promise<{ runs: RunRecord[]; nextCursor: string | null }>;
  /** 1-based position among queued runs of the same mode, or null when not queued. */
  queuePosition(run: RunRecord): Promise<number | null>;
  countByStatus(mode?: RunRecord['mode']): Promise<Record<RunRecord['status'], number>>;
  /** Queued, running and waiting runs (an index lookup: cheap enough for every health check). */
  countActive(): Promise<{ queued: number; running: number; waiting: number }>;
  listSteps(runId: string): Promise<StepRecord[]>;
  /** A run's child runs (lineage), by composition step, then item order. */
  listChildren(runId: string): Promise<RunRecord[]>;
  listGates(runId: string): Promise<GateRecord[]>;
  listArtifacts(runId: string): Promise<ArtifactRecord[]>;
  /** An artifact's content kept in the store, or null: read the file at its record's path. */
  readArtifactContent(runId: string, step: string, name: string): Promise<Buffer | null>;

  /** Writes events (and the state they announce) in one transaction. */
  append(runId: string, drafts: readonly EventDraft[], side?: SideEffects): Promise<WaveEvent[]>;
  /** First answer wins: null when the gate was not waiting (already answered, not reached). */
  answerGate(runId: string, step: string, answer: GateAnswerInput): Promise<WaveEvent | null>;
  readEvents(query: EventQuery): Promise<StoredEvent[]>;
  /** A run's stream_activity events as log lines, without going through their JSON. */
  readOutput(query: OutputQuery): Promise<OutputLine[]>;
  lastSeq(): Promise<number>;
  /**
   * A number that changes whenever another process commits (SQLite: `PRAGMA data_version`):
   * the change feed's one cheap check. It changes for other processes' commits (it may change for
   * this store's own too: readers skip their own origin). A store told of commits (PostgreSQL
   * LISTEN/NOTIFY) answers with a counter its listener bumps.
   */
  changeToken(): Promise<number>;
  /**
   * Calls `listener` as soon as the change token may have changed (a store told of commits), so
   * the change feed need not wait for its next check. Absent: the feed's periodic check is all.
   */
  onChange?(listener: () => void): () => void;
  /**
   * A seq up to which every event is committed, known without a read, for a reader whose last
   * look was at change token `since` (PostgreSQL: the highest seq its notifications announced);
   * null (or absent) when only `lastSeq` can tell.
   */
  knownTop?(since: number): number | null;
  /**
   * Calls `listener` with the owner of a run another process requested to cancel, as soon as
   * that commits, and with null when such news may have been missed (a reconnect). Absent: a
   * cancel request is found by checking after other processes' commits.
   */
  onCancelRequest?(listener: (owner: string | null) => void): () => void;

  /** Queued → cancelled at once; running/waiting → cancel_requested; finished → unchanged. */
  requestCancel(runId: string, by: string | null): Promise<CancelResult | null>;
  /** Marks a waiting run as wanting a slot again (its gate was answered). */
  setWantsSlot(runId: string, wants: boolean): Promise<void>;

  /** Takes ownership of one run if it is active and free (no owner, expired lease, dead instance). */
  claimRun(runId: string, owner: string, leaseMs: number): Promise<RunRecord | null>;
  /**
   * FIFO: the oldest queued server run, if `owner` holds fewer than `cap` server runs running (or
   * claimed, not started) and, with `globalCap`, all owners together hold fewer than that.
   */
  claimNextRun(
    owner: string,
    leaseMs: number,
    cap: number,
    globalCap?: number | null,
  ): Promise<RunRecord | null>;
  /** The owner's heartbeat: renews its runs' leases and its instance row. */
  renewLeases(owner: string, leaseMs: number): Promise<void>;
  releaseRun(runId: string, owner: string): Promise<void>;
  /** Running or waiting runs of `mode` (and claimed queued ones) whose owner is gone. */
  findOrphans(mode: RunRecord['mode']): Promise<RunRecord[]>;
  /** Records (or refreshes) a process that owns runs; forgets dead ones that own none. */
  registerInstance(instance: { id: string; host: string; pid: number; role: InstanceRole }): Promise<void>;
  /** Instances not marked dead, optionally only those on `host`. */
  listInstances(host?: string): Promise<InstanceRecord[]>;
  /** Marks an instance dead (its process is gone, or it stopped): its runs may be claimed at once. */
  markInstanceDead(id: string): Promise<void>;
  /** Runs owned by `owner` whose cancellation was requested (possibly by another process). */
  cancelRequested(owner: string): Promise<{ id: string; by: string | null }[]>;

  /** Idempotency keys and webhook deliveries: true if `key` was new (and is now remembered). */
  rememberKey(scope: string, key: string, ttlMs: number): Promise<boolean>;
  /** Forgets a remembered key (a delivery whose processing failed may be retried). */
  forgetKey(scope: string, key: string): Promise<void>;

  /** Resolves once the store is usable (connected, migrated); rejects with store_unavailable. */
  ready(): Promise<void>;
  close(): Promise<void>;
}
