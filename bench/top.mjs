// `wave top` while 20 runs stream 2,000 lines/s in total: the CPU time of the dashboard process
// (user + system, from /proc) over a window, in --server mode (SSE) and on the local store (the
// change feed). It runs in a real pseudo-terminal (tmux on a private socket), as a user sees it.
// BENCH_TOP_SECONDS sets the window (60 for the figure; shorter by default).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { report, startServe } from './lib.mjs';

const SECONDS = Number(process.env.BENCH_TOP_SECONDS ?? 20);
const IDLE_SECONDS = Number(process.env.BENCH_TOP_IDLE_SECONDS ?? 5);
const RUNS = Number(process.env.BENCH_TOP_RUNS ?? 20);
/** 2,000 lines/s in total whatever the number of runs (BENCH_TOP_RUNS=100: 20 lines/s each). */
const LINES_PER_S = 2000;
const PER_TICK = Math.max(1, Math.round(LINES_PER_S / RUNS / 5));
const GOAL_PERCENT = 15;
const WAVE_BIN = new URL('../bin/wave.js', import.meta.url).pathname;
const TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

// PER_TICK lines every 0.2 s per run, with few `sleep` processes (the bench measures the
// dashboard, not the fork rate). Runs last past every window; the server stops them at the end.
const PIPELINE = `kind: WavePipeline
steps:
  - id: stream
    type: command
    script: |
      n=0
      while true; do
        j=0
        while [ $j -lt ${PER_TICK} ]; do j=$((j+1)); n=$((n+1)); echo "compiling module $n of the build: src/module-$n.ts"; done
        sleep 0.2
      done
`;

async function until(check, what, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function api(url, method, path, body) {
  const res = await fetch(`${url}${path}`, {
    method,
    ...(body ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${text}`);
  return JSON.parse(text);
}

/** Counts stream_activity frames on /api/events without parsing them: the real rate of lines. */
function lineCounter(url) {
  const c = { lines: 0, close: () => undefined };
  const req = request(`${url}/api/events?types=stream_activity`, { agent: false }, (res) => {
    res.setEncoding('utf8');
    let tail = '';
    res.on('data', (chunk) => {
      const text = tail + chunk;
      let at = text.indexOf('event: stream_activity');
      while (at !== -1) {
        c.lines++;
        at = text.indexOf('event: stream_activity', at + 1);
      }
      tail = text.slice(-30);
    });
  });
  req.on('error', () => undefined);
  req.end();
  c.close = () => req.destroy();
  return c;
}

/** `wave top` in tmux; its pid (exec'd, so the pane's process is node itself). */
function startTop(socket, cwd, args) {
  const tmux = (...a) =>
    execFileSync('tmux', ['-L', socket, '-f', '/dev/null', ...a], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  const cmd = `exec '${process.execPath}' '${WAVE_BIN}' top ${args.join(' ')}`;
  tmux('new-session', '-d', '-s', 'main', '-x', '120', '-y', '40', '-c', cwd, cmd);
  return {
    pid: Number(tmux('display-message', '-p', '-t', 'main', '#{pane_pid}').trim()),
    screen: () => tmux('capture-pane', '-p', '-t', 'main'),
    kill: () => {
      try {
        const socketPath = tmux('display-message', '-p', '#{socket_path}').trim();
        tmux('kill-server');
        rmSync(socketPath, { force: true });
      } catch {
        // gone already
      }
    },
  };
}

function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS;
}

/** CPU time of `wave top` over `seconds`, as a percentage of one core, and the lines streamed meanwhile. */
async function measure(top, counter, seconds) {
  const cpu0 = cpuSeconds(top.pid);
  const lines0 = counter.lines;
  const t0 = process.hrtime.bigint();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  return {
    percent: ((cpuSeconds(top.pid) - cpu0) / wall) * 100,
    linesPerS: (counter.lines - lines0) / wall,
    wall,
  };
}

const root = mkdtempSync(join(tmpdir(), 'wave-bench-top-'));
const socket = `wave-bench-top-${process.pid}`;
let server;
const tops = [];
try {
  mkdirSync(join(root, '.wave/pipelines'), { recursive: true });
  writeFileSync(join(root, '.wave/pipelines/stream.yaml'), PIPELINE);
  server = await startServe(root, { args: ['--max-concurrent', String(RUNS)] });
  const counter = lineCounter(server.url);

  const remote = startTop(`${socket}-remote`, root, ['--server', server.url]);
  tops.push(remote);
  await until(() => remote.screen().includes('● live'), 'wave top --server to be live');
  const idle = await measure(remote, counter, IDLE_SECONDS);

  for (let i = 0; i < RUNS; i++) await api(server.url, 'POST', '/api/runs', { pipeline: 'stream' });
  await until(
    async () => (await api(server.url, 'GET', '/api/health')).runs.running === RUNS,
    `${RUNS} runs running`,
  );
  await until(() => remote.screen().includes(`running ${RUNS} `), 'wave top to show every run running');
  const busyRemote = await measure(remote, counter, SECONDS);
  remote.kill();

  const local = startTop(`${socket}-local`, root, []);
  tops.push(local);
  await until(
    () => local.screen().includes(`running ${RUNS} `),
    'wave top (local store) to show every run running',
  );
  const busyLocal = await measure(local, counter, SECONDS);
  local.kill();
  counter.close();

  const pct = (x) => `${x.percent.toFixed(1)} % of one core`;
  report(
    `wave top: CPU of the dashboard while ${RUNS} runs stream (${SECONDS} s windows, BENCH_TOP_SECONDS)`,
    [
      [`baseline: idle (${IDLE_SECONDS} s)`, pct(idle)],
      ['--server, streaming', `${pct(busyRemote)} at ${Math.round(busyRemote.linesPerS)} lines/s`],
      ['local store, streaming', `${pct(busyLocal)} at ${Math.round(busyLocal.linesPerS)} lines/s`],
      ['ratio (worst / goal)', (Math.max(busyRemote.percent, busyLocal.percent) / GOAL_PERCENT).toFixed(2)],
    ],
    {
      ok: busyRemote.percent < GOAL_PERCENT && busyLocal.percent < GOAL_PERCENT,
      text: `under ${GOAL_PERCENT} % of one core in both modes (measured over ${busyRemote.wall.toFixed(1)} s each; aim: ${LINES_PER_S} lines/s)`,
    },
  );
} finally {
  for (const t of tops) t.kill();
  await server?.stop();
  rmSync(root, { recursive: true, force: true });
}
