// Retention (issue 14, point 3): after 20,000 runs with logs, pruning 90 % of them keeps
// GET /api/runs p99 unchanged (within 25 %, measured side by side against a copy of the
// database at its peak) and the
// database file (with its WAL) at most 20 % of its peak size.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { percentile, report, startServe } from './lib.mjs';

const dist = new URL('../dist/', import.meta.url);
const { SqliteStore } = await import(new URL('store/sqlite/sqlite-store.js', dist));

const RUNS = Number(process.env.BENCH_RETENTION_RUNS ?? 20_000);
const LINES = Number(process.env.BENCH_RETENTION_LINES ?? 20);
const REQUESTS = Number(process.env.BENCH_RETENTION_REQUESTS ?? 400);
const DAY = 86_400_000;
const WAVE_BIN = new URL('../bin/wave.js', import.meta.url).pathname;

const PIPELINE = 'kind: WavePipeline\nsteps:\n  - { id: build, type: command, script: "echo built" }\n';
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

/** Runs through the store's own API, 90 % of them finished 60 days ago, the rest just now. */
async function seed(path) {
  const now = Date.now();
  let clock = now - 60 * DAY;
  const store = new SqliteStore({ path, origin: 'bench', now: () => new Date(clock) });
  const old = Math.round(RUNS * 0.9);
  for (let i = 0; i < RUNS; i++) {
    if (i === old) clock = now - 60_000;
    clock += 1;
    const id = `build-${String(i).padStart(6, '0')}`;
    await store.createRun({
      id,
      pipeline: 'build',
      input: null,
      labels: {},
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
  await store.close();
}

function size(path) {
  let total = statSync(path).size;
  try {
    total += statSync(`${path}-wal`).size;
  } catch {}
  return total;
}

/** One GET /api/runs, in ms. */
async function timedList(url) {
  const t = process.hrtime.bigint();
  const res = await fetch(`${url}/api/runs`);
  await res.arrayBuffer();
  if (!res.ok) throw new Error(`GET /api/runs: ${res.status}`);
  return Number(process.hrtime.bigint() - t) / 1e6;
}

/**
 * GET /api/runs against two servers at once, one on the database at its peak (a copy), one on
 * the pruned one, requests alternating (and which goes first too): a busy machine slows both
 * alike, so the ratio says what pruning did rather than what the neighbours did.
 */
async function compareLists(peakRoot, prunedRoot) {
  const [a, b] = [await startServe(peakRoot), await startServe(prunedRoot)];
  try {
    for (let i = 0; i < 50; i++) {
      await timedList(a.url);
      await timedList(b.url);
    }
    const peak = [];
    const pruned = [];
    for (let i = 0; i < REQUESTS; i++) {
      if (i % 2) {
        peak.push(await timedList(a.url));
        pruned.push(await timedList(b.url));
      } else {
        pruned.push(await timedList(b.url));
        peak.push(await timedList(a.url));
      }
    }
    return {
      before: percentile(peak, 99),
      after: percentile(pruned, 99),
      before50: percentile(peak, 50),
      after50: percentile(pruned, 50),
    };
  } finally {
    await a.stop();
    await b.stop();
  }
}

const root = mkdtempSync(join(tmpdir(), 'wave-bench-retention-'));
const peakRoot = mkdtempSync(join(tmpdir(), 'wave-bench-retention-peak-'));
try {
  for (const dir of [root, peakRoot]) {
    mkdirSync(join(dir, '.wave/pipelines'), { recursive: true });
    writeFileSync(join(dir, '.wave/pipelines/build.yaml'), PIPELINE);
  }
  const path = join(root, '.wave/state.db');
  const seedStart = Date.now();
  await seed(path);
  const seedMs = Date.now() - seedStart;
  const peak = size(path);
  // Closing the store checkpointed the WAL: the file alone is the database.
  copyFileSync(path, join(peakRoot, '.wave/state.db'));

  const pruneStart = Date.now();
  const pruned = spawnSync(process.execPath, [WAVE_BIN, 'prune', '--older-than', '30d', '--json'], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (pruned.status !== 0) throw new Error(`wave prune exited ${pruned.status}: ${pruned.stderr}`);
  const pruneMs = Date.now() - pruneStart;
  const deleted = JSON.parse(pruned.stdout).runs.length;
  const after = size(path);
  const { before, after: afterP99, before50, after50 } = await compareLists(peakRoot, root);

  const ratio = afterP99 / before;
  const fraction = after / peak;
  report(
    `retention: ${RUNS.toLocaleString('en')} runs × ${LINES} log lines, prune 90 %`,
    [
      ['seeding (store API)', `${(seedMs / 1000).toFixed(1)} s`],
      ['runs deleted by wave prune', `${deleted.toLocaleString('en')} in ${(pruneMs / 1000).toFixed(1)} s`],
      ['baseline: GET /api/runs p99 at peak', `${before.toFixed(2)} ms`],
      ['GET /api/runs p99 after pruning', `${afterP99.toFixed(2)} ms`],
      ['ratio (after / baseline)', ratio.toFixed(2)],
      ['GET /api/runs p50 at peak → after', `${before50.toFixed(2)} ms → ${after50.toFixed(2)} ms`],
      ['database at peak', `${(peak / 1024 / 1024).toFixed(1)} MB`],
      [
        'database after pruning',
        `${(after / 1024 / 1024).toFixed(1)} MB (${(fraction * 100).toFixed(1)} % of peak)`,
      ],
    ],
    {
      ok: ratio <= 1.25 && fraction <= 0.2 && deleted === Math.round(RUNS * 0.9),
      text: 'p99 ratio ≤ 1.25 (unchanged within noise), file ≤ 20 % of peak, 90 % of runs deleted',
    },
  );
} finally {
  rmSync(root, { recursive: true, force: true });
  rmSync(peakRoot, { recursive: true, force: true });
}
