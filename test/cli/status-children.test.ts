import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { childRunsByStep } from '../../src/cli/commands/status-children.js';
import type { CliIO } from '../../src/cli/io.js';
import { LocalRuns } from '../../src/cli/local-runs.js';
import { RemoteRuns } from '../../src/cli/remote-runs.js';
import type { RunsApi } from '../../src/cli/runs-api.js';
import { WaveClient } from '../../src/client/wave-client.js';
import { loadProject } from '../../src/config/load-project.js';
import { silentLogger } from '../../src/logger.js';
import { createContext } from '../../src/service/context.js';
import type { Store } from '../../src/store/store.js';
import { FANOUT_SPEC, REVIEW_SPEC, seedFamily } from '../helpers/lineage-seed.js';
import { startTestServer } from '../helpers/server.js';
import { newRun } from '../helpers/store.js';
import { tempProject } from '../helpers/tmp.js';

const io: CliIO = {
  stdout: new PassThrough(),
  stderr: new PassThrough(),
  stdin: new PassThrough(),
  env: {},
  cwd: '/',
};

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

const factories: Record<string, () => Promise<{ api: RunsApi; store: Store }>> = {
  async local() {
    const ctx = await createContext(loadProject({ cwd: tempProject({}), env: {} }), silentLogger);
    closers.push(() => ctx.close());
    return { api: new LocalRuns(io, ctx, {}), store: ctx.store };
  },
  async remote() {
    const server = await startTestServer();
    return {
      api: new RemoteRuns(io, new WaveClient({ baseUrl: server.url, clientName: 'cli', timeoutMs: 10_000 })),
      store: server.ctx.store,
    };
  },
};

describe.each(Object.keys(factories))('wave status child runs (%s)', (name) => {
  it('gives each composition step its children in item order, with pipeline and status', async () => {
    const { api, store } = await factories[name]!();
    const { parent, children } = await seedFamily(store);
    const byStep = await childRunsByStep(api, await api.get(parent));
    expect([...byStep.keys()]).toEqual(['each']);
    expect(byStep.get('each')).toMatchObject([
      { id: children[0], index: 0, pipeline: 'review', status: 'completed', error: null },
      { id: children[1], index: 1, pipeline: 'review', status: 'failed', error: 'step work failed' },
      { id: children[2], index: 2, pipeline: 'review', status: 'running', duration_ms: null },
    ]);
    // A child has no children: nothing is listed for it.
    expect((await childRunsByStep(api, await api.get(children[0]))).size).toBe(0);
  });

  it("gives a retry's reused composition step the children it ran in the source run", async () => {
    const { api, store } = await factories[name]!();
    const { parent, children } = await seedFamily(store);
    const { run: retry } = await store.createRun(
      newRun({
        spec: FANOUT_SPEC,
        origin: { kind: 'retry', runId: parent, step: null, reuse: { steps: ['each'], artifacts: [] } },
      }),
    );
    expect((await api.get(retry.id)).steps.find((s) => s.id === 'each')?.children).toEqual(children);
    expect((await childRunsByStep(api, await api.get(retry.id))).get('each')).toMatchObject([
      { id: children[0], index: 0, pipeline: 'review', status: 'completed' },
      { id: children[1], index: 1, pipeline: 'review', status: 'failed' },
      { id: children[2], index: 2, pipeline: 'review', status: 'running' },
    ]);
  });

  it('reads more children than one page of the API holds', async () => {
    const { api, store } = await factories[name]!();
    const claim = { owner: 'lineage-seed', leaseMs: 3_600_000 };
    const { run: parent } = await store.createRun(newRun({ spec: FANOUT_SPEC, claim }));
    const ids: string[] = [];
    for (let index = 0; index < 205; index++) {
      const { run } = await store.createRun(
        newRun({
          spec: REVIEW_SPEC,
          trigger: { source: 'pipeline', actor: parent.id },
          parent: { runId: parent.id, step: 'each', index },
          claim,
        }),
      );
      ids.push(run.id);
    }
    const rows = (await childRunsByStep(api, await api.get(parent.id))).get('each')!;
    expect(rows.map((r) => r.id)).toEqual(ids);
    expect(rows.every((r) => r.status === 'queued' && r.pipeline === 'review')).toBe(true);
  });
});
