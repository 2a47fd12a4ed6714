// Latencies across instances on PostgreSQL, each beside the same figure on SQLite:
// - event latency: an instance writes (a run executing in this process), an SSE client of
//   another instance (`wave serve --role api`) receives; goal p99 < 50 ms on PostgreSQL;
// - claim latency: queued → started, submitted to an API instance, executed by a worker
//   instance; goal p99 < 20 ms on PostgreSQL.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { cpuMeter } from './cpu-tree.mjs';
import { percentile, report, startServe } from './lib.mjs';
import { createDatabase, startPgCluster } from './pg-cluster.mjs';
import { benchProject, watchEvents } from './pg-watch.mjs';

const dist = new URL('../dist/', import.meta.url);
const { loadProject } = await import(new URL('config/load-project.js', dist));
const { createContext } = await import(new URL('service/context.js', dist));
const { executeClaimedRun } = await import(new URL('runs/executor.js', dist));
const { silentLogger } = await import(new URL('logger.js', dist));

const RUNS = Number(process.env.BENCH_PG_LATENCY_RUNS ?? 100);
/**
 * Runs before the measured ones: a server's first runs prepare its statements and warm its code
 * (the first claim after a start takes ~25 ms, reported apart as "cold").
 */
const WARM_UP = 10;
const STATE_EVENTS = ['run_started', 'step_started', 'step_completed', 'run_completed'];

/** Runs executed here (the writing instance) while an SSE client on `reader` times their events. */
async function eventLatency(root, env) {
  const reader = await startServe(root, { args: ['--mock', '--role', 'api'], env });
  const delays = [];
  let measuring = false;
  const watcher = await watchEvents(reader.url, STATE_EVENTS, (event, at) => {
    if (measuring) delays.push(at - Date.parse(event.ts));
  });
  const ctx = await createContext(loadProject({ cwd: root, env: { ...process.env, ...env } }), silentLogger);
  const gates = { presets: {}, autoApprove: false, actor: null, unanswered: 'fail' };
  try {
    for (let i = 0; i < WARM_UP + RUNS; i++) {
      if (i === WARM_UP) {
        // What the warm-up wrote has reached the reader before measuring starts.
        await new Promise((r) => setTimeout(r, 500));
        measuring = true;
      }
      const { run } = await ctx.runs.submit({
        pipeline: 'one',
        input: null,
        trigger: { source: 'cli', actor: null },
        mode: 'local',
        options: { mock: true },
        runHere: true,
      });
      await executeClaimedRun(ctx, run, { gates, mock: true });
    }
    const expected = RUNS * STATE_EVENTS.length;
    for (const deadline = Date.now() + 30_000; delays.length < expected; ) {
      if (Date.now() > deadline) throw new Error(`only ${delays.length} of ${expected} events arrived`);
      await new Promise((r) => setTimeout(r, 20));
    }
    return { p50: percentile(delays, 50), p99: percentile(delays, 99), n: delays.length };
  } finally {
    watcher.close();
    await ctx.close();
    await reader.stop();
  }
}

/** Runs submitted one at a time to an API instance; a worker instance claims and starts them. */
async function claimLatency(rootApi, rootWorker, env, split) {
  const api = await startServe(rootApi, { args: ['--mock', ...(split ? ['--role', 'api'] : [])], env });
  const worker = split ? await startServe(rootWorker, { args: ['--mock', '--role', 'worker'], env }) : null;
  const delays = [];
  let cold = 0;
  // A p99 of a few ms is one scheduling delay on a saturated machine: say how busy it was.
  let meter = cpuMeter();
  try {
    for (let i = 0; i < WARM_UP + RUNS; i++) {
      if (i === WARM_UP) {
        cold = delays[0];
        delays.length = 0;
        meter = cpuMeter();
      }
      const res = await fetch(`${api.url}/api/runs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"pipeline":"one"}',
      });
      if (res.status !== 201) throw new Error(`POST /api/runs answered ${res.status}`);
      const { id } = await res.json();
      for (const deadline = Date.now() + 30_000; ; ) {
        const run = await fetch(`${api.url}/api/runs/${id}`).then((r) => r.json());
        if (run.status === 'completed') {
          delays.push(Date.parse(run.started_at) - Date.parse(run.created_at));
          break;
        }
        if (Date.now() > deadline) throw new Error(`run ${id} is still ${run.status}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    }
    return { p50: percentile(delays, 50), p99: percentile(delays, 99), cold, busy: meter.stop().machineBusy };
  } finally {
    await worker?.stop();
    await api.stop();
  }
}

const cluster = await startPgCluster();
const roots = [benchProject('wave-bench-pglat-'), benchProject('wave-bench-pglat-')];
try {
  const sqliteEnv = { WAVE_STORAGE_PATH: join(roots[0], '.wave/latency.db') };
  const sqliteEvents = await eventLatency(roots[0], sqliteEnv);
  const pgEvents = await eventLatency(roots[0], {
    WAVE_STORAGE_URL: await createDatabase(cluster.adminUrl, 'bench_events'),
  });
  const sqliteClaims = await claimLatency(
    roots[0],
    roots[1],
    { WAVE_STORAGE_PATH: join(roots[0], '.wave/claims.db') },
    false,
  );
  const pgClaims = await claimLatency(
    roots[0],
    roots[1],
    { WAVE_STORAGE_URL: await createDatabase(cluster.adminUrl, 'bench_claims') },
    true,
  );
  const ms = (v) => `${v.toFixed(0)} ms`;
  report(
    `cross-instance latency: ${RUNS} one-step mock runs (after ${WARM_UP} to warm up)`,
    [
      ['baseline: events, SQLite, other process', `p50 ${ms(sqliteEvents.p50)}, p99 ${ms(sqliteEvents.p99)}`],
      ['events, PostgreSQL, writer A → SSE on B', `p50 ${ms(pgEvents.p50)}, p99 ${ms(pgEvents.p99)}`],
      ['ratio (p99 SQLite / PostgreSQL)', (sqliteEvents.p99 / Math.max(1, pgEvents.p99)).toFixed(2)],
      ['baseline: claim, SQLite, one server', `p50 ${ms(sqliteClaims.p50)}, p99 ${ms(sqliteClaims.p99)}`],
      ['claim, PostgreSQL, API B → worker A', `p50 ${ms(pgClaims.p50)}, p99 ${ms(pgClaims.p99)}`],
      ['  first claim after the worker started (cold)', ms(pgClaims.cold)],
      ['machine CPU busy while claiming', `${(pgClaims.busy * 100).toFixed(0)}%`],
    ],
    {
      ok: pgEvents.p99 < 50 && pgClaims.p99 < 20,
      text: 'PostgreSQL: event latency p99 < 50 ms, claim latency (queued → started) p99 < 20 ms',
    },
  );
} finally {
  await cluster.stop();
  for (const root of roots) rmSync(root, { recursive: true, force: true });
}
