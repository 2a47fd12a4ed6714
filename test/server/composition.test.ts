import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { compositionFiles } from '../helpers/composition-fixtures.js';
import { eventually } from '../helpers/eventually.js';
import { killAll, processesWithEnv } from '../helpers/proc-env.js';
import { api, startTestServer, type TestServer } from '../helpers/server.js';
import { createRun, getRun, type RunBody, storedEvents, waitForStatus } from './support.js';

// Child runs under the server: inside the parent's slot, listed by lineage, cancelled with it.

interface DetailBody extends RunBody {
  child_count: number;
  parent: { run_id: string; step: string } | null;
  steps: { id: string; kind: string; status: string; children: string[] }[];
}

const childIds: string[] = [];
afterEach(() => {
  killAll(childIds.splice(0).flatMap((id) => processesWithEnv('WAVE_RUN_ID', id)));
});

async function childrenOf(server: TestServer, runId: string, n: number): Promise<string[]> {
  const ids = await eventually(
    async () => {
      const run = await getRun<DetailBody>(server, runId);
      const ids = run.steps.find((s) => s.id === 'each')?.children ?? [];
      return ids.length >= n ? ids : null;
    },
    20_000,
    `${n} child runs of ${runId}`,
  );
  childIds.push(...ids);
  return ids;
}

const started = (root: string, names: string[]) => names.every((n) => existsSync(join(root, `started-${n}`)));

describe('composition under wave serve', () => {
  it('with max_concurrent 1, an iterate over 5 sub-pipelines in parallel completes; other runs wait their turn', async () => {
    const server = await startTestServer(compositionFiles(), { flags: { maxConcurrent: 1 } });
    const parent = await createRun(server, 'hold-five');
    const ids = await childrenOf(server, parent.id, 5);
    // All five children run at once inside the parent's one slot.
    await eventually(
      () => started(server.root, ['slow-1', 'slow-2', 'slow-3', 'slow-4', 'slow-5']),
      20_000,
      'five children running at once',
    );
    const other = await createRun(server, 'echo-child', { input: 'later' });
    expect((await getRun(server, other.id)).status).toBe('queued');
    writeFileSync(join(server.root, 'release'), '');
    expect((await waitForStatus(server, parent.id, ['completed', 'failed', 'cancelled'])).status).toBe(
      'completed',
    );
    for (const id of ids) expect((await getRun(server, id)).status).toBe('completed');
    expect((await waitForStatus(server, other.id, ['completed', 'failed', 'cancelled'])).status).toBe(
      'completed',
    );

    // GET /api/runs: top-level runs only, unless asked.
    const list = async (q: string) =>
      (await api<{ runs: DetailBody[] }>(server, 'GET', `/api/runs${q}`)).body.runs.map((r) => r.id);
    expect(await list('')).toEqual([other.id, parent.id]);
    expect((await list(`?parent=${parent.id}`)).sort()).toEqual([...ids].sort());
    expect((await list('?include_children=true')).sort()).toEqual([...ids, parent.id, other.id].sort());
    const top = (await api<{ runs: DetailBody[] }>(server, 'GET', '/api/runs')).body.runs;
    expect(top.find((r) => r.id === parent.id)).toMatchObject({ child_count: 5, parent: null });
    const child = await getRun<DetailBody>(server, ids[0]!);
    expect(child.parent).toEqual({ run_id: parent.id, step: 'each' });
    const events = await storedEvents(server, parent.id);
    expect(events.filter((e) => e.type === 'child_run_started')).toHaveLength(5);
    expect(events.filter((e) => e.type === 'child_run_finished')).toHaveLength(5);
  });

  it('cancelling a parent cancels its running children; no process of theirs is left', async () => {
    const server = await startTestServer(compositionFiles());
    const parent = await createRun(server, 'hold-five');
    const ids = await childrenOf(server, parent.id, 5);
    await eventually(
      () => started(server.root, ['slow-1', 'slow-2', 'slow-3', 'slow-4', 'slow-5']),
      20_000,
      'five children running',
    );
    expect(ids.flatMap((id) => processesWithEnv('WAVE_RUN_ID', id)).length).toBeGreaterThan(0);
    const res = await api<RunBody>(server, 'POST', `/api/runs/${parent.id}/cancel`);
    expect(res.status).toBe(202);
    expect((await waitForStatus(server, parent.id, ['cancelled', 'failed', 'completed'])).status).toBe(
      'cancelled',
    );
    for (const id of ids) {
      const child = await waitForStatus(server, id, ['cancelled', 'failed', 'completed']);
      expect(child.status).toBe('cancelled');
    }
    await eventually(
      () => ids.every((id) => processesWithEnv('WAVE_RUN_ID', id).length === 0),
      10_000,
      'the children’s processes to be gone',
    );
    const finished = (await storedEvents(server, parent.id)).filter((e) => e.type === 'child_run_finished');
    expect(finished.map((e) => (e as { status: string }).status)).toEqual(Array(5).fill('cancelled'));
  });
});
