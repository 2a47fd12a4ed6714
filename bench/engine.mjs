// Orchestration overhead per step: a chain of 200 prompt steps on the mock adapter (it spawns
// nothing) run through the real engine onto a temp SQLite store, against the same store
// transactions written directly (what storage alone costs). Needs `npm run build` first.
// Goal: under 1 ms per step.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median, report } from './lib.mjs';

const dist = new URL('../dist/', import.meta.url);
const { loadProject } = await import(new URL('config/load-project.js', dist));
const { createContext } = await import(new URL('service/context.js', dist));
const { executeClaimedRun } = await import(new URL('runs/executor.js', dist));
const { SqliteStore } = await import(new URL('store/sqlite/sqlite-store.js', dist));
const { mockAdapter } = await import(new URL('engine/adapters/mock.js', dist));
const { silentLogger } = await import(new URL('logger.js', dist));

const STEPS = Number(process.env.BENCH_STEPS ?? 200);
const ROUNDS = Number(process.env.BENCH_RUNS ?? 5);

function chainProject() {
  const root = mkdtempSync(join(tmpdir(), 'wave-bench-engine-'));
  const steps = Array.from({ length: STEPS }, (_, i) =>
    [
      `  - id: s${i}`,
      '    persona: p',
      `    exec: { type: prompt, source: "step ${i} of the chain" }`,
      ...(i ? [`    dependencies: [s${i - 1}]`] : []),
    ].join('\n'),
  );
  mkdirSync(join(root, '.wave/pipelines'), { recursive: true });
  mkdirSync(join(root, '.wave/personas'), { recursive: true });
  writeFileSync(join(root, '.wave/personas/p.md'), 'You are a benchmark persona.\n');
  writeFileSync(
    join(root, '.wave/pipelines/chain.yaml'),
    `kind: WavePipeline\nmetadata: { name: chain }\nsteps:\n${steps.join('\n')}\n`,
  );
  return root;
}

/** Every append the engine makes, kept to be replayed as the baseline. */
function recording(store) {
  const appends = [];
  return {
    appends,
    store: new Proxy(store, {
      get(target, prop) {
        if (prop === 'append') {
          return (runId, drafts, side) => {
            appends.push({ runId, drafts: drafts.map((d) => ({ ...d })), side });
            return target.append(runId, drafts, side);
          };
        }
        const v = Reflect.get(target, prop, target);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    }),
  };
}

async function engineRound(root) {
  const project = loadProject({ cwd: root, env: process.env });
  const ctx = await createContext(project, silentLogger, {
    storePath: join(root, `.wave/state-${Date.now()}.db`),
  });
  try {
    const { run } = await ctx.runs.submit({
      pipeline: 'chain',
      input: null,
      trigger: { source: 'cli', actor: null },
      mode: 'local',
      options: { mock: true },
      runHere: true,
    });
    const rec = recording(ctx.store);
    const gates = { presets: {}, autoApprove: false, actor: null, unanswered: 'fail' };
    const start = performance.now();
    const result = await executeClaimedRun({ ...ctx, store: rec.store }, run, { gates, mock: true });
    const ms = performance.now() - start;
    if (result.status !== 'completed')
      throw new Error(`the chain ended ${result.status}: ${result.error?.message}`);
    const spec = await ctx.store.getRunSpec(run.id);
    return { ms, run, spec, appends: rec.appends };
  } finally {
    await ctx.close();
  }
}

/** The same transactions, written straight to a fresh store: what storage alone costs. */
async function storeRound(root, sample) {
  const path = join(root, `.wave/raw-${Date.now()}.db`);
  const store = new SqliteStore({ path, origin: 'raw' });
  try {
    await store.createRun({
      id: sample.run.id,
      pipeline: 'chain',
      input: null,
      labels: {},
      trigger: { source: 'cli', actor: null },
      mode: 'local',
      options: {},
      spec: sample.spec,
    });
    const start = performance.now();
    for (const a of sample.appends) await store.append(a.runId, a.drafts, a.side);
    return performance.now() - start;
  } finally {
    await store.close();
  }
}

/** The steps' own work: the mock adapter called directly, as often as the chain calls it. */
async function mockRound(root) {
  const cwd = join(root, 'mock-ws');
  mkdirSync(cwd, { recursive: true });
  const req = {
    name: 'mock',
    config: { binary: 'mock' },
    prompt: 'step 1 of the chain',
    systemPrompt: 'You are a benchmark persona.',
    model: null,
    permissions: { allowed_tools: [], deny: [] },
    cwd,
    env: {},
    timeoutMs: 60_000,
    graceMs: 1000,
    signal: new AbortController().signal,
    outputs: [],
    contracts: [],
    resolvePath: (p) => join(root, p),
    onActivity: () => {},
  };
  const start = performance.now();
  for (let i = 0; i < STEPS; i++) await mockAdapter.run(req);
  return performance.now() - start;
}

const root = chainProject();
try {
  await engineRound(root); // warm-up: module loading, JIT
  const engine = [];
  const raw = [];
  const own = [];
  let sample;
  for (let i = 0; i < ROUNDS; i++) {
    sample = await engineRound(root);
    engine.push(sample.ms);
    raw.push(await storeRound(root, sample));
    own.push(await mockRound(root));
  }
  const events = sample.appends.reduce((n, a) => n + a.drafts.length, 0);
  const perStep = (median(engine) - median(own)) / STEPS;
  const storePerStep = median(raw) / STEPS;
  report(
    `engine: ${STEPS} chained mock prompt steps, orchestration overhead per step`,
    [
      ['rounds (median of)', ROUNDS],
      ['transactions / events per run', `${sample.appends.length} / ${events}`],
      [
        'baseline: same transactions direct',
        `${storePerStep.toFixed(3)} ms/step (${median(raw).toFixed(1)} ms)`,
      ],
      ['steps own work (mock adapter)', `${(median(own) / STEPS).toFixed(3)} ms/step`],
      ['engine run (wall)', `${median(engine).toFixed(1)} ms`],
      ['engine overhead per step', `${perStep.toFixed(3)} ms/step`],
      ['ratio engine / storage alone', (perStep / storePerStep).toFixed(2)],
    ],
    { ok: perStep < 1, text: 'overhead < 1 ms per step' },
  );
} finally {
  rmSync(root, { recursive: true, force: true });
}
