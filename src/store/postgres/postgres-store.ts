import type pg from 'pg';
import type { QueryResultRow } from 'pg';
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
} from '../sqlite/row-mappers.js';
import type { CancelResult, GateAnswerInput, InstanceRecord, SideEffects, Store } from '../store.js';
import { decodeCursor, encodeCursor, IDEMPOTENCY_TTL_MS } from '../store-rules.js';
import { PgAdapterPlaces } from './pg-adapter-places.js';
import { type ArtifactPayload, artifactPayloads } from './pg-artifacts.js';
import { ADVISORY, PgDb, pgStoreError, type Queryable, redactUrl, writeLater } from './pg-db.js';
import { PgDeliveries } from './pg-deliveries.js';
import { insertEvents, readEventRows, readOutputRows } from './pg-events.js';
import { PgInsights } from './pg-insights.js';
import { PgListener } from './pg-listener.js';
import { projectPg } from './pg-projection.js';
import { PgRetention } from './pg-retention.js';
import { pgRollups } from './pg-rollups.js';
import { PgScheduleStore } from './pg-schedules.js';
import { SEALED_EVENTS_MAX, sealedBase, sealScript } from './pg-seal.js';

export interface PostgresStoreOptions {
  url: string;
  /** Identifies this process's writes, so it can tell other processes' events apart. */
  origin: string;
  /** Called after each commit with the events it wrote, possibly none (the change feed). */
  onCommit?: (events: WaveEvent[]) => void;
  now?: () => Date;
  /** Artifacts up to this size are kept in the database (storage.artifact_inline_limit). */
  artifactInlineLimit?: number;
  /** Larger ones are copied here, a folder every instance shares (storage.artifact_dir). */
  artifactDir?: string | null;
  poolMax?: number;
  /** The schema Wave's tables live in (created if missing): several stores in one database. */
  schema?: string;
}

/** The channel every write is announced on, with the last seq written (empty: no events). */
export const EVENTS_CHANNEL = 'wave_events';
/** What a cancel request of a running or waiting run announces, its owner as payload. */
export const CANCELS_CHANNEL = 'wave_cancels';
export const DEFAULT_ARTIFACT_INLINE_LIMIT = 1024 * 1024;

/** An instance as PostgreSQL keeps it: its role and how many runs it holds. */
export type PgInstanceRecord = InstanceRecord & { role: InstanceRole; running: number };
export type InstanceRole = 'all' | 'api' | 'worker';

type Emit = (drafts: readonly EventDraft[]) => Promise<WaveEvent[]>;

/**
 * The Store on PostgreSQL, shared by any number of processes. Seq order is commit order: a
 * transaction that wrote events numbers them last, under a transaction-level advisory lock that
 * holds until COMMIT, reading MAX(seq) under it (see `write`). Each write NOTIFYs the channel
 * inside its transaction, delivered at commit.
 */
export class PostgresStore implements Store {
  readonly kind = 'postgres' as const;
  readonly location: string;
  readonly schedules: PgScheduleStore;
  readonly retention: PgRetention;
  readonly deliveries: PgDeliveries;
  readonly insights: PgInsights;
  readonly adapterPlaces: PgAdapterPlaces;
  private readonly db: PgDb;
  private readonly origin: string;
  private readonly onCommit: (events: WaveEvent[]) => void;
  private readonly now: () => Date;
  private readonly inlineLimit: number;
  private readonly artifactDir: string | null;
  private readonly started: Promise<void>;
  /** Every instance's commits, as they happen: the change token and the feed's wake-up. */
  private readonly listener: PgListener;
  /** Snapshots (JSON) of runs this store claimed, until their executor reads them. */
  private readonly claimedSpecs = new Map<string, string>();

  constructor(opts: PostgresStoreOptions) {
    this.location = redactUrl(opts.url);
    this.db = new PgDb(opts.url, {
      max: opts.poolMax ?? 10,
      ...(opts.schema ? { schema: opts.schema } : {}),
    });
    this.origin = opts.origin;
    this.onCommit = opts.onCommit ?? (() => {});
    this.now = opts.now ?? (() => new Date());
    // The sub-stores share the pool; its queries wait for the migration like this store's.
    this.schedules = new PgScheduleStore(this.db, this.location, this.now);
    this.retention = new PgRetention(this.db, this.location, this.now, opts.artifactDir ?? null);
    this.deliveries = new PgDeliveries(this.db, this.location, this.now);
    this.insights = new PgInsights(this.db, this.location, this.now);
    this.adapterPlaces = new PgAdapterPlaces(this.db, this.location, this.now);
    this.inlineLimit = opts.artifactInlineLimit ?? DEFAULT_ARTIFACT_INLINE_LIMIT;
    this.artifactDir = opts.artifactDir ?? null;
    this.started = this.db.open();
    // Failing to start is reported by ready() and by each method; not an unhandled rejection.
    this.started.catch(() => {});
    // This store's own commits reach its change feed at once (onCommit): their notifications,
    // told apart by the backend that sent them, need not wake it again.
    const ownBackends = new Set<number>();
    const backendOf = (client: pg.PoolClient) => (client as unknown as { processID: number }).processID;
    this.db.pool.on('connect', (client) => ownBackends.add(backendOf(client)));
    this.db.pool.on('remove', (client) => ownBackends.delete(backendOf(client)));
    this.listener = new PgListener({
      url: opts.url,
      channel: EVENTS_CHANNEL,
      cancelChannel: CANCELS_CHANNEL,
      isOwn: (backend) => ownBackends.has(backend),
    });
    this.listener.start();
  }

  /** Connects and migrates; rejects with store_unavailable saying why (start fails fast on it). */
  async ready(): Promise<void> {
    try {
      await this.started;
    } catch (err) {
      throw pgStoreError(this.db.url, err);
    }
  }

  /** The pool and its schema, for the sub-stores built beside this one. */
  get database(): PgDb {
    return this.db;
  }

  private async read<T>(fn: (c: Queryable) => Promise<T>): Promise<T> {
    await this.ready();
    try {
      return await fn(this.db);
    } catch (err) {
      throw err instanceof WaveError ? err : pgStoreError(this.db.url, err);
    }
  }

  /**
   * Runs `fn` in one transaction, announces the commit (NOTIFY), then publishes the events it
   * wrote. Events get their seq last, under the seq lock held until COMMIT: that lock is the
   * one point every writer of events passes in turn, so it is held for one round trip only
   * (the closing script: lock, rollups, insert, commit; three for a burst past
   * SEALED_EVENTS_MAX), and taken after every row lock the transaction needs but the rollups',
   * which only transactions that never wait for it hold otherwise (retention), so a holder
   * never waits for anything that waits for it (no deadlock). `lock`: an advisory lock taken
   * with BEGIN, before the first statement's snapshot.
   */
  private async write<T>(
    fn: (c: Queryable, emit: Emit) => Promise<T>,
    lock?: number,
  ): Promise<{ result: T; events: WaveEvent[] }> {
    await this.ready();
    const written: WaveEvent[] = [];
    /** Runs the transaction finishes, for the insight rollups. */
    const finished: string[] = [];
    let result: T;
    const open = lock !== undefined ? `BEGIN; SELECT pg_advisory_xact_lock(${lock})` : 'BEGIN';
    // Few events (the usual write): numbered, inserted and committed by the closing script.
    const sealed = () => written.length > 0 && written.length <= SEALED_EVENTS_MAX;
    const close = () => {
      if (sealed()) return sealScript(written, finished, this.origin, ADVISORY.seq, EVENTS_CHANNEL);
      const last = written[written.length - 1];
      return `SELECT pg_notify('${EVENTS_CHANNEL}', '${last ? last.seq : ''}'); COMMIT`;
    };
    const closed = (results: pg.QueryResult[]) => {
      if (!sealed()) return;
      let seq = sealedBase(results);
      for (const event of written) (event as { seq: number }).seq = ++seq;
    };
    try {
      result = await this.db.txScripted(
        open,
        async (c) => {
          const emit: Emit = async (drafts) => {
            const fallbackTs = this.now().toISOString();
            const out = drafts.map((draft) => {
              const { type, run_id, ts, ...rest } = draft as EventDraft & Record<string, unknown>;
              // seq first (the wire form's key order); its value is set before the insert.
              return { seq: 0, ts: ts ?? fallbackTs, type, run_id, ...rest } as WaveEvent;
            });
            for (const event of out) {
              await projectPg(c, event, finished);
              // One push per event: `push(...out)` overflows the call stack past ~100k events.
              written.push(event);
            }
            return out;
          };
          const value = await fn(c, emit);
          // After fn (the usage of a run's last step may be written with its terminal event); the
          // closing script rolls them up when it seals the events.
          if (!sealed()) for (const runId of finished) await pgRollups.add(c, runId);
          if (written.length > SEALED_EVENTS_MAX) {
            const [, max] = (await c.query(
              `SELECT pg_advisory_xact_lock(${ADVISORY.seq}); SELECT COALESCE(MAX(seq), 0) AS seq FROM events`,
            )) as unknown as [unknown, { rows: { seq: number }[] }];
            let seq = max.rows[0]!.seq;
            for (const event of written) (event as { seq: number }).seq = ++seq;
            await insertEvents(c, written, this.origin);
          }
          return value;
        },
        close,
        closed,
      );
    } catch (err) {
      throw err instanceof WaveError ? err : pgStoreError(this.db.url, err);
    }
    // Also without events: a commit that only changed state (a cancel request) is news too.
    this.onCommit(written);
    return { result, events: written };
  }

  /**
   * A write that is one statement (with RETURNING): sent alone, committed on its own, one round
   * trip instead of three. It NOTIFYs (no seq: it writes no events) when it changed a row.
   */
  private async writeOne<R extends QueryResultRow>(sql: string, params: unknown[]): Promise<R[]> {
    await this.ready();
    let rows: R[];
    try {
      ({ rows } = await this.db.query<R>(
        `WITH w AS (${sql}) SELECT w.*, pg_notify('${EVENTS_CHANNEL}', '') AS notified FROM w`,
        params,
      ));
    } catch (err) {
      throw err instanceof WaveError ? err : pgStoreError(this.db.url, err);
    }
    this.onCommit([]);
    return rows;
  }

  private async runRow(c: Queryable, id: string): Promise<RunRow | undefined> {
    const { rows } = await c.query<RunRow>(`SELECT ${RUN_COLUMNS} FROM runs WHERE id = $1`, [id]);
    return rows[0];
  }

  private async queuePos(c: Queryable, mode: string, num: number): Promise<number> {
    const { rows } = await c.query<{ n: number }>(
      `SELECT COUNT(*) AS n FROM runs WHERE status = 'queued' AND mode = $1 AND num <= $2`,
      [mode, num],
    );
    return rows[0]!.n;
  }

  async createRun(run: NewRun): Promise<{ run: RunRecord; created: boolean; events: WaveEvent[] }> {
    const { result, events } = await this.write(async (c, emit) => {
      const nowMs = this.now().getTime();
      const idem = run.idempotency;
      // Keys are per actor: one actor never reaches another's run through a shared key.
      const idemScope = idem ? `idempotency:${idem.actor ?? ''}` : '';
      if (idem) {
        // Requests with one key (servers firing one schedule slot, a client retrying on two
        // instances) take turns: the second then finds the first's run.
        await c.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`${idemScope}\n${idem.key}`]);
        const { rows } = await c.query<{ run_id: string; expires_at: number; fingerprint: string | null }>(
          'SELECT run_id, expires_at, fingerprint FROM remembered_keys WHERE scope = $1 AND key = $2',
          [idemScope, idem.key],
        );
        const known = rows[0];
        if (known && known.expires_at > nowMs) {
          const existing = await this.runRow(c, known.run_id);
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
      const steps = run.spec.steps;
      // The run, its steps and its place in line in one statement (one round trip): the count
      // sees the runs committed before it, this one counted by the + 1.
      const { rows } = await c.query<RunRow & { position: number }>(
        `WITH r AS (
           INSERT INTO runs (id, pipeline, status, input, labels, trigger_source, trigger_actor, created_at, mode, options, spec, owner, lease_expires_at, parent_run_id, parent_step, parent_index, origin_kind, origin_run_id, origin_step)
           VALUES ($1, $2, 'queued', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) RETURNING *),
         s AS (
           INSERT INTO steps (run_id, id, idx, kind, persona, dependencies)
           SELECT r.id, t.id, t.idx, t.kind, t.persona, t.deps
           FROM r, unnest($19::text[], $20::int[], $21::text[], $22::text[], $23::text[]) AS t (id, idx, kind, persona, deps))
         SELECT ${RUN_COLUMNS},
           (SELECT COUNT(*) FROM runs q WHERE q.status = 'queued' AND q.mode = runs.mode AND q.num < runs.num) + 1 AS position
         FROM r AS runs`,
        [
          run.id,
          run.pipeline,
          run.input,
          JSON.stringify(run.labels),
          run.trigger.source,
          run.trigger.actor,
          createdAt,
          run.mode,
          JSON.stringify(run.options),
          JSON.stringify(run.spec),
          run.claim?.owner ?? null,
          run.claim ? nowMs + run.claim.leaseMs : null,
          run.parent?.runId ?? null,
          run.parent?.step ?? null,
          run.parent?.index ?? null,
          run.origin?.kind ?? null,
          run.origin?.runId ?? null,
          run.origin?.step ?? null,
          steps.map((s) => s.id),
          steps.map((_, i) => i),
          steps.map((s) => s.kind),
          steps.map((s) => s.persona),
          steps.map((s) => JSON.stringify(s.dependencies)),
        ],
      );
      const { position, ...created } = rows[0]!;
      const labels = Object.entries(run.labels);
      if (labels.length)
        await c.query(
          'INSERT INTO run_labels (run_num, key, value) SELECT $1, k, v FROM unnest($2::text[], $3::text[]) AS t (k, v)',
          [created.num, labels.map(([k]) => k), labels.map(([, v]) => v)],
        );
      if (idem)
        await this.putKey(c, idemScope, idem.key, run.id, nowMs + IDEMPOTENCY_TTL_MS, idem.fingerprint);
      await emit([
        {
          type: 'run_queued',
          run_id: run.id,
          ts: createdAt,
          pipeline: run.pipeline,
          queue_position: position,
          trigger: run.trigger,
        },
      ]);
      if (!run.origin) return { record: toRun(created), created: true };
      // Reused steps change the run's outcomes: read it again after them.
      await this.writeReused(c, run.id, run.origin.runId, run.origin.reuse, createdAt, emit);
      return { record: toRun((await this.runRow(c, run.id))!), created: true };
    });
    return { run: result.record, created: result.created, events };
  }

  private putKey(
    c: Queryable,
    scope: string,
    key: string,
    runId: string | null,
    expiresAt: number,
    fingerprint: string | null,
  ): Promise<unknown> {
    return c.query(
      `INSERT INTO remembered_keys (scope, key, run_id, expires_at, fingerprint) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (scope, key) DO UPDATE SET run_id = excluded.run_id, expires_at = excluded.expires_at,
         fingerprint = excluded.fingerprint`,
      [scope, key, runId, expiresAt, fingerprint],
    );
  }

  /**
   * A retry's or fork's reused steps, inside its creating transaction: completed before the run
   * starts, so the engine treats them as done. Usage is left behind: it was counted in the source.
   * Artifacts keep the source's stored content.
   */
  private async writeReused(
    c: Queryable,
    runId: string,
    sourceId: string,
    reuse: NonNullable<NewRun['origin']>['reuse'],
    at: string,
    emit: Emit,
  ): Promise<void> {
    const steps = new Set(reuse.steps);
    for (const step of reuse.steps)
      await c.query(
        `INSERT INTO gates (run_id, step, status, prompt, choices, freeform, default_choice, timeout_at, answer_choice, answer_text, answer_by, answer_at)
         SELECT $1, step, status, prompt, choices, freeform, default_choice, timeout_at, answer_choice, answer_text, answer_by, answer_at
         FROM gates WHERE run_id = $2 AND step = $3 AND status IN ('answered', 'timed_out')`,
        [runId, sourceId, step],
      );
    for (const a of reuse.artifacts) await this.upsertArtifact(c, runId, { ...a, content: null }, sourceId);
    const { rows } = await c.query<{ outcomes: string }>('SELECT outcomes FROM runs WHERE id = $1', [
      sourceId,
    ]);
    const outcomes = JSON.parse(rows[0]?.outcomes ?? '[]') as { step: string }[];
    const kept = outcomes.filter((o) => steps.has(o.step));
    if (kept.length)
      await c.query('UPDATE runs SET outcomes = $1 WHERE id = $2', [JSON.stringify(kept), runId]);
    await emit(
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

  /** Inserts or replaces an artifact's record; `copyFrom`: content taken from that run's row. */
  private upsertArtifact(
    c: Queryable,
    runId: string,
    a: Omit<ArtifactRecord, 'runId'> & { content: Buffer | null },
    copyFrom?: string,
  ): Promise<unknown> {
    const content = copyFrom
      ? 'COALESCE($9::bytea, (SELECT content FROM artifacts WHERE run_id = $10 AND step = $2 AND name = $3))'
      : '$9::bytea';
    return c.query(
      `INSERT INTO artifacts (run_id, step, name, path, type, size, sha256, created_at, content)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, ${content})
       ON CONFLICT (run_id, step, name) DO UPDATE SET path = excluded.path, type = excluded.type, size = excluded.size,
         sha256 = excluded.sha256, created_at = excluded.created_at, content = excluded.content`,
      [
        runId,
        a.step,
        a.name,
        a.path,
        a.type,
        a.size,
        a.sha256,
        a.createdAt,
        a.content,
        ...(copyFrom ? [copyFrom] : []),
      ],
    );
  }

  getRun(id: string): Promise<RunRecord | null> {
    return this.read(async (c) => {
      const row = await this.runRow(c, id);
      return row ? toRun(row) : null;
    });
  }

  getRunSpec(id: string): Promise<PipelineSpec | null> {
    // A run's snapshot never changes once created: the one its claim brought is as good.
    const claimed = this.claimedSpecs.get(id);
    if (claimed !== undefined) {
      this.claimedSpecs.delete(id);
      return Promise.resolve(JSON.parse(claimed) as PipelineSpec);
    }
    return this.read(async (c) => {
      const { rows } = await c.query<{ spec: string }>('SELECT spec FROM runs WHERE id = $1', [id]);
      return rows[0] ? (JSON.parse(rows[0].spec) as PipelineSpec) : null;
    });
  }

  listRuns(q: RunQuery): Promise<{ runs: RunRecord[]; nextCursor: string | null }> {
    return this.read(async (c) => {
      const where: string[] = [];
      const params: unknown[] = [];
      const p = (value: unknown) => {
        params.push(value);
        return `$${params.length}`;
      };
      if (q.statuses?.length) where.push(`status = ANY(${p(q.statuses)}::text[])`);
      if (q.pipeline) where.push(`pipeline = ${p(q.pipeline)}`);
      if (q.mode) where.push(`mode = ${p(q.mode)}`);
      if (q.origin !== undefined) where.push(`origin_run_id = ${p(q.origin)}`);
      if (q.parent === null) where.push('parent_run_id IS NULL');
      else if (q.parent !== undefined) where.push(`parent_run_id = ${p(q.parent)}`);
      for (const [k, v] of Object.entries(q.labels ?? {}))
        where.push(`num IN (SELECT run_num FROM run_labels WHERE key = ${p(k)} AND value = ${p(v)})`);
      const before = q.cursor === undefined ? undefined : decodeCursor(q.cursor);
      if (before !== undefined) where.push(`num < ${p(before)}`);
      const sql = `SELECT ${RUN_COLUMNS} FROM runs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY num DESC LIMIT ${p(q.limit + 1)}`;
      const { rows } = await c.query<RunRow>(sql, params);
      const page = rows.slice(0, q.limit).map(toRun);
      const last = page[page.length - 1];
      return { runs: page, nextCursor: rows.length > q.limit && last ? encodeCursor(last.num) : null };
    });
  }

  queuePosition(run: RunRecord): Promise<number | null> {
    return this.read(async (c) =>
      run.status === 'queued' ? await this.queuePos(c, run.mode, run.num) : null,
    );
  }

  countActive(): Promise<{ queued: number; running: number; waiting: number }> {
    return this.read(async (c) => {
      const counts = { queued: 0, running: 0, waiting: 0 };
      const { rows } = await c.query<{ status: keyof typeof counts; n: number }>(
        `SELECT status, COUNT(*) AS n FROM runs WHERE status IN ('queued', 'running', 'waiting') GROUP BY status`,
      );
      for (const r of rows) counts[r.status] = r.n;
      return counts;
    });
  }

  countByStatus(mode?: RunRecord['mode']): Promise<Record<RunStatus, number>> {
    return this.read(async (c) => {
      const counts: Record<RunStatus, number> = {
        queued: 0,
        running: 0,
        waiting: 0,
        completed: 0,
        failed: 0,
        cancelled: 0,
      };
      const { rows } = mode
        ? await c.query<{ status: RunStatus; n: number }>(
            'SELECT status, COUNT(*) AS n FROM runs WHERE mode = $1 GROUP BY status',
            [mode],
          )
        : await c.query<{ status: RunStatus; n: number }>(
            'SELECT status, COUNT(*) AS n FROM runs GROUP BY status',
          );
      for (const r of rows) counts[r.status] = r.n;
      return counts;
    });
  }

  listSteps(runId: string): Promise<StepRecord[]> {
    return this.read(async (c) => {
      const children = new Map<string, string[]>();
      const kids = await c.query<{ id: string; parent_step: string }>(
        'SELECT id, parent_step FROM runs WHERE parent_run_id = $1 ORDER BY parent_index, num',
        [runId],
      );
      for (const k of kids.rows) {
        const list = children.get(k.parent_step);
        if (list) list.push(k.id);
        else children.set(k.parent_step, [k.id]);
      }
      const { rows } = await c.query<StepRow>('SELECT * FROM steps WHERE run_id = $1 ORDER BY idx', [runId]);
      return rows.map((r) => toStep(r, children.get(r.id) ?? []));
    });
  }

  listChildren(runId: string): Promise<RunRecord[]> {
    return this.read(async (c) => {
      const { rows } = await c.query<RunRow>(
        `SELECT ${RUN_COLUMNS} FROM runs WHERE parent_run_id = $1 ORDER BY parent_step, parent_index, num`,
        [runId],
      );
      return rows.map(toRun);
    });
  }

  listGates(runId: string): Promise<GateRecord[]> {
    return this.read(async (c) => {
      const { rows } = await c.query<GateRow>('SELECT * FROM gates WHERE run_id = $1 ORDER BY num', [runId]);
      return rows.map(toGate);
    });
  }

  listArtifacts(runId: string): Promise<ArtifactRecord[]> {
    return this.read(async (c) => {
      const { rows } = await c.query<ArtifactRow>(
        'SELECT run_id, step, name, path, type, size, sha256, created_at FROM artifacts WHERE run_id = $1 ORDER BY created_at, step, name',
        [runId],
      );
      return rows.map(toArtifact);
    });
  }

  /** The artifact's stored content, or null when it is a file at the record's path. */
  readArtifactContent(runId: string, step: string, name: string): Promise<Buffer | null> {
    return this.read(async (c) => {
      const { rows } = await c.query<{ content: Buffer | null }>(
        'SELECT content FROM artifacts WHERE run_id = $1 AND step = $2 AND name = $3',
        [runId, step, name],
      );
      return rows[0]?.content ?? null;
    });
  }

  async append(runId: string, drafts: readonly EventDraft[], side?: SideEffects): Promise<WaveEvent[]> {
    // Files are read (and large ones copied) before the transaction: no lock is held meanwhile.
    const payloads: ArtifactPayload[] = side?.artifacts
      ? await artifactPayloads(runId, side.artifacts, this.inlineLimit, this.artifactDir)
      : [];
    const { result } = await this.write(async (c, emit) => {
      const events = await emit(drafts);
      const later = (sql: string, params: unknown[]) => writeLater(c, sql, params);
      if (side?.usage)
        await later('UPDATE steps SET usage = $1 WHERE run_id = $2 AND id = $3', [
          JSON.stringify(side.usage.usage),
          runId,
          side.usage.step,
        ]);
      if (side?.outcomes)
        await later('UPDATE runs SET outcomes = $1 WHERE id = $2', [JSON.stringify(side.outcomes), runId]);
      if (side?.gateTimedOut)
        await later(
          `UPDATE gates SET status = 'timed_out' WHERE run_id = $1 AND step = $2 AND status = 'waiting'`,
          [runId, side.gateTimedOut.step],
        );
      for (const a of payloads) {
        const written = events.find(
          (e) => e.type === 'artifact_written' && e.step === a.step && e.name === a.name,
        );
        if (written?.type !== 'artifact_written') continue;
        await this.upsertArtifact(c, runId, {
          step: a.step,
          name: a.name,
          path: a.path,
          type: a.type,
          size: written.size,
          sha256: written.sha256,
          createdAt: written.ts,
          content: a.content,
        });
      }
      return events;
    });
    return result;
  }

  async answerGate(runId: string, step: string, answer: GateAnswerInput): Promise<WaveEvent | null> {
    const { result } = await this.write(async (c, emit) => {
      const { rows } = await c.query<{ status: RunStatus }>('SELECT status FROM runs WHERE id = $1', [runId]);
      const status = rows[0]?.status;
      if (status !== 'running' && status !== 'waiting') return null;
      const at = this.now().toISOString();
      // Conditional: of many concurrent answers only one finds the gate still waiting.
      const changed = await c.query(
        `UPDATE gates SET status = $1, answer_choice = $2, answer_text = $3, answer_by = $4, answer_at = $5
         WHERE run_id = $6 AND step = $7 AND status = 'waiting'`,
        [answer.timedOut ? 'timed_out' : 'answered', answer.choice, answer.text, answer.by, at, runId, step],
      );
      if (changed.rowCount !== 1) return null;
      const [event] = await emit([
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
    });
    return result;
  }

  readEvents(q: EventQuery): Promise<StoredEvent[]> {
    return this.read((c) => readEventRows(c, q));
  }

  readOutput(q: OutputQuery): Promise<OutputLine[]> {
    return this.read((c) => readOutputRows(c, q));
  }

  lastSeq(): Promise<number> {
    return this.read(async (c) => {
      const { rows } = await c.query<{ seq: number }>('SELECT COALESCE(MAX(seq), 0) AS seq FROM events');
      return rows[0]!.seq;
    });
  }

  /** Bumped by every commit's NOTIFY (any instance's) and by each reconnect of the listener. */
  async changeToken(): Promise<number> {
    await this.ready();
    return this.listener.token;
  }

  onCancelRequest(listener: (owner: string | null) => void): () => void {
    return this.listener.onCancel(listener);
  }

  knownTop(since: number): number | null {
    return this.listener.knownTop(since);
  }

  /** Wakes the change feed at each notification, so other instances' commits arrive at once. */
  onChange(listener: () => void): () => void {
    return this.listener.onWake(listener);
  }

  async requestCancel(runId: string, by: string | null): Promise<CancelResult | null> {
    const { result } = await this.write(async (c, emit): Promise<CancelResult | null> => {
      const row = await this.runRow(c, runId);
      if (!row) return null;
      const run = toRun(row);
      if (TERMINAL_RUN_STATUSES.has(run.status)) return { kind: 'finished', run };
      if (run.status === 'queued') {
        await c.query('UPDATE runs SET cancel_requested = 1, cancel_by = $1 WHERE id = $2', [by, runId]);
        const [event] = await emit([
          { type: 'run_cancelled', run_id: runId, status: 'cancelled', duration_ms: 0, by },
        ]);
        return { kind: 'cancelled', run: toRun((await this.runRow(c, runId))!), event: event! };
      }
      await c.query(
        'UPDATE runs SET cancel_requested = 1, cancel_by = COALESCE(cancel_by, $1) WHERE id = $2',
        [by, runId],
      );
      // Its owner's supervisor checks on this alone, not on every other instance's commit.
      await c.query('SELECT pg_notify($1, $2)', [CANCELS_CHANNEL, run.owner ?? '']);
      return { kind: 'requested', run: toRun((await this.runRow(c, runId))!) };
    });
    return result;
  }

  async setWantsSlot(runId: string, wants: boolean): Promise<void> {
    await this.writeOne('UPDATE runs SET wants_slot = $1 WHERE id = $2 RETURNING 1 AS changed', [
      wants ? 1 : 0,
      runId,
    ]);
  }

  /**
   * One conditional UPDATE: a concurrent claimer waits for the row lock, then finds the run no
   * longer free (PostgreSQL re-checks the condition on the row it waited for).
   */
  async claimRun(runId: string, owner: string, leaseMs: number): Promise<RunRecord | null> {
    const nowMs = this.now().getTime();
    const [row] = await this.writeOne<RunRow>(
      `UPDATE runs SET owner = $2, lease_expires_at = $3
       WHERE id = $1 AND status IN ('queued', 'running', 'waiting')
         AND (owner IS NULL OR owner = $2 OR (lease_expires_at IS NOT NULL AND lease_expires_at < $4)
              OR owner IN (SELECT id FROM instances WHERE dead = 1))
       RETURNING ${RUN_COLUMNS}`,
      [runId, owner, nowMs + leaseMs, nowMs],
    );
    return row ? toRun(row) : null;
  }

  /**
   * FIFO among queued server runs, skipping rows other claimers hold, in one statement. `cap`:
   * server runs this owner holds (running, or claimed and not started); `globalCap`: the same
   * over all owners, counted under an advisory lock taken before the statement so two claimers
   * cannot both see room for one.
   */
  async claimNextRun(
    owner: string,
    leaseMs: number,
    cap: number,
    globalCap: number | null = null,
  ): Promise<RunRecord | null> {
    const held = `mode = 'server' AND parent_run_id IS NULL AND (status = 'running' OR (status = 'queued' AND owner IS NOT NULL))`;
    // Per owner no lock is needed: an owner claims one run at a time (its scheduler loop). LIMIT 0
    // when there is no room: the caps are decided before any row is locked, so a claimer at its
    // cap never holds the oldest run while another skips past it.
    const sql = `UPDATE runs SET owner = $1, lease_expires_at = $2
       WHERE id = (SELECT id FROM runs WHERE status = 'queued' AND mode = 'server' AND owner IS NULL
                     AND parent_run_id IS NULL ORDER BY num
                     LIMIT (SELECT CASE WHEN (SELECT COUNT(*) FROM runs WHERE owner = $1 AND ${held}) < $3
                              AND ($4::bigint IS NULL OR (SELECT COUNT(*) FROM runs WHERE ${held}) < $4::bigint)
                            THEN 1 ELSE 0 END)
                     FOR UPDATE SKIP LOCKED)
       RETURNING ${RUN_COLUMNS}, spec`;
    const params = [owner, this.now().getTime() + leaseMs, cap, globalCap];
    type Claimed = RunRow & { spec: string };
    let row: Claimed | undefined;
    if (globalCap === null) {
      [row] = await this.writeOne<Claimed>(sql, params);
    } else {
      ({ result: row } = await this.write(
        async (c) => (await c.query<Claimed>(sql, params)).rows[0],
        ADVISORY.claim,
      ));
    }
    if (!row) return null;
    // Whoever claims a run reads its snapshot next (getRunSpec): it came with the claim.
    if (this.claimedSpecs.size >= 1000) this.claimedSpecs.clear();
    this.claimedSpecs.set(row.id, row.spec);
    return toRun(row);
  }

  async renewLeases(owner: string, leaseMs: number): Promise<void> {
    await this.write(async (c) => {
      const nowMs = this.now().getTime();
      await c.query('UPDATE runs SET lease_expires_at = $1 WHERE owner = $2', [nowMs + leaseMs, owner]);
      await c.query('UPDATE instances SET heartbeat_at = $1 WHERE id = $2', [nowMs, owner]);
    });
  }

  async releaseRun(runId: string, owner: string): Promise<void> {
    await this.writeOne(
      'UPDATE runs SET owner = NULL, lease_expires_at = NULL WHERE id = $1 AND owner = $2 RETURNING 1 AS changed',
      [runId, owner],
    );
  }

  findOrphans(mode: RunRecord['mode']): Promise<RunRecord[]> {
    return this.read(async (c) => {
      const { rows } = await c.query<RunRow>(
        `SELECT ${RUN_COLUMNS} FROM runs WHERE mode = $1 AND parent_run_id IS NULL AND (status IN ('running', 'waiting') OR (status = 'queued' AND owner IS NOT NULL))
           AND (owner IS NULL OR (lease_expires_at IS NOT NULL AND lease_expires_at < $2)
                OR owner IN (SELECT id FROM instances WHERE dead = 1))
         ORDER BY num`,
        [mode, this.now().getTime()],
      );
      return rows.map(toRun);
    });
  }

  async registerInstance(instance: {
    id: string;
    host: string;
    pid: number;
    role?: InstanceRole;
  }): Promise<void> {
    await this.write(async (c) => {
      const nowMs = this.now().getTime();
      // Dead instances whose runs were all taken over are history: one row per process ever
      // started would otherwise pile up.
      // SKIP LOCKED: servers starting together do not wait on (or deadlock over) the same rows.
      await c.query(
        `DELETE FROM instances WHERE id IN (
           SELECT id FROM instances WHERE dead = 1 AND id NOT IN
             (SELECT owner FROM runs WHERE owner IS NOT NULL AND status IN ('queued', 'running', 'waiting'))
           FOR UPDATE SKIP LOCKED)`,
      );
      await c.query(
        `INSERT INTO instances (id, host, pid, role, started_at, heartbeat_at) VALUES ($1, $2, $3, $4, $5, $5)
         ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at, role = excluded.role, dead = 0`,
        [instance.id, instance.host, instance.pid, instance.role ?? 'all', nowMs],
      );
    });
  }

  listInstances(host?: string): Promise<PgInstanceRecord[]> {
    return this.read(async (c) => {
      const { rows } = await c.query<{
        id: string;
        host: string;
        pid: number;
        role: InstanceRole;
        heartbeat_at: number;
        dead: number;
        running: number;
      }>(
        `SELECT i.id, i.host, i.pid, i.role, i.heartbeat_at, i.dead,
           (SELECT COUNT(*) FROM runs WHERE runs.owner = i.id AND runs.status IN ('running', 'waiting')) AS running
         FROM instances AS i WHERE i.dead = 0 AND ($1::text IS NULL OR i.host = $1) ORDER BY i.id`,
        [host ?? null],
      );
      return rows.map((r) => ({
        id: r.id,
        host: r.host,
        pid: r.pid,
        role: r.role,
        running: r.running,
        heartbeatAt: r.heartbeat_at,
        dead: r.dead === 1,
      }));
    });
  }

  async markInstanceDead(id: string): Promise<void> {
    await this.writeOne('UPDATE instances SET dead = 1 WHERE id = $1 RETURNING 1 AS changed', [id]);
  }

  cancelRequested(owner: string): Promise<{ id: string; by: string | null }[]> {
    return this.read(async (c) => {
      const { rows } = await c.query<{ id: string; by: string | null }>(
        `SELECT id, cancel_by AS by FROM runs WHERE owner = $1 AND cancel_requested = 1 AND status IN ('queued', 'running', 'waiting')`,
        [owner],
      );
      return rows;
    });
  }

  /** The first of any number of instances wins: the insert or the takeover of an expired key is one statement. */
  async rememberKey(scope: string, key: string, ttlMs: number): Promise<boolean> {
    const nowMs = this.now().getTime();
    const rows = await this.writeOne(
      `INSERT INTO remembered_keys (scope, key, run_id, expires_at, fingerprint) VALUES ($1, $2, NULL, $3, NULL)
       ON CONFLICT (scope, key) DO UPDATE SET run_id = NULL, expires_at = excluded.expires_at, fingerprint = NULL
         WHERE remembered_keys.expires_at <= $4
       RETURNING 1 AS changed`,
      [scope, key, nowMs + ttlMs, nowMs],
    );
    return rows.length === 1;
  }

  async forgetKey(scope: string, key: string): Promise<void> {
    await this.writeOne('DELETE FROM remembered_keys WHERE scope = $1 AND key = $2 RETURNING 1 AS changed', [
      scope,
      key,
    ]);
  }

  async close(): Promise<void> {
    await this.listener.stop();
    await this.started.catch(() => {});
    await this.db.close();
  }
}
