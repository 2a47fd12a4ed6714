// `wave db copy` (issue 13, point 6): a SQLite store of 1,000 runs with 40 output lines each goes
// into an empty PostgreSQL store with batched multi-row INSERTs. Baseline, in the same run: the
// same rows sent one INSERT per row (a round trip each) into another empty database.
// Goal: the copy moves rows at least 5x as fast as the row-per-round-trip baseline.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { report } from './lib.mjs';
import { createDatabase, startPgCluster } from './pg-cluster.mjs';

const dist = new URL('../dist/', import.meta.url);
const { SqliteStore } = await import(new URL('store/sqlite/sqlite-store.js', dist));
const { copySqliteToPostgres } = await import(new URL('store/copy-to-postgres.js', dist));
const { PgDb } = await import(new URL('store/postgres/pg-db.js', dist));

const RUNS = Number(process.env.BENCH_COPY_RUNS ?? 1000);
const LINES = Number(process.env.BENCH_COPY_LINES ?? 40);

const STEP = {
  id: 'build',
  kind: 'command',
  description: '',
  dependencies: [],
  persona: null,
  adapter: null,
  model: null,
  command: 'echo built',
  prompt: null,
  workspace: { type: 'fresh', mount: [], branch: null, base: null },
  outputs: [],
  injects: [],
  contracts: [],
  retry: { maxAttempts: 1, backoff: 'fixed', baseDelayMs: 0, maxDelayMs: 0, onFailure: 'fail' },
  gate: null,
  outcomes: [],
  timeoutMs: null,
  optional: false,
};
const SPEC = {
  name: 'build',
  description: '',
  file: '.wave/pipelines/build.yaml',
  disabled: false,
  release: false,
  category: null,
  input: null,
  requiresTools: [],
  outputs: {},
  steps: [STEP],
};

async function seed(path) {
  const store = new SqliteStore({ path, origin: 'bench' });
  for (let i = 0; i < RUNS; i++) {
    const id = `build-${String(i).padStart(6, '0')}`;
    await store.createRun({
      id,
      pipeline: 'build',
      input: null,
      labels: { batch: String(i % 10) },
      trigger: { source: 'api', actor: 'bench' },
      mode: 'server',
      options: {},
      spec: SPEC,
    });
    const lines = Array.from({ length: LINES }, (_, n) => ({
      type: 'stream_activity',
      run_id: id,
      step: 'build',
      stream: 'stdout',
      content: `compiling module ${n} of run ${i}: ${'x'.repeat(60)}`,
    }));
    await store.append(id, [
      { type: 'run_started', run_id: id, pipeline: 'build', resumed: false },
      { type: 'step_started', run_id: id, step: 'build', kind: 'command', persona: null, attempt: 1 },
      ...lines,
      { type: 'step_completed', run_id: id, step: 'build', status: 'success', duration_ms: 5, attempt: 1 },
      { type: 'run_completed', run_id: id, status: 'completed', duration_ms: 5 },
    ]);
  }
  const events = await store.readEvents({ afterSeq: 0, limit: 10_000_000 });
  await store.close();
  return events;
}

/** The naive copy of the events: one INSERT, one round trip, per row (in one transaction). */
async function rowByRow(pg, events) {
  await pg.migrate();
  const start = performance.now();
  await pg.tx(async (c) => {
    for (const e of events) {
      await c.query(
        'INSERT INTO events (seq, run_id, type, step, origin, json) VALUES ($1, $2, $3, $4, $5, $6)',
        [e.seq, e.runId, e.type, 'build', 'bench', e.json],
      );
    }
  });
  return performance.now() - start;
}

const dir = mkdtempSync(join(tmpdir(), 'wave-bench-copy-'));
const cluster = await startPgCluster();
try {
  const path = join(dir, 'state.db');
  const events = await seed(path);

  const baselineDb = new PgDb(await createDatabase(cluster.adminUrl, 'copy_baseline'), { max: 1 });
  const baselineMs = await rowByRow(baselineDb, events);
  await baselineDb.close();

  const target = new PgDb(await createDatabase(cluster.adminUrl, 'copy_target'), { max: 1 });
  await target.migrate();
  const start = performance.now();
  const copied = await copySqliteToPostgres({
    sqlitePath: path,
    pg: target,
    artifactInlineLimit: 1024 * 1024,
  });
  const copyMs = performance.now() - start;
  await target.close();

  const rows = copied.tables.reduce((n, t) => n + t.rows, 0);
  const baselineRate = (events.length / baselineMs) * 1000;
  const copyRate = (rows / copyMs) * 1000;
  const ratio = copyRate / baselineRate;
  report(
    `wave db copy (${RUNS} runs, ${events.length} events, ${rows} rows in all)`,
    [
      ['baseline: an INSERT per event', `${Math.round(baselineRate)} rows/s (${Math.round(baselineMs)} ms)`],
      ['wave db copy, every table', `${Math.round(copyRate)} rows/s (${Math.round(copyMs)} ms)`],
      ['ratio', `${ratio.toFixed(1)}x`],
    ],
    { ok: ratio >= 5, text: 'copy rate >= 5x the row-per-round-trip baseline' },
  );
} finally {
  await cluster.stop();
  rmSync(dir, { recursive: true, force: true });
}
