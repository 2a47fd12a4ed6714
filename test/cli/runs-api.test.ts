import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import type { CliIO } from '../../src/cli/io.js';
import { LocalRuns } from '../../src/cli/local-runs.js';
import { RemoteRuns } from '../../src/cli/remote-runs.js';
import type { RunsApi } from '../../src/cli/runs-api.js';
import { WaveClient } from '../../src/client/wave-client.js';
import { loadProject } from '../../src/config/load-project.js';
import type { WaveEvent } from '../../src/events/catalogue.js';
import { silentLogger } from '../../src/logger.js';
import { createContext } from '../../src/service/context.js';
import { eventually } from '../helpers/eventually.js';
import { startTestServer } from '../helpers/server.js';
import { tempProject } from '../helpers/tmp.js';
import { serverProject } from '../server/support.js';

const io: CliIO = {
  stdout: new PassThrough(),
  stderr: new PassThrough(),
  stdin: new PassThrough(),
  env: {},
  cwd: '/',
};

/** A runs interface over the project, and a way to queue a run that nobody takes yet. */
interface Subject {
  api: RunsApi;
  queue(pipeline: string): Promise<string>;
  close(): Promise<void>;
}

const subjects: Subject[] = [];
afterEach(async () => {
  for (const s of subjects.splice(0)) await s.close();
});

const factories: Record<string, () => Promise<Subject>> = {
  async local() {
    const ctx = await createContext(
      loadProject({ cwd: tempProject(serverProject()), env: {} }),
      silentLogger,
    );
    return {
      api: new LocalRuns(io, ctx, {}),
      queue: async (pipeline) =>
        (
          await ctx.runs.submit({
            pipeline,
            input: null,
            trigger: { source: 'cli', actor: 't' },
            mode: 'local',
          })
        ).run.id,
      close: () => ctx.close(),
    };
  },
  async remote() {
    const server = await startTestServer(serverProject());
    // Queued runs stay queued: what is checked is the interface, not the scheduler.
    await server.ctx.scheduler.stop();
    return {
      api: new RemoteRuns(io, new WaveClient({ baseUrl: server.url, clientName: 'cli', timeoutMs: 10_000 })),
      queue: async (pipeline) =>
        (
          await server.ctx.runs.submit({
            pipeline,
            input: null,
            trigger: { source: 'api', actor: null },
            mode: 'server',
          })
        ).run.id,
      close: () => server.close(),
    };
  },
};

describe.each(Object.keys(factories))('RunsApi (%s)', (name) => {
  const subject = async () => {
    const s = await factories[name]!();
    subjects.push(s);
    return s;
  };

  it('get and list show a queued run the same way', async () => {
    const { api, queue } = await subject();
    const id = await queue('gated');
    const run = await api.get(id);
    expect(run).toMatchObject({ id, pipeline: 'gated', status: 'queued', queue_position: 1 });
    expect(run.steps.map((s) => s.id)).toEqual(['build', 'ask', 'ship']);
    const page = await api.list({ limit: 10, statuses: ['queued'] });
    expect(page.runs.map((r) => r.id)).toEqual([id]);
    expect((await api.list({ limit: 10, statuses: ['completed'] })).runs).toEqual([]);
  });

  it('an unknown run is run_not_found for every method', async () => {
    const { api } = await subject();
    const q = { runId: 'nope', format: 'text' as const };
    for (const call of [
      () => api.get('nope'),
      () => api.cancel('nope', 't'),
      () => api.gate('nope', 'ask', { choice: 'yes' }, 't'),
      () => api.logs(q),
    ]) {
      await expect(call()).rejects.toMatchObject({ code: 'run_not_found' });
    }
  });

  it('a gate not reached yet is gate_not_waiting; an unknown step of the logs step_not_found', async () => {
    const { api, queue } = await subject();
    const id = await queue('gated');
    await expect(api.gate(id, 'ask', { choice: 'yes' }, 't')).rejects.toMatchObject({
      code: 'gate_not_waiting',
      message: expect.stringContaining('has not been reached yet'),
    });
    const q = { runId: id, step: 'nope', format: 'text' as const };
    await expect(api.logs(q)).rejects.toMatchObject({ code: 'step_not_found' });
    await expect(api.followLogs(q, () => undefined)).rejects.toMatchObject({ code: 'step_not_found' });
  });

  it('cancelling a queued run ends it at once; a second cancel is run_finished', async () => {
    const { api, queue } = await subject();
    const id = await queue('gated');
    expect(await api.cancel(id, 't')).toEqual({ kind: 'queued' });
    expect((await api.get(id)).status).toBe('cancelled');
    await expect(api.cancel(id, 't')).rejects.toMatchObject({ code: 'run_finished' });
    const logs: string[] = [];
    for await (const chunk of await api.logs({ runId: id, format: 'text' })) logs.push(String(chunk));
    expect(logs.join('')).toBe('');
  });

  it('watchEvents: live first (read the runs afresh), then every committed event once, in order', async () => {
    const { api, queue } = await subject();
    const events: WaveEvent[] = [];
    const lives: boolean[] = [];
    const stop = new AbortController();
    const watching = api.watchEvents(
      {
        onLive: ({ resync }) => lives.push(resync),
        onEvents: (e) => events.push(...e),
        onDown: () => undefined,
      },
      stop.signal,
    );
    await eventually(() => lives.length > 0, 10_000, 'the watch to be live');
    const id = await queue('gated');
    await api.cancel(id, 't');
    await eventually(() => events.some((e) => e.type === 'run_cancelled'), 10_000, 'the cancellation');
    expect(lives).toEqual([true]);
    expect(events.map((e) => `${e.run_id} ${e.type}`)).toEqual([`${id} run_queued`, `${id} run_cancelled`]);
    stop.abort();
    await watching;
    expect(await api.whereAndCap()).toEqual({
      where: expect.stringMatching(
        name === 'local' ? /^project \// : /^server http:\/\/127\.0\.0\.1:\d+ \(wave /,
      ),
      maxConcurrent: 5,
    });
  });
});
