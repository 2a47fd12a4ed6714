// The change feed: how soon a committed event reaches those waiting for it.
// - across processes: an event a local `wave run` writes reaches an SSE client of a `wave serve`
//   on the same project (goal p99 ≤ 250 ms); baseline: the same run executed by the server.
// - in one process: a commit reaches a change-feed subscriber that reads it back from the store
//   (goal p99 ≤ 5 ms); baseline: a bare in-process bus listener.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { percentile, report, startServe } from './lib.mjs';

const LINES = Number(process.env.BENCH_FEED_LINES ?? 200);
const WRITES = Number(process.env.BENCH_FEED_WRITES ?? 2000);
const WAVE_BIN = new URL('../bin/wave.js', import.meta.url).pathname;
const dist = (p) => new URL(`../dist/${p}`, import.meta.url).href;

// Lines a few ms apart, as a build prints them: each is its own commit, not one big batch.
const PIPELINE = `kind: WavePipeline
steps:
  - id: lines
    type: command
    script: for i in $(seq 1 ${LINES}); do echo "line $i"; sleep 0.01; done
`;

/** An SSE client of every run's events: arrival minus the event's ts, per event of `runOf()`. */
function watch(url) {
  const seen = { latencies: new Map(), ended: new Set() };
  return new Promise((resolve, reject) => {
    const req = request(`${url}/api/events`, { agent: false }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`/api/events answered ${res.statusCode}`));
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        const now = Date.now();
        buf += chunk;
        let end = buf.indexOf('\n\n');
        while (end !== -1) {
          const frame = buf.slice(0, end);
          buf = buf.slice(end + 2);
          const data = frame.split('\n').find((l) => l.startsWith('data: '));
          if (data) {
            const e = JSON.parse(data.slice(6));
            if (e.type === 'stream_activity') {
              const list = seen.latencies.get(e.run_id) ?? [];
              list.push(now - Date.parse(e.ts));
              seen.latencies.set(e.run_id, list);
            }
            if (e.type === 'run_completed' || e.type === 'run_failed') seen.ended.add(e.run_id);
          }
          end = buf.indexOf('\n\n');
        }
      });
      resolve({ seen, close: () => req.destroy() });
    });
    req.on('error', (err) => (err.code === 'ECONNRESET' ? undefined : reject(err)));
    req.end();
  });
}

async function until(check, what, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function localRun(cwd) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WAVE_BIN, 'run', 'lines', '--json'], {
      cwd,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`wave run exited ${code}: ${out}`)),
    );
  });
}

function runIdOf(output) {
  const m = /"run_id":"([^"]+)"/.exec(output) ?? /"id":"([^"]+)"/.exec(output);
  if (!m) throw new Error(`no run id in wave run's output: ${output.slice(0, 500)}`);
  return m[1];
}

async function acrossProcesses() {
  const root = mkdtempSync(join(tmpdir(), 'wave-bench-feed-'));
  try {
    mkdirSync(join(root, '.wave/pipelines'), { recursive: true });
    writeFileSync(join(root, '.wave/pipelines/lines.yaml'), PIPELINE);
    const server = await startServe(root);
    try {
      const sse = await watch(server.url);
      const res = await fetch(`${server.url}/api/runs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ pipeline: 'lines' }),
      });
      const served = (await res.json()).id;
      await until(() => sse.seen.ended.has(served), 'the served run');
      const local = runIdOf(await localRun(root));
      await until(() => sse.seen.ended.has(local), 'the local run to reach the SSE client');
      sse.close();
      return { served: sse.seen.latencies.get(served) ?? [], local: sse.seen.latencies.get(local) ?? [] };
    } finally {
      await server.stop();
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

async function inProcess() {
  const { SqliteStore } = await import(dist('store/sqlite/sqlite-store.js'));
  const { ChangeFeed } = await import(dist('store/change-feed.js'));
  const { EventBus } = await import(dist('events/bus.js'));
  const { silentLogger } = await import(dist('logger.js'));
  const root = mkdtempSync(join(tmpdir(), 'wave-bench-feed-'));
  try {
    const bus = new EventBus();
    let feed;
    const store = new SqliteStore({
      path: join(root, 'state.db'),
      origin: 'bench',
      onCommit: (e) => feed.committed(e),
    });
    feed = new ChangeFeed(store, bus, { origin: 'bench', logger: silentLogger });
    await feed.start();
    const spec = { name: 'p', description: '', steps: [] };
    const { run } = await store.createRun({
      id: 'bench-run',
      pipeline: 'p',
      input: null,
      labels: {},
      trigger: { source: 'cli', actor: null },
      mode: 'local',
      options: {},
      spec,
    });
    const viaBus = [];
    const viaFeed = [];
    let startedAt = 0;
    let position = await store.lastSeq();
    bus.subscribe(() => viaBus.push(performance.now() - startedAt));
    // What the SSE feed and `logs --follow` do: read the committed rows after their position.
    feed.subscribe(({ upToSeq }) => {
      if (upToSeq <= position) return;
      void store.readEvents({ afterSeq: position, limit: 1000 }).then((rows) => {
        position = rows[rows.length - 1].seq;
        viaFeed.push(performance.now() - startedAt);
      });
    });
    for (let i = 0; i < WRITES; i++) {
      startedAt = performance.now();
      await store.append(run.id, [
        { type: 'stream_activity', run_id: run.id, step: 's', stream: 'stdout', content: `line ${i}` },
      ]);
      await new Promise((r) => setImmediate(r));
    }
    feed.stop();
    await store.close();
    return { viaBus, viaFeed };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

const p99 = (l) => percentile(l, 99);
const ms = (l) => `p50 ${percentile(l, 50).toFixed(2)} ms, p99 ${p99(l).toFixed(2)} ms (${l.length} events)`;

const cross = await acrossProcesses();
report(
  'change feed across processes: a local `wave run` to an SSE client of `wave serve` (event ts → arrival)',
  [
    ['baseline: run executed by the server', ms(cross.served)],
    ['local wave run process', ms(cross.local)],
    ['ratio p99 (local / served)', (p99(cross.local) / Math.max(1, p99(cross.served))).toFixed(2)],
  ],
  {
    ok: cross.local.length === LINES && p99(cross.local) <= 250,
    text: `p99 ≤ 250 ms, every line delivered (${cross.local.length}/${LINES})`,
  },
);

const local = await inProcess();
report(
  'change feed in one process: commit → subscriber that reads the rows back',
  [
    ['baseline: bare bus listener', ms(local.viaBus)],
    ['change feed subscriber + read', ms(local.viaFeed)],
    ['ratio p99 (feed / bus)', (p99(local.viaFeed) / Math.max(0.001, p99(local.viaBus))).toFixed(2)],
  ],
  { ok: local.viaFeed.length === WRITES && p99(local.viaFeed) <= 5, text: 'p99 ≤ 5 ms' },
);
