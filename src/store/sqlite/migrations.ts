import { FINISHED, rollupWrites, SQLITE } from '../insight-rollup-sql.js';

/**
 * Numbered schema migrations, applied in order inside one transaction at open. A migration is
 * never edited once released: add the next number instead.
 */
export const MIGRATIONS: readonly { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: 'runs, steps, attempts, events, gates, artifacts',
    sql: `
      CREATE TABLE runs (
        num INTEGER PRIMARY KEY AUTOINCREMENT,
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
        lease_expires_at INTEGER,
        wants_slot INTEGER NOT NULL DEFAULT 0,
        outcomes TEXT NOT NULL DEFAULT '[]'
      );
      CREATE INDEX runs_status ON runs (status, mode, num);
      CREATE INDEX runs_pipeline ON runs (pipeline, num);
      CREATE INDEX runs_owner ON runs (owner) WHERE owner IS NOT NULL;

      CREATE TABLE run_labels (
        run_num INTEGER NOT NULL REFERENCES runs (num) ON DELETE CASCADE,
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
        duration_ms INTEGER,
        error TEXT,
        usage TEXT,
        PRIMARY KEY (run_id, id)
      ) WITHOUT ROWID;

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
      ) WITHOUT ROWID;

      CREATE TABLE events (
        seq INTEGER PRIMARY KEY,
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
        status TEXT NOT NULL CHECK (status IN ('waiting','answered','timed_out')),
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
        size INTEGER NOT NULL,
        sha256 TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (run_id, step, name)
      ) WITHOUT ROWID;

      CREATE TABLE remembered_keys (
        scope TEXT NOT NULL,
        key TEXT NOT NULL,
        run_id TEXT,
        expires_at INTEGER NOT NULL,
        PRIMARY KEY (scope, key)
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 2,
    name: 'idempotency fingerprints; gates cancelled when their run ends first',
    // SQLite cannot alter a CHECK constraint: the gates table is rebuilt with the new status,
    // and gates left waiting by runs that already ended are marked as what they are.
    sql: `
      ALTER TABLE remembered_keys ADD COLUMN fingerprint TEXT;

      CREATE TABLE gates_v2 (
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
      INSERT INTO gates_v2 SELECT * FROM gates ORDER BY rowid;
      DROP TABLE gates;
      ALTER TABLE gates_v2 RENAME TO gates;
      UPDATE gates SET status = 'cancelled'
        WHERE status = 'waiting'
          AND run_id IN (SELECT id FROM runs WHERE status IN ('completed','failed','cancelled'));
    `,
  },
  {
    version: 3,
    name: 'compact events: interned names, output lines without their JSON',
    // Output lines are most of the rows: their JSON repeated seq, type, run_id and ts next to
    // the columns, and every row and index entry spelled out the run id, type and origin. Those
    // become numbers into event_names; a stream_activity row keeps ts (epoch ms), stream and
    // content, and its JSON is rebuilt on read, byte for byte (json is NULL for such rows).
    // Rows written before keep their JSON.
    sql: `
      CREATE TABLE event_names (
        num INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE
      );
      INSERT OR IGNORE INTO event_names (name) SELECT DISTINCT run_id FROM events;
      INSERT OR IGNORE INTO event_names (name) SELECT DISTINCT type FROM events;
      INSERT OR IGNORE INTO event_names (name) SELECT DISTINCT origin FROM events;

      CREATE TABLE events_compact (
        seq INTEGER PRIMARY KEY,
        run INTEGER NOT NULL,
        type INTEGER NOT NULL,
        origin INTEGER NOT NULL,
        step TEXT,
        json TEXT,
        ts INTEGER,
        stream INTEGER,
        content TEXT
      );
      INSERT INTO events_compact (seq, run, type, origin, step, json)
        SELECT e.seq, r.num, t.num, o.num, e.step, e.json FROM events e
        JOIN event_names r ON r.name = e.run_id
        JOIN event_names t ON t.name = e.type
        JOIN event_names o ON o.name = e.origin
        ORDER BY e.seq;
      DROP TABLE events;
      ALTER TABLE events_compact RENAME TO events;
      CREATE INDEX events_run ON events (run, seq);
    `,
  },
  {
    version: 4,
    name: 'instances: owner liveness as data',
    // Each process that owns runs has a row, kept fresh by its heartbeat. A claim reads
    // liveness from here (lease expiry, `dead`), never from a check run inside the transaction;
    // a caller that knows an instance's process is gone marks it dead first.
    sql: `
      CREATE TABLE instances (
        id TEXT PRIMARY KEY,
        host TEXT NOT NULL,
        pid INTEGER NOT NULL,
        started_at INTEGER NOT NULL,
        heartbeat_at INTEGER NOT NULL,
        dead INTEGER NOT NULL DEFAULT 0
      );
      CREATE INDEX instances_host ON instances (host) WHERE dead = 0;
      -- Owners of active runs from before this table ("host:pid:random") get a row, so that a
      -- run a killed process left behind is still recoverable at once.
      INSERT OR IGNORE INTO instances (id, host, pid, started_at, heartbeat_at)
        SELECT owner,
               substr(owner, 1, instr(owner, ':') - 1),
               CAST(substr(owner, instr(owner, ':') + 1,
                    instr(substr(owner, instr(owner, ':') + 1), ':') - 1) AS INTEGER),
               0, 0
        FROM (SELECT DISTINCT owner FROM runs
              WHERE owner IS NOT NULL AND status IN ('queued', 'running', 'waiting') AND owner LIKE '%:%:%');
    `,
  },
  {
    version: 5,
    name: 'lineage: child runs of composition steps',
    // A child run names its parent run, the composition step and its index there (item of an
    // iterate, pass of a loop). Schedulers and recovery leave child runs alone: the parent
    // drives them.
    sql: `
      ALTER TABLE runs ADD COLUMN parent_run_id TEXT;
      ALTER TABLE runs ADD COLUMN parent_step TEXT;
      ALTER TABLE runs ADD COLUMN parent_index INTEGER;
      CREATE INDEX runs_parent ON runs (parent_run_id, parent_step, parent_index);
    `,
  },
  {
    version: 6,
    name: 'schedules and their claimed slots',
    // A slot is claimed by inserting its (schedule_id, slot_at) row: the primary key lets one
    // server win however many share the store. considered_until is how far a schedule's slots
    // have been dealt with, so a restart knows which slots it missed.
    sql: `
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
        considered_until INTEGER NOT NULL,
        last_run_id TEXT,
        last_run_at INTEGER,
        created_at INTEGER NOT NULL,
        CHECK ((cron IS NULL) <> (rrule IS NULL))
      );
      CREATE TABLE schedule_slots (
        schedule_id TEXT NOT NULL,
        slot_at INTEGER NOT NULL,
        claimed_by TEXT NOT NULL,
        claimed_at INTEGER NOT NULL,
        run_id TEXT,
        -- 1: claimed and deliberately not run (overlap: skip); 0 with no run_id: a run is owed.
        skipped INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (schedule_id, slot_at)
      );
      CREATE INDEX schedule_slots_at ON schedule_slots (slot_at);
    `,
  },
  {
    version: 7,
    name: 'outbound notifications: a delivery queue and the feed cursor',
    // One row per notification and event (UNIQUE): every server may enqueue what it sees, the
    // second insert is ignored. A row is sent by whoever claims it (owner, lease), so each
    // delivery goes out from one server; retries keep their time in next_attempt_at and so
    // survive a restart. The cursor is the last event seq turned into deliveries.
    sql: `
      CREATE TABLE notification_deliveries (
        id TEXT PRIMARY KEY,
        notification TEXT NOT NULL,
        event_seq INTEGER NOT NULL,
        event_type TEXT NOT NULL,
        run_id TEXT NOT NULL,
        url TEXT NOT NULL,
        body TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('pending','delivered','failed')),
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER NOT NULL,
        owner TEXT,
        lease_expires_at INTEGER,
        last_error TEXT,
        last_status INTEGER,
        created_at TEXT NOT NULL,
        finished_at TEXT,
        UNIQUE (notification, event_seq)
      );
      CREATE INDEX notification_deliveries_due ON notification_deliveries (status, next_attempt_at);
      CREATE TABLE notification_cursor (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        seq INTEGER NOT NULL
      );
    `,
  },
  {
    version: 8,
    name: 'lineage: where a retried or forked run came from',
    // A retry or fork names its source run (and the fork's step); the index lists a run's
    // retries and forks for the "links both ways" of the run page.
    sql: `
      ALTER TABLE runs ADD COLUMN origin_kind TEXT CHECK (origin_kind IN ('retry', 'fork'));
      ALTER TABLE runs ADD COLUMN origin_run_id TEXT;
      ALTER TABLE runs ADD COLUMN origin_step TEXT;
      CREATE INDEX runs_origin ON runs (origin_run_id) WHERE origin_run_id IS NOT NULL;
    `,
  },
  {
    version: 9,
    name: 'insights: runs by creation time',
    // GET /api/insights reads the runs created in a window; covering its counts and run times.
    sql: `
      CREATE INDEX runs_created ON runs (created_at, pipeline, status, started_at, finished_at);
    `,
  },
  {
    version: 10,
    name: 'instances: role',
    // Which part of the work an instance does (server.role), for GET /api/health.
    sql: `
      ALTER TABLE instances ADD COLUMN role TEXT NOT NULL DEFAULT 'all' CHECK (role IN ('all', 'api', 'worker'));
    `,
  },
  {
    version: 11,
    name: 'insights: rollups of finished runs per day and per hour, by pipeline',
    // GET /api/insights reads whole days and hours from these instead of every run (span 'd' or
    // 'h'; sqlite-rollups.ts keeps them as runs finish or are deleted); the runs already
    // finished are rolled up here. run_narratives: what retrospective.persona wrote of a run.
    sql: `
      CREATE TABLE insight_runs (
        span TEXT NOT NULL CHECK (span IN ('d', 'h')),
        period TEXT NOT NULL,
        pipeline TEXT NOT NULL,
        runs INTEGER NOT NULL,
        completed INTEGER NOT NULL,
        failed INTEGER NOT NULL,
        cancelled INTEGER NOT NULL,
        tokens_in INTEGER NOT NULL,
        tokens_out INTEGER NOT NULL,
        cost_micros INTEGER NOT NULL,
        PRIMARY KEY (span, period, pipeline)
      ) WITHOUT ROWID;
      CREATE TABLE insight_times (
        span TEXT NOT NULL,
        period TEXT NOT NULL,
        pipeline TEXT NOT NULL,
        step TEXT NOT NULL,
        metric TEXT NOT NULL CHECK (metric IN ('duration', 'queue_wait')),
        bucket INTEGER NOT NULL,
        n INTEGER NOT NULL,
        lo INTEGER NOT NULL,
        hi INTEGER NOT NULL,
        PRIMARY KEY (span, period, pipeline, step, metric, bucket)
      ) WITHOUT ROWID;
      CREATE TABLE insight_steps (
        span TEXT NOT NULL,
        period TEXT NOT NULL,
        pipeline TEXT NOT NULL,
        step TEXT NOT NULL,
        idx INTEGER NOT NULL,
        runs INTEGER NOT NULL,
        failed INTEGER NOT NULL,
        retries INTEGER NOT NULL,
        PRIMARY KEY (span, period, pipeline, step)
      ) WITHOUT ROWID;
      CREATE TABLE insight_errors (
        span TEXT NOT NULL,
        period TEXT NOT NULL,
        pipeline TEXT NOT NULL,
        code TEXT NOT NULL,
        n INTEGER NOT NULL,
        message TEXT,
        last_at TEXT,
        PRIMARY KEY (span, period, pipeline, code)
      ) WITHOUT ROWID;
      CREATE TABLE run_narratives (
        run_id TEXT PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,
        persona TEXT NOT NULL,
        narrative TEXT NOT NULL,
        written_at TEXT NOT NULL
      );
      ${rollupWrites(SQLITE, FINISHED, '1').join(';\n')};
    `,
  },
  {
    version: 12,
    name: 'adapter places shared by processes',
    // A ticket per step waiting for or holding a place on a capped adapter (max_concurrent across
    // every process on this store), in the order the steps became ready; owner liveness comes
    // from instances, as for run leases.
    sql: `
      CREATE TABLE adapter_tickets (
        id TEXT PRIMARY KEY,
        adapter TEXT NOT NULL,
        owner TEXT NOT NULL,
        run_id TEXT NOT NULL,
        step TEXT NOT NULL,
        ready_at INTEGER NOT NULL,
        granted INTEGER NOT NULL DEFAULT 0
      );
      CREATE INDEX adapter_tickets_line ON adapter_tickets (adapter, granted, ready_at, id);
    `,
  },
];
