import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { cleanEnv } from './cli.js';
import { eventually } from './eventually.js';
import { writeTree } from './tmp.js';

/**
 * A process that looks like `wave serve` to /proc (a script named wave.js run with `serve`) but
 * ignores SIGTERM: the stubborn server that `wave server stop` must SIGKILL. It writes `ready`
 * once its handler is in place, so a test never signals it too early.
 */
export async function startStubbornServer(
  dir: string,
  args: string[],
  opts: { cwd: string; env?: Record<string, string> },
): Promise<ChildProcess> {
  const ready = join(dir, `ready-${Date.now()}-${Math.random()}`);
  writeTree(dir, {
    'fake/wave.js': `
      process.on('SIGTERM', () => {});
      require('node:fs').writeFileSync(process.env.FAKE_READY, '');
      setInterval(() => {}, 1000);
    `,
  });
  const child = spawn(process.execPath, [join(dir, 'fake/wave.js'), ...args], {
    cwd: opts.cwd,
    env: { ...cleanEnv(), ...opts.env, FAKE_READY: ready },
    stdio: 'ignore',
  });
  await eventually(() => existsSync(ready), 20_000, 'the stubborn server to be ready');
  return child;
}

/** The pid of a process that has exited (and been reaped). */
export async function deadPid(): Promise<number> {
  const child = spawn('true', { stdio: 'ignore' });
  await new Promise((r) => child.on('close', r));
  return child.pid!;
}
