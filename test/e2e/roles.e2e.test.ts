import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningWave, startWave } from '../helpers/cli.js';
import { eventually } from '../helpers/eventually.js';
import { pgDatabase } from '../helpers/pg.js';
import { tempProject, yaml } from '../helpers/tmp.js';

const PIPELINE = yaml`
  kind: WavePipeline
  steps:
    - id: only
      type: command
      script: echo done
`;

const servers: RunningWave[] = [];
afterEach(() => {
  for (const s of servers.splice(0))
    if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
});

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

async function serve(
  cwd: string,
  role: string,
  env: Record<string, string> = {},
): Promise<{ proc: RunningWave; port: number }> {
  const port = await freePort();
  const proc = startWave(['serve', '--port', String(port), '--role', role], {
    cwd,
    env: { WAVE_LOG_LEVEL: 'info', ...env },
  });
  servers.push(proc);
  await proc.waitFor(/wave serve listening/, 30_000);
  return { proc, port };
}

async function get(port: number, path: string): Promise<{ status: number; text: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: res.status, text: await res.text() };
}

type Health = { instance: { id: string; role: string; host: string }; runs: Record<string, number> };

describe('wave serve --role', () => {
  it('an api instance queues runs without executing them; a worker on the same store runs them and answers only health and metrics', async () => {
    const cwd = tempProject({ '.wave/pipelines/p.yaml': PIPELINE });
    const api = await serve(cwd, 'api');
    const created = await fetch(`http://127.0.0.1:${api.port}/api/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ pipeline: 'p' }),
    });
    expect(created.status).toBe(201);
    const run = (await created.json()) as { id: string };
    // Nothing executes it yet: the api instance's health (a later request) still counts it queued.
    const apiHealth = JSON.parse((await get(api.port, '/api/health')).text) as Health;
    expect(apiHealth.instance.role).toBe('api');
    expect(apiHealth.runs.queued).toBe(1);
    expect(JSON.parse((await get(api.port, `/api/runs/${run.id}`)).text).status).toBe('queued');

    const worker = await serve(cwd, 'worker');
    await eventually(
      async () => JSON.parse((await get(api.port, `/api/runs/${run.id}`)).text).status === 'completed',
      30_000,
      'the worker to run it',
    );

    const health = await get(worker.port, '/api/health');
    expect(health.status).toBe(200);
    const workerHealth = JSON.parse(health.text) as Health;
    expect(workerHealth.instance.role).toBe('worker');
    expect(workerHealth.instance.id).not.toBe(apiHealth.instance.id);
    const metrics = await get(worker.port, '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.text).toContain(`wave_queue_depth{instance="${workerHealth.instance.id}"} 0`);
    for (const path of [`/api/runs/${run.id}`, '/api/runs', '/api/pipelines', '/api/openapi.json', '/']) {
      expect((await get(worker.port, path)).status, path).toBe(404);
    }
    // The api instance serves the web UI and the API as usual.
    expect((await get(api.port, '/api/pipelines')).status).toBe(200);
  });

  it("README's scaling example: two workers and an api instance on one PostgreSQL run every run once", async () => {
    const cwd = tempProject({ '.wave/pipelines/p.yaml': PIPELINE });
    const env = { WAVE_STORAGE_URL: await pgDatabase() };
    const workers = [await serve(cwd, 'worker', env), await serve(cwd, 'worker', env)];
    const api = await serve(cwd, 'api', env);
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await fetch(`http://127.0.0.1:${api.port}/api/runs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ pipeline: 'p' }),
      });
      expect(res.status).toBe(201);
      ids.push(((await res.json()) as { id: string }).id);
    }
    for (const id of ids) {
      const run = await eventually(
        async () => {
          const body = JSON.parse((await get(api.port, `/api/runs/${id}`)).text) as {
            status: string;
            steps: { attempts: number }[];
          };
          return body.status === 'completed' ? body : null;
        },
        60_000,
        `run ${id} to complete`,
      );
      expect(run.steps.map((step) => step.attempts)).toEqual([1]); // executed once
    }
    const health = JSON.parse((await get(api.port, '/api/health')).text) as {
      instances: { id: string; role: string }[];
    };
    const workerIds = [];
    for (const w of workers) {
      workerIds.push((JSON.parse((await get(w.port, '/api/health')).text) as Health).instance.id);
      expect((await get(w.port, '/api/runs')).status).toBe(404);
    }
    expect(health.instances.map((i) => i.role).sort()).toEqual(['api', 'worker', 'worker']);
    expect(
      health.instances
        .filter((i) => i.role === 'worker')
        .map((i) => i.id)
        .sort(),
    ).toEqual(workerIds.sort());
  });

  it('refuses an unknown role as bad usage (exit 2)', async () => {
    const cwd = tempProject({ '.wave/pipelines/p.yaml': PIPELINE });
    const proc = startWave(['serve', '--port', '0', '--role', 'both'], { cwd });
    servers.push(proc);
    const result = await proc.exited;
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/role/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
