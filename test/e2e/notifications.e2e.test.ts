import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningWave, startWave } from '../helpers/cli.js';
import { eventually } from '../helpers/eventually.js';
import { tempProject, yaml } from '../helpers/tmp.js';
import { startReceiver } from '../service/notifications/receiver.js';

const PIPELINE = yaml`
  kind: WavePipeline
  steps:
    - id: hello
      type: command
      script: echo hello
`;

const servers: RunningWave[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
    await s.exited;
  }
});

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

async function serve(cwd: string, port: number): Promise<RunningWave> {
  const s = startWave(['serve', '--port', String(port)], { cwd, env: { WAVE_LOG_LEVEL: 'info' } });
  servers.push(s);
  await s.waitFor(/wave serve listening/, 30_000);
  return s;
}

function project(url: string): string {
  return tempProject({
    'wave.yaml': yaml`
      server:
        notifications:
          - { name: ops, url: "${url}", events: [run_completed], allow_private: true, secret: abc }
    `,
    '.wave/pipelines/hello.yaml': PIPELINE,
  });
}

interface Delivery {
  id: string;
  status: string;
  attempts: number;
  last_status: number | null;
}

async function deliveries(port: number, status?: string): Promise<Delivery[]> {
  const res = await fetch(
    `http://127.0.0.1:${port}/api/notifications/deliveries${status ? `?status=${status}` : ''}`,
  );
  expect(res.status).toBe(200);
  return ((await res.json()) as { deliveries: Delivery[] }).deliveries;
}

async function submit(port: number): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/api/runs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ pipeline: 'hello' }),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

describe('outbound notifications from a real wave serve', () => {
  it('retries survive kill -9 and a restart: the delivery is sent again, then delivered once', async () => {
    const receiver = await startReceiver((i) => (i < 2 ? 503 : 200));
    const cwd = project(receiver.url);
    const port = await freePort();
    const first = await serve(cwd, port);
    await submit(port);
    // The first attempt failed and its retry is waiting in the store.
    await eventually(
      async () => (await deliveries(port, 'pending')).some((d) => d.attempts === 1 && d.last_status === 503),
      30_000,
      'the first attempt recorded',
    );
    first.child.kill('SIGKILL');
    await first.exited;
    // On a slow machine the first server may have made its second attempt too; the third
    // (5 s later) can only come from the restarted one.
    expect(receiver.received.length).toBeLessThan(3);

    const second = await serve(cwd, port);
    const [done] = await eventually(
      async () => {
        const rows = await deliveries(port, 'delivered');
        return rows.length ? rows : null;
      },
      45_000,
      'the delivery made by the restarted server',
    );
    expect(done).toMatchObject({ attempts: 3, last_status: 200 });
    expect(receiver.received).toHaveLength(3);
    expect(new Set(receiver.received.map((r) => r.headers['x-wave-delivery']))).toEqual(new Set([done!.id]));
    expect(second.child.exitCode).toBeNull();
  }, 120_000);

  it('two servers on one store send each event once', async () => {
    const receiver = await startReceiver();
    const cwd = project(receiver.url);
    const [p1, p2] = [await freePort(), await freePort()];
    await serve(cwd, p1);
    await serve(cwd, p2);
    const runs = [await submit(p1), await submit(p2), await submit(p1), await submit(p2)];
    await eventually(
      async () => (await deliveries(p1, 'delivered')).length === runs.length,
      60_000,
      'all delivered',
    );
    expect(receiver.received).toHaveLength(runs.length);
    const ids = receiver.received.map((r) => r.headers['x-wave-delivery']);
    expect(new Set(ids).size).toBe(runs.length);
    const runIds = receiver.received.map((r) => JSON.parse(r.body).event.run_id).sort();
    expect(runIds).toEqual([...runs].sort());
  }, 120_000);
});
