import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import Database from 'better-sqlite3';
import { report, startServe } from './lib.mjs';

const dist = new URL('../dist/', import.meta.url);
const { SqliteStore } = await import(new URL('store/sqlite/sqlite-store.js', dist));

const RUNS = Number(process.env.BENCH_STORED_RUNS ?? 100_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const PROFILE = process.env.BENCH_PROFILE === '1';

const PIPELINE =
  'kind: WavePipeline\nsteps:\n  - { id: build, type: command, script: "echo built" }\n  - { id: test, type: command, dependencies: [build], script: "echo tested" }\n';

/** 100,000 finished runs (completed, failed, cancelled; some with labels) in one transaction. */
async function seed(root) {
  const path = join(root, '.wave/state.db');
  const store = new SqliteStore({ path, origin: 'bench' }); // creates the schema
  const spec = { name: 'build', steps: [] };
  await store.close();
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  const insert = db.prepare(
    `INSERT INTO runs (id, pipeline, status, input, labels, trigger_source, trigger_actor, created_at,
       started_at, finished_at, error, mode, options, spec)
     VALUES (?, 'build', ?, ?, ?, 'api', ?, ?, ?, ?, ?, 'server', '{}', ?)`,
  );
  const label = db.prepare('INSERT INTO run_labels (run_num, key, value) VALUES (?, ?, ?)');
  const specJson = JSON.stringify(spec);
  const t0 = Date.parse('2026-01-01T00:00:00.000Z');
  db.transaction(() => {
    for (let i = 0; i < RUNS; i++) {
      const created = t0 + i * 60_000;
      const status = i % 10 === 0 ? 'failed' : i % 25 === 0 ? 'cancelled' : 'completed';
      const error =
        status === 'failed'
          ? JSON.stringify({ code: 'step_failed', message: 'step "test" exited 1', step: 'test' })
          : null;
      const labels = i % 3 === 0 ? { branch: 'main', team: 'core' } : {};
      const info = insert.run(
        `build-${String(i).padStart(6, '0')}-${(i * 2654435761).toString(16).slice(-6)}`,
        status,
        i % 2 ? `feature/branch-${i}` : null,
        JSON.stringify(labels),
        i % 4 ? 'alice' : null,
        new Date(created).toISOString(),
        new Date(created + 1000).toISOString(),
        new Date(created + 31_000).toISOString(),
        error,
        specJson,
      );
      for (const [k, v] of Object.entries(labels)) label.run(info.lastInsertRowid, k, v);
    }
  })();
  db.close();
}

function load(url, seconds) {
  return new Promise((resolve, reject) => {
    autocannon({ url, connections: CONNECTIONS, duration: seconds }, (err, result) =>
      err ? reject(err) : resolve(result),
    );
  });
}

/** Self time per function in a .cpuprofile, the top `n`. */
function topFunctions(file, n = 12) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map();
  const dt = profile.timeDeltas;
  profile.samples.forEach((id, i) => {
    const { callFrame } = byId.get(id);
    const where = callFrame.url
      ? `${callFrame.url.replace(/^.*\/node_modules\//, '')}:${callFrame.lineNumber + 1}`
      : '';
    const key = `${callFrame.functionName || '(anonymous)'} ${where}`.trim();
    self.set(key, (self.get(key) ?? 0) + (dt[i] ?? 0));
  });
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  return [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, us]) => [`${((us / total) * 100).toFixed(1)}%`, k]);
}

const root = mkdtempSync(join(tmpdir(), 'wave-bench-api-'));
try {
  mkdirSync(join(root, '.wave/pipelines'), { recursive: true });
  writeFileSync(join(root, '.wave/pipelines/build.yaml'), PIPELINE);
  const seedStart = performance.now();
  await seed(root);
  const seedMs = performance.now() - seedStart;

  // For reference: what /api/health costs on an empty store (another project, same settings).
  const empty = mkdtempSync(join(tmpdir(), 'wave-bench-api-empty-'));
  let healthEmpty;
  try {
    mkdirSync(join(empty, '.wave/pipelines'), { recursive: true });
    writeFileSync(join(empty, '.wave/pipelines/build.yaml'), PIPELINE);
    const bare = await startServe(empty);
    try {
      await load(`${bare.url}/api/health`, 2);
      healthEmpty = await load(`${bare.url}/api/health`, SECONDS);
    } finally {
      await bare.stop();
    }
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }

  const profDir = join(root, 'prof');
  const server = await startServe(root, {
    nodeArgs: PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [],
  });
  let health;
  let runs;
  try {
    const page = await (await fetch(`${server.url}/api/runs?limit=50`)).json();
    if (page.runs?.length !== 50 || !page.next_cursor)
      throw new Error(`unexpected page: ${JSON.stringify(page).slice(0, 200)}`);
    await load(`${server.url}/api/health`, 2); // warm-up: JIT, caches
    await load(`${server.url}/api/runs?limit=50`, 2);
    health = await load(`${server.url}/api/health`, SECONDS);
    runs = await load(`${server.url}/api/runs?limit=50`, SECONDS);
  } finally {
    await server.stop();
  }

  const ratio = runs.requests.average / health.requests.average;
  const fmt = (r) =>
    `p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, ${Math.round(r.requests.average).toLocaleString('en')} req/s` +
    (r.non2xx || r.errors ? ` (${r.non2xx} non-2xx, ${r.errors} errors)` : '');
  report(
    `api: GET /api/runs?limit=50 over ${RUNS.toLocaleString('en')} runs, ${CONNECTIONS} connections, ${SECONDS} s`,
    [
      ['runs seeded in', `${Math.round(seedMs)} ms`],
      ['baseline: GET /api/health', fmt(health)],
      ['GET /api/health, empty store', fmt(healthEmpty)],
      ['GET /api/runs?limit=50', fmt(runs)],
      ['throughput ratio (runs / health)', ratio.toFixed(2)],
      [
        'ratio (runs / health, empty store)',
        (runs.requests.average / healthEmpty.requests.average).toFixed(2),
      ],
    ],
    {
      ok: runs.latency.p99 < 20 && ratio >= 0.5 && runs.non2xx === 0 && runs.errors === 0,
      text: 'p99 < 20 ms and >= 0.5 of health throughput',
    },
  );
  if (health.requests.average < healthEmpty.requests.average / 2)
    console.log(
      `  note: /api/health is ${(healthEmpty.requests.average / health.requests.average).toFixed(1)}x slower with ${RUNS.toLocaleString('en')} runs than on an empty store: it counts every run by status on each request`,
    );
  if (PROFILE) {
    const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
    if (file) {
      console.log('  server CPU profile, self time (health + runs load):');
      for (const [pct, fn] of topFunctions(join(profDir, file))) console.log(`    ${pct.padStart(6)}  ${fn}`);
    }
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}
