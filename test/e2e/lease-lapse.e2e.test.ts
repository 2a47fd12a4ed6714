import { describe, expect, it } from 'vitest';
import type { WaveEvent } from '../../src/events/catalogue.js';
import { eventually } from '../helpers/eventually.js';
import { pgDatabase } from '../helpers/pg.js';
import { startTcpProxy, viaProxy } from '../helpers/tcp-proxy.js';
import { yaml } from '../helpers/tmp.js';
import { allEvents, database, post, startInstances } from './instances.js';

// A worker cut off from the database longer than server.lease_timeout must not go on running
// a run that another worker may by then have taken over: it halts it, and once the database
// is back the run resumes (here, on the same worker: nobody else is there) and completes once.
const FILES = {
  'wave.yaml': yaml`
    server:
      lease_timeout: 2s
    adapters:
      mock: { think_time: 4s }
    personas:
      thinker: { adapter: mock }
  `,
  '.wave/pipelines/slow.yaml': yaml`
    kind: WavePipeline
    steps:
      - { id: first, type: command, script: "echo first" }
      - { id: think, persona: thinker, dependencies: [first], exec: { type: prompt, source: "think" } }
  `,
};

describe('the database away longer than the lease', () => {
  it('halts the run before its lease lapses, then resumes it from its last completed step', async () => {
    const url = await pgDatabase();
    const proxy = await startTcpProxy(Number(new URL(url).port));
    try {
      const [worker] = await startInstances(viaProxy(url, proxy), FILES, [{ role: 'all' }]);
      const db = await database(url);
      const created = await post(worker!.url, '/api/runs', { pipeline: 'slow' });
      expect(created.status).toBe(201);
      const { id } = created.body as { id: string };
      const events = async () =>
        (await allEvents(db)).map((e) => e.event).filter((e: WaveEvent) => e.run_id === id);
      await eventually(
        async () => (await events()).some((e) => e.type === 'step_started' && e.step === 'think'),
        30_000,
        'the thinking step to start',
      );
      proxy.cut();
      // Past lease_timeout: the worker halts the run while cut off.
      await worker!.proc.waitFor(/halting this instance/, 15_000);
      proxy.restore();
      await eventually(
        async () => (await events()).some((e) => e.type === 'run_completed'),
        60_000,
        'the run to resume and complete',
      );
      const all = await events();
      const types = all.map((e) => `${e.type}${'step' in e && e.step ? `:${e.step}` : ''}`);
      expect(types.filter((t) => t === 'run_completed')).toHaveLength(1);
      // Resumed from its last completed step: `first` ran once, `think` again.
      expect(types.filter((t) => t === 'step_started:first')).toHaveLength(1);
      expect(types.filter((t) => t === 'step_started:think').length).toBeGreaterThanOrEqual(2);
      expect(all.some((e) => e.type === 'run_started' && e.resumed)).toBe(true);
    } finally {
      await proxy.close();
    }
  }, 120_000);
});
