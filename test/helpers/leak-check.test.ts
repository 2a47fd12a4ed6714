import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runWave } from './cli.js';
import { eventually } from './eventually.js';
import { descendantsOf } from './leak-check.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface FileReport {
  name: string;
  status: string;
  message: string;
}

/** Runs the fixtures of test/fixtures/leak in a vitest of their own, with the leak check. */
async function runLeakFixtures(): Promise<FileReport[]> {
  const child = spawn(
    process.execPath,
    [
      'node_modules/vitest/vitest.mjs',
      'run',
      '--config',
      'test/fixtures/leak/vitest.config.ts',
      '--reporter=json',
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  child.stdout.on('data', (d) => {
    stdout += d;
  });
  child.stderr.resume();
  await once(child, 'close');
  const report = JSON.parse(stdout.slice(stdout.indexOf('{'))) as {
    testResults: { name: string; status: string; message: string }[];
  };
  return report.testResults.map((r) => ({
    name: r.name.slice(r.name.lastIndexOf('/') + 1),
    status: r.status,
    message: r.message,
  }));
}

/** Pids of live processes whose command line is exactly `command`, anywhere on the machine. */
function processesRunning(command: string): number[] {
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .filter((e) => {
      try {
        return readFileSync(`/proc/${e}/cmdline`, 'utf8').split('\0').join(' ').trim() === command;
      } catch {
        return false;
      }
    })
    .map(Number);
}

describe('the leak check after each test file', () => {
  it('fails a file that leaves a process or a helper server running, naming it, and stops it', async () => {
    const files = await runLeakFixtures();
    const byName = Object.fromEntries(files.map((f) => [f.name, f]));
    expect(byName['cleans-up.fixture.ts']?.status).toBe('passed');
    expect(byName['leaks-a-process.fixture.ts']).toMatchObject({ status: 'failed' });
    expect(byName['leaks-a-process.fixture.ts']?.message).toMatch(
      /left running after this file:\s+process \d+: sleep 301/,
    );
    expect(byName['leaks-a-server.fixture.ts']).toMatchObject({ status: 'failed' });
    expect(byName['leaks-a-server.fixture.ts']?.message).toContain('server forgotten fixture server');
    expect(processesRunning('sleep 301')).toEqual([]);
  });

  it('sees children and grandchildren of this worker, and not once they exit', async () => {
    const child = spawn('bash', ['-c', 'sleep 300 & wait'], { stdio: 'ignore' });
    const found = await eventually(
      () => {
        const d = descendantsOf(process.pid);
        return d.length >= 2 ? d : null;
      },
      10_000,
      'bash and its sleep',
    );
    expect(found.map((p) => p.command)).toEqual(
      expect.arrayContaining(['bash -c sleep 300 & wait', 'sleep 300']),
    );
    for (const p of found) process.kill(p.pid, 'SIGKILL');
    await once(child, 'exit');
    await eventually(() => descendantsOf(process.pid).length === 0, 10_000, 'both to exit');
  });

  it('does not count a finished command', async () => {
    const result = await runWave(['--version'], { cwd: ROOT });
    expect(result.code).toBe(0);
    expect(descendantsOf(process.pid)).toEqual([]);
  });
});
