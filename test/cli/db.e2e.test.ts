import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { MIGRATIONS } from '../../src/store/sqlite/migrations.js';
import { runWave } from '../helpers/cli.js';
import { pgDatabase } from '../helpers/pg.js';
import { openStore } from '../helpers/store.js';
import { tempProject, yaml } from '../helpers/tmp.js';

const PIPELINE = yaml`
  kind: WavePipeline
  steps:
    - id: hello
      type: command
      script: |
        echo one
        echo two
`;

const POSTGRES_PROJECT = yaml`
  storage:
    driver: postgres
`;

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

const noStack = (text: string) => expect(text).not.toMatch(/\n\s+at .*:\d+:\d+/);

describe('wave db migrate', () => {
  it('applies SQLite migrations and says which; a second time says it is up to date', async () => {
    const cwd = tempProject({ '.wave/pipelines/p.yaml': PIPELINE });
    const first = await runWave(['db', 'migrate'], { cwd });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toContain('applied 10: instances: role');
    const latest = Math.max(...MIGRATIONS.map((m) => m.version));
    expect(first.stderr).toContain(`state.db: now at schema version ${latest}`);
    const again = await runWave(['db', 'migrate'], { cwd });
    expect(again.code).toBe(0);
    expect(again.stderr).toContain(`state.db: up to date (schema version ${latest})`);
  });

  it('applies PostgreSQL migrations to the database of WAVE_STORAGE_URL, the password never printed', async () => {
    const url = await pgDatabase();
    // No wave.yaml: the built-in one leaves the driver to the URL.
    const cwd = tempProject({ '.wave/pipelines/p.yaml': PIPELINE });
    const result = await runWave(['db', 'migrate'], { cwd, env: { WAVE_STORAGE_URL: url } });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('applied 1: the schema of SQLite version 9');
    const password = new URL(url).password;
    expect(result.stderr).not.toContain(password);
    const again = await runWave(['db', 'migrate'], { cwd, env: { WAVE_STORAGE_URL: url } });
    expect(again.stderr).toMatch(/up to date/);
  });

  it('an unreachable database: exit 3, one line naming host:port, no stack trace', async () => {
    const port = await closedPort();
    const cwd = tempProject({ 'wave.yaml': POSTGRES_PROJECT });
    const result = await runWave(['db', 'migrate'], {
      cwd,
      env: { WAVE_STORAGE_URL: `postgres://wave:s3cret-pw@127.0.0.1:${port}/wave` },
    });
    expect(result.code).toBe(3);
    expect(result.stderr.trim().split('\n')).toEqual([
      `wave: cannot reach the PostgreSQL store at 127.0.0.1:${port}/wave (ECONNREFUSED)`,
    ]);
  });

  it('a wrong password: exit 3, says so, never shows it', async () => {
    const url = new URL(await pgDatabase());
    url.password = 'not-the-password';
    const cwd = tempProject({ 'wave.yaml': POSTGRES_PROJECT });
    const result = await runWave(['db', 'migrate'], { cwd, env: { WAVE_STORAGE_URL: url.toString() } });
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/refused the credentials in storage\.url \(wrong user or password\)/);
    expect(result.stderr).not.toContain('not-the-password');
    noStack(result.stderr);
  });
});

describe('wave db copy --to URL', () => {
  it('copies the store of local runs into an empty PostgreSQL store, then refuses to copy into it again', async () => {
    const cwd = tempProject({ '.wave/pipelines/p.yaml': PIPELINE });
    for (let i = 0; i < 2; i++) {
      const run = await runWave(['run', 'p'], { cwd, timeoutMs: 60_000 });
      expect(run.code, run.stderr).toBe(0);
    }
    const url = await pgDatabase();
    const copy = await runWave(['db', 'copy', '--to', url], { cwd, timeoutMs: 60_000 });
    expect(copy.code, copy.stderr).toBe(0);
    expect(copy.stdout).toBe('');
    expect(copy.stderr).toMatch(/ {2}runs: 2\/2/);
    expect(copy.stderr).toMatch(/ {2}events: (\d+)\/\1/);
    expect(copy.stderr).toMatch(/copied 2 runs, \d+ events \(last seq \d+\)/);
    expect(copy.stderr).not.toContain(new URL(url).password);

    const sqlite = openStore({ path: join(cwd, '.wave/state.db') });
    const postgres = new PostgresStore({ url, origin: 'check' });
    try {
      const runs = (await sqlite.listRuns({ limit: 10 })).runs;
      expect((await postgres.listRuns({ limit: 10 })).runs).toEqual(runs);
      const events = await sqlite.readEvents({ afterSeq: 0, limit: 1000 });
      expect(await postgres.readEvents({ afterSeq: 0, limit: 1000 })).toEqual(events);
      expect(await postgres.readOutput({ runId: runs[0]!.id, afterSeq: 0, limit: 100 })).toEqual(
        await sqlite.readOutput({ runId: runs[0]!.id, afterSeq: 0, limit: 100 }),
      );
    } finally {
      sqlite.close();
      await postgres.close();
    }

    const again = await runWave(['db', 'copy', '--to', url], { cwd });
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/is not empty \(it has runs, .*\): wave db copy only fills an empty store/);
    noStack(again.stderr);
  });

  it('refuses a --to that is not a PostgreSQL URL (exit 2)', async () => {
    const cwd = tempProject({});
    const result = await runWave(['db', 'copy', '--to', 'mysql://x/y'], { cwd });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--to: expected a postgres:// (or postgresql://) URL');
  });
});
