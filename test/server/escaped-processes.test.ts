import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isAlive } from '../helpers/cli.js';
import { eventually } from '../helpers/eventually.js';
import { ESCAPING_PIPELINE, killAll, processesWithEnv } from '../helpers/proc-env.js';
import { api, startTestServer } from '../helpers/server.js';
import { createRun, getRun, type RunBody, storedEvents, waitForStatus } from './support.js';

// PIPELINES.md "A step's processes never outlive it", through the server: cancel and restart
// reach a step's processes that left its process group.

const GRACE_MS = 1000;
/** The contract's bound after a cancel: grace + 2 s. */
const BOUND_MS = GRACE_MS + 2000;

/** The escaping pipeline with a one-second grace. */
const FILES = {
  'wave.yaml': 'kind: WaveManifest\nruntime: { timeouts: { process_grace_seconds: 1 } }\n',
  '.wave/pipelines/escape.yaml': ESCAPING_PIPELINE,
};

const runIds: string[] = [];
afterEach(() => {
  // Whatever a failed test left behind.
  killAll(runIds.splice(0).flatMap((id) => processesWithEnv('WAVE_RUN_ID', id)));
});

/** The pids of the escaped processes, one per start of the step, once there are `n`. */
async function escapedPids(root: string, n: number): Promise<number[]> {
  return eventually(
    () => {
      const file = join(root, 'escapes');
      if (!existsSync(file)) return null;
      const names = readFileSync(file, 'utf8').trim().split('\n');
      return names.length >= n ? names.map((f) => Number(readFileSync(join(root, f), 'utf8').trim())) : null;
    },
    20_000,
    `${n} escaped process(es)`,
  );
}

describe('a step with a process that left its process group, under the server', () => {
  it('POST /api/runs/:id/cancel ends the run within grace + 2 s and kills that process', async () => {
    const server = await startTestServer(FILES);
    const run = await createRun(server, 'escape');
    runIds.push(run.id);
    const [escaped] = await escapedPids(server.root, 1);
    expect(isAlive(escaped!)).toBe(true);

    const t0 = performance.now();
    const res = await api<RunBody>(server, 'POST', `/api/runs/${run.id}/cancel`);
    expect(res.status).toBe(202);
    const ended = await waitForStatus(server, run.id, ['cancelled', 'failed', 'completed'], BOUND_MS + 5000);
    expect(performance.now() - t0).toBeLessThan(BOUND_MS);
    expect(ended.status).toBe('cancelled');
    expect(isAlive(escaped!)).toBe(false);
    expect(processesWithEnv('WAVE_RUN_ID', run.id)).toEqual([]);
    const detail = await getRun<{ steps: { id: string; status: string }[] }>(server, run.id);
    expect(detail.steps).toEqual([expect.objectContaining({ id: 'hold', status: 'cancelled' })]);
  });

  it('a restart stops it, the run resumes and completes, and nothing of it is left', async () => {
    const first = await startTestServer(FILES);
    const run = await createRun(first, 'escape');
    runIds.push(run.id);
    const [before] = await escapedPids(first.root, 1);
    // Stopping the server halts the run; that must not wait on the escaped process.
    await first.close();
    expect(isAlive(before!)).toBe(false);

    const second = await startTestServer({}, { root: first.root });
    const pids = await escapedPids(first.root, 2);
    writeFileSync(join(first.root, 'release'), '');
    const ended = await waitForStatus(second, run.id, ['cancelled', 'failed', 'completed']);
    expect(ended.status).toBe('completed');
    for (const pid of pids) expect(isAlive(pid)).toBe(false);
    expect(processesWithEnv('WAVE_RUN_ID', run.id)).toEqual([]);
    const events = await storedEvents(second, run.id);
    expect(events.some((e) => e.type === 'stream_activity' && e.content === 'released')).toBe(true);
  });
});
