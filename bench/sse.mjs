import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median, report, startServe } from './lib.mjs';

const CLIENTS = Number(process.env.BENCH_SSE_CLIENTS ?? 500);
const LINES = Number(process.env.BENCH_SSE_LINES ?? 1990); // + 10 run, step and gate events = 2,000

// A gate holds the run until every client is connected; then lines come in small bursts, as a
// busy build's output does.
const PIPELINE = `kind: WavePipeline
steps:
  - { id: go, gate: { prompt: "start?" } }
  - id: lines
    type: command
    dependencies: [go]
    script: for i in $(seq 1 ${LINES}); do echo "compiling module $i of ${LINES}"; if [ $((i % 50)) = 0 ]; then sleep 0.02; fi; done
`;

async function api(url, method, path, body) {
  const res = await fetch(`${url}${path}`, {
    method,
    ...(body ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${text}`);
  return res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text;
}

async function until(check, what, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * One SSE client. While `sink.on`, it keeps arrival time minus the event's ts (ms) per event.
 * Frames are not JSON-parsed: the ts is read in place, so 500 clients in one process stay cheap.
 */
const tsCache = new Map();
/** Event ts → epoch ms; the events of one burst share a few timestamps, so parse each once. */
function epoch(ts) {
  let ms = tsCache.get(ts);
  if (ms === undefined) {
    ms = Date.parse(ts);
    tsCache.set(ts, ms);
  }
  return ms;
}

function client(url, path, sink) {
  return new Promise((resolve, reject) => {
    const c = { events: 0, waiting: false, ended: null };
    const req = request(`${url}${path}`, { agent: false }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`${path} answered ${res.statusCode}`));
      c.ended = new Promise((done) => res.on('close', done));
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        const now = Date.now();
        buf += chunk;
        let start = 0;
        for (let end = buf.indexOf('\n\n'); end !== -1; end = buf.indexOf('\n\n', start)) {
          const ts = buf.indexOf('"ts":"', start);
          if (ts !== -1 && ts < end) {
            c.events++;
            if (sink.on) sink.latencies.push(now - epoch(buf.slice(ts + 6, ts + 30)));
            else if (buf.lastIndexOf('event: gate_waiting', end) >= start) c.waiting = true;
          }
          start = end + 2;
        }
        buf = buf.slice(start);
      });
      resolve(c);
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * RSS of the server (from /proc), median of a few samples. (Its V8 heap, from /metrics, moves
 * by more than 500 clients' worth with every collection, so it says nothing here.)
 */
async function memory(server) {
  const rss = [];
  for (let i = 0; i < 7; i++) {
    await new Promise((r) => setTimeout(r, 300));
    const status = readFileSync(`/proc/${server.pid}/status`, 'utf8');
    rss.push(Number(/^VmRSS:\s+(\d+) kB/m.exec(status)[1]) * 1024);
  }
  return { rss: median(rss) };
}

async function sseClients(server) {
  const metrics = await api(server.url, 'GET', '/metrics');
  return Number(/^wave_sse_clients(?:\{[^}]*\})? (\d+)/m.exec(metrics)[1]);
}

async function gateWaiting(server, runId) {
  const run = await api(server.url, 'GET', `/api/runs/${runId}`);
  return run.gates.some((g) => g.step === 'go' && g.status === 'waiting');
}

/** Connects `count` clients to the run (replayed up to its gate), without recording. */
async function connect(server, runId, count) {
  const sink = { on: false, latencies: [] };
  const watchers = [];
  for (let i = 0; i < count; i++) watchers.push(await client(server.url, `/api/runs/${runId}/events`, sink));
  await until(() => watchers.every((w) => w.waiting), 'every client to be replayed up to the gate');
  await until(async () => (await sseClients(server)) >= count, `${count} clients`);
  return { sink, watchers };
}

/** CPU seconds (user + system) a process has used so far. */
function cpuOf(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks
}

/** Opens the gate with recording on; resolves when every client's stream has ended. */
async function deliver(server, runId, { sink, watchers }) {
  const before = watchers.map((w) => w.events);
  sink.on = true;
  const cpu = { server: cpuOf(server.pid), clients: process.cpuUsage(), wall: performance.now() };
  await api(server.url, 'POST', `/api/runs/${runId}/gate/go`, { approved: true });
  await Promise.all(watchers.map((w) => w.ended));
  const clientsCpu = process.cpuUsage(cpu.clients);
  const used = {
    wall: (performance.now() - cpu.wall) / 1000,
    server: cpuOf(server.pid) - cpu.server,
    clients: (clientsCpu.user + clientsCpu.system) / 1e6,
  };
  // Every client got the same number of live events, and that is the run's whole tail.
  const everything = await client(server.url, `/api/runs/${runId}/events`, { on: false, latencies: [] });
  await everything.ended;
  const live = watchers.map((w, i) => w.events - before[i]);
  const expected = everything.events - before[0];
  return {
    latencies: Float64Array.from(sink.latencies).sort(),
    live,
    expected,
    total: everything.events,
    used,
  };
}

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

const root = mkdtempSync(join(tmpdir(), 'wave-bench-sse-'));
try {
  mkdirSync(join(root, '.wave/pipelines'), { recursive: true });
  writeFileSync(join(root, '.wave/pipelines/burst.yaml'), PIPELINE);
  const server = await startServe(root);
  try {
    const solo = (await api(server.url, 'POST', '/api/runs', { pipeline: 'burst' })).id;
    const crowd = (await api(server.url, 'POST', '/api/runs', { pipeline: 'burst' })).id;
    await until(
      async () => (await gateWaiting(server, solo)) && (await gateWaiting(server, crowd)),
      'both gates',
    );

    // Baseline: the same run, one client.
    const one = await deliver(server, solo, await connect(server, solo, 1));

    // Memory: no stream open, then CLIENTS idle streams (replayed up to the gate, waiting).
    await until(async () => (await sseClients(server)) === 0, 'no client');
    const none = await memory(server);
    const crowdClients = await connect(server, crowd, CLIENTS);
    const idle = await memory(server);

    const many = await deliver(server, crowd, crowdClients);
    const complete = many.live.every((n) => n === many.expected) && one.live[0] === one.expected;
    const perClient = (a, b) => (b - a) / CLIENTS / 1024;
    const rssPer = perClient(none.rss, idle.rss);
    const lat = (l) => `p50 ${pct(l, 50)} ms, p99 ${pct(l, 99)} ms, max ${l[l.length - 1]} ms`;
    report(
      `sse: ${CLIENTS} clients on one run of ${many.total.toLocaleString('en')} events (${many.expected} after its gate)`,
      [
        ['baseline: 1 client', lat(one.latencies)],
        [
          `${CLIENTS} clients`,
          `${lat(many.latencies)} (${many.latencies.length.toLocaleString('en')} deliveries)`,
        ],
        [
          'ratio p99 (many / one)',
          (pct(many.latencies, 99) / Math.max(1, pct(one.latencies, 99))).toFixed(2),
        ],
        [
          'CPU s: server / clients / wall',
          [many.used.server, many.used.clients, many.used.wall].map((x) => x.toFixed(2)).join(' / '),
        ],
        [
          'every client got every event',
          complete ? 'yes' : `NO (expected ${many.expected}, got ${[...new Set(many.live)].join('/')})`,
        ],
        ['server RSS, no stream', `${(none.rss / 2 ** 20).toFixed(1)} MB`],
        [`server RSS, ${CLIENTS} idle streams`, `${(idle.rss / 2 ** 20).toFixed(1)} MB`],
        ['per idle client (RSS)', `${rssPer.toFixed(1)} KB`],
      ],
      {
        ok: pct(many.latencies, 99) < 100 && rssPer < 64 && complete,
        text: 'p99 < 100 ms, < 64 KB per idle client (RSS), every event delivered',
      },
    );
  } finally {
    await server.stop();
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}
