// Small helpers shared by the benchmarks: each prints its baseline, its own figure and the ratio.
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';

export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export function percentile(values, p) {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

/** Wall time of one synchronous run of a command, in ms. */
export function timeCommand(cmd, args, opts = {}) {
  const start = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { stdio: 'ignore', ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}`);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

export function report(name, rows, verdict) {
  console.log(`\n== ${name}`);
  for (const [label, value] of rows) console.log(`  ${label.padEnd(34)} ${value}`);
  if (verdict) console.log(`  ${verdict.ok ? 'goal met' : 'GOAL MISSED'}: ${verdict.text}`);
}

const WAVE_BIN = new URL('../bin/wave.js', import.meta.url).pathname;

export function freePort() {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/**
 * `wave serve` as a child process on a free port (node flags first, e.g. --cpu-prof), ready
 * once /api/health answers; `stop()` sends SIGTERM and waits. `env` adds to this process's
 * (WAVE_STORAGE_URL: a server on PostgreSQL).
 */
export async function startServe(cwd, { args = [], nodeArgs = [], env = {} } = {}) {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [...nodeArgs, WAVE_BIN, 'serve', '--port', String(port), '--log-level', 'warn', ...args],
    {
      cwd,
      env: { ...process.env, ...env, NO_COLOR: '1' },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  const url = `http://127.0.0.1:${port}`;
  for (const deadline = Date.now() + 30_000; ; ) {
    if (child.exitCode !== null) throw new Error(`wave serve exited ${child.exitCode}: ${stderr}`);
    const up = await fetch(`${url}/api/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`wave serve did not answer: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url,
    pid: child.pid,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
