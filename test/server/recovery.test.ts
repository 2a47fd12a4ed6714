import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { eventually } from '../helpers/eventually.js';
import { api, startTestServer } from '../helpers/server.js';
import { yaml } from '../helpers/tmp.js';

interface Detail {
  id: string;
  status: string;
  error: { code: string } | null;
  steps: { id: string; status: string }[];
  gates: { step: string; status: string; answer: { choice: string } | null }[];
}

const PIPELINES = {
  '.wave/pipelines/gated.yaml': yaml`
    kind: WavePipeline
    steps:
      - { id: build, type: command, script: echo built }
      - { id: ask, dependencies: [build], gate: { prompt: "go?" } }
      - { id: ship, dependencies: [ask], type: command, script: echo shipped }
  `,
  '.wave/pipelines/hold.yaml': yaml`
    kind: WavePipeline
    steps:
      - id: wait
        type: command
        workspace: { type: project }
        script: while [ ! -f release ]; do sleep 0.05; done; echo released
  `,
};

const detail = async (s: { url: string }, id: string) =>
  (await api<Detail>(s, 'GET', `/api/runs/${id}`)).body;
const create = async (s: { url: string }, pipeline: string) =>
  (await api<{ id: string }>(s, 'POST', '/api/runs', { pipeline })).body.id;

describe('restart recovery (in process: close() halts runs the way SIGTERM does)', () => {
  it('a waiting gate stays waiting across a restart and can be answered after it', async () => {
    const first = await startTestServer(PIPELINES);
    const id = await create(first, 'gated');
    await eventually(async () => (await detail(first, id)).status === 'waiting');
    const root = first.root;
    await first.close();

    const second = await startTestServer({}, { root });
    const after = await eventually(async () => {
      const d = await detail(second, id);
      return d.status === 'waiting' ? d : null;
    });
    expect(after.gates[0]).toMatchObject({ step: 'ask', status: 'waiting', answer: null });
    expect(after.steps.map((s) => s.status)).toEqual(['completed', 'waiting', 'pending']);
    const answered = await api(second, 'POST', `/api/runs/${id}/gate/ask`, { approved: true });
    expect(answered.status).toBe(200);
    await eventually(async () => (await detail(second, id)).status === 'completed');
  });

  it('queued runs stay queued in order; a running one resumes first', async () => {
    const first = await startTestServer(PIPELINES, { flags: { maxConcurrent: 1 } });
    const ids = [await create(first, 'hold'), await create(first, 'hold'), await create(first, 'hold')];
    await eventually(async () => (await detail(first, ids[0]!)).status === 'running');
    const root = first.root;
    await first.close();
    const second = await startTestServer({}, { root, flags: { maxConcurrent: 1 } });
    await eventually(async () => (await detail(second, ids[0]!)).status === 'running');
    expect((await detail(second, ids[1]!)).status).toBe('queued');
    expect((await detail(second, ids[2]!)).status).toBe('queued');
    writeFileSync(join(root, 'release'), '');
    await eventually(
      async () =>
        (await Promise.all(ids.map((id) => detail(second, id)))).every((d) => d.status === 'completed'),
      20_000,
    );
    const started = await Promise.all(
      ids.map(
        async (id) => (await api<{ started_at: string }>(second, 'GET', `/api/runs/${id}`)).body.started_at,
      ),
    );
    expect([...started].sort()).toEqual(started);
  });

  it('server.recovery: fail ends interrupted runs with code interrupted', async () => {
    const first = await startTestServer(PIPELINES);
    const id = await create(first, 'hold');
    await eventually(async () => (await detail(first, id)).status === 'running');
    const root = first.root;
    await first.close();
    writeFileSync(join(root, 'wave.yaml'), 'server:\n  recovery: fail\n');
    const second = await startTestServer({}, { root });
    const failed = await eventually(async () => {
      const d = await detail(second, id);
      return d.status === 'failed' ? d : null;
    });
    expect(failed.error?.code).toBe('interrupted');
    writeFileSync(join(root, 'release'), '');
  });
});
