// GET /api/insights over 100,000 runs (each with two steps) in the default 30-day window,
// against GET /api/runs?limit=50 on the same server: p99 of sequential requests.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { percentile, report, startServe } from './lib.mjs';

const dist = new URL('../dist/', import.meta.url);
const { SqliteStore } = await import(new URL('store/sqlite/sqlite-store.js', dist));

const RUNS = Number(process.env.BENCH_STORED_RUNS ?? 100_000);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 60);
const PIPELINES = ['build', 'deploy', 'review', 'audit'];
const PIPELINE = (name) =>
  `kind: WavePipeline\nmetadata: { name: ${name} }\nsteps:\n  - { id: build, type: command, script: "true" }\n  - { id: test, type: command, dependencies: [build], script: "true" }\n`;

/**
 * RUNS finished runs spread over the last 25 days, two steps each with usage, one transaction;
 * written as a store from before the rollups (migration 11 undone), so that opening it again
 * rolls them up as an upgrade would.
 */
function seed(root) {
  const path = join(root, '.wave/state.db');
  new SqliteStore({ path, origin: 'bench' }).close(); // creates the schema
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  const run = db.prepare(
    `INSERT INTO runs (id, pipeline, status, labels, trigger_source, created_at, started_at, finished_at, error, mode, options, spec)
     VALUES (?, ?, ?, '{}', 'api', ?, ?, ?, ?, 'server', '{}', '{}')`,
  );
  const step = db.prepare(
    `INSERT INTO steps (run_id, id, idx, kind, dependencies, status, attempts, started_at, finished_at, duration_ms, usage)
     VALUES (?, ?, ?, 'command', '[]', ?, ?, ?, ?, ?, ?)`,
  );
  const end = Date.now() - 3_600_000;
  const span = 25 * 86_400_000;
  db.transaction(() => {
    for (let i = 0; i < RUNS; i++) {
      const id = `run-${i}`;
      const created = end - span + Math.floor((i / RUNS) * span);
      const started = created + (i % 7) * 1000;
      const finished = started + 10_000 + (i % 13) * 1000;
      const failed = i % 10 === 0;
      const status = failed ? 'failed' : i % 25 === 0 ? 'cancelled' : 'completed';
      const error = failed
        ? JSON.stringify({ code: 'exit_code', message: 'test exited 1', step: 'test' })
        : null;
      const iso = (ms) => new Date(ms).toISOString();
      run.run(id, PIPELINES[i % PIPELINES.length], status, iso(created), iso(started), iso(finished), error);
      const usage = JSON.stringify({ tokens_in: 1000 + i, tokens_out: 500, cost_usd: 0.0123 });
      step.run(
        id,
        'build',
        0,
        'completed',
        i % 3 === 0 ? 2 : 1,
        iso(started),
        iso(started + 5000),
        5000,
        usage,
      );
      step.run(
        id,
        'test',
        1,
        failed ? 'failed' : 'completed',
        1,
        iso(started + 5000),
        iso(finished),
        finished - started - 5000,
        null,
      );
    }
  })();
  db.exec(`DELETE FROM schema_migrations WHERE version = 11;
    DROP TABLE insight_runs; DROP TABLE insight_times; DROP TABLE insight_steps; DROP TABLE insight_errors;
    DROP TABLE run_narratives;`);
  db.close();
}

/** Opens the store once: migration 11 rolls up every run seeded. */
function backfill(root) {
  new SqliteStore({ path: join(root, '.wave/state.db'), origin: 'bench' }).close();
}

async function latencies(url, n) {
  const out = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const res = await fetch(url);
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`${url}: ${res.status}`);
    out.push(performance.now() - t);
  }
  return out;
}

const root = mkdtempSync(join(tmpdir(), 'wave-bench-insights-'));
try {
  mkdirSync(join(root, '.wave/pipelines'), { recursive: true });
  for (const p of PIPELINES) writeFileSync(join(root, `.wave/pipelines/${p}.yaml`), PIPELINE(p));
  const seedStart = performance.now();
  seed(root);
  const seedMs = performance.now() - seedStart;
  const backfillStart = performance.now();
  backfill(root);
  const backfillMs = performance.now() - backfillStart;
  const server = await startServe(root);
  let runs;
  let insights;
  let body;
  try {
    body = await (await fetch(`${server.url}/api/insights`)).json();
    await latencies(`${server.url}/api/runs?limit=50`, 5); // warm-up
    await latencies(`${server.url}/api/insights`, 3);
    runs = await latencies(`${server.url}/api/runs?limit=50`, REQUESTS);
    insights = await latencies(`${server.url}/api/insights`, REQUESTS);
  } finally {
    await server.stop();
  }
  const counted = body.pipelines.reduce((n, p) => n + p.runs, 0);
  const fmt = (xs) => `p50 ${percentile(xs, 50).toFixed(1)} ms, p99 ${percentile(xs, 99).toFixed(1)} ms`;
  const p99 = percentile(insights, 99);
  report(
    `insights: GET /api/insights over ${RUNS.toLocaleString('en')} runs (${REQUESTS} sequential requests)`,
    [
      ['runs seeded in', `${Math.round(seedMs)} ms`],
      ['rolled up at open (migration 11) in', `${Math.round(backfillMs)} ms`],
      ['runs counted by insights', counted.toLocaleString('en')],
      ['baseline: GET /api/runs?limit=50', fmt(runs)],
      ['GET /api/insights', fmt(insights)],
      ['p99 ratio (insights / runs)', (p99 / percentile(runs, 99)).toFixed(1)],
    ],
    { ok: p99 < 200 && counted === RUNS, text: 'p99 < 200 ms, every run counted' },
  );
} finally {
  rmSync(root, { recursive: true, force: true });
}
