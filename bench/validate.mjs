// Pipeline validation at scale. Needs `npm run build` first.
// 1. A chain of 5,000 command steps parsed and checked (the whole of `wave validate`'s work on
//    it), against 100 × a 50-step chain: the ratio says how far from linear it is.
//    Goal: under 2 s.
// 2. The server's app (in this process, so its event loop can be watched) answering
//    GET /api/pipelines for a project that holds that chain, a "billion laughs" file and small
//    pipelines, cold (after each touch of the files): the longest the event loop was held.
//    Baseline: the longest stall over the same time with nothing to do (the machine's load).
//    Goal: under 50 ms.
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { median, report } from './lib.mjs';

const dist = new URL('../dist/', import.meta.url);
const { loadProject } = await import(new URL('config/load-project.js', dist));
const { loadPipelineFile } = await import(new URL('pipeline/load-pipeline.js', dist));
const { createServerContext } = await import(new URL('server/create-context.js', dist));
const { buildApp } = await import(new URL('server/app.js', dist));
const { silentLogger } = await import(new URL('logger.js', dist));

const STEPS = Number(process.env.BENCH_STEPS ?? 5000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const LISTINGS = Number(process.env.BENCH_LISTINGS ?? 3);

function chainYaml(n) {
  const steps = Array.from({ length: n }, (_, i) =>
    [
      `  - id: step-${i}`,
      '    type: command',
      `    script: echo "step ${i} of {{ pipeline_name }}" {{ input }}`,
      ...(i ? [`    dependencies: [step-${i - 1}]`] : []),
    ].join('\n'),
  );
  return `kind: WavePipeline\nmetadata: { description: a long chain }\nsteps:\n${steps.join('\n')}\n`;
}

function billionLaughs() {
  const lines = ['  a0: &a0 "lol"'];
  for (let i = 1; i <= 9; i++)
    lines.push(
      `  a${i}: &a${i} [${Array(10)
        .fill(`*a${i - 1}`)
        .join(', ')}]`,
    );
  return `kind: WavePipeline\nlaughs:\n${lines.join('\n')}\nsteps:\n  - { id: a, type: command, script: echo }\n`;
}

function project(files) {
  const root = mkdtempSync(join(tmpdir(), 'wave-bench-validate-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

/** ms to parse and check one file, the median of ROUNDS. */
function validateMs(root, name, repeat = 1) {
  const p = loadProject({ cwd: root, env: {} });
  const file = join(root, `.wave/pipelines/${name}.yaml`);
  const times = [];
  for (let r = 0; r < ROUNDS; r++) {
    const start = performance.now();
    for (let k = 0; k < repeat; k++) {
      const entry = loadPipelineFile(name, file, p.validationContext);
      if (!entry.spec) throw new Error(`${name} is invalid: ${entry.diagnostics[0]?.message}`);
    }
    times.push(performance.now() - start);
  }
  return median(times);
}

/** The longest the event loop was held (ms) while `work` ran, measured every 2 ms. */
async function maxStall(work) {
  const h = monitorEventLoopDelay({ resolution: 2 });
  h.enable();
  try {
    await work();
  } finally {
    h.disable();
  }
  return Math.max(0, h.max / 1e6 - 2);
}

/** `wave serve`'s app on a project, in this process, so its event loop can be watched. */
async function inProcessServer(root) {
  const project = loadProject({ cwd: root, env: {}, flags: { port: 0 } });
  const ctx = await createServerContext(project, silentLogger);
  const app = await buildApp(ctx);
  await app.ready();
  return {
    app,
    async close() {
      await app.close();
      await ctx.close();
    },
  };
}

const roots = [];
try {
  const big = project({ '.wave/pipelines/chain.yaml': chainYaml(STEPS) });
  const small = project({ '.wave/pipelines/chain.yaml': chainYaml(50) });
  roots.push(big, small);
  const bigMs = validateMs(big, 'chain');
  const smallMs = validateMs(small, 'chain', 100) / 100;
  const linearity = bigMs / (smallMs * (STEPS / 50));
  report(
    `validate: a chain of ${STEPS.toLocaleString('en')} command steps (median of ${ROUNDS})`,
    [
      ['baseline: 50-step chain (×100 each)', `${smallMs.toFixed(1)} ms`],
      [`${STEPS.toLocaleString('en')}-step chain`, `${Math.round(bigMs)} ms`],
      [`ratio (to ${STEPS / 50} × 50 steps)`, linearity.toFixed(2)],
    ],
    { ok: bigMs < 2000, text: `${STEPS.toLocaleString('en')} chained steps validate in < 2 s` },
  );

  const served = project({
    '.wave/pipelines/chain.yaml': chainYaml(STEPS),
    '.wave/pipelines/laughs.yaml': billionLaughs(),
    ...Object.fromEntries(
      Array.from({ length: 5 }, (_, i) => [`.wave/pipelines/small-${i}.yaml`, chainYaml(5)]),
    ),
  });
  roots.push(served);
  const server = await inProcessServer(served);
  const idle = [];
  const during = [];
  const listingMs = [];
  try {
    for (let round = 0; round < LISTINGS; round++) {
      // A new mtime makes every file a new version: the listing parses them all again.
      const now = new Date(Date.now() + round * 1000);
      for (const f of ['chain', 'laughs', 'small-0'])
        utimesSync(join(served, `.wave/pipelines/${f}.yaml`), now, now);
      const start = performance.now();
      const stall = await maxStall(async () => {
        const res = await server.app.inject({ method: 'GET', url: '/api/pipelines' });
        const body = res.json();
        const chain = body.pipelines?.find((p) => p.name === 'chain');
        const laughs = body.pipelines?.find((p) => p.name === 'laughs');
        if (
          res.statusCode !== 200 ||
          chain?.steps.length !== STEPS ||
          chain.valid !== true ||
          laughs?.valid !== false
        )
          throw new Error(`unexpected listing: ${res.statusCode} ${res.body.slice(0, 300)}`);
      });
      const ms = performance.now() - start;
      listingMs.push(ms);
      during.push(stall);
      // The same time with nothing to do: what the machine's load alone costs.
      idle.push(await maxStall(() => new Promise((r) => setTimeout(r, ms))));
    }
  } finally {
    await server.close();
  }
  const idleMax = Math.max(...idle);
  const duringMax = Math.max(...during);
  report(
    `validate: the server's longest event-loop stall while GET /api/pipelines parses a ${STEPS.toLocaleString('en')}-step pipeline (${LISTINGS} cold listings)`,
    [
      ['baseline: longest stall, idle', idle.map((ms) => `${ms.toFixed(1)} ms`).join(', ')],
      ['longest stall, listing', during.map((ms) => `${ms.toFixed(1)} ms`).join(', ')],
      ['listing took', listingMs.map((ms) => `${Math.round(ms)} ms`).join(', ')],
      ['ratio (max listing / max idle)', (duringMax / idleMax).toFixed(2)],
    ],
    { ok: duringMax < 50, text: 'listing pipelines never holds the event loop > 50 ms at a time' },
  );
  if (idleMax >= 50)
    console.log('  note: the idle loop itself stalled >= 50 ms: the machine is too busy for this figure');
} finally {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
}
