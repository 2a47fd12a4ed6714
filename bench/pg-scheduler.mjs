// Scheduler throughput on PostgreSQL, each figure against a baseline taken in the same run:
// - steps that take no time (one-step mock runs): one server on SQLite, then on PostgreSQL
//   (goal ≥ 0.5× SQLite), the median of alternating trials. This is the orchestrator's own cost
//   per run, and bound by CPU: the CPU its processes used per run (servers, PostgreSQL, this
//   process) is printed beside it;
// - steps that take time (the mock agent thinks 100 ms, adapters.mock.think_time), as real
//   agent steps do: one worker, then three workers on one PostgreSQL database (goal ≥ 1.5× one
//   worker). There a worker's runs at once (server.max_concurrent) bound its throughput, and
//   more workers are more of them; with steps that take no time every worker only competes for
//   the same two cores, which the no-time figures show (three workers beside one, informative).
import { rmSync } from 'node:fs';
import { CORES, cpuMeter } from './cpu-tree.mjs';
import { report, startServe } from './lib.mjs';
import { createDatabase, startPgCluster } from './pg-cluster.mjs';
import { benchProject, submitRuns } from './pg-watch.mjs';

const RUNS = Number(process.env.BENCH_PG_RUNS ?? 600);
const MAX_CONCURRENT = 10;
const THINK_TIME = '100ms';
const WARM_UP = 20;
const TRIALS = Number(process.env.BENCH_PG_TRIALS ?? 3);

/** Active runs over the whole store, as /api/health counts them. */
async function active(url) {
  const { runs } = await fetch(`${url}/api/health`).then((r) => r.json());
  return runs.queued + runs.running + runs.waiting;
}

async function drained(url) {
  const deadline = Date.now() + 300_000;
  while ((await active(url)) > 0) {
    if (Date.now() > deadline) throw new Error(`runs still active after 300 s`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Runs/s from the first submit until the store has no active run left (checked every 50 ms). */
async function throughput(servers) {
  const start = performance.now();
  await submitRuns(
    servers.map((s) => s.url),
    'one',
    RUNS,
  );
  await drained(servers[0].url);
  const ms = performance.now() - start;
  return { rate: (RUNS / ms) * 1000, ms };
}

/** How many runs did not complete (failed or cancelled). */
async function countNotCompleted(url) {
  const page = await fetch(`${url}/api/runs?status=failed,cancelled&limit=200`).then((r) => r.json());
  return page.runs.length;
}

async function measure(count, env, thinkTime) {
  const roots = [];
  const servers = [];
  try {
    for (let i = 0; i < count; i++) {
      const root = benchProject('wave-bench-pgsched-', { thinkTime });
      roots.push(root);
      servers.push(
        await startServe(root, { args: ['--mock', '--max-concurrent', String(MAX_CONCURRENT)], env }),
      );
    }
    // Each server's first runs prepare its statements and warm its code: not what is measured.
    await submitRuns(
      servers.map((s) => s.url),
      'one',
      WARM_UP * count,
    );
    await drained(servers[0].url);
    const meter = cpuMeter();
    const result = await throughput(servers);
    const cpu = meter.stop();
    const failed = await countNotCompleted(servers[0].url);
    return { ...result, failed, cpuPerRun: cpu.treeMs / RUNS, busy: cpu.machineBusy };
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    for (const root of roots) rmSync(root, { recursive: true, force: true });
  }
}

/** The trial with the median rate (a shared machine's speed drifts between trials). */
function median(trials) {
  return [...trials].sort((a, b) => a.rate - b.rate)[Math.floor(trials.length / 2)];
}

const cluster = await startPgCluster();
let db = 0;
const pg = async () => ({ WAVE_STORAGE_URL: await createDatabase(cluster.adminUrl, `bench_${++db}`) });
try {
  // SQLite and PostgreSQL alternate, so that a slow spell of the machine touches both.
  const sqliteTrials = [];
  const pgTrials = [];
  for (let i = 0; i < TRIALS; i++) {
    sqliteTrials.push(await measure(1, {}));
    pgTrials.push(await measure(1, await pg()));
  }
  const sqlite = median(sqliteTrials);
  const pgOne = median(pgTrials);
  const pgThree = await measure(3, await pg());
  const timedOne = await measure(1, await pg(), THINK_TIME);
  const timedThree = await measure(3, await pg(), THINK_TIME);
  const one = pgOne.rate / sqlite.rate;
  const three = timedThree.rate / timedOne.rate;
  const cpu = (m) =>
    `${m.cpuPerRun.toFixed(1)} ms CPU/run, ceiling ${((CORES * 1000) / m.cpuPerRun).toFixed(0)} runs/s on ${CORES} cores; machine ${(m.busy * 100).toFixed(0)}% busy`;
  const all = [...sqliteTrials, ...pgTrials, pgThree, timedOne, timedThree];
  const failed = all.reduce((n, m) => n + m.failed, 0);
  report(
    `scheduler on PostgreSQL: ${RUNS} one-step mock runs, max_concurrent ${MAX_CONCURRENT} per server`,
    [
      [`steps that take no time (median of ${TRIALS} trials each)`, ''],
      [
        '  baseline: one server on SQLite',
        `${sqlite.rate.toFixed(0)} runs/s (${sqliteTrials.map((t) => t.rate.toFixed(0)).join(', ')})`,
      ],
      [
        '  one server on PostgreSQL',
        `${pgOne.rate.toFixed(0)} runs/s (${pgTrials.map((t) => t.rate.toFixed(0)).join(', ')})`,
      ],
      ['  ratio (PostgreSQL / SQLite)', one.toFixed(2)],
      [
        '  three workers on PostgreSQL',
        `${pgThree.rate.toFixed(0)} runs/s (${(pgThree.rate / pgOne.rate).toFixed(2)}× one)`,
      ],
      ['    SQLite', cpu(sqlite)],
      ['    PostgreSQL, one server', cpu(pgOne)],
      ['    PostgreSQL, three workers', cpu(pgThree)],
      [`steps that take ${THINK_TIME}`, ''],
      ['  baseline: one worker on PostgreSQL', `${timedOne.rate.toFixed(0)} runs/s`],
      ['  three workers on PostgreSQL', `${timedThree.rate.toFixed(0)} runs/s`],
      ['  ratio (three / one worker)', three.toFixed(2)],
      ['    three workers', cpu(timedThree)],
      ['runs not completed', failed],
    ],
    {
      ok: one >= 0.5 && three >= 1.5 && failed === 0,
      text: 'PostgreSQL ≥ 0.5× SQLite with one server; three workers ≥ 1.5× one; every run completed',
    },
  );
} finally {
  await cluster.stop();
}
