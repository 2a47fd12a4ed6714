import { PgDb } from '../../src/store/postgres/pg-db.js';
import { pgDatabase } from './pg.js';

/**
 * A fresh migrated database and a way to open pools on it (each its own "server"), all closed
 * when `close` is called. For testing PostgreSQL parts before or apart from the whole store.
 */
export async function migratedPg(): Promise<{ url: string; open: () => PgDb; close: () => Promise<void> }> {
  const url = await pgDatabase();
  const pools: PgDb[] = [];
  const open = () => {
    const db = new PgDb(url, { max: 4 });
    pools.push(db);
    return db;
  };
  await open().migrate();
  return { url, open, close: async () => void (await Promise.all(pools.map((p) => p.close()))) };
}

export interface SeedRun {
  id: string;
  status?: 'queued' | 'running' | 'waiting' | 'completed' | 'failed' | 'cancelled';
  pipeline?: string;
  finishedAt?: string | null;
  parent?: string | null;
}

/** Inserts a run row directly (no events): the columns the store's reads need. */
export async function seedRun(db: PgDb, run: SeedRun): Promise<void> {
  const status = run.status ?? 'completed';
  const finished = status === 'completed' || status === 'failed' || status === 'cancelled';
  await db.query(
    `INSERT INTO runs (id, pipeline, status, trigger_source, created_at, finished_at, mode, spec, parent_run_id)
     VALUES ($1, $2, $3, 'api', '2026-01-01T00:00:00.000Z', $4, 'server', '{}', $5)`,
    [
      run.id,
      run.pipeline ?? 'ship',
      status,
      run.finishedAt !== undefined ? run.finishedAt : finished ? '2026-01-02T00:00:00.000Z' : null,
      run.parent ?? null,
    ],
  );
}

let nextSeq = 1;

/** Appends events of one type to a run with increasing seqs (unique across the test process). */
export async function seedEvents(db: PgDb, runId: string, type: string, count: number): Promise<number[]> {
  const seqs = Array.from({ length: count }, () => nextSeq++);
  await db.query(
    `INSERT INTO events (seq, run_id, type, step, origin, json)
     SELECT s, $2, $3, 'build', 'test', '{}' FROM unnest($1::bigint[]) AS s`,
    [seqs, runId, type],
  );
  return seqs;
}
