import { type ChildProcess, spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { isRunning } from '../../src/lifecycle/process-info.js';
import { stopProcess } from '../../src/lifecycle/stop-process.js';
import { deadPid, startStubbornServer } from '../helpers/fake-server.js';
import { tempDir } from '../helpers/tmp.js';

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
});

describe('stopProcess', () => {
  it('a process that ends on SIGTERM is terminated, not killed', async () => {
    const child = spawn('sleep', ['1000'], { stdio: 'ignore' });
    children.push(child);
    const exited = new Promise<NodeJS.Signals | null>((r) => child.on('exit', (_c, s) => r(s)));
    expect(await stopProcess(child.pid!, 20_000)).toBe('terminated');
    expect(await exited).toBe('SIGTERM');
  });

  it('a process that ignores SIGTERM is SIGKILLed once the timeout has passed', async () => {
    const dir = tempDir();
    const child = await startStubbornServer(dir, ['serve'], { cwd: dir });
    children.push(child);
    const exited = new Promise<NodeJS.Signals | null>((r) => child.on('exit', (_c, s) => r(s)));
    const started = Date.now();
    expect(await stopProcess(child.pid!, 500)).toBe('killed');
    expect(Date.now() - started).toBeGreaterThanOrEqual(500);
    expect(await exited).toBe('SIGKILL');
    expect(isRunning(child.pid!)).toBe(false);
  });

  it('a pid that is gone is not running (and nothing is signalled)', async () => {
    expect(await stopProcess(await deadPid(), 100)).toBe('not-running');
  });
});
