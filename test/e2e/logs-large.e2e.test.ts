import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanEnv, WAVE_BIN } from '../helpers/cli.js';
import { digest, type ExpectedLogs, writeLongRun } from '../helpers/long-output.js';
import { openStore } from '../helpers/store.js';
import { tempProject, yaml } from '../helpers/tmp.js';
import { spawnServer } from './remote-support.js';

const children: import('node:child_process').ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

/** Runs `wave …` and digests its stdout as it streams (far too big to hold as one string). */
async function waveDigest(args: string[], cwd: string) {
  const child = spawn(process.execPath, [WAVE_BIN, ...args], {
    cwd,
    env: cleanEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const code = new Promise<number | null>((resolve) => child.on('close', resolve));
  const out = await digest(child.stdout);
  return { ...out, code: await code, stderr };
}

/** A project whose store holds a finished run that printed 92 MB of control characters. */
async function projectWithLongRun(): Promise<{ cwd: string; run: ExpectedLogs }> {
  const cwd = tempProject({
    '.wave/pipelines/quick.yaml': yaml`
      kind: WavePipeline
      steps:
        - { id: only, type: command, script: echo hi }
    `,
  });
  const store = openStore({ path: join(cwd, '.wave/state.db') });
  // Each is 6 characters in JSON: the NDJSON is longer than any string V8 can hold.
  const line = '\u0001'.repeat(65_536);
  const run = await writeLongRun(store, 1_400, () => line);
  await store.close();
  return { cwd, run };
}

describe('wave logs of a run with a huge output', () => {
  it('--json prints every line, locally and from a server', async () => {
    const { cwd, run } = await projectWithLongRun();
    expect(run.ndjson.bytes).toBeGreaterThan(2 ** 29);

    const local = await waveDigest(['logs', run.runId, '--json'], cwd);
    expect(local.stderr).toBe('');
    expect(local.code).toBe(0);
    expect(local.newlines).toBe(run.lines);
    expect(local.bytes).toBe(run.ndjson.bytes);
    expect(local.sha256).toBe(run.ndjson.sha256);

    const server = await spawnServer(cwd);
    const remote = await waveDigest(['logs', run.runId, '--json', '--server', server.url], cwd);
    expect(remote.stderr).toBe('');
    expect(remote.code).toBe(0);
    expect(remote.bytes).toBe(run.ndjson.bytes);
    expect(remote.sha256).toBe(run.ndjson.sha256);
  }, 180_000);

  it('ends quietly with exit 0 when its reader goes away (| head)', async () => {
    const { cwd, run } = await projectWithLongRun();
    const child = spawn(
      'bash',
      [
        '-c',
        `${process.execPath} ${WAVE_BIN} logs ${run.runId} | head -c 100 >/dev/null; echo "status=\${PIPESTATUS[0]}"`,
      ],
      {
        cwd,
        env: cleanEnv(),
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    children.push(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    await new Promise((resolve) => child.on('close', resolve));
    expect(stderr).toBe('');
    expect(stdout.trim()).toBe('status=0');
  }, 180_000);

  it('prints the text form the same way', async () => {
    const { cwd, run } = await projectWithLongRun();
    const local = await waveDigest(['logs', run.runId], cwd);
    expect(local.code).toBe(0);
    expect(local.bytes).toBe(run.text.bytes);
    expect(local.sha256).toBe(run.text.sha256);
  }, 180_000);
});
