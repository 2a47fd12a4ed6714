// Orchestration overhead per child run: an `iterate` over 200 mock sub-pipelines (one mock prompt
// step each, one after another) against the same 200 prompt steps run directly as a chain in one
// run (what the steps cost without child runs). Needs `npm run build` first.
// Goal: under 5 ms per child.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median, report } from './lib.mjs';

const dist = new URL('../dist/', import.meta.url);
const { loadProject } = await import(new URL('config/load-project.js', dist));
const { createContext } = await import(new URL('service/context.js', dist));
const { executeClaimedRun } = await import(new URL('runs/executor.js', dist));
const { silentLogger } = await import(new URL('logger.js', dist));

const CHILDREN = Number(process.env.BENCH_CHILDREN ?? 200);
const ROUNDS = Number(process.env.BENCH_RUNS ?? 5);

function project() {
  const root = mkdtempSync(join(tmpdir(), 'wave-bench-composition-'));
  mkdirSync(join(root, '.wave/pipelines'), { recursive: true });
  mkdirSync(join(root, '.wave/personas'), { recursive: true });
  writeFileSync(join(root, '.wave/personas/p.md'), 'You are a benchmark persona.\n');
  const items = JSON.stringify(Array.from({ length: CHILDREN }, (_, i) => i));
  writeFileSync(
    join(root, '.wave/pipelines/one.yaml'),
    'kind: WavePipeline\nsteps:\n  - id: s\n    persona: p\n    exec: { type: prompt, source: "item {{ input }}" }\n',
  );
  writeFileSync(
    join(root, '.wave/pipelines/fan.yaml'),
    `kind: WavePipeline\nsteps:\n  - id: each\n    pipeline: one\n    input: "{{ item }}"\n    iterate: { over: '${items}', mode: sequential }\n`,
  );
  const chain = Array.from({ length: CHILDREN }, (_, i) =>
    [
      `  - id: s${i}`,
      '    persona: p',
      `    exec: { type: prompt, source: "item ${i}" }`,
      ...(i ? [`    dependencies: [s${i - 1}]`] : []),
    ].join('\n'),
  );
  writeFileSync(
    join(root, '.wave/pipelines/chain.yaml'),
    `kind: WavePipeline\nsteps:\n${chain.join('\n')}\n`,
  );
  return root;
}

async function round(root, pipeline) {
  const ctx = await createContext(loadProject({ cwd: root, env: process.env }), silentLogger, {
    storePath: join(root, `.wave/state-${pipeline}-${Date.now()}.db`),
  });
  try {
    const { run } = await ctx.runs.submit({
      pipeline,
      input: null,
      trigger: { source: 'cli', actor: null },
      mode: 'local',
      options: { mock: true },
      runHere: true,
    });
    const gates = { presets: {}, autoApprove: false, actor: null, unanswered: 'fail' };
    const start = performance.now();
    const result = await executeClaimedRun(ctx, run, { gates, mock: true });
    const ms = performance.now() - start;
    if (result.status !== 'completed')
      throw new Error(`${pipeline} ended ${result.status}: ${result.error?.message}`);
    if (pipeline === 'fan') {
      const each = (await ctx.store.listSteps(run.id)).find((s) => s.id === 'each');
      if (each.children.length !== CHILDREN)
        throw new Error(`${each.children.length} children, not ${CHILDREN}`);
    }
    return ms;
  } finally {
    await ctx.close();
  }
}

const root = project();
try {
  await round(root, 'fan'); // warm-up: module loading, JIT
  await round(root, 'chain');
  const fan = [];
  const chain = [];
  for (let i = 0; i < ROUNDS; i++) {
    fan.push(await round(root, 'fan'));
    chain.push(await round(root, 'chain'));
  }
  const perChild = (median(fan) - median(chain)) / CHILDREN;
  const perStep = median(chain) / CHILDREN;
  report(
    `composition: iterate over ${CHILDREN} mock sub-pipelines, orchestration overhead per child run`,
    [
      ['rounds (median of)', ROUNDS],
      ['baseline: same steps as one chain', `${perStep.toFixed(3)} ms/step (${median(chain).toFixed(1)} ms)`],
      ['iterate run (wall)', `${median(fan).toFixed(1)} ms`],
      ['overhead per child run', `${perChild.toFixed(3)} ms/child`],
      ['ratio iterate / chain', (median(fan) / median(chain)).toFixed(2)],
    ],
    { ok: perChild < 5, text: 'overhead < 5 ms per child run' },
  );
} finally {
  rmSync(root, { recursive: true, force: true });
}
