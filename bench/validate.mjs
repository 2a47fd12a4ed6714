// Pipeline validation at scale. Needs `npm run build` first.
// 1. A chain of 5,000 command steps parsed and checked (the whole of `wave validate`'s work on
//    it), against 100 × a 50-step chain: the ratio says how far from linear it is.
//    Goal: under 2 s.
// 2. `wave serve` listing a project that holds that chain, a "billion laughs" file and small
//    pipelines: /api/health is asked back to back while GET /api/pipelines parses them (cold,
//    after each touch of the files); the slowest health answer bounds how long the listing held
//    the server's event loop. Baseline: the slowest health answer with no listing going on.
//    Goal: under 50 ms.
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median, percentile, report, startServe } from './lib.mjs';

const dist = new URL('../dist/', import.meta.url);
const { loadProject } = await import(new URL('config/load-project.js', dist));
const { loadPipelineFile } = await import(new URL('pipeline/load-pipeline.js', dist));

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

/** Health latencies (ms) measured back to back until `until` settles. */
async function probeHealth(url, until) {
  const latencies = [];
  let done = false;
  until.finally(() => {
    done = true;
  });
  while (!done) {
    const start = performance.now();
    const res = await fetch(`${url}/api/health`);
    await res.arrayBuffer();
    latencies.push(performance.now() - start);
  }
  return latencies;
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
  const server = await startServe(served);
  let idle;
  const during = [];
  const listingMs = [];
  try {
    for (let i = 0; i < 20; i++) await (await fetch(`${server.url}/api/health`)).arrayBuffer(); // warm-up
    const quiet = new Promise((r) => setTimeout(r, 2000));
    idle = await probeHealth(server.url, quiet);
    for (let round = 0; round < LISTINGS; round++) {
      // A new mtime makes every file a new version: the listing parses them all again.
      const now = new Date(Date.now() + round * 1000);
      for (const f of ['chain', 'laughs', 'small-0'])
        utimesSync(join(served, `.wave/pipelines/${f}.yaml`), now, now);
      const start = performance.now();
      const listing = fetch(`${server.url}/api/pipelines`).then(async (res) => {
        const body = await res.json();
        const chain = body.pipelines?.find((p) => p.name === 'chain');
        const laughs = body.pipelines?.find((p) => p.name === 'laughs');
        if (
          res.status !== 200 ||
          chain?.steps.length !== STEPS ||
          chain.valid !== true ||
          laughs?.valid !== false
        )
          throw new Error(`unexpected listing: ${res.status} ${JSON.stringify(body).slice(0, 300)}`);
        listingMs.push(performance.now() - start);
      });
      during.push(...(await probeHealth(server.url, listing)));
      await listing;
    }
  } finally {
    await server.stop();
  }
  const idleMax = Math.max(...idle);
  const duringMax = Math.max(...during);
  report(
    `validate: GET /api/health while GET /api/pipelines parses a ${STEPS.toLocaleString('en')}-step pipeline (${LISTINGS} cold listings)`,
    [
      ['baseline: health, no listing', `p50 ${median(idle).toFixed(1)} ms, max ${idleMax.toFixed(1)} ms`],
      [
        'health during the listings',
        `p50 ${median(during).toFixed(1)} ms, p99 ${percentile(during, 99).toFixed(1)} ms, max ${duringMax.toFixed(1)} ms (${during.length} requests)`,
      ],
      ['listing took', listingMs.map((ms) => `${Math.round(ms)} ms`).join(', ')],
      ['ratio (max during / max idle)', (duringMax / idleMax).toFixed(2)],
    ],
    { ok: duringMax < 50, text: 'no health answer waits > 50 ms while pipelines are listed' },
  );
} finally {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
}
