import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isAlive, type RunningWave, runWave, startWave } from '../helpers/cli.js';
import { eventually } from '../helpers/eventually.js';
import { tempProject, yaml } from '../helpers/tmp.js';

/** Each run appends to a count file per step, so re-runs are visible after restarts. */
const PIPELINE = yaml`
  kind: WavePipeline
  input: { source: cli, type: string }
  steps:
    - id: quick
      type: command
      workspace: { type: project }
      script: echo "quick {{ input }}" >> quick.count
    - id: slow
      type: command
      dependencies: [quick]
      workspace: { type: project }
      script: |
        echo "slow {{ input }}" >> slow.count
        echo $$ >> "slow-{{ input }}.pids"
        while [ ! -f release ]; do sleep 0.05; done
    - id: last
      type: command
      dependencies: [slow]
      workspace: { type: project }
      script: echo "last {{ input }}" >> last.count
`;

const servers: RunningWave[] = [];
const projects: string[] = [];
afterEach(() => {
  for (const s of servers.splice(0))
    if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
  // Steps wait for this file: writing it lets any step a failed test left behind finish.
  for (const cwd of projects.splice(0)) writeFileSync(join(cwd, 'release'), '');
});

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

async function serve(cwd: string, port: number, extra: string[] = []): Promise<RunningWave> {
  projects.push(cwd);
  const s = startWave(['serve', '--port', String(port), ...extra], { cwd, env: { WAVE_LOG_LEVEL: 'info' } });
  servers.push(s);
  await s.waitFor(/wave serve listening/);
  return s;
}

async function http<T>(
  port: number,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, {
    method,
    ...(body ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: (await res.json()) as T };
}

type RunBody = { id: string; status: string; steps: { id: string; status: string; attempts: number }[] };

const lines = (cwd: string, file: string) => readFileSync(join(cwd, file), 'utf8').trim().split('\n').sort();

describe('wave serve as a process', () => {
  it('kill -9 with running and queued runs: after a restart all complete, completed steps not re-run', async () => {
    const cwd = tempProject({ '.wave/pipelines/p.yaml': PIPELINE });
    const port = await freePort();
    const first = await serve(cwd, port, ['--max-concurrent', '2']);
    const ids: string[] = [];
    for (const input of ['a', 'b', 'c', 'd']) {
      const r = await http<RunBody>(port, 'POST', '/api/runs', { pipeline: 'p', input });
      expect(r.status).toBe(201);
      ids.push(r.body.id);
    }
    // Two runs reach the slow step; two stay queued.
    await eventually(
      async () => {
        const runs = await Promise.all(ids.map((id) => http<RunBody>(port, 'GET', `/api/runs/${id}`)));
        return (
          runs.filter((r) => r.body.steps[1]?.status === 'running').length === 2 &&
          runs.filter((r) => r.body.status === 'queued').length === 2
        );
      },
      20_000,
      'two running, two queued',
    );
    first.child.kill('SIGKILL');
    await first.exited;

    const second = await serve(cwd, port, ['--max-concurrent', '2']);
    const resumed = await eventually(
      async () => {
        const runs = await Promise.all(
          ids.slice(0, 2).map((id) => http<RunBody>(port, 'GET', `/api/runs/${id}`)),
        );
        return runs.every((r) => r.body.status === 'running' && r.body.steps[1]?.status === 'running')
          ? runs
          : null;
      },
      20_000,
      'the interrupted runs to be resumed',
    );
    expect(resumed.map((r) => r.body.steps[0]!.attempts)).toEqual([1, 1]);
    // The killed server's step processes were stopped before the steps ran again.
    for (const input of ['a', 'b']) {
      const pids = await eventually(
        () => {
          const all = readFileSync(join(cwd, `slow-${input}.pids`), 'utf8')
            .trim()
            .split('\n')
            .map(Number);
          return all.length === 2 ? all : null;
        },
        10_000,
        `the restarted slow step of ${input}`,
      );
      expect(isAlive(pids[0]!)).toBe(false);
      expect(isAlive(pids[1]!)).toBe(true);
    }
    // Let every slow step finish.
    writeFileSync(join(cwd, 'release'), '');
    await eventually(
      async () => {
        const runs = await Promise.all(ids.map((id) => http<RunBody>(port, 'GET', `/api/runs/${id}`)));
        return runs.every((r) => r.body.status === 'completed');
      },
      30_000,
      'all four runs to complete',
    );
    // quick ran once per run; slow ran twice for the two interrupted runs (the restart re-runs it,
    // after stopping the processes the killed server left behind).
    expect(lines(cwd, 'quick.count')).toEqual(['quick a', 'quick b', 'quick c', 'quick d']);
    expect(lines(cwd, 'last.count')).toEqual(['last a', 'last b', 'last c', 'last d']);
    expect(lines(cwd, 'slow.count').filter((l) => l === 'slow a' || l === 'slow b')).toHaveLength(4);
    const events = await fetch(`http://127.0.0.1:${port}/api/runs/${ids[0]}/events`).then((r) => r.text());
    expect(events).toContain('"resumed":true');
    second.child.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);
  });

  it('SIGTERM with a running run: streams close, it exits in time, the run resumes at the next start', async () => {
    const cwd = tempProject({ '.wave/pipelines/p.yaml': PIPELINE });
    const port = await freePort();
    const first = await serve(cwd, port);
    const run = await http<RunBody>(port, 'POST', '/api/runs', { pipeline: 'p', input: 'x' });
    await eventually(
      async () =>
        (await http<RunBody>(port, 'GET', `/api/runs/${run.body.id}`)).body.steps[1]?.status === 'running',
      20_000,
      'the slow step',
    );
    const sse = fetch(`http://127.0.0.1:${port}/api/runs/${run.body.id}/events`).then((r) => r.text());
    const t0 = Date.now();
    first.child.kill('SIGTERM');
    const exit = await first.exited;
    expect(exit.code).toBe(0);
    expect(Date.now() - t0).toBeLessThan(15_000 + 5_000);
    expect(exit.stdout + exit.stderr).toContain('shutting down');
    // The stream was closed by the server, not left hanging.
    await expect(sse).resolves.toContain('event: run_started');

    const status = await runWave(['status', run.body.id, '--json'], { cwd });
    expect(JSON.parse(status.stdout).status).toBe('running');

    const second = await serve(cwd, port);
    writeFileSync(join(cwd, 'release'), '');
    await eventually(
      async () => (await http<RunBody>(port, 'GET', `/api/runs/${run.body.id}`)).body.status === 'completed',
      20_000,
      'the run to complete',
    );
    expect(lines(cwd, 'quick.count')).toEqual(['quick x']);
    second.child.kill('SIGTERM');
    await second.exited;
  });

  it('refuses a non-loopback bind without auth unless --insecure; a busy port exits 3', async () => {
    const cwd = tempProject({});
    const refused = await runWave(['serve', '--host', '0.0.0.0', '--port', '0'], { cwd });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('without authentication');
    expect(refused.stderr).toContain('--insecure');
    const port = await freePort();
    const s = await serve(cwd, port);
    const busy = await runWave(['serve', '--port', String(port)], { cwd });
    expect(busy.code).toBe(3);
    expect(busy.stderr).toContain('the address is in use');
    const open = startWave(['serve', '--host', '0.0.0.0', '--port', '0', '--insecure'], { cwd });
    servers.push(open);
    await open.waitFor(/wave serve listening/);
    s.child.kill('SIGTERM');
    open.child.kill('SIGTERM');
    await Promise.all([s.exited, open.exited]);
  });

  it('server runs show up in the local CLI, and local commands act on them', async () => {
    const cwd = tempProject({ '.wave/pipelines/p.yaml': PIPELINE });
    const port = await freePort();
    const s = await serve(cwd, port);
    const run = await http<RunBody>(port, 'POST', '/api/runs', { pipeline: 'p', input: 'y' });
    await eventually(
      async () =>
        (await http<RunBody>(port, 'GET', `/api/runs/${run.body.id}`)).body.steps[1]?.status === 'running',
      20_000,
      'the slow step',
    );
    const list = await runWave(['list', 'runs'], { cwd });
    expect(list.stdout).toMatch(new RegExp(`${run.body.id}\\s+p\\s+running`));
    const cancel = await runWave(['cancel', run.body.id], { cwd });
    expect(cancel.code).toBe(0);
    expect(cancel.stdout).toContain(`cancelled ${run.body.id}`);
    expect((await http<RunBody>(port, 'GET', `/api/runs/${run.body.id}`)).body.status).toBe('cancelled');
    s.child.kill('SIGTERM');
    await s.exited;
  });
});
