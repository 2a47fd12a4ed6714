import { describe, expect, it } from 'vitest';
import { newRunId } from '../../src/service/run-ids.js';
import { eventually } from '../helpers/eventually.js';
import { api, startTestServer } from '../helpers/server.js';
import { createRun, getRun, serverProject, waitForStatus } from './support.js';

// server.lease_timeout, server.global_max_concurrent and server.role as a server applies them.
describe('a server and its instance settings', () => {
  it('takes leases of server.lease_timeout and renews them well inside it', async () => {
    const server = await startTestServer(serverProject(), { env: { WAVE_LEASE_TIMEOUT: '3s' } });
    const run = await createRun(server, 'sleeper');
    await waitForStatus(server, run.id, ['running']);
    const leaseLeft = async () => {
      const record = await server.ctx.store.getRun(run.id);
      return (record?.leaseExpiresAt ?? 0) - Date.now();
    };
    const first = await leaseLeft();
    expect(first).toBeGreaterThan(0);
    expect(first).toBeLessThanOrEqual(3000);
    // The heartbeat (a third of the timeout) keeps it alive past the first lease's end.
    const firstExpiry = (await server.ctx.store.getRun(run.id))!.leaseExpiresAt!;
    await eventually(
      async () => ((await server.ctx.store.getRun(run.id))?.leaseExpiresAt ?? 0) > firstExpiry,
      10_000,
      'the lease to be renewed',
    );
    expect(await leaseLeft()).toBeGreaterThan(0);
    await api(server, 'POST', `/api/runs/${run.id}/cancel`);
  });

  it('holds server.global_max_concurrent even when this server has slots left', async () => {
    const server = await startTestServer(serverProject(), {
      flags: { maxConcurrent: 3 },
      env: { WAVE_GLOBAL_MAX_CONCURRENT: '1' },
    });
    const first = await createRun(server, 'sleeper');
    await waitForStatus(server, first.id, ['running']);
    const second = await createRun(server, 'quick');
    // A later commit makes the scheduler look again; the second run still may not start.
    await createRun(server, 'sleeper');
    expect((await api<{ runs: { queued: number } }>(server, 'GET', '/api/health')).body.runs.queued).toBe(2);
    expect((await getRun(server, second.id)).status).toBe('queued');
    // Ending the first frees the global place: the second runs.
    await api(server, 'POST', `/api/runs/${first.id}/cancel`);
    await waitForStatus(server, second.id, ['completed']);
  });

  it('resumes a server run whose owner went silent once its lease ran out, without a restart', async () => {
    const server = await startTestServer(serverProject(), { env: { WAVE_LEASE_TIMEOUT: '2s' } });
    const { store, project } = server.ctx;
    // A worker on another host took the run, started it, then vanished (no heartbeat any more).
    const { spec } = await project.loadRunnablePipeline('quick');
    const { run } = await store.createRun({
      id: newRunId('quick'),
      pipeline: 'quick',
      input: null,
      labels: {},
      trigger: { source: 'api', actor: null },
      mode: 'server',
      options: {},
      spec,
      claim: { owner: 'another-host:4242:gone', leaseMs: 1500 },
    });
    await store.append(run.id, [{ type: 'run_started', run_id: run.id, pipeline: 'quick', resumed: false }]);
    expect((await getRun(server, run.id)).status).toBe('running');
    await waitForStatus(server, run.id, ['completed'], 30_000);
    expect((await store.listSteps(run.id)).map((s) => s.status)).toEqual(['completed']);
    expect((await store.getRun(run.id))?.owner).not.toBe('another-host:4242:gone');
  });

  it('an api instance takes no runs: they stay queued for a worker', async () => {
    const server = await startTestServer(serverProject(), { flags: { role: 'api' } });
    const run = await createRun(server, 'quick');
    const health = await api<{ instance: { role: string }; runs: { queued: number } }>(
      server,
      'GET',
      '/api/health',
    );
    expect(health.body.instance.role).toBe('api');
    expect(health.body.runs.queued).toBe(1);
    expect((await getRun(server, run.id)).status).toBe('queued');
    expect(server.ctx.scheduler.executingCount).toBe(0);
  });
});
