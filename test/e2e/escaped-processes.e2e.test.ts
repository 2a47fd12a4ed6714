import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isAlive } from '../helpers/cli.js';
import { eventually } from '../helpers/eventually.js';
import { ESCAPING_PIPELINE, killAll, processesWithEnv } from '../helpers/proc-env.js';
import { tempProject } from '../helpers/tmp.js';
import { spawnServer } from './remote-support.js';

// PIPELINES.md "A step's processes never outlive it", across a kill -9 of `wave serve`: the
// restarted server stops what the dead one left, re-runs the step, and that run ends too.

const runIds: string[] = [];
afterEach(() => {
  killAll(runIds.splice(0).flatMap((id) => processesWithEnv('WAVE_RUN_ID', id)));
});

function escapedPids(root: string): number[] {
  const file = join(root, 'escapes');
  if (!existsSync(file)) return [];
  const names = readFileSync(file, 'utf8').trim().split('\n');
  return names.map((f) => Number(readFileSync(join(root, f), 'utf8').trim()));
}

type RunBody = { id: string; status: string };

describe('wave serve killed while a step has an escaped process', () => {
  it('after a restart the run resumes and completes; no process of it is left', async () => {
    const cwd = tempProject({
      'wave.yaml': 'kind: WaveManifest\nruntime: { timeouts: { process_grace_seconds: 1 } }\n',
      '.wave/pipelines/escape.yaml': ESCAPING_PIPELINE,
    });
    const first = await spawnServer(cwd);
    const created = await fetch(`${first.url}/api/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ pipeline: 'escape' }),
    });
    expect(created.status).toBe(201);
    const id = ((await created.json()) as RunBody).id;
    runIds.push(id);
    const [before] = await eventually(
      () => (escapedPids(cwd).length === 1 ? escapedPids(cwd) : null),
      20_000,
    );
    first.proc.child.kill('SIGKILL');
    await first.proc.exited;
    // A kill -9 stops nothing: the escaped process outlives its server.
    expect(isAlive(before!)).toBe(true);

    const second = await spawnServer(cwd);
    const status = async () =>
      ((await (await fetch(`${second.url}/api/runs/${id}`)).json()) as RunBody).status;
    const pids = await eventually(() => (escapedPids(cwd).length === 2 ? escapedPids(cwd) : null), 20_000);
    expect(isAlive(before!)).toBe(false);
    writeFileSync(join(cwd, 'release'), '');
    await eventually(async () => (await status()) === 'completed', 15_000, 'the run to complete');
    for (const pid of pids) expect(isAlive(pid)).toBe(false);
    expect(processesWithEnv('WAVE_RUN_ID', id)).toEqual([]);
    second.proc.child.kill('SIGTERM');
    expect((await second.proc.exited).code).toBe(0);
  });
});
