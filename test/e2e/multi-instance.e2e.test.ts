import { createHmac } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { isAlive } from '../helpers/cli.js';
import { eventually } from '../helpers/eventually.js';
import { pgDatabase } from '../helpers/pg.js';
import { openSse } from '../helpers/server.js';
import { yaml } from '../helpers/tmp.js';
import {
  allEvents,
  database,
  fileTempDir,
  getJson,
  type Instance,
  post,
  startInstances,
} from './instances.js';
import { PIPELINES } from './projects.js';

/**
 * Three `wave serve` processes on one PostgreSQL database: A executes runs (role all), B and C
 * only serve the API. Whatever is asked of B or C happens to runs executing on A.
 */
const GH_SECRET = 'multi-instance-webhook-secret';
const shared = fileTempDir();
const FILES = {
  'wave.yaml': yaml`
    server:
      webhooks:
        github:
          secret: \${GH_SECRET}
          triggers:
            - { event: push, pipeline: talk }
  `,
  '.wave/pipelines/talk.yaml': yaml`
    kind: WavePipeline
    steps:
      - { id: one, type: command, script: "for i in 1 2 3 4 5; do echo one $i; sleep 0.1; done" }
      - { id: two, type: command, dependencies: [one], script: "for i in 1 2 3 4 5; do echo two $i; sleep 0.1; done" }
  `,
  '.wave/pipelines/sleeper.yaml': yaml`
    kind: WavePipeline
    steps:
      - id: nap
        type: command
        script: |
          sleep 300 &
          echo $! > ${shared}/{{ run.id }}.pid
          wait
  `,
  '.wave/pipelines/gated.yaml': PIPELINES.gated,
};

let a: Instance;
let b: Instance;
let c: Instance;
let url: string;

beforeAll(async () => {
  url = await pgDatabase();
  [a, b, c] = (await startInstances(url, FILES, [{ role: 'all' }, { role: 'api' }, { role: 'api' }], {
    GH_SECRET,
  })) as [Instance, Instance, Instance];
}, 120_000);

type Run = { id: string; status: string; gates?: { step: string; status: string }[] };

const submit = async (on: Instance, pipeline: string): Promise<Run> => {
  const res = await post(on.url, '/api/runs', { pipeline });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as Run;
};

const runOn = (on: Instance, id: string) => getJson<Run>(on.url, `/api/runs/${id}`);

describe('many servers, one PostgreSQL', () => {
  it('an SSE client on B sees every event of a run executing on A, in order, also after reconnecting to C', async () => {
    const run = await submit(b, 'talk');
    const first = await openSse(b, `/api/runs/${run.id}/events`);
    await first.waitForEvents(6, 30_000);
    first.close();
    const seen = [...first.events];
    const resumed = await openSse(c, `/api/runs/${run.id}/events`, { 'last-event-id': seen.at(-1)!.id! });
    await resumed.ended;
    seen.push(...resumed.events);
    const seqs = seen.map((e) => Number(e.id));
    const stored = (await allEvents(await database(url))).filter((e) => e.event.run_id === run.id);
    // Every event of the run, each once, in seq order: no gap, no duplicate across the reconnect.
    expect(seqs).toEqual(stored.map((e) => e.event.seq));
    expect(seen.at(-1)?.event).toBe('run_completed');
    expect(seen.filter((e) => e.event === 'stream_activity')).toHaveLength(10);
  });

  it("a cancel on B stops A's processes within 2 s", async () => {
    const run = await submit(b, 'sleeper');
    const pidFile = join(shared, `${run.id}.pid`);
    await eventually(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim(), 30_000, 'the step');
    const pid = Number(readFileSync(pidFile, 'utf8'));
    expect(isAlive(pid)).toBe(true);
    const asked = Date.now();
    expect((await post(b.url, `/api/runs/${run.id}/cancel`, {})).status).toBe(202);
    await eventually(() => !isAlive(pid), 10_000, 'the step’s process to end');
    expect(Date.now() - asked).toBeLessThan(2000);
    await eventually(async () => (await runOn(c, run.id)).status === 'cancelled', 10_000, 'cancelled');
  });

  it('a gate answered on C lets A continue', async () => {
    const run = await submit(b, 'gated');
    await eventually(async () => (await runOn(c, run.id)).status === 'waiting', 30_000, 'the gate');
    const answer = await post(c.url, `/api/runs/${run.id}/gate/ask`, { choice: 'yes', text: 'from C' });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    await eventually(async () => (await runOn(b, run.id)).status === 'completed', 30_000, 'the run to end');
    const logs = await fetch(`${b.url}/api/runs/${run.id}/logs`).then((r) => r.text());
    expect(logs).toContain('shipping with yes');
  });

  it('of 20 concurrent answers spread over three instances exactly one wins', async () => {
    const run = await submit(a, 'gated');
    await eventually(async () => (await runOn(b, run.id)).status === 'waiting', 30_000, 'the gate');
    const instances = [a, b, c];
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        post(instances[i % 3]!.url, `/api/runs/${run.id}/gate/ask`, { choice: 'yes', text: `answer ${i}` }),
      ),
    );
    const statuses = answers.map((r) => r.status).sort();
    expect(statuses).toEqual([200, ...Array(19).fill(409)]);
    for (const r of answers.filter((x) => x.status === 409))
      expect((r.body as { error: { code: string } }).error.code).toBe('gate_not_waiting');
    await eventually(async () => (await runOn(c, run.id)).status === 'completed', 30_000, 'the run to end');
  });

  it('a webhook delivery or an Idempotency-Key seen by one instance is a duplicate on all', async () => {
    const body = JSON.stringify({ ref: 'refs/heads/main', sender: { login: 'octocat' } });
    const headers = {
      'x-github-event': 'push',
      'x-github-delivery': 'delivery-shared-1',
      'x-hub-signature-256': `sha256=${createHmac('sha256', GH_SECRET).update(body).digest('hex')}`,
    };
    const deliveries = [];
    for (const on of [a, b, c]) deliveries.push(await post(on.url, '/api/webhooks/github', body, headers));
    expect(deliveries.map((d) => d.status)).toEqual([202, 200, 200]);
    expect((deliveries[0]!.body as { runs: string[] }).runs).toHaveLength(1);
    expect(deliveries.slice(1).map((d) => d.body)).toEqual([
      { runs: [], duplicate: true },
      { runs: [], duplicate: true },
    ]);

    // The same key sent to all three at once: one run, created once.
    const keyed = await Promise.all(
      [a, b, c, a, b, c].map((on) =>
        post(on.url, '/api/runs', { pipeline: 'talk' }, { 'idempotency-key': 'key-shared-1' }),
      ),
    );
    expect(keyed.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 200, 201]);
    expect(new Set(keyed.map((r) => (r.body as Run).id)).size).toBe(1);
  });
});
