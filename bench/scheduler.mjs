import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { report, startServe } from './lib.mjs';

const dist = new URL('../dist/', import.meta.url);
const { loadProject } = await import(new URL('config/load-project.js', dist));
const { createContext } = await import(new URL('service/context.js', dist));
const { executeClaimedRun } = await import(new URL('runs/executor.js', dist));
const { silentLogger } = await import(new URL('logger.js', dist));

const RUNS = Number(process.env.BENCH_SCHED_RUNS ?? 1000);
const SUBMITTERS = Number(process.env.BENCH_SUBMITTERS ?? 50);
const MAX_CONCURRENT = 10;
const TERMINAL = new Set(['run_completed', 'run_failed', 'run_cancelled']);

function project() {
  const root = mkdtempSync(join(tmpdir(), 'wave-bench-sched-'));
  mkdirSync(join(root, '.wave/pipelines'), { recursive: true });
  mkdirSync(join(root, '.wave/personas'), { recursive: true });
  writeFileSync(join(root, '.wave/personas/p.md'), 'You are a benchmark persona.\n');
  writeFileSync(
    join(root, '.wave/pipelines/one.yaml'),
    'kind: WavePipeline\nsteps:\n  - id: think\n    persona: p\n    exec: { type: prompt, source: "one step" }\n',
  );
  return root;
}

/** The same runs, one after another, through the engine in this process. */
async function inProcess(root) {
  const ctx = await createContext(loadProject({ cwd: root, env: process.env }), silentLogger, {
    storePath: join(root, '.wave/baseline.db'),
  });
  const gates = { presets: {}, autoApprove: false, actor: null, unanswered: 'fail' };
  try {
    const start = performance.now();
    for (let i = 0; i < RUNS; i++) {
      const { run } = await ctx.runs.submit({
        pipeline: 'one',
        input: null,
        trigger: { source: 'cli', actor: null },
        mode: 'local',
        options: { mock: true },
        runHere: true,
      });
      const result = await executeClaimedRun(ctx, run, { gates, mock: true });
      if (result.status !== 'completed') throw new Error(`baseline run ended ${result.status}`);
    }
    return performance.now() - start;
  } finally {
    await ctx.close();
  }
}

/** Watches /api/events: run starts and ends, by run id, with arrival times. */
function watch(url, since) {
  return new Promise((resolve, reject) => {
    const state = {
      ended: new Map(),
      firstStart: null,
      running: 0,
      peak: 0,
      waiters: [],
      close: () => req.destroy(),
    };
    const types = 'types=run_started,run_completed,run_failed,run_cancelled';
    const req = request(
      `${url}/api/events?${types}${since === undefined ? '' : `&since=${since}`}`,
      (res) => {
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
            const event = JSON.parse(data.slice(6));
            if (event.type === 'run_started') {
              state.peak = Math.max(state.peak, ++state.running);
              state.firstStart ??= Date.parse(event.ts);
            } else if (TERMINAL.has(event.type)) {
              state.running--;
              state.ended.set(event.run_id, {
                type: event.type,
                at: performance.now(),
                ts: Date.parse(event.ts),
              });
            }
          }
          for (const w of state.waiters.splice(0)) w();
        });
        resolve(state);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

async function throughServer(root) {
  const server = await startServe(root, { args: ['--mock', '--max-concurrent', String(MAX_CONCURRENT)] });
  try {
    const events = await watch(server.url);
    const ids = [];
    let next = 0;
    let deepest = 0;
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
          const run = await res.json();
          ids.push(run.id);
          deepest = Math.max(deepest, run.queue_position ?? 0);
        }
      }),
    );
    const submitted = performance.now() - start;
    await waitForAll(events, ids);
    const last = Math.max(...ids.map((id) => events.ended.get(id).at));
    const failed = ids.filter((id) => events.ended.get(id).type !== 'run_completed').length;
    events.close();
    return { ms: last - start, submitted, failed, peak: events.peak, deepest };
  } finally {
    await server.stop();
  }
}

async function waitForAll(events, ids) {
  const deadline = Date.now() + 120_000;
  while (!ids.every((id) => events.ended.has(id))) {
    if (Date.now() > deadline) throw new Error(`only ${events.ended.size} of ${ids.length} runs ended`);
    await new Promise((r) => {
      events.waiters.push(r);
      setTimeout(r, 500).unref();
    });
  }
}

/**
 * A deep queue: 1,000 runs already queued in the store when the server starts (the queue lives
 * in the store), drained by the scheduler alone; timed by the events' own timestamps.
 */
async function deepQueue(root) {
  const ctx = await createContext(loadProject({ cwd: root, env: process.env }), silentLogger);
  const ids = [];
  let since;
  try {
    since = await ctx.store.lastSeq();
    for (let i = 0; i < RUNS; i++) {
      const { run } = await ctx.runs.submit({
        pipeline: 'one',
        input: null,
        trigger: { source: 'api', actor: null },
        mode: 'server',
      });
      ids.push(run.id);
    }
  } finally {
    await ctx.close();
  }
  const server = await startServe(root, { args: ['--mock', '--max-concurrent', String(MAX_CONCURRENT)] });
  try {
    const events = await watch(server.url, since);
    await waitForAll(events, ids);
    const lastTs = Math.max(...ids.map((id) => events.ended.get(id).ts));
    const failed = ids.filter((id) => events.ended.get(id).type !== 'run_completed').length;
    events.close();
    return { ms: lastTs - events.firstStart, failed, peak: events.peak };
  } finally {
    await server.stop();
  }
}

const root = project();
try {
  const baseMs = await inProcess(root);
  const srv = await throughServer(root);
  const deep = await deepQueue(root);
  const rate = (ms) => (RUNS / ms) * 1000;
  report(
    `scheduler: ${RUNS.toLocaleString('en')} one-step mock runs, ${SUBMITTERS} submitters, max_concurrent ${MAX_CONCURRENT}`,
    [
      ['baseline: in-process, serial', `${rate(baseMs).toFixed(0)} runs/s (${Math.round(baseMs)} ms)`],
      ['all submitted (201) after', `${Math.round(srv.submitted)} ms`],
      ['server: first submit → last end', `${rate(srv.ms).toFixed(0)} runs/s (${Math.round(srv.ms)} ms)`],
      ['runs not completed', srv.failed],
      ['deepest queue position seen', srv.deepest],
      ['peak running (from events)', srv.peak],
      ['ratio (server / in-process)', (rate(srv.ms) / rate(baseMs)).toFixed(2)],
      [
        'deep queue: 1,000 queued at start',
        `${rate(deep.ms).toFixed(0)} runs/s (${Math.round(deep.ms)} ms, first start → last end)`,
      ],
      ['deep queue: not completed / peak', `${deep.failed} / ${deep.peak} running`],
      ['ratio (deep queue / in-process)', (rate(deep.ms) / rate(baseMs)).toFixed(2)],
    ],
    {
      ok:
        rate(srv.ms) >= 200 &&
        srv.failed === 0 &&
        srv.peak <= MAX_CONCURRENT &&
        deep.failed === 0 &&
        deep.peak <= MAX_CONCURRENT,
      text: `>= 200 runs/s, every run completed, never more than ${MAX_CONCURRENT} running`,
    },
  );
} finally {
  rmSync(root, { recursive: true, force: true });
}
