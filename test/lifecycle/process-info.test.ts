import { type ChildProcess, spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { isProjectServer, isRunning } from '../../src/lifecycle/process-info.js';
import { deadPid, startStubbornServer } from '../helpers/fake-server.js';
import { tempDir } from '../helpers/tmp.js';

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
});

describe('isProjectServer', () => {
  it('is true only for a wave serve of this project (by -C, else by its working directory)', async () => {
    const root = tempDir();
    const other = tempDir();
    const byFlag = await startStubbornServer(tempDir(), ['serve', '-C', root], { cwd: other });
    const byCwd = await startStubbornServer(tempDir(), ['serve', '--port', '0'], { cwd: root });
    children.push(byFlag, byCwd);
    expect(isProjectServer(byFlag.pid!, root)).toBe(true);
    expect(isProjectServer(byFlag.pid!, other)).toBe(false);
    expect(isProjectServer(byCwd.pid!, root)).toBe(true);
    expect(isProjectServer(byCwd.pid!, other)).toBe(false);
  });

  it('is false for an unrelated live process (a recycled pid) and for a pid that is gone', async () => {
    const root = tempDir();
    const sleeper = spawn('sleep', ['1000'], { cwd: root, stdio: 'ignore' });
    children.push(sleeper);
    const notServe = await startStubbornServer(tempDir(), ['run', 'x', '-C', root], { cwd: root });
    children.push(notServe);
    expect(isRunning(sleeper.pid!)).toBe(true);
    expect(isProjectServer(sleeper.pid!, root)).toBe(false);
    expect(isProjectServer(notServe.pid!, root)).toBe(false);
    const gone = await deadPid();
    expect(isRunning(gone)).toBe(false);
    expect(isProjectServer(gone, root)).toBe(false);
  });
});
