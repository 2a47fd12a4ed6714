import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { envValue, scanProcesses } from '../../src/engine/proc-scan.js';

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
});

describe('envValue', () => {
  const environ = ['A=1', 'WAVE_RUN_ID=r-1', 'XWAVE_STEP_ID=no', 'WAVE_STEP_ID=s=2', 'EMPTY='].join('\0');

  it('reads the first, a middle and the last entry, with "=" in a value', () => {
    expect(envValue(environ, 'A')).toBe('1');
    expect(envValue(environ, 'WAVE_RUN_ID')).toBe('r-1');
    expect(envValue(environ, 'WAVE_STEP_ID')).toBe('s=2');
    expect(envValue(environ, 'EMPTY')).toBe('');
  });

  it('does not take a longer name that ends with the one asked for, nor a missing one', () => {
    expect(envValue('XWAVE_STEP_ID=no', 'WAVE_STEP_ID')).toBeUndefined();
    expect(envValue(environ, 'MISSING')).toBeUndefined();
    expect(envValue('', 'A')).toBeUndefined();
  });
});

describe('scanProcesses', () => {
  it('finds a live process by its environment; `after` limits it to pids handed out later', () => {
    const token = randomUUID();
    const child = spawn('sleep', ['30'], { env: { ...process.env, SCAN_TEST_TOKEN: token } });
    children.push(child);
    const match = (environ: string) => envValue(environ, 'SCAN_TEST_TOKEN') === token;
    expect(scanProcesses(match)).toEqual([child.pid]);
    expect(scanProcesses(match, { after: child.pid! - 1 })).toEqual([child.pid]);
    expect(scanProcesses(match, { after: child.pid! })).toEqual([]);
  });

  it('never returns this process', () => {
    expect(scanProcesses(() => true)).not.toContain(process.pid);
  });
});
