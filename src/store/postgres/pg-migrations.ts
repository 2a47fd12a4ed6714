import { FINISHED, POSTGRES, rollupWrites } from '../insight-rollup-sql.js';
import { functionsSql } from './pg-functions.js';

/**
 * PostgreSQL's numbered schema migrations, applied at start (and by `wave db migrate`) in one
 * transaction under an advisory lock, so servers starting together migrate once. Version 1 is
 * the SQLite schema as of its version 9, written for PostgreSQL: the same tables and column
 * names (row mappers read both), epoch-millisecond and seq columns BIGINT, flags 0/1 INTEGER,
 * JSON kept as TEXT as SQLite keeps it. Events keep their JSON whole (no compact rows: the
 * space they save matters less than simple, lock-light inserts here). Artifacts may carry their
 * content, so any API instance can serve them (DESIGN.md "Many servers, one database").
 * A migration is never edited once released: add the next number instead.
 */
export const PG_MIGRATIONS: readonly { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: 'the schema of SQLite version 9',
    sql: `
      CREATE TABLE runs (
        num BIGSERIAL PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        pipeline TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('queued','running','waiting','completed','failed','cancelled')),
        input TEXT,
        labels TEXT NOT NULL DEFAULT '{}',
        trigger_source TEXT NOT NULL,
        trigger_actor TEXT,
        created_at TEXT NOT NULL,
        started_at TEXT,
        finished_at TEXT,
        cancel_requested INTEGER NOT NULL DEFAULT 0,
        cancel_by TEXT,
        error TEXT,
        mode TEXT NOT NULL CHECK (mode IN ('server','local')),
        options TEXT NOT NULL DEFAULT '{}',
        spec TEXT NOT NULL,
        owner TEXT,
        lease_expires_at BIGINT,
        wants_slot INTEGER NOT NULL DEFAULT 0,
        outcomes TEXT NOT NULL DEFAULT '[]',
        parent_run_id TEXT,
        parent_step TEXT,
        parent_index INTEGER,
        origin_kind TEXT CHECK (origin_kind IN ('retry', 'fork')),
        origin_run_id TEXT,
        origin_step TEXT
      );
      CREATE INDEX runs_status ON runs (status, mode, num);
      CREATE INDEX runs_pipeline ON runs (pipeline, num);
      CREATE INDEX runs_owner ON runs (owner) WHERE owner IS NOT NULL;
      CREATE INDEX runs_parent ON runs (parent_run_id, parent_step, parent_index);
      CREATE INDEX runs_origin ON runs (origin_run_id) WHERE origin_run_id IS NOT NULL;
      CREATE INDEX runs_created ON runs (created_at, pipeline, status, started_at, finished_at);

      CREATE TABLE run_labels (
        run_num BIGINT NOT NULL REFERENCES runs (num) ON DELETE CASCADE,
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (run_num, key)
      );
      CREATE INDEX run_labels_kv ON run_labels (key, value, run_num);

      CREATE TABLE steps (
        run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        id TEXT NOT NULL,
        idx INTEGER NOT NULL,
        kind TEXT NOT NULL,
        persona TEXT,
        dependencies TEXT NOT NULL DEFAULT '[]',
        status TEXT NOT NULL DEFAULT 'pending',
        attempts INTEGER NOT NULL DEFAULT 0,
        started_at TEXT,
        finished_at TEXT,
        duration_ms BIGINT,
        error TEXT,
        usage TEXT,
        PRIMARY KEY (run_id, id)
      );

      CREATE TABLE step_attempts (
        run_id TEXT NOT NULL,
        step TEXT NOT NULL,
        attempt INTEGER NOT NULL,
        status TEXT NOT NULL DEFAULT 'running',
        started_at TEXT NOT NULL,
        finished_at TEXT,
        error TEXT,
        PRIMARY KEY (run_id, step, attempt),
        FOREIGN KEY (run_id, step) REFERENCES steps (run_id, id) ON DELETE CASCADE
      );

      CREATE TABLE events (
        seq BIGINT PRIMARY KEY,
        run_id TEXT NOT NULL,
        type TEXT NOT NULL,
        step TEXT,
        origin TEXT NOT NULL,
        json TEXT NOT NULL
      );
      CREATE INDEX events_run ON events (run_id, seq);

      CREATE TABLE gates (
        run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        step TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('waiting','answered','timed_out','cancelled')),
        prompt TEXT NOT NULL,
        choices TEXT NOT NULL,
        freeform INTEGER NOT NULL,
        default_choice TEXT,
        timeout_at TEXT,
        answer_choice TEXT,
        answer_text TEXT,
        answer_by TEXT,
        answer_at TEXT,
        PRIMARY KEY (run_id, step)
      );

      CREATE TABLE artifacts (
        run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        step TEXT NOT NULL,
        name TEXT NOT NULL,
        path TEXT NOT NULL,
        type TEXT NOT NULL,
        size BIGINT NOT NULL,
        sha256 TEXT NOT NULL,
        created_at TEXT NOT NULL,
        content BYTEA,
        PRIMARY KEY (run_id, step, name)
      );

      CREATE TABLE remembered_keys (
        scope TEXT NOT NULL,
        key TEXT NOT NULL,
        run_id TEXT,
        expires_at BIGINT NOT NULL,
        fingerprint TEXT,
        PRIMARY KEY (scope, key)
      );

      CREATE TABLE instances (
        id TEXT PRIMARY KEY,
        host TEXT NOT NULL,
        pid INTEGER NOT NULL,
        role TEXT NOT NULL DEFAULT 'all',
        started_at BIGINT NOT NULL,
        heartbeat_at BIGINT NOT NULL,
        dead INTEGER NOT NULL DEFAULT 0
      );
      CREATE INDEX instances_host ON instances (host) WHERE dead = 0;

      CREATE TABLE schedules (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        pipeline TEXT NOT NULL,
        input TEXT,
        labels TEXT NOT NULL DEFAULT '{}',
        cron TEXT,
        rrule TEXT,
        timezone TEXT NOT NULL,
        overlap TEXT NOT NULL CHECK (overlap IN ('skip', 'queue')),
        catch_up TEXT NOT NULL CHECK (catch_up IN ('skip', 'one')),
        paused INTEGER NOT NULL DEFAULT 0,
        source TEXT NOT NULL CHECK (source IN ('api', 'config')),
        considered_until BIGINT NOT NULL,
        last_run_id TEXT,
        last_run_at BIGINT,
        created_at BIGINT NOT NULL,
        CHECK ((cron IS NULL) <> (rrule IS NULL))
      );
      CREATE TABLE schedule_slots (
        schedule_id TEXT NOT NULL,
        slot_at BIGINT NOT NULL,
        claimed_by TEXT NOT NULL,
        claimed_at BIGINT NOT NULL,
        run_id TEXT,
        skipped INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (schedule_id, slot_at)
      );
      CREATE INDEX schedule_slots_at ON schedule_slots (slot_at);

      CREATE TABLE notification_deliveries (
        id TEXT PRIMARY KEY,
        notification TEXT NOT NULL,
        event_seq BIGINT NOT NULL,
        event_type TEXT NOT NULL,
        run_id TEXT NOT NULL,
        url TEXT NOT NULL,
        body TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('pending','delivered','failed')),
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at BIGINT NOT NULL,
        owner TEXT,
        lease_expires_at BIGINT,
        last_error TEXT,
        last_status INTEGER,
        created_at TEXT NOT NULL,
        finished_at TEXT,
        UNIQUE (notification, event_seq)
      );
      CREATE INDEX notification_deliveries_due ON notification_deliveries (status, next_attempt_at);
      CREATE TABLE notification_cursor (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        seq BIGINT NOT NULL
      );
    `,
  },
  {
    version: 2,
    name: 'gates listed in the order they were first reached',
    // SQLite lists a run's gates by rowid (an upsert keeps it); a serial column does the same here.
    sql: 'ALTER TABLE gates ADD COLUMN num BIGSERIAL',
  },
  {
    version: 3,
    name: 'indexes for pruning by run',
    // Retention deletes a run's idempotency keys and finished deliveries by run id, one run per
    // transaction: without these, each delete would scan its whole table.
    sql: `
      CREATE INDEX remembered_keys_run ON remembered_keys (run_id) WHERE run_id IS NOT NULL;
      CREATE INDEX notification_deliveries_run ON notification_deliveries (run_id);
    `,
  },
  {
    version: 5,
    name: 'insights: rollups of finished runs per day and per hour, by pipeline',
    // SQLite's migration 11: GET /api/insights reads whole days and hours from these (span 'd'
    // or 'h'; pg-rollups.ts keeps them as runs finish or are deleted); the runs already finished
    // are rolled up here. run_narratives: what retrospective.persona wrote of a run.
    sql: `
      CREATE TABLE insight_runs (
        span TEXT NOT NULL CHECK (span IN ('d', 'h')),
        period TEXT NOT NULL,
        pipeline TEXT NOT NULL,
        runs BIGINT NOT NULL,
        completed BIGINT NOT NULL,
        failed BIGINT NOT NULL,
        cancelled BIGINT NOT NULL,
        tokens_in BIGINT NOT NULL,
        tokens_out BIGINT NOT NULL,
        cost_micros BIGINT NOT NULL,
        PRIMARY KEY (span, period, pipeline)
      );
      CREATE TABLE insight_times (
        span TEXT NOT NULL,
        period TEXT NOT NULL,
        pipeline TEXT NOT NULL,
        step TEXT NOT NULL,
        metric TEXT NOT NULL CHECK (metric IN ('duration', 'queue_wait')),
        bucket BIGINT NOT NULL,
        n BIGINT NOT NULL,
        lo BIGINT NOT NULL,
        hi BIGINT NOT NULL,
        PRIMARY KEY (span, period, pipeline, step, metric, bucket)
      );
      CREATE TABLE insight_steps (
        span TEXT NOT NULL,
        period TEXT NOT NULL,
        pipeline TEXT NOT NULL,
        step TEXT NOT NULL,
        idx INTEGER NOT NULL,
        runs BIGINT NOT NULL,
        failed BIGINT NOT NULL,
        retries BIGINT NOT NULL,
        PRIMARY KEY (span, period, pipeline, step)
      );
      CREATE TABLE insight_errors (
        span TEXT NOT NULL,
        period TEXT NOT NULL,
        pipeline TEXT NOT NULL,
        code TEXT NOT NULL,
        n BIGINT NOT NULL,
        message TEXT,
        last_at TEXT,
        PRIMARY KEY (span, period, pipeline, code)
      );
      CREATE TABLE run_narratives (
        run_id TEXT PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,
        persona TEXT NOT NULL,
        narrative TEXT NOT NULL,
        written_at TEXT NOT NULL
      );
      ${rollupWrites(POSTGRES, FINISHED, '1').join(';\n')};
    `,
  },
  {
    version: 6,
    name: 'adapter places shared by servers',
    // As SQLite migration 12: a ticket per step waiting for or holding a place on a capped
    // adapter, across every server on this database.
    sql: `
      CREATE TABLE adapter_tickets (
        id TEXT PRIMARY KEY,
        adapter TEXT NOT NULL,
        owner TEXT NOT NULL,
        run_id TEXT NOT NULL,
        step TEXT NOT NULL,
        ready_at BIGINT NOT NULL,
        granted BOOLEAN NOT NULL DEFAULT FALSE
      );
      CREATE INDEX adapter_tickets_line ON adapter_tickets (adapter, granted, ready_at, id);
    `,
  },
  {
    version: 7,
    name: 'functions for the statements every run passes through',
    // pg-functions.ts: the rollups of a finished run and the numbering of events, planned once
    // per connection instead of at every call.
    sql: functionsSql(),
  },
];
