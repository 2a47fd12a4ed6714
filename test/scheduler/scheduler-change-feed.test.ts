import { describe, expect, it, vi } from 'vitest';
import { eventually } from '../helpers/eventually.js';
import { startTestServer } from '../helpers/server.js';
import { newRun, openStore, pipelineSpec, stepSpec } from '../helpers/store.js';

describe('RunScheduler: a subscriber of the change feed, not a poller', () => {
  it('makes no claim while nothing is committed, and starts a run another process queues', async () => {
    const server = await startTestServer();
    const store = server.ctx.store;
    const claims = vi.spyOn(store, 'claimNextRun');
    const checks = vi.spyOn(store, 'changeToken');
    const before = claims.mock.calls.length;
    // Well past the old 1 s pump: the change feed keeps checking, the scheduler stays idle.
    await eventually(() => checks.mock.calls.length >= 15, 30_000, 'fifteen change-feed checks');
    expect(claims.mock.calls.length).toBe(before);

    // Another process (its own connection and origin) queues a server run.
    const other = openStore({ path: store.location, origin: 'another-process' });
    const { run } = await other.createRun(newRun({ spec: pipelineSpec('one', [stepSpec('build')]) }));
    const picked = await eventually(
      async () => {
        const now = await store.getRun(run.id);
        return now && now.status !== 'queued' ? now : null;
      },
      30_000,
      'the scheduler to take the run',
    );
    expect(picked.owner === server.ctx.supervisor.owner || picked.status === 'completed').toBe(true);
    expect(claims.mock.calls.length).toBeGreaterThan(before);
  });
});
