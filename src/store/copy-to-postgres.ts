import { readFileSync, statSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { WaveError } from '../errors.js';
import { describeTarget, type PgDb, pgStoreError, type Queryable } from './postgres/pg-db.js';
import { EventNames } from './sqlite/event-names.js';
import { type EventRow, EventRowDecoder } from './sqlite/event-rows.js';
import { type Db, openDatabase, storeError } from './sqlite/open-database.js';

/*
 * `wave db copy --to URL`: a SQLite store into an empty PostgreSQL one, ids and seq kept. One
 * PostgreSQL transaction: a copy that fails leaves the target as empty as it found it. Rows go
 * in batched multi-row INSERTs (a round trip per batch, not per row).
 */

/** Tables in an order that satisfies PostgreSQL's foreign keys; events are copied apart. */
const TABLES = [
  'runs',
  'run_labels',
  'steps',
  'step_attempts',
  'gates',
  'artifacts',
  'remembered_keys',
  'instances',
  'schedules',
  'schedule_slots',
  'notification_deliveries',
  'notification_cursor',
  'insight_runs',
  'insight_times',
  'insight_steps',
  'insight_errors',
] as const;

/** Tables whose having any row makes a target "not empty". */
const CONTENT_TABLES = [...TABLES, 'events'];

/** PostgreSQL's limit on bind parameters per statement is 65535. */
const MAX_PARAMS = 60_000;
const MAX_ROWS_PER_INSERT = 2_000;
const EVENT_PAGE = 5_000;

export interface CopyOptions {
  /** The SQLite store's file. */
  sqlitePath: string;
  /** The target; migrated by the copy. */
  pg: PgDb;
  /** Artifacts up to this size are stored in the database (storage.artifact_inline_limit). */
  artifactInlineLimit: number;
  /** Told after each batch: table, rows copied so far, rows in all. */
  progress?: (table: string, done: number, total: number) => void;
}

export interface CopyReport {
  tables: { table: string; rows: number }[];
  /** The highest event seq copied (0 without events): new events continue after it. */
  lastSeq: number;
  /** Artifacts whose content went into the database (the others keep their file path). */
  inlinedArtifacts: number;
}

export async function copySqliteToPostgres(opts: CopyOptions): Promise<CopyReport> {
  const sqlite = openDatabase(opts.sqlitePath);
  try {
    await opts.pg.migrate().catch((err: unknown) => {
      throw pgStoreError(opts.pg.url, err);
    });
    return await opts.pg.tx(async (c) => {
      await refuseNonEmpty(c, opts.pg.url);
      const tables: CopyReport['tables'] = [];
      let inlinedArtifacts = 0;
      for (const table of TABLES) {
        const copied = await copyTable(sqlite, c, table, opts, () => inlinedArtifacts++);
        tables.push({ table, rows: copied });
      }
      const events = await copyEvents(sqlite, c, opts);
      tables.push({ table: 'events', rows: events.rows });
      await resetSerials(c);
      return { tables, lastSeq: events.lastSeq, inlinedArtifacts };
    });
  } catch (err) {
    if (err instanceof WaveError) throw err;
    const code = (err as { code?: unknown }).code;
    throw typeof code === 'string' && code.startsWith('SQLITE')
      ? storeError(opts.sqlitePath, err)
      : pgStoreError(opts.pg.url, err);
  } finally {
    sqlite.close();
  }
}

async function refuseNonEmpty(c: Queryable, url: string): Promise<void> {
  const probes = CONTENT_TABLES.map((t) => `SELECT '${t}' AS t WHERE EXISTS (SELECT 1 FROM ${t})`);
  const { rows } = await c.query<{ t: string }>(probes.join(' UNION ALL '));
  if (rows.length > 0) {
    throw new WaveError(
      'invalid_usage',
      `the PostgreSQL store at ${describeTarget(url)} is not empty (it has ${rows.map((r) => r.t).join(', ')}): wave db copy only fills an empty store; create a new database for it`,
    );
  }
}

/** The target's columns of `table` (a column SQLite lacks keeps its default). */
async function pgColumns(c: Queryable, table: string): Promise<Set<string>> {
  const { rows } = await c.query<{ column_name: string }>(
    'SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1',
    [table],
  );
  return new Set(rows.map((r) => r.column_name));
}

async function copyTable(
  sqlite: Db,
  c: Queryable,
  table: string,
  opts: CopyOptions,
  inlined: () => void,
): Promise<number> {
  const target = await pgColumns(c, table);
  const columns = (sqlite.pragma(`table_info(${table})`) as { name: string }[])
    .map((col) => col.name)
    .filter((name) => target.has(name));
  const withContent = table === 'artifacts' && target.has('content');
  const insertColumns = withContent ? [...columns, 'content'] : columns;
  const total = sqlite.prepare(`SELECT COUNT(*) FROM ${table}`).pluck().get() as number;
  const perInsert = Math.max(1, Math.min(MAX_ROWS_PER_INSERT, Math.floor(MAX_PARAMS / insertColumns.length)));
  // rowid order keeps the order rows were written in (gates are listed that way); a table
  // WITHOUT ROWID is read in its primary key's order.
  const rows = sqlite
    .prepare(`SELECT ${columns.join(', ')} FROM ${table}${hasRowid(sqlite, table) ? ' ORDER BY rowid' : ''}`)
    .iterate() as IterableIterator<Record<string, unknown>>;
  let done = 0;
  let batch: unknown[][] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    await insertRows(c, table, insertColumns, batch);
    done += batch.length;
    batch = [];
    opts.progress?.(table, done, total);
  };
  for (const row of rows) {
    const values = columns.map((col) => row[col]);
    if (withContent) {
      const content = artifactContent(row, opts.artifactInlineLimit);
      if (content) inlined();
      values.push(content);
    }
    batch.push(values);
    if (batch.length >= perInsert) await flush();
  }
  await flush();
  return done;
}

function hasRowid(sqlite: Db, table: string): boolean {
  const wr = sqlite.prepare('SELECT wr FROM pragma_table_list WHERE name = ?').pluck().get(table);
  return wr === 0;
}

/** A kept artifact's bytes when small enough to live in the database and its file is there. */
function artifactContent(row: Record<string, unknown>, limit: number): Buffer | null {
  const path = row.path as string;
  const size = row.size as number;
  if (size > limit || !isAbsolute(path)) return null;
  try {
    if (statSync(path).size > limit) return null;
    return readFileSync(path);
  } catch {
    // Gone from disk: the record is kept with its path, as SQLite had it.
    return null;
  }
}

async function insertRows(c: Queryable, table: string, columns: string[], rows: unknown[][]): Promise<void> {
  const params: unknown[] = [];
  const tuples = rows.map((row) => {
    const marks = row.map((v) => {
      params.push(v);
      return `$${params.length}`;
    });
    return `(${marks.join(', ')})`;
  });
  await c.query(`INSERT INTO ${table} (${columns.join(', ')}) VALUES ${tuples.join(', ')}`, params);
}

/** Events decoded to their JSON (compact output lines rebuilt byte for byte), seq kept. */
async function copyEvents(
  sqlite: Db,
  c: Queryable,
  opts: CopyOptions,
): Promise<{ rows: number; lastSeq: number }> {
  const decoder = new EventRowDecoder(new EventNames(sqlite));
  const total = sqlite.prepare('SELECT COUNT(*) FROM events').pluck().get() as number;
  const page = sqlite
    .prepare(
      `SELECT e.seq, e.run, e.type, e.step, e.json, e.ts, e.stream, e.content, o.name
       FROM events e JOIN event_names o ON o.num = e.origin WHERE e.seq > ? ORDER BY e.seq LIMIT ?`,
    )
    .raw(true);
  let lastSeq = 0;
  let done = 0;
  for (;;) {
    const rows = page.all(lastSeq, EVENT_PAGE) as [...EventRow, string][];
    if (rows.length === 0) break;
    const seqs: number[] = [];
    const runIds: string[] = [];
    const types: string[] = [];
    const steps: (string | null)[] = [];
    const origins: string[] = [];
    const jsons: string[] = [];
    for (const row of rows) {
      const stored = decoder.stored(row.slice(0, 8) as EventRow);
      seqs.push(stored.seq);
      runIds.push(stored.runId);
      types.push(stored.type);
      steps.push(row[3]);
      origins.push(row[8]);
      jsons.push(stored.json);
    }
    await c.query(
      `INSERT INTO events (seq, run_id, type, step, origin, json)
       SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])`,
      [seqs, runIds, types, steps, origins, jsons],
    );
    lastSeq = seqs[seqs.length - 1]!;
    done += rows.length;
    opts.progress?.('events', done, total);
  }
  return { rows: done, lastSeq };
}

/** Serial columns continue after the copied values, so new rows do not collide with them. */
async function resetSerials(c: Queryable): Promise<void> {
  const { rows } = await c.query<{ table_name: string; column_name: string; seq: string }>(
    `SELECT table_name, column_name, pg_get_serial_sequence(quote_ident(table_name), column_name) AS seq
     FROM information_schema.columns
     WHERE table_schema = current_schema() AND column_default LIKE 'nextval(%'`,
  );
  for (const r of rows) {
    await c.query(
      `SELECT setval($1, COALESCE((SELECT MAX(${r.column_name}) FROM ${r.table_name}), 0) + 1, false)`,
      [r.seq],
    );
  }
}
