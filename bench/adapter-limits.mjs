// The scheduler benchmark's server pass (one-step mock runs through `wave serve`) with and
// without `adapters.mock.max_concurrent`: what the per-adapter queue costs in throughput.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median, report, startServe } from './lib.mjs';

const RUNS = Number(process.env.BENCH_LIMITS_RUNS ?? 500);
const ROUNDS = Number(process.env.BENCH_LIMITS_ROUNDS ?? 3);
const SUBMITTERS = 50;
const MAX_CONCURRENT = 10;
const ADAPTER_CAP = 1;
const TERMINAL = new Set(['run_completed', 'run_failed', 'run_cancelled']);

function project(cap) {
  const root = mkdtempSync(join(tmpdir(), 'wave-bench-limits-'));
  mkdirSync(join(root, '.wave/pipelines'), { recursive: true });
  mkdirSync(join(root, '.wave/personas'), { recursive: true });
  writeFileSync(join(root, '.wave/personas/p.md'), 'You are a benchmark persona.\n');
  writeFileSync(
    join(root, '.wave/pipelines/one.yaml'),
    'kind: WavePipeline\nsteps:\n  - id: think\n    persona: p\n    exec: { type: prompt, source: "one step" }\n',
  );
  if (cap)
    writeFileSync(
      join(root, 'wave.yaml'),
      `kind: WaveManifest\nadapters:\n  mock: { max_concurrent: ${cap} }\n`,
    );
  return root;
}

/** /api/events: run ends, and the most prompt steps running at once. */
function watch(url) {
  return new Promise((resolve, reject) => {
    const state = { ended: new Map(), steps: 0, peakSteps: 0, throttled: 0, close: () => req.destroy() };
    const types =
      'types=step_started,step_completed,step_failed,step_throttled,run_completed,run_failed,run_cancelled';
    const req = request(`${url}/api/events?${types}`, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`/api/events answered ${res.statusCode}`));
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        buf += chunk;
        for (let i = buf.indexOf('\n\n'); i !== -1; i = buf.indexOf('\n\n')) {
          const data = buf
            .slice(0, i)
            .split('\n')
            .find((l) => l.startsWith('data: '));
          buf = buf.slice(i + 2);
          if (!data) continue;
          const e = JSON.parse(data.slice(6));
          if (e.type === 'step_started') state.peakSteps = Math.max(state.peakSteps, ++state.steps);
          else if (e.type === 'step_completed' || e.type === 'step_failed') state.steps--;
          else if (e.type === 'step_throttled') state.throttled++;
          else if (TERMINAL.has(e.type)) state.ended.set(e.run_id, { type: e.type, at: performance.now() });
        }
      });
      resolve(state);
    });
    req.on('error', reject);
    req.end();
  });
}

/** RUNS runs submitted by SUBMITTERS clients at once; first submit → last end. */
async function pass(root) {
  const server = await startServe(root, { args: ['--mock', '--max-concurrent', String(MAX_CONCURRENT)] });
  try {
    const events = await watch(server.url);
    const ids = [];
    let next = 0;
    const start = performance.now();
    await Promise.all(
      Array.from({ length: SUBMITTERS }, async () => {
        while (next < RUNS) {
          next++;
          const res = await fetch(`${server.url}/api/runs`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: '{"pipeline":"one"}',
          });
          if (res.status !== 201)
            throw new Error(`POST /api/runs answered ${res.status}: ${await res.text()}`);
          ids.push((await res.json()).id);
        }
      }),
    );
    for (const deadline = Date.now() + 120_000; !ids.every((id) => events.ended.has(id)); ) {
      if (Date.now() > deadline) throw new Error(`only ${events.ended.size} of ${ids.length} runs ended`);
      await new Promise((r) => setTimeout(r, 20));
    }
    events.close();
    const last = Math.max(...ids.map((id) => events.ended.get(id).at));
    const failed = ids.filter((id) => events.ended.get(id).type !== 'run_completed').length;
    return {
      rate: (RUNS / (last - start)) * 1000,
      failed,
      peak: events.peakSteps,
      throttled: events.throttled,
    };
  } finally {
    await server.stop();
  }
}

const free = project(null);
const capped = project(ADAPTER_CAP);
try {
  const base = [];
  const limited = [];
  // Alternated, so a busy moment of the machine weighs on both alike.
  for (let i = 0; i < ROUNDS; i++) {
    base.push(await pass(free));
    limited.push(await pass(capped));
  }
  const baseRate = median(base.map((r) => r.rate));
  const capRate = median(limited.map((r) => r.rate));
  const ratio = capRate / baseRate;
  const failed = [...base, ...limited].reduce((n, r) => n + r.failed, 0);
  const capPeak = Math.max(...limited.map((r) => r.peak));
  report(
    `adapter limits: ${RUNS} one-step mock runs x ${ROUNDS} rounds, server max_concurrent ${MAX_CONCURRENT}, adapters.mock.max_concurrent ${ADAPTER_CAP}`,
    [
      ['baseline: no adapter cap (median)', `${baseRate.toFixed(0)} runs/s`],
      ['with the adapter cap (median)', `${capRate.toFixed(0)} runs/s`],
      ['ratio (capped / baseline)', ratio.toFixed(2)],
      ['peak prompt steps: baseline / capped', `${Math.max(...base.map((r) => r.peak))} / ${capPeak}`],
      ['step_throttled events (capped, total)', limited.reduce((n, r) => n + r.throttled, 0)],
      ['runs not completed', failed],
    ],
    {
      ok: ratio >= 0.9 && failed === 0 && capPeak <= ADAPTER_CAP,
      text: `capped throughput >= 90 % of the baseline, every run completed, never more than ${ADAPTER_CAP} prompt steps at once`,
    },
  );
} finally {
  rmSync(free, { recursive: true, force: true });
  rmSync(capped, { recursive: true, force: true });
}
