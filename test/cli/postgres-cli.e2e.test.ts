import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningWave, runWave, startWave } from '../helpers/cli.js';
import { pgDatabase } from '../helpers/pg.js';
import { tempProject, yaml } from '../helpers/tmp.js';

const PIPELINE = yaml`
  kind: WavePipeline
  steps:
    - id: hello
      type: command
      script: |
        echo first line
        echo second line
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

const noStack = (text: string) => expect(text).not.toMatch(/\n\s+at .*:\d+:\d+/);

describe('wave serve and the CLI with storage on PostgreSQL', () => {
  it('an unreachable database: wave serve and wave status exit 3 with one line naming host:port', async () => {
    const port = await freePort();
    const cwd = tempProject({ '.wave/pipelines/p.yaml': PIPELINE });
    const env = { WAVE_STORAGE_URL: `postgres://wave:hunter2-secret@127.0.0.1:${port}/wave` };
    for (const args of [
      ['serve', '--port', '0'],
      ['status', 'some-run'],
      ['list', 'runs'],
    ]) {
      const result = await runWave(args, { cwd, env });
      expect(result.code, args.join(' ')).toBe(3);
      expect(result.stderr.trim().split('\n'), args.join(' ')).toEqual([
        `wave: cannot reach the PostgreSQL store at 127.0.0.1:${port}/wave (ECONNREFUSED)`,
      ]);
    }
  });

  it('a wrong password: wave serve says the credentials were refused and never prints them', async () => {
    const url = new URL(await pgDatabase());
    url.password = 'wrong-pass-123';
    const cwd = tempProject({ '.wave/pipelines/p.yaml': PIPELINE });
    const result = await runWave(['serve', '--port', '0'], {
      cwd,
      env: { WAVE_STORAGE_URL: url.toString() },
    });
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(
      /the PostgreSQL store at 127\.0\.0\.1:\d+\/\w+ refused the credentials in storage\.url \(wrong user or password\)/,
    );
    expect(result.stdout + result.stderr).not.toContain('wrong-pass-123');
    noStack(result.stderr);
  });

  it('wave run, list, status and logs work on the database; a wave serve on it lists the instances', async () => {
    const url = await pgDatabase();
    const cwd = tempProject({ '.wave/pipelines/p.yaml': PIPELINE });
    const env = { WAVE_STORAGE_URL: url };
    const run = await runWave(['run', 'p', '--json'], { cwd, env, timeoutMs: 60_000 });
    expect(run.code, run.stderr).toBe(0);
    const runId = (JSON.parse(run.stdout.split('\n')[0]!) as { run_id: string }).run_id;

    const list = await runWave(['list', 'runs', '--json'], { cwd, env });
    expect(list.code, list.stderr).toBe(0);
    expect(JSON.stringify(JSON.parse(list.stdout))).toContain(runId);
    const status = await runWave(['status', runId, '--json'], { cwd, env });
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ id: runId, status: 'completed' });
    const logs = await runWave(['logs', runId], { cwd, env });
    expect(logs.code, logs.stderr).toBe(0);
    expect(logs.stdout).toContain('first line');
    expect(logs.stdout).toContain('second line');

    // The SQLite file was never made: everything went to PostgreSQL.
    expect((await runWave(['list', 'runs', '--json'], { cwd })).stdout).not.toContain(runId);

    const port = await freePort();
    const api = startWave(['serve', '--port', String(port), '--role', 'api'], {
      cwd,
      env: { ...env, WAVE_LOG_LEVEL: 'info' },
    });
    servers.push(api);
    await api.waitFor(/wave serve listening/, 30_000);
    const health = (await (await fetch(`http://127.0.0.1:${port}/api/health`)).json()) as {
      storage: string;
      instance: { id: string; role: string };
      instances: { id: string; role: string; running: number; last_heartbeat_at: string }[];
    };
    expect(health.storage).toBe('postgres');
    expect(health.instance.role).toBe('api');
    expect(health.instances).toContainEqual(
      expect.objectContaining({ id: health.instance.id, role: 'api', running: 0 }),
    );
    const served = (await (await fetch(`http://127.0.0.1:${port}/api/runs/${runId}`)).json()) as {
      status: string;
    };
    expect(served.status).toBe('completed');
  });
});
