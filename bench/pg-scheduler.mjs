// Scheduler throughput on PostgreSQL: one server on SQLite (the baseline), one on PostgreSQL
// (goal ≥ 0.5× SQLite) and three workers on one PostgreSQL database (goal ≥ 1.5× one worker).
// Beside each rate: the CPU its processes used per run (servers, PostgreSQL, this process) and
// how busy the machine was, since on a few shared cores a rate is capped by CPU, not the store:
// the cores divided by CPU per run is the most any number of workers could reach.
import { rmSync } from 'node:fs';
import { CORES, cpuMeter } from './cpu-tree.mjs';
import { report, startServe } from './lib.mjs';
import { createDatabase, startPgCluster } from './pg-cluster.mjs';
import { benchProject, submitRuns } from './pg-watch.mjs';

const RUNS = Number(process.env.BENCH_PG_RUNS ?? 600);
const MAX_CONCURRENT = 10;

/** Active runs over the whole store, as /api/health counts them. */
async function active(url) {
  const { runs } = await fetch(`${url}/api/health`).then((r) => r.json());
  return runs.queued + runs.running + runs.waiting;
}

/** Runs/s from the first submit until the store has no active run left (checked every 50 ms). */
async function throughput(servers) {
  const start = performance.now();
  await submitRuns(
    servers.map((s) => s.url),
    'one',
    RUNS,
  );
  const deadline = Date.now() + 300_000;
  while ((await active(servers[0].url)) > 0) {
    if (Date.now() > deadline) throw new Error(`runs still active after 300 s`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const ms = performance.now() - start;
  const failed = await countNotCompleted(servers[0].url);
  return { rate: (RUNS / ms) * 1000, failed, ms };
}

/** How many runs did not complete (failed or cancelled). */
async function countNotCompleted(url) {
  const page = await fetch(`${url}/api/runs?status=failed,cancelled&limit=200`).then((r) => r.json());
  return page.runs.length;
}

async function measure(count, env) {
  const roots = [];
  const servers = [];
  try {
    for (let i = 0; i < count; i++) {
      const root = benchProject('wave-bench-pgsched-');
      roots.push(root);
      servers.push(
        await startServe(root, { args: ['--mock', '--max-concurrent', String(MAX_CONCURRENT)], env }),
      );
    }
    const meter = cpuMeter();
    const result = await throughput(servers);
    const cpu = meter.stop();
    return { ...result, cpuPerRun: cpu.treeMs / RUNS, busy: cpu.machineBusy };
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    for (const root of roots) rmSync(root, { recursive: true, force: true });
  }
}

const cluster = await startPgCluster();
try {
  const sqlite = await measure(1, {});
  const pgOne = await measure(1, { WAVE_STORAGE_URL: await createDatabase(cluster.adminUrl, 'bench_one') });
  const pgThree = await measure(3, {
    WAVE_STORAGE_URL: await createDatabase(cluster.adminUrl, 'bench_three'),
  });
  const one = pgOne.rate / sqlite.rate;
  const cpu = (m) =>
    `${m.cpuPerRun.toFixed(1)} ms CPU/run, ceiling ${((CORES * 1000) / m.cpuPerRun).toFixed(0)} runs/s on ${CORES} cores; machine ${(m.busy * 100).toFixed(0)}% busy`;
  // What 1.5× one worker would take, against what the cores allow at three workers' CPU per run.
  const needed = 1.5 * pgOne.rate;
  const ceiling = (CORES * 1000) / pgThree.cpuPerRun;
  const three = pgThree.rate / pgOne.rate;
  report(
    `scheduler on PostgreSQL: ${RUNS} one-step mock runs, max_concurrent ${MAX_CONCURRENT} per server`,
    [
      ['baseline: one server on SQLite', `${sqlite.rate.toFixed(0)} runs/s`],
      ['one server on PostgreSQL', `${pgOne.rate.toFixed(0)} runs/s`],
      ['ratio (PostgreSQL / SQLite)', one.toFixed(2)],
      ['three workers on one PostgreSQL', `${pgThree.rate.toFixed(0)} runs/s`],
      ['ratio (three / one worker)', three.toFixed(2)],
      ['  SQLite', cpu(sqlite)],
      ['  PostgreSQL, one server', cpu(pgOne)],
      ['  PostgreSQL, three workers', cpu(pgThree)],
      [
        'three workers: 1.5× one needs',
        `${needed.toFixed(0)} runs/s; ${needed > ceiling ? 'above' : 'within'} the CPU ceiling of ${ceiling.toFixed(0)} runs/s`,
      ],
      ['runs not completed', sqlite.failed + pgOne.failed + pgThree.failed],
    ],
    {
      ok: one >= 0.5 && three >= 1.5 && sqlite.failed + pgOne.failed + pgThree.failed === 0,
      text: 'PostgreSQL ≥ 0.5× SQLite with one server; three workers ≥ 1.5× one; every run completed',
    },
  );
} finally {
  await cluster.stop();
}
