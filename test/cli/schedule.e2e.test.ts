import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningWave, runWave, startWave } from '../helpers/cli.js';
import { tempProject, yaml } from '../helpers/tmp.js';

const servers: RunningWave[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
    await s.exited;
  }
});

const PROJECT = {
  'wave.yaml': yaml`
    schedules:
      - { name: from-config, pipeline: stamp, cron: "0 3 * * *", timezone: Europe/Berlin }
  `,
  '.wave/pipelines/stamp.yaml': yaml`
    kind: WavePipeline
    steps:
      - id: only
        type: command
        script: echo stamped
  `,
};

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/** The same commands against the local store, then a server: each case's expected output. */
async function exercise(cwd: string, remote: string[]) {
  const wave = (...args: string[]) => runWave([...args, ...remote], { cwd, timeoutMs: 30_000 });
  const add = await wave(
    'schedule',
    'add',
    'weekly',
    'stamp',
    '--rrule',
    'FREQ=WEEKLY;BYDAY=MO;BYHOUR=9',
    '--tz',
    'UTC',
  );
  expect(add.code, add.stderr).toBe(0);
  expect(add.stdout).toMatch(
    /added schedule weekly \(sch_[0-9a-f]+\); next run \d{4}-\d\d-\d\dT09:00:00\.000Z/,
  );

  const bad = await wave('schedule', 'add', 'broken', 'stamp', '--cron', '* * *');
  expect(bad.code).toBe(2);
  expect(bad.stderr).toMatch(/cron/);
  const neither = await wave('schedule', 'add', 'broken', 'stamp');
  expect(neither.code).toBe(2);

  const list = await wave('schedule', 'list');
  expect(list.code, list.stderr).toBe(0);
  expect(list.stdout).toMatch(/^NAME\s+PIPELINE\s+WHEN/);
  expect(list.stdout).toMatch(/from-config\s+stamp\s+0 3 \* \* \*\s+Europe\/Berlin\s+active/);
  expect(list.stdout).toMatch(/weekly\s+stamp\s+FREQ=WEEKLY;BYDAY=MO;BYHOUR=9\s+UTC\s+active/);

  expect((await wave('schedule', 'pause', 'weekly')).stdout.trim()).toBe('paused weekly');
  const json = JSON.parse((await wave('schedule', 'list', '--json')).stdout) as {
    schedules: { name: string; paused: boolean; next_run_at: string | null }[];
  };
  expect(json.schedules.find((s) => s.name === 'weekly')).toMatchObject({ paused: true, next_run_at: null });
  expect((await wave('schedule', 'resume', 'weekly')).stdout).toMatch(/^resumed weekly; next run /);

  const ran = await wave('schedule', 'run', 'weekly');
  expect(ran.code, ran.stderr).toBe(0);
  expect(ran.stdout.trim()).toMatch(/^stamp-\d{8}-\d{6}-[0-9a-f]{10}$/);

  const rmConfig = await wave('schedule', 'rm', 'from-config');
  expect(rmConfig.code).toBe(2);
  expect(rmConfig.stderr).toMatch(/wave\.yaml/);
  const missing = await wave('schedule', 'pause', 'nope');
  expect(missing.code).toBe(2);
  expect(missing.stderr).toMatch(/no schedule/);
  expect((await wave('schedule', 'rm', 'weekly')).stdout.trim()).toBe('removed weekly');
  expect((await wave('schedule', 'list')).stdout).not.toMatch(/weekly/);
}

describe('wave schedule', () => {
  it('list, add, pause, resume, run, rm on the local store', async () => {
    await exercise(tempProject(PROJECT), []);
  }, 120_000);

  it('the same with --server', async () => {
    const cwd = tempProject(PROJECT);
    const port = await freePort();
    const proc = startWave(['serve', '--port', String(port)], { cwd });
    servers.push(proc);
    await proc.waitFor(/wave serve listening/, 30_000);
    await exercise(cwd, ['--server', `http://127.0.0.1:${port}`]);
  }, 120_000);

  it('wave validate reports what would stop wave serve in wave.yaml schedules', async () => {
    const cwd = tempProject({
      ...PROJECT,
      'wave.yaml': yaml`
        schedules:
          - { name: a, pipeline: stamp, cron: "0 25 * * *" }
          - { name: b, pipeline: stmap, rrule: "FREQ=DAILY", timezone: Mars/Base }
          - { name: a, pipeline: stamp, rrule: "FREQ=DAILY" }
      `,
    });
    const res = await runWave(['validate'], { cwd });
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/schedules\[0\]\.cron/);
    expect(res.stderr).toMatch(/schedules\[1\]\.pipeline.*no pipeline named "stmap"/);
    expect(res.stderr).toMatch(/did you mean "stamp"/);
    expect(res.stderr).toMatch(/schedules\[1\]\.timezone/);
    expect(res.stderr).toMatch(/schedules\[2\]\.name/);
    const ok = await runWave(['validate'], { cwd: tempProject(PROJECT) });
    expect(ok.code, ok.stderr).toBe(0);
  }, 60_000);
});
