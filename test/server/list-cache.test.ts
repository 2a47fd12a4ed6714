import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EventBus } from '../../src/events/bus.js';
import { ResponseCache } from '../../src/server/response-cache.js';
import { eventually } from '../helpers/eventually.js';
import { api, startTestServer } from '../helpers/server.js';
import { yaml } from '../helpers/tmp.js';

describe('the runs list cache', () => {
  it('drops entries on any event, and after maxAge', async () => {
    const bus = new EventBus();
    const cache = new ResponseCache(bus, 50);
    cache.set('/a', 'x');
    expect(cache.get('/a')).toBe('x');
    bus.publish([{ seq: 1, ts: '', type: 'run_started', run_id: 'r', pipeline: 'p', resumed: false }]);
    expect(cache.get('/a')).toBeUndefined();
    cache.set('/a', 'y');
    await new Promise((r) => setTimeout(r, 80));
    expect(cache.get('/a')).toBeUndefined();
  });

  it('GET /api/runs shows a new run and a state change at once, and a change without an event within a second', async () => {
    const server = await startTestServer({
      '.wave/pipelines/hold.yaml': yaml`
        kind: WavePipeline
        steps:
          - { id: wait, type: command, workspace: { type: project }, script: "while [ ! -f release ]; do sleep 0.05; done" }
      `,
    });
    type List = { runs: { id: string; status: string; cancel_requested: boolean }[] };
    expect((await api<List>(server, 'GET', '/api/runs')).body.runs).toEqual([]);
    const run = (await api<{ id: string }>(server, 'POST', '/api/runs', { pipeline: 'hold' })).body;
    expect((await api<List>(server, 'GET', '/api/runs')).body.runs.map((r) => r.id)).toEqual([run.id]);
    await eventually(
      async () => (await api<List>(server, 'GET', '/api/runs')).body.runs[0]?.status === 'running',
    );
    // Another process asking for a cancel writes no event: the page follows within a second.
    await server.ctx.store.requestCancel(run.id, 'elsewhere');
    await eventually(
      async () => (await api<List>(server, 'GET', '/api/runs')).body.runs[0]?.cancel_requested === true,
      3000,
    );
    writeFileSync(`${server.root}/release`, '');
  });
});
