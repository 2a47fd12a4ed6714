import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningWave, runWave, startWave } from '../helpers/cli.js';
import { compositionFiles } from '../helpers/composition-fixtures.js';
import { eventually } from '../helpers/eventually.js';
import { killAll, processesWithEnv } from '../helpers/proc-env.js';
import { tempProject } from '../helpers/tmp.js';

// kill -9 of `wave serve` in the middle of an iterate: after a restart the parent and its
// unfinished children resume from their last completed steps; a completed child never re-runs.

const servers: RunningWave[] = [];
const projects: string[] = [];
const runIds: string[] = [];
afterEach(() => {
  for (const s of servers.splice(0))
    if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
  for (const cwd of projects.splice(0)) writeFileSync(join(cwd, 'release'), '');
  killAll(runIds.splice(0).flatMap((id) => processesWithEnv('WAVE_RUN_ID', id)));
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
  await s.waitFor(/wave serve listening/);
  return s;
}

interface RunBody {
  id: string;
  status: string;
  steps: { id: string; status: string; children: string[] }[];
}

async function http<T>(port: number, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, {
    method,
    ...(body ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}),
  });
  return (await res.json()) as T;
}

const lines = (cwd: string, file: string) =>
  existsSync(join(cwd, file)) ? readFileSync(join(cwd, file), 'utf8').trim().split('\n').sort() : [];

describe('wave serve killed mid-iterate', () => {
  it('resumes parent and children after a restart: the run completes, no completed child or step re-runs', async () => {
    const cwd = tempProject(compositionFiles());
    projects.push(cwd);
    const port = await freePort();
    const first = await serve(cwd, port);
    const parent = await http<RunBody>(port, 'POST', '/api/runs', { pipeline: 'hold-mixed' });
    runIds.push(parent.id);
    // The two fast children completed; the two slow ones are inside their `hold` step.
    const before = await eventually(
      async () => {
        const run = await http<RunBody>(port, 'GET', `/api/runs/${parent.id}`);
        const ids = run.steps[0]!.children;
        if (
          ids.length < 4 ||
          !existsSync(join(cwd, 'started-slow-1')) ||
          !existsSync(join(cwd, 'started-slow-2'))
        )
          return null;
        return ids;
      },
      30_000,
      'two children completed and two holding',
    );
    runIds.push(...before);
    const statuses = await Promise.all(
      before.map(async (id) => (await http<RunBody>(port, 'GET', `/api/runs/${id}`)).status),
    );
    expect(statuses).toEqual(['completed', 'completed', 'running', 'running']);
    first.child.kill('SIGKILL');
    await first.exited;

    const second = await serve(cwd, port);
    // The slow children's hold step starts again (their mark step does not).
    await eventually(() => lines(cwd, 'holds.log').length === 6, 30_000, 'the slow children to resume');
    writeFileSync(join(cwd, 'release'), '');
    const ended = await eventually(
      async () => {
        const run = await http<RunBody>(port, 'GET', `/api/runs/${parent.id}`);
        return ['completed', 'failed', 'cancelled'].includes(run.status) ? run : null;
      },
      30_000,
      'the parent to end',
    );
    expect(ended.status).toBe('completed');
    // Same four children, each run once; completed steps never re-ran.
    expect(ended.steps[0]!.children).toEqual(before);
    expect(lines(cwd, 'marks.log')).toEqual(['mark fast-1', 'mark fast-2', 'mark slow-1', 'mark slow-2']);
    expect(lines(cwd, 'holds.log')).toEqual([
      'hold fast-1',
      'hold fast-2',
      'hold slow-1',
      'hold slow-1',
      'hold slow-2',
      'hold slow-2',
    ]);
    expect(lines(cwd, 'done.log')).toEqual(['done']);
    // The children were never queued on their own: GET /api/runs shows only the parent.
    const top = await http<{ runs: { id: string }[] }>(port, 'GET', '/api/runs');
    expect(top.runs.map((r) => r.id)).toEqual([parent.id]);
    second.child.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);
  });
});

describe('wave run (local) with composition steps', () => {
  it('runs children in the same process; wave list runs shows the top-level run only', async () => {
    const cwd = tempProject(compositionFiles());
    const run = await runWave(['run', 'fanout', '--json'], { cwd });
    expect(run.code, run.stderr).toBe(0);
    const events = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; child_run_id?: string });
    expect(events.filter((e) => e.type === 'child_run_finished')).toHaveLength(5);
    const list = await runWave(['list', 'runs', '--json'], { cwd });
    expect(list.code, list.stderr).toBe(0);
    const runs = (JSON.parse(list.stdout) as { runs: { pipeline: string; child_count: number }[] }).runs;
    expect(runs).toEqual([expect.objectContaining({ pipeline: 'fanout', child_count: 5 })]);
  });
});
