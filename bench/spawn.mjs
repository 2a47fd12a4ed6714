// Cost of running command steps: a chain of 100 command steps each running `true`, through the
// real engine onto a temp SQLite store, against 100 sequential `bash -c true` spawns from one
// Node process (child_process.spawn, each awaited). Needs `npm run build` first.
// Goal: ratio at most 1.5.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median, report } from './lib.mjs';

const dist = new URL('../dist/', import.meta.url);
const { loadProject } = await import(new URL('config/load-project.js', dist));
const { createContext } = await import(new URL('service/context.js', dist));
const { executeClaimedRun } = await import(new URL('runs/executor.js', dist));
const { silentLogger } = await import(new URL('logger.js', dist));

const STEPS = Number(process.env.BENCH_STEPS ?? 100);
const ROUNDS = Number(process.env.BENCH_RUNS ?? 7);

function chainProject() {
  const root = mkdtempSync(join(tmpdir(), 'wave-bench-spawn-'));
  const steps = Array.from({ length: STEPS }, (_, i) =>
    [
      `  - id: s${i}`,
      '    type: command',
      '    script: "true"',
      ...(i ? [`    dependencies: [s${i - 1}]`] : []),
    ].join('\n'),
  );
  mkdirSync(join(root, '.wave/pipelines'), { recursive: true });
  writeFileSync(
    join(root, '.wave/pipelines/chain.yaml'),
    `kind: WavePipeline\nmetadata: { name: chain }\nsteps:\n${steps.join('\n')}\n`,
  );
  return root;
}

async function engineRound(root, round) {
  const project = loadProject({ cwd: root, env: process.env });
  const ctx = await createContext(project, silentLogger, {
    storePath: join(root, `.wave/state-${round}.db`),
  });
  try {
    const { run } = await ctx.runs.submit({
      pipeline: 'chain',
      input: null,
      trigger: { source: 'cli', actor: null },
      mode: 'local',
      runHere: true,
    });
    const gates = { presets: {}, autoApprove: false, actor: null, unanswered: 'fail' };
    const start = performance.now();
    const result = await executeClaimedRun(ctx, run, { gates });
    const ms = performance.now() - start;
    if (result.status !== 'completed')
      throw new Error(`the chain ended ${result.status}: ${result.error?.message}`);
    return ms;
  } finally {
    await ctx.close();
  }
}

function spawnOnce() {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', 'true'], { stdio: 'ignore' });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`bash exited ${code}`))));
  });
}

async function rawRound() {
  const start = performance.now();
  for (let i = 0; i < STEPS; i++) await spawnOnce();
  return performance.now() - start;
}

const root = chainProject();
try {
  await engineRound(root, 'warm');
  await rawRound();
  const engine = [];
  const raw = [];
  // Interleaved, so drift in machine load hits both sides alike.
  for (let r = 0; r < ROUNDS; r++) {
    engine.push(await engineRound(root, r));
    raw.push(await rawRound());
  }
  const ratio = median(engine) / median(raw);
  report(
    `spawn: ${STEPS} chained command steps running \`true\``,
    [
      ['rounds (median of)', ROUNDS],
      [
        `baseline: ${STEPS} x spawn bash -c true`,
        `${median(raw).toFixed(1)} ms (${(median(raw) / STEPS).toFixed(2)} ms each)`,
      ],
      ['wave engine', `${median(engine).toFixed(1)} ms (${(median(engine) / STEPS).toFixed(2)} ms/step)`],
      ['ratio', ratio.toFixed(2)],
    ],
    { ok: ratio <= 1.5, text: 'ratio <= 1.5' },
  );
} finally {
  rmSync(root, { recursive: true, force: true });
}
