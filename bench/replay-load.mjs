// Replays under load. A real `wave serve` holds a finished run with 50 MB of output (the line of
// bench/events.mjs, written through EventRecorder as the engine writes it). 100 SSE clients replay
// the whole run and 4 clients download its NDJSON logs at once, all reading as fast as they can,
// while another process opens a connection to /api/health every 20 ms. Then: what that output
// cost the store on disk, and the logs of a run with 600 MB of output (plain and NDJSON) served
// whole. Needs `npm run build` first.
// Goals: /api/health p99 < 50 ms and server RSS growth < 200 MB during the load; the store grows
// by at most 2x the output; the 600 MB downloads answer 200 with every byte and line.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median, percentile, report, startServe } from './lib.mjs';

const dist = new URL('../dist/', import.meta.url);
const { SqliteStore } = await import(new URL('store/sqlite/sqlite-store.js', dist));
const { EventRecorder } = await import(new URL('engine/recorder.js', dist));

const MB = 1024 * 1024;
const REPLAY_MB = Number(process.env.BENCH_REPLAY_MB ?? 50);
const CLIENTS = Number(process.env.BENCH_REPLAY_CLIENTS ?? 100);
const DOWNLOADS = Number(process.env.BENCH_REPLAY_DOWNLOADS ?? 4);
const BIG_MB = Number(process.env.BENCH_BIG_MB ?? 600);
const PROBE_MS = 20;

const shortLine = (i) => `2026-11-21 10:00:00 INFO  worker 3 processed item ${i} of the queue in 12 ms`;
/** Long lines (8 KB, as minified JSON or a stack dump) make the 600 MB run in fewer rows. */
const LONG = 'x'.repeat(8000);
const longLine = (i) => `${i} ${LONG}`;

// The runs' output is written straight through the store; the pipeline makes the folder a project.
const PIPELINE = `kind: WavePipeline
steps:
  - id: build
    type: command
    script: echo build
`;

const step = {
  id: 'build',
  kind: 'command',
  description: '',
  dependencies: [],
  persona: null,
  adapter: null,
  model: null,
  command: 'echo build',
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
const spec = {
  name: 'out',
  description: '',
  file: '.wave/pipelines/out.yaml',
  disabled: false,
  release: false,
  category: null,
  input: null,
  requiresTools: [],
  outputs: {},
  steps: [step],
};

/**
 * A finished run whose step printed `bytes` of output, written as the engine writes it; returns
 * its line count, output size (lines and newlines) and how much the store file grew.
 */
async function writeRun(path, id, bytes, line) {
  const open = () => new SqliteStore({ path, origin: 'bench' });
  let store = open();
  await store.createRun({
    id,
    pipeline: 'out',
    input: null,
    labels: {},
    trigger: { source: 'cli', actor: null },
    mode: 'server',
    options: {},
    spec,
  });
  await store.append(id, [
    { type: 'run_started', run_id: id, pipeline: 'out', resumed: false },
    { type: 'step_started', run_id: id, step: 'build', kind: 'command', persona: null, attempt: 1 },
  ]);
  // Closed, so the WAL is folded into the file and the sizes compare like for like.
  await store.close();
  const before = statSync(path).size;
  store = open();
  const recorder = new EventRecorder(store, id);
  let lines = 0;
  let written = 0;
  while (written < bytes) {
    const content = line(lines);
    recorder.activity({ step: 'build', stream: 'stdout', content });
    written += Buffer.byteLength(content) + 1;
    lines++;
    if (lines % 2000 === 0) await recorder.flush();
  }
  await recorder.emit([
    { type: 'step_completed', run_id: id, step: 'build', status: 'success', duration_ms: 1, attempt: 1 },
    { type: 'run_completed', run_id: id, status: 'completed', duration_ms: 1 },
  ]);
  await store.close();
  return { lines, bytes: written, growth: statSync(path).size - before };
}

/**
 * GETs a path and reads the body as fast as it comes without keeping it: byte count, newline
 * count (when asked) and the last bytes; `ok` once the whole body arrived.
 */
function download(url, path, { countLines = false } = {}) {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { agent: false }, (res) => {
      let bytes = 0;
      let newlines = 0;
      let tail = Buffer.alloc(0);
      res.on('data', (chunk) => {
        bytes += chunk.length;
        if (countLines) for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) newlines++;
        tail = Buffer.concat([tail, chunk.subarray(Math.max(0, chunk.length - 512))]).subarray(-512);
      });
      res.on('end', () =>
        resolve({ status: res.statusCode, headers: res.headers, bytes, newlines, tail: tail.toString() }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * /api/health from its own process (the load's clients keep this one busy): a new connection
 * every PROBE_MS, each probe's latency in ms, reported when told to stop.
 */
function startProber(url) {
  const child = spawn(
    process.execPath,
    [
      '-e',
      `const { request } = require('node:http');
       const latencies = [];
       let failures = 0;
       let pending = 0;
       let stopping = false;
       const report = () => process.stdout.write(JSON.stringify({ latencies, failures }), () => process.exit(0));
       const probe = () => {
         const start = performance.now();
         pending++;
         const done = (ok) => {
           pending--;
           if (ok) latencies.push(performance.now() - start);
           else failures++;
           if (stopping && pending === 0) report();
         };
         const req = request(process.argv[1] + '/api/health', { agent: false }, (res) => {
           res.resume();
           res.on('end', () => done(res.statusCode === 200));
           res.on('error', () => done(false));
         });
         req.on('error', () => done(false));
         req.end();
       };
       const timer = setInterval(probe, Number(process.argv[2]));
       process.stdin.on('data', () => {
         stopping = true;
         clearInterval(timer);
         if (pending === 0) report();
       });`,
      url,
      String(PROBE_MS),
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  return {
    async stop() {
      child.stdin.write('stop\n');
      await exited;
      return JSON.parse(out);
    },
  };
}

function rssOf(pid) {
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) * 1024;
}

/** Samples the server's RSS every 50 ms until stopped; resolves with the highest seen. */
function watchRss(pid) {
  let peak = rssOf(pid);
  const timer = setInterval(() => {
    peak = Math.max(peak, rssOf(pid));
  }, 50);
  return () => {
    clearInterval(timer);
    return Math.max(peak, rssOf(pid));
  };
}

async function idleRss(pid) {
  const samples = [];
  for (let i = 0; i < 5; i++) {
    samples.push(rssOf(pid));
    await new Promise((r) => setTimeout(r, 100));
  }
  return median(samples);
}

const ms = (v) => `${v.toFixed(1)} ms`;
const mb = (v) => `${(v / MB).toFixed(1)} MB`;
const latencyText = (l) =>
  `p50 ${ms(percentile(l, 50))}, p99 ${ms(percentile(l, 99))}, max ${ms(Math.max(...l))} (${l.length} probes)`;

const root = mkdtempSync(join(tmpdir(), 'wave-bench-replay-'));
try {
  mkdirSync(join(root, '.wave/pipelines'), { recursive: true });
  writeFileSync(join(root, '.wave/pipelines/out.yaml'), PIPELINE);
  const dbPath = join(root, '.wave/state.db');
  const replayRun = await writeRun(dbPath, 'out-replay', REPLAY_MB * MB, shortLine);
  const bigRun = await writeRun(dbPath, 'out-big', BIG_MB * MB, longLine);
  const server = await startServe(root);
  try {
    // Baseline: health with nothing else going on, and one replay alone (its size is the
    // reference every loaded replay must match).
    const quiet = startProber(server.url);
    await new Promise((r) => setTimeout(r, 2000));
    const idleProbes = await quiet.stop();
    const alone = await download(server.url, '/api/runs/out-replay/events');
    const rssBefore = await idleRss(server.pid);

    const prober = startProber(server.url);
    const peakRss = watchRss(server.pid);
    const started = performance.now();
    const [replays, logs] = await Promise.all([
      Promise.all(Array.from({ length: CLIENTS }, () => download(server.url, '/api/runs/out-replay/events'))),
      Promise.all(
        Array.from({ length: DOWNLOADS }, () =>
          download(server.url, '/api/runs/out-replay/logs?format=ndjson', { countLines: true }),
        ),
      ),
    ]);
    const loadSeconds = (performance.now() - started) / 1000;
    const rssPeak = peakRss();
    const loaded = await prober.stop();

    // A replay may carry `: ping\n\n` comments on top of the events (one per idle 15 s).
    const whole = (r) =>
      r.status === 200 &&
      r.bytes >= alone.bytes &&
      (r.bytes - alone.bytes) % 8 === 0 &&
      /event: run_completed\n/.test(r.tail);
    const replaysOk = alone.status === 200 && replays.every(whole);
    const logsOk = logs.every((r) => r.status === 200 && r.newlines === replayRun.lines);
    const p99 = percentile(loaded.latencies, 99);
    const growth = rssPeak - rssBefore;
    report(
      `replay-load: ${CLIENTS} SSE replays + ${DOWNLOADS} NDJSON downloads of a ${REPLAY_MB} MB run (${replayRun.lines.toLocaleString('en')} lines)`,
      [
        ['baseline: /api/health, idle', latencyText(idleProbes.latencies)],
        ['/api/health under load', latencyText(loaded.latencies)],
        ['ratio p99 (loaded / idle)', (p99 / percentile(idleProbes.latencies, 99)).toFixed(2)],
        ['health probes failed', String(loaded.failures + idleProbes.failures)],
        ['load served in', `${loadSeconds.toFixed(1)} s (${mb(alone.bytes)} per replay)`],
        ['every replay and download whole', replaysOk && logsOk ? 'yes' : 'NO'],
        ['server RSS before / peak', `${mb(rssBefore)} / ${mb(rssPeak)}`],
        ['server RSS growth', mb(growth)],
      ],
      {
        ok: p99 < 50 && growth < 200 * MB && replaysOk && logsOk && loaded.failures === 0,
        text: '/api/health p99 < 50 ms, RSS growth < 200 MB, every replay and download whole',
      },
    );

    const dbRatio = replayRun.growth / replayRun.bytes;
    report(
      `replay-load: store size for ${REPLAY_MB} MB of output (${replayRun.lines.toLocaleString('en')} lines)`,
      [
        ['baseline: the output', mb(replayRun.bytes)],
        ['store growth', mb(replayRun.growth)],
        ['ratio (growth / output)', dbRatio.toFixed(2)],
      ],
      { ok: dbRatio <= 2, text: 'store grows by at most 2x the output' },
    );

    const bigRss = await idleRss(server.pid);
    const bigPeak = watchRss(server.pid);
    const plain = await download(server.url, '/api/runs/out-big/logs', { countLines: true });
    const ndjson = await download(server.url, '/api/runs/out-big/logs?format=ndjson', { countLines: true });
    const bigGrowth = bigPeak() - bigRss;
    // `[build] ` before each line in text; each NDJSON line is longer than its content.
    const plainOk =
      plain.status === 200 &&
      plain.newlines === bigRun.lines &&
      plain.bytes === bigRun.bytes + bigRun.lines * '[build] '.length;
    const ndjsonOk = ndjson.status === 200 && ndjson.newlines === bigRun.lines && ndjson.bytes > bigRun.bytes;
    const status = (r, ok) =>
      `${r.status}, ${mb(r.bytes)}, ${r.newlines.toLocaleString('en')} lines: ${ok ? 'whole' : 'NOT whole'}`;
    report(
      `replay-load: logs of a ${BIG_MB} MB run (${bigRun.lines.toLocaleString('en')} lines of 8 KB)`,
      [
        ['baseline: the output', mb(bigRun.bytes)],
        ['GET /logs (text)', status(plain, plainOk)],
        ['GET /logs?format=ndjson', status(ndjson, ndjsonOk)],
        ['server RSS growth', mb(bigGrowth)],
      ],
      { ok: plainOk && ndjsonOk, text: 'both answer 200 with every byte and line' },
    );
  } finally {
    await server.stop();
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}
