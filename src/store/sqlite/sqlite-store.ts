import type { Statement } from 'better-sqlite3';
import { WaveError } from '../../errors.js';
import {
  type EventDraft,
  type RunStatus,
  TERMINAL_RUN_STATUSES,
  type WaveEvent,
} from '../../events/catalogue.js';
import type { PipelineSpec } from '../../pipeline/model.js';
import type {
  ArtifactRecord,
  EventQuery,
  GateRecord,
  NewRun,
  OutputLine,
  OutputQuery,
  RunQuery,
  RunRecord,
  StepRecord,
  StoredEvent,
} from '../records.js';
import type {
  CancelResult,
  GateAnswerInput,
  InstanceRecord,
  InstanceRole,
  SideEffects,
  Store,
} from '../store.js';
import { decodeCursor, encodeCursor, IDEMPOTENCY_TTL_MS } from '../store-rules.js';
import { EventNames } from './event-names.js';
import { EVENT_COLUMNS, EventRowDecoder, pageOf } from './event-rows.js';
import { type Db, openDatabase, storeError } from './open-database.js';
import { compactLine } from './output-line-codec.js';
import { Projection } from './projection.js';
import {
  type ArtifactRow,
  type GateRow,
  RUN_COLUMNS,
  type RunRow,
  type StepRow,
  toArtifact,
  toGate,
  toRun,
  toStep,
} from './row-mappers.js';
import { SqliteScheduleStore } from './schedule-store.js';
import { SqliteAdapterPlaces } from './sqlite-adapter-places.js';
import { SqliteDeliveries } from './sqlite-deliveries.js';
import { SqliteInsights } from './sqlite-insights.js';
import { SqliteRetention } from './sqlite-retention.js';
import { SqliteRollups } from './sqlite-rollups.js';

export interface SqliteStoreOptions {
  path: string;
  /** Identifies this process's writes, so it can tell other processes' events apart. */
  origin: string;
  /** Called after each commit with the events it wrote, possibly none (the change feed). */
  onCommit?: (events: WaveEvent[]) => void;
  now?: () => Date;
}

/** An instance row with the count of runs it owns that are running or waiting. */
const INSTANCE_COLUMNS = `id, host, pid, role, heartbeat_at, dead,
  (SELECT COUNT(*) FROM runs r WHERE r.owner = i.id AND r.status IN ('running', 'waiting')) AS running`;

/**
 * The Store on better-sqlite3. Every write is a `BEGIN IMMEDIATE` transaction, so two processes
 * (a `wave run` and a `wave serve`) serialise cleanly instead of failing on lock upgrades; events
 * get their `seq` inside that transaction, which makes seq order equal commit order.
 */
export class SqliteStore implements Store {
  readonly kind = 'sqlite' as const;
  readonly location: string;
  readonly schedules: SqliteScheduleStore;
  readonly retention: SqliteRetention;
  readonly deliveries: SqliteDeliveries;
  readonly adapterPlaces: SqliteAdapterPlaces;
  readonly insights: SqliteInsights;
  private readonly db: Db;
  private readonly projection: Projection;
  private readonly rollups: SqliteRollups;
  private readonly names: EventNames;
  private readonly decoder: EventRowDecoder;
  private readonly origin: string;
  private readonly onCommit: (events: WaveEvent[]) => void;
  private readonly now: () => Date;
  /** One wrapper for every write: each db.transaction() call builds several closures. */
  private readonly transaction: (fn: () => unknown) => unknown;
  private readonly s;
  private readonly dynamic = new Map<string, Statement>();

  constructor(opts: SqliteStoreOptions) {
    this.location = opts.path;
    this.db = openDatabase(opts.path);
    this.schedules = new SqliteScheduleStore(this.db, opts.path);
    this.rollups = new SqliteRollups(this.db);
    this.projection = new Projection(this.db);
    this.names = new EventNames(this.db);
    this.decoder = new EventRowDecoder(this.names);
    this.origin = opts.origin;
    this.onCommit = opts.onCommit ?? (() => {});
    this.now = opts.now ?? (() => new Date());
    const db = this.db;
    const guard = <T>(fn: () => T): Promise<T> => this.read(fn);
    this.retention = new SqliteRetention(db, opts.path, guard, this.rollups);
    this.deliveries = new SqliteDeliveries(db, guard, this.now);
    this.adapterPlaces = new SqliteAdapterPlaces(db, guard, this.now);
    this.insights = new SqliteInsights(db, guard);
    const tx = db.transaction((fn: () => unknown) => fn());
    this.transaction = (fn) => tx.immediate(fn);
    this.s = {
      maxSeq: db.prepare('SELECT COALESCE(MAX(seq), 0) AS seq FROM events').pluck(),
      insertEvent: db.prepare(
        'INSERT INTO events (seq, run, type, origin, step, json, ts, stream, content) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      insertRun: db.prepare(
        `INSERT INTO runs (id, pipeline, status, input, labels, trigger_source, trigger_actor, created_at, mode, options, spec, owner, lease_expires_at, parent_run_id, parent_step, parent_index, origin_kind, origin_run_id, origin_step)
         VALUES (@id, @pipeline, 'queued', @input, @labels, @trigger_source, @trigger_actor, @created_at, @mode, @options, @spec, @owner, @lease, @parent_run_id, @parent_step, @parent_index, @origin_kind, @origin_run_id, @origin_step)`,
      ),
      insertLabel: db.prepare('INSERT INTO run_labels (run_num, key, value) VALUES (?, ?, ?)'),
      insertStep: db.prepare(
        'INSERT INTO steps (run_id, id, idx, kind, persona, dependencies) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      runById: db.prepare(`SELECT ${RUN_COLUMNS} FROM runs WHERE id = ?`),
      specById: db.prepare('SELECT spec FROM runs WHERE id = ?').pluck(),
      queuePos: db
        .prepare(`SELECT COUNT(*) FROM runs WHERE status = 'queued' AND mode = ? AND num <= ?`)
        .pluck(),
      countByStatus: db.prepare('SELECT status, COUNT(*) AS n FROM runs GROUP BY status'),
      countActive: db.prepare(
        `SELECT status, COUNT(*) AS n FROM runs WHERE status IN ('queued', 'running', 'waiting') GROUP BY status`,
      ),
      countByStatusMode: db.prepare('SELECT status, COUNT(*) AS n FROM runs WHERE mode = ? GROUP BY status'),
      steps: db.prepare('SELECT * FROM steps WHERE run_id = ? ORDER BY idx'),
      children: db.prepare(
        `SELECT ${RUN_COLUMNS} FROM runs WHERE parent_run_id = ? ORDER BY parent_step, parent_index, num`,
      ),
      childIds: db.prepare(
        'SELECT id, parent_step FROM runs WHERE parent_run_id = ? ORDER BY parent_index, num',
      ),
      gates: db.prepare('SELECT * FROM gates WHERE run_id = ? ORDER BY rowid'),
      artifacts: db.prepare('SELECT * FROM artifacts WHERE run_id = ? ORDER BY created_at, step, name'),
      upsertArtifact: db.prepare(
        `INSERT INTO artifacts (run_id, step, name, path, type, size, sha256, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (run_id, step, name) DO UPDATE SET path = excluded.path, type = excluded.type, size = excluded.size,
           sha256 = excluded.sha256, created_at = excluded.created_at`,
      ),
      copyGate: db.prepare(
        `INSERT INTO gates (run_id, step, status, prompt, choices, freeform, default_choice, timeout_at, answer_choice, answer_text, answer_by, answer_at)
         SELECT ?, step, status, prompt, choices, freeform, default_choice, timeout_at, answer_choice, answer_text, answer_by, answer_at
         FROM gates WHERE run_id = ? AND step = ? AND status IN ('answered', 'timed_out')`,
      ),
      outcomesById: db.prepare('SELECT outcomes FROM runs WHERE id = ?').pluck(),
      setUsage: db.prepare('UPDATE steps SET usage = ? WHERE run_id = ? AND id = ?'),
      setOutcomes: db.prepare('UPDATE runs SET outcomes = ? WHERE id = ?'),
      answerGate: db.prepare(
        `UPDATE gates SET status = ?, answer_choice = ?, answer_text = ?, answer_by = ?, answer_at = ?
         WHERE run_id = ? AND step = ? AND status = 'waiting'`,
      ),
      gateTimedOut: db.prepare(
        `UPDATE gates SET status = 'timed_out' WHERE run_id = ? AND step = ? AND status = 'waiting'`,
      ),
      runActive: db.prepare(`SELECT status FROM runs WHERE id = ?`).pluck(),
      cancelQueued: db.prepare(`UPDATE runs SET cancel_requested = 1, cancel_by = ? WHERE id = ?`),
      requestCancel: db.prepare(
        `UPDATE runs SET cancel_requested = 1, cancel_by = COALESCE(cancel_by, ?) WHERE id = ?`,
      ),
      setWantsSlot: db.prepare(`UPDATE runs SET wants_slot = ? WHERE id = ?`),
      claim: db.prepare('UPDATE runs SET owner = ?, lease_expires_at = ? WHERE id = ?'),
      activeServerRuns: db
        .prepare(
          `SELECT COUNT(*) FROM runs WHERE mode = 'server' AND parent_run_id IS NULL AND (status = 'running' OR (status = 'queued' AND owner IS NOT NULL))`,
        )
        .pluck(),
      ownedServerRuns: db
        .prepare(
          `SELECT COUNT(*) FROM runs WHERE owner = ? AND mode = 'server' AND parent_run_id IS NULL AND (status = 'running' OR (status = 'queued' AND owner IS NOT NULL))`,
        )
        .pluck(),
      oldestQueued: db.prepare(
        `SELECT ${RUN_COLUMNS} FROM runs WHERE status = 'queued' AND mode = 'server' AND owner IS NULL AND parent_run_id IS NULL ORDER BY num LIMIT 1`,
      ),
      renew: db.prepare('UPDATE runs SET lease_expires_at = ? WHERE owner = ?'),
      instanceBeat: db.prepare('UPDATE instances SET heartbeat_at = ? WHERE id = ?'),
      registerInstance: db.prepare(
        `INSERT INTO instances (id, host, pid, role, started_at, heartbeat_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at, role = excluded.role, dead = 0`,
      ),
      liveInstances: db.prepare(`SELECT ${INSTANCE_COLUMNS} FROM instances i WHERE dead = 0 ORDER BY id`),
      liveInstancesOn: db.prepare(
        `SELECT ${INSTANCE_COLUMNS} FROM instances i WHERE dead = 0 AND host = ? ORDER BY id`,
      ),
      markDead: db.prepare('UPDATE instances SET dead = 1 WHERE id = ?'),
      pruneInstances: db.prepare(
        `DELETE FROM instances WHERE dead = 1 AND id NOT IN
           (SELECT owner FROM runs WHERE owner IS NOT NULL AND status IN ('queued', 'running', 'waiting'))`,
      ),
      instanceDead: db.prepare('SELECT EXISTS (SELECT 1 FROM instances WHERE id = ? AND dead = 1)').pluck(),
      dataVersion: db.prepare('PRAGMA data_version').pluck(),
      release: db.prepare('UPDATE runs SET owner = NULL, lease_expires_at = NULL WHERE id = ? AND owner = ?'),
      orphans: db.prepare(
        `SELECT ${RUN_COLUMNS} FROM runs WHERE mode = ? AND parent_run_id IS NULL AND (status IN ('running', 'waiting') OR (status = 'queued' AND owner IS NOT NULL))
           AND (owner IS NULL OR (lease_expires_at IS NOT NULL AND lease_expires_at < ?)
                OR owner IN (SELECT id FROM instances WHERE dead = 1))
         ORDER BY num`,
      ),
      cancelRequested: db.prepare(
        `SELECT id, cancel_by AS by FROM runs WHERE owner = ? AND cancel_requested = 1 AND status IN ('queued', 'running', 'waiting')`,
      ),
      deleteKey: db.prepare('DELETE FROM remembered_keys WHERE scope = ? AND key = ?'),
      getKey: db.prepare(
        'SELECT run_id, expires_at, fingerprint FROM remembered_keys WHERE scope = ? AND key = ?',
      ),
      putKey: db.prepare(
        `INSERT INTO remembered_keys (scope, key, run_id, expires_at, fingerprint) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (scope, key) DO UPDATE SET run_id = excluded.run_id, expires_at = excluded.expires_at,
           fingerprint = excluded.fingerprint`,
      ),
    };
  }

  /**
   * Statements for queries whose text depends on the filters given: few distinct texts, each
   * prepared once (preparing costs more than running a small query).
   */
  private prepared(sql: string): Statement {
    let stmt = this.dynamic.get(sql);
    if (!stmt) {
      stmt = this.db.prepare(sql);
      this.dynamic.set(sql, stmt);
    }
    return stmt;
  }

  /** Runs `fn` in an immediate transaction, then publishes the events it wrote. */
  private write<T>(fn: (emit: (drafts: readonly EventDraft[]) => WaveEvent[]) => T): {
    result: T;
    events: WaveEvent[];
  } {
    const written: WaveEvent[] = [];
    const names = this.names;
    const emit = (drafts: readonly EventDraft[]): WaveEvent[] => {
      let seq = this.s.maxSeq.get() as number;
      const out: WaveEvent[] = [];
      const fallbackTs = this.now().toISOString();
      const origin = names.intern(this.origin);
      for (const draft of drafts) {
        seq += 1;
        const { type, run_id, ts, ...rest } = draft as EventDraft & Record<string, unknown>;
        const event = { seq, ts: ts ?? fallbackTs, type, run_id, ...rest } as WaveEvent;
        const line = compactLine(event);
        this.s.insertEvent.run(
          seq,
          names.intern(run_id),
          names.intern(type),
          origin,
          'step' in event ? event.step : null,
          line ? null : JSON.stringify(event),
          line ? line.ts : null,
          line ? names.intern(line.stream) : null,
          line ? line.content : null,
        );
        this.projection.apply(event);
        out.push(event);
        // One push per event: `push(...out)` overflows the call stack past ~100k events.
        written.push(event);
      }
      return out;
    };
    let result: T;
    try {
      result = this.transaction(() => {
        const r = fn(emit);
        // After fn: the usage of a run's last step may be written with its terminal event.
        for (const runId of this.projection.takeFinished()) this.rollups.add(runId);
        return r;
      }) as T;
    } catch (err) {
      names.rolledBack();
      this.projection.takeFinished();
      if (err instanceof WaveError) throw err;
      throw storeError(this.location, err);
    }
    names.committed();
    // Also without events: a commit that only changed state (a cancel request) is news too.
    this.onCommit(written);
    return { result, events: written };
  }

  private read<T>(fn: () => T): Promise<T> {
    try {
      return Promise.resolve(fn());
    } catch (err) {
      // A WaveError is the caller's mistake (a bad cursor), not the store failing.
      return Promise.reject(err instanceof WaveError ? err : storeError(this.location, err));
    }
  }

  async createRun(run: NewRun): Promise<{ run: RunRecord; created: boolean; events: WaveEvent[] }> {
    const { result, events } = this.write((emit) => {
      const nowMs = this.now().getTime();
      const idem = run.idempotency;
      // Keys are per actor: one actor never reaches another's run through a shared key.
      const idemScope = idem ? `idempotency:${idem.actor ?? ''}` : '';
      if (idem) {
        const known = this.s.getKey.get(idemScope, idem.key) as
          | { run_id: string; expires_at: number; fingerprint: string | null }
          | undefined;
        if (known && known.expires_at > nowMs) {
          const existing = this.s.runById.get(known.run_id) as RunRow | undefined;
          if (existing) {
            if (known.fingerprint !== idem.fingerprint) {
              throw new WaveError(
                'idempotency_key_reused',
                `the Idempotency-Key "${idem.key}" was used for a different request (run ${existing.id}): use a new key for a new request`,
                { run_id: existing.id },
              );
            }
            return { record: toRun(existing), created: false };
          }
        }
      }
      const createdAt = new Date(nowMs).toISOString();
      const info = this.s.insertRun.run({
        id: run.id,
        pipeline: run.pipeline,
        input: run.input,
        labels: JSON.stringify(run.labels),
        trigger_source: run.trigger.source,
        trigger_actor: run.trigger.actor,
        created_at: createdAt,
        mode: run.mode,
        options: JSON.stringify(run.options),
        spec: JSON.stringify(run.spec),
        owner: run.claim?.owner ?? null,
        lease: run.claim ? nowMs + run.claim.leaseMs : null,
        parent_run_id: run.parent?.runId ?? null,
        parent_step: run.parent?.step ?? null,
        parent_index: run.parent?.index ?? null,
        origin_kind: run.origin?.kind ?? null,
        origin_run_id: run.origin?.runId ?? null,
        origin_step: run.origin?.step ?? null,
      });
      const num = Number(info.lastInsertRowid);
      for (const [k, v] of Object.entries(run.labels)) this.s.insertLabel.run(num, k, v);
      run.spec.steps.forEach((step, idx) => {
        this.s.insertStep.run(
          run.id,
          step.id,
          idx,
          step.kind,
          step.persona,
          JSON.stringify(step.dependencies),
        );
      });
      if (idem) this.s.putKey.run(idemScope, idem.key, run.id, nowMs + IDEMPOTENCY_TTL_MS, idem.fingerprint);
      const position = this.s.queuePos.get(run.mode, num) as number;
      emit([
        {
          type: 'run_queued',
          run_id: run.id,
          ts: createdAt,
          pipeline: run.pipeline,
          queue_position: position,
          trigger: run.trigger,
        },
      ]);
      if (run.origin) this.writeReused(run.id, run.origin.runId, run.origin.reuse, createdAt, emit);
      return { record: toRun(this.s.runById.get(run.id) as RunRow), created: true };
    });
    return { run: result.record, created: result.created, events };
  }

  /**
   * A retry's or fork's reused steps, inside its creating transaction: completed before the run
   * starts, so the engine treats them as done. Usage is left behind: it was counted in the source.
   */
  private writeReused(
    runId: string,
    sourceId: string,
    reuse: NonNullable<NewRun['origin']>['reuse'],
    at: string,
    emit: (drafts: readonly EventDraft[]) => WaveEvent[],
  ): void {
    const steps = new Set(reuse.steps);
    for (const step of reuse.steps) this.s.copyGate.run(runId, sourceId, step);
    for (const a of reuse.artifacts)
      this.s.upsertArtifact.run(runId, a.step, a.name, a.path, a.type, a.size, a.sha256, a.createdAt);
    const outcomes = JSON.parse((this.s.outcomesById.get(sourceId) as string | undefined) ?? '[]') as {
      step: string;
    }[];
    const kept = outcomes.filter((o) => steps.has(o.step));
    if (kept.length) this.s.setOutcomes.run(JSON.stringify(kept), runId);
    emit(
      reuse.steps.map((step) => ({
        type: 'step_completed' as const,
        run_id: runId,
        ts: at,
        step,
        status: 'success' as const,
        duration_ms: 0,
        attempt: 0,
        reused: true,
      })),
    );
  }

  getRun(id: string): Promise<RunRecord | null> {
    return this.read(() => {
      const row = this.s.runById.get(id) as RunRow | undefined;
      return row ? toRun(row) : null;
    });
  }

  getRunSpec(id: string): Promise<PipelineSpec | null> {
    return this.read(() => {
      const spec = this.s.specById.get(id) as string | undefined;
      return spec ? (JSON.parse(spec) as PipelineSpec) : null;
    });
  }

  listRuns(q: RunQuery): Promise<{ runs: RunRecord[]; nextCursor: string | null }> {
    return this.read(() => {
      const where: string[] = [];
      const params: unknown[] = [];
      if (q.statuses?.length) {
        where.push(`status IN (${q.statuses.map(() => '?').join(', ')})`);
        params.push(...q.statuses);
      }
      if (q.pipeline) {
        where.push('pipeline = ?');
        params.push(q.pipeline);
      }
      if (q.mode) {
        where.push('mode = ?');
        params.push(q.mode);
      }
      if (q.origin !== undefined) {
        where.push('origin_run_id = ?');
        params.push(q.origin);
      }
      if (q.parent === null) where.push('parent_run_id IS NULL');
      else if (q.parent !== undefined) {
        where.push('parent_run_id = ?');
        params.push(q.parent);
      }
      for (const [k, v] of Object.entries(q.labels ?? {})) {
        where.push('num IN (SELECT run_num FROM run_labels WHERE key = ? AND value = ?)');
        params.push(k, v);
      }
      const before = q.cursor === undefined ? undefined : decodeCursor(q.cursor);
      if (before !== undefined) {
        where.push('num < ?');
        params.push(before);
      }
      const sql = `SELECT ${RUN_COLUMNS} FROM runs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY num DESC LIMIT ?`;
      const rows = this.prepared(sql).all(...params, q.limit + 1) as RunRow[];
      const page = rows.slice(0, q.limit).map(toRun);
      const last = page[page.length - 1];
      return { runs: page, nextCursor: rows.length > q.limit && last ? encodeCursor(last.num) : null };
    });
  }

  queuePosition(run: RunRecord): Promise<number | null> {
    return this.read(() =>
      run.status === 'queued' ? (this.s.queuePos.get(run.mode, run.num) as number) : null,
    );
  }

  countActive(): Promise<{ queued: number; running: number; waiting: number }> {
    return this.read(() => {
      const counts = { queued: 0, running: 0, waiting: 0 };
      for (const r of this.s.countActive.all() as { status: keyof typeof counts; n: number }[])
        counts[r.status] = r.n;
      return counts;
    });
  }

  countByStatus(mode?: RunRecord['mode']): Promise<Record<RunStatus, number>> {
    return this.read(() => {
      const counts: Record<RunStatus, number> = {
        queued: 0,
        running: 0,
        waiting: 0,
        completed: 0,
        failed: 0,
        cancelled: 0,
      };
      const rows = (mode ? this.s.countByStatusMode.all(mode) : this.s.countByStatus.all()) as {
        status: RunStatus;
        n: number;
      }[];
      for (const r of rows) counts[r.status] = r.n;
      return counts;
    });
  }

  listSteps(runId: string): Promise<StepRecord[]> {
    return this.read(() => {
      const children = new Map<string, string[]>();
      for (const c of this.s.childIds.all(runId) as { id: string; parent_step: string }[]) {
        const list = children.get(c.parent_step);
        if (list) list.push(c.id);
        else children.set(c.parent_step, [c.id]);
      }
      return (this.s.steps.all(runId) as StepRow[]).map((r) => toStep(r, children.get(r.id) ?? []));
    });
  }

  listChildren(runId: string): Promise<RunRecord[]> {
    return this.read(() => (this.s.children.all(runId) as RunRow[]).map(toRun));
  }

  listGates(runId: string): Promise<GateRecord[]> {
    return this.read(() => (this.s.gates.all(runId) as GateRow[]).map(toGate));
  }

  listArtifacts(runId: string): Promise<ArtifactRecord[]> {
    return this.read(() => (this.s.artifacts.all(runId) as ArtifactRow[]).map(toArtifact));
  }

  /** SQLite keeps no content: one machine, the file at the record's path is the artifact. */
  async readArtifactContent(_runId: string, _step: string, _name: string): Promise<Buffer | null> {
    return null;
  }

  async append(runId: string, drafts: readonly EventDraft[], side?: SideEffects): Promise<WaveEvent[]> {
    return this.write((emit) => {
      const events = emit(drafts);
      if (side?.usage) this.s.setUsage.run(JSON.stringify(side.usage.usage), runId, side.usage.step);
      if (side?.outcomes) this.s.setOutcomes.run(JSON.stringify(side.outcomes), runId);
      if (side?.gateTimedOut) this.s.gateTimedOut.run(runId, side.gateTimedOut.step);
      if (side?.artifacts) {
        for (const a of side.artifacts) {
          const written = events.find(
            (e) => e.type === 'artifact_written' && e.step === a.step && e.name === a.name,
          );
          if (written?.type !== 'artifact_written') continue;
          this.s.upsertArtifact.run(
            runId,
            a.step,
            a.name,
            a.path,
            a.type,
            written.size,
            written.sha256,
            written.ts,
          );
        }
      }
      return events;
    }).result;
  }

  async answerGate(runId: string, step: string, answer: GateAnswerInput): Promise<WaveEvent | null> {
    return this.write((emit) => {
      const status = this.s.runActive.get(runId) as RunStatus | undefined;
      if (status !== 'running' && status !== 'waiting') return null;
      const at = this.now().toISOString();
      const changed = this.s.answerGate.run(
        answer.timedOut ? 'timed_out' : 'answered',
        answer.choice,
        answer.text,
        answer.by,
        at,
        runId,
        step,
      );
      if (changed.changes !== 1) return null;
      const [event] = emit([
        {
          type: 'gate_answered',
          run_id: runId,
          ts: at,
          step,
          choice: answer.choice,
          text: answer.text,
          by: answer.by,
          timed_out: answer.timedOut,
        },
      ]);
      return event ?? null;
    }).result;
  }

  readEvents(q: EventQuery): Promise<StoredEvent[]> {
    return this.read(() => {
      const where = ['seq > ?'];
      const params: unknown[] = [q.afterSeq];
      if (q.upToSeq !== undefined) {
        where.push('seq <= ?');
        params.push(q.upToSeq);
      }
      if (q.runId !== undefined) {
        const run = this.names.find(q.runId);
        if (run === undefined) return [];
        where.push('run = ?');
        params.push(run);
      }
      if (q.types?.length) {
        const types = q.types.map((t) => this.names.find(t)).filter((n) => n !== undefined);
        if (types.length === 0) return [];
        where.push(`type IN (${types.map(() => '?').join(', ')})`);
        params.push(...types);
      }
      if (q.step !== undefined) {
        where.push('step = ?');
        params.push(q.step);
      }
      if (q.excludeOrigin !== undefined) {
        const origin = this.names.find(q.excludeOrigin);
        if (origin !== undefined) {
          where.push('origin != ?');
          params.push(origin);
        }
      }
      const sql = `SELECT ${EVENT_COLUMNS} FROM events WHERE ${where.join(' AND ')} ORDER BY seq LIMIT ?`;
      return pageOf(this.prepared(sql), [...params, q.limit], q.maxBytes).map(this.decoder.stored);
    });
  }

  readOutput(q: OutputQuery): Promise<OutputLine[]> {
    return this.read(() => {
      const run = this.names.find(q.runId);
      const type = this.names.find('stream_activity');
      if (run === undefined || type === undefined) return [];
      const params: unknown[] = [run, q.afterSeq, type];
      if (q.step !== undefined) params.push(q.step);
      const sql = `SELECT ${EVENT_COLUMNS} FROM events WHERE run = ? AND seq > ? AND type = ?${q.step !== undefined ? ' AND step = ?' : ''} ORDER BY seq LIMIT ?`;
      return pageOf(this.prepared(sql), [...params, q.limit], q.maxBytes).map(this.decoder.output);
    });
  }

  lastSeq(): Promise<number> {
    return this.read(() => this.s.maxSeq.get() as number);
  }

  changeToken(): Promise<number> {
    return this.read(() => this.s.dataVersion.get() as number);
  }

  async requestCancel(runId: string, by: string | null): Promise<CancelResult | null> {
    return this.write((emit): CancelResult | null => {
      const row = this.s.runById.get(runId) as RunRow | undefined;
      if (!row) return null;
      const run = toRun(row);
      if (TERMINAL_RUN_STATUSES.has(run.status)) return { kind: 'finished', run };
      if (run.status === 'queued') {
        this.s.cancelQueued.run(by, runId);
        const [event] = emit([
          { type: 'run_cancelled', run_id: runId, status: 'cancelled', duration_ms: 0, by },
        ]);
        return { kind: 'cancelled', run: toRun(this.s.runById.get(runId) as RunRow), event: event! };
      }
      this.s.requestCancel.run(by, runId);
      return { kind: 'requested', run: toRun(this.s.runById.get(runId) as RunRow) };
    }).result;
  }

  async setWantsSlot(runId: string, wants: boolean): Promise<void> {
    this.write(() => this.s.setWantsSlot.run(wants ? 1 : 0, runId));
  }

  async claimRun(runId: string, owner: string, leaseMs: number): Promise<RunRecord | null> {
    return this.write(() => {
      const row = this.s.runById.get(runId) as RunRow | undefined;
      if (!row) return null;
      const active = row.status === 'queued' || row.status === 'running' || row.status === 'waiting';
      const nowMs = this.now().getTime();
      const expired = row.lease_expires_at !== null && row.lease_expires_at < nowMs;
      const free =
        row.owner === null || row.owner === owner || expired || this.s.instanceDead.get(row.owner) === 1;
      if (!active || !free) return null;
      this.s.claim.run(owner, nowMs + leaseMs, runId);
      return toRun(this.s.runById.get(runId) as RunRow);
    }).result;
  }

  async claimNextRun(
    owner: string,
    leaseMs: number,
    cap: number,
    globalCap: number | null = null,
  ): Promise<RunRecord | null> {
    return this.write(() => {
      if ((this.s.ownedServerRuns.get(owner) as number) >= cap) return null;
      if (globalCap !== null && (this.s.activeServerRuns.get() as number) >= globalCap) return null;
      const row = this.s.oldestQueued.get() as RunRow | undefined;
      if (!row) return null;
      this.s.claim.run(owner, this.now().getTime() + leaseMs, row.id);
      return toRun(this.s.runById.get(row.id) as RunRow);
    }).result;
  }

  async renewLeases(owner: string, leaseMs: number): Promise<void> {
    this.write(() => {
      const nowMs = this.now().getTime();
      this.s.renew.run(nowMs + leaseMs, owner);
      this.s.instanceBeat.run(nowMs, owner);
    });
  }

  async releaseRun(runId: string, owner: string): Promise<void> {
    this.write(() => this.s.release.run(runId, owner));
  }

  findOrphans(mode: RunRecord['mode']): Promise<RunRecord[]> {
    return this.read(() => (this.s.orphans.all(mode, this.now().getTime()) as RunRow[]).map(toRun));
  }

  async registerInstance(instance: {
    id: string;
    host: string;
    pid: number;
    role: InstanceRole;
  }): Promise<void> {
    this.write(() => {
      const nowMs = this.now().getTime();
      // Dead instances whose runs were all taken over are history: one row per process ever
      // started would otherwise pile up.
      this.s.pruneInstances.run();
      this.s.registerInstance.run(instance.id, instance.host, instance.pid, instance.role, nowMs, nowMs);
    });
  }

  listInstances(host?: string): Promise<InstanceRecord[]> {
    return this.read(() => {
      const rows = (host === undefined ? this.s.liveInstances.all() : this.s.liveInstancesOn.all(host)) as {
        id: string;
        host: string;
        pid: number;
        role: InstanceRole;
        heartbeat_at: number;
        dead: number;
        running: number;
      }[];
      return rows.map((r) => ({
        id: r.id,
        host: r.host,
        pid: r.pid,
        role: r.role,
        heartbeatAt: r.heartbeat_at,
        dead: r.dead === 1,
        running: r.running,
      }));
    });
  }

  async markInstanceDead(id: string): Promise<void> {
    this.write(() => this.s.markDead.run(id));
  }

  cancelRequested(owner: string): Promise<{ id: string; by: string | null }[]> {
    return this.read(() => this.s.cancelRequested.all(owner) as { id: string; by: string | null }[]);
  }

  async rememberKey(scope: string, key: string, ttlMs: number): Promise<boolean> {
    return this.write(() => {
      const nowMs = this.now().getTime();
      const known = this.s.getKey.get(scope, key) as { expires_at: number } | undefined;
      if (known && known.expires_at > nowMs) return false;
      this.s.putKey.run(scope, key, null, nowMs + ttlMs, null);
      return true;
    }).result;
  }

  async forgetKey(scope: string, key: string): Promise<void> {
    this.write(() => this.s.deleteKey.run(scope, key));
  }

  /** Opened in the constructor: usable at once (an unusable file already threw there). */
  async ready(): Promise<void> {}

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
