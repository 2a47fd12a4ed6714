import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WaveError } from '../../src/errors.js';
import { copySqliteToPostgres } from '../../src/store/copy-to-postgres.js';
import { PgDb } from '../../src/store/postgres/pg-db.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import type { Store } from '../../src/store/store.js';
import { seedFamily } from '../helpers/lineage-seed.js';
import { pgDatabase } from '../helpers/pg.js';
import { draft, newRun, openStore, runAtGate } from '../helpers/store.js';
import { tempDir } from '../helpers/tmp.js';

/** A SQLite store with a bit of everything: runs of every state, lineage, gates, output, artifacts, schedules, deliveries. */
async function seededSqlite(): Promise<{ path: string; artifact: string; runIds: string[] }> {
  const dir = tempDir();
  const path = join(dir, 'state.db');
  const store = openStore({ path });
  const family = await seedFamily(store);
  const gated = await runAtGate(store, { labels: { team: 'infra' } });
  const { run } = await store.createRun(newRun({ labels: { env: 'prod' } }));
  const artifact = join(dir, 'report.json');
  writeFileSync(artifact, '{"ok":true}');
  await store.append(run.id, [
    draft.runStarted(run.id),
    draft.stepStarted(run.id, 'build'),
    ...Array.from({ length: 300 }, (_, i) => draft.line(run.id, 'build', `line ${i} "quoted" ✓`)),
  ]);
  // An artifact is recorded with the event that announces it.
  await store.append(
    run.id,
    [{ type: 'artifact_written', run_id: run.id, step: 'build', name: 'report', size: 11, sha256: 'sha-r' }],
    { artifacts: [{ step: 'build', name: 'report', path: artifact, type: 'json' }] },
  );
  await store.append(run.id, [draft.stepCompleted(run.id, 'build', 5), draft.runCompleted(run.id)]);
  const retry = await store.createRun(
    newRun({
      origin: { kind: 'retry', runId: family.parent, step: null, reuse: { steps: [], artifacts: [] } },
    }),
  );
  await store.rememberKey('idem', 'key-1', 60_000);
  const schedule = await store.schedules.create(
    {
      id: 'sch-1',
      name: 'nightly',
      pipeline: 'ship',
      input: null,
      labels: { kind: 'nightly' },
      cron: '0 3 * * *',
      rrule: null,
      timezone: 'UTC',
      overlap: 'skip',
      catchUp: 'skip',
      source: 'api',
      createdAt: 1_000,
    },
    1_000,
  );
  await store.schedules.claimSlot(schedule!.id, 2_000, 'srv', 2_000);
  await store.schedules.recordRun(schedule!.id, 2_000, run.id, 2_100);
  await store.deliveries.enqueueDeliveries(
    [
      {
        id: 'd-1',
        notification: 'hook',
        eventSeq: 3,
        eventType: 'run_completed',
        runId: run.id,
        url: 'https://example.com/hook',
        body: '{}',
      },
    ],
    3,
  );
  await store.close();
  return { path, artifact, runIds: [family.parent, ...family.children, gated, run.id, retry.run.id] };
}

/** Everything a reader of the store sees, for comparing two stores. */
async function snapshot(store: Store, runIds: string[]) {
  const runs = [];
  for (const id of runIds) {
    runs.push({
      run: await store.getRun(id),
      spec: await store.getRunSpec(id),
      steps: await store.listSteps(id),
      gates: await store.listGates(id),
      artifacts: await store.listArtifacts(id),
      children: (await store.listChildren(id)).map((r) => r.id),
      output: await store.readOutput({ runId: id, afterSeq: 0, limit: 10_000 }),
    });
  }
  return {
    runs,
    list: (await store.listRuns({ limit: 100 })).runs.map((r) => r.id),
    events: await store.readEvents({ afterSeq: 0, limit: 100_000 }),
    lastSeq: await store.lastSeq(),
    counts: await store.countByStatus(),
    // The insight rollups come across too: whole days read from them agree.
    insights: await store.insights.rolledUp({ span: 'day', from: '2000-01-01', to: '2100-01-01' }),
    schedules: await store.schedules.list(),
    deliveries: await store.deliveries.listDeliveries({ limit: 100 }),
    cursor: await store.deliveries.deliveryCursor(),
  };
}

describe('copySqliteToPostgres (wave db copy)', () => {
  it('copies every table into an empty PostgreSQL store, ids and seq kept; new events continue after', async () => {
    const { path, runIds } = await seededSqlite();
    const url = await pgDatabase();
    const progress: string[] = [];
    const pg = new PgDb(url, { max: 2 });
    const report = await copySqliteToPostgres({
      sqlitePath: path,
      pg,
      artifactInlineLimit: 1024,
      progress: (table) => progress.push(table),
    });
    await pg.close();
    expect(report.inlinedArtifacts).toBe(1);
    expect(report.tables.find((t) => t.table === 'events')?.rows).toBe(report.lastSeq);
    // Progress names each table that had rows.
    expect(new Set(progress)).toEqual(new Set(report.tables.filter((t) => t.rows > 0).map((t) => t.table)));
    for (const table of ['runs', 'run_labels', 'gates', 'artifacts', 'schedules', 'schedule_slots', 'events'])
      expect(progress).toContain(table);

    const sqlite = openStore({ path });
    const postgres = new PostgresStore({ url, origin: 'after-copy' });
    try {
      const before = await snapshot(sqlite, runIds);
      const after = await snapshot(postgres, runIds);
      expect(after).toEqual(before);
      expect(before.events.length).toBeGreaterThan(300);
      expect(before.runs.some((r) => r.gates.length > 0)).toBe(true);
      expect(before.schedules[0]?.lastRun?.runId).toBeTruthy();
      expect(await postgres.rememberKey('idem', 'key-1', 60_000)).toBe(false);
      const [a] = before.runs.flatMap((r) => r.artifacts);
      expect((await postgres.readArtifactContent(a!.runId, a!.step, a!.name))?.toString()).toBe(
        '{"ok":true}',
      );

      // A new run and its events come after everything copied.
      const { run, events } = await postgres.createRun(newRun());
      expect(events[0]!.seq).toBe(before.lastSeq + 1);
      expect(run.id).not.toBe(runIds.at(-1));
      const listed = (await postgres.listRuns({ limit: 100 })).runs.map((r) => r.id);
      expect(listed[0]).toBe(run.id); // newest first: its num follows the copied ones
    } finally {
      sqlite.close();
      await postgres.close();
    }
  });

  it('refuses a target that is not empty, and leaves it as it was', async () => {
    const { path } = await seededSqlite();
    const url = await pgDatabase();
    const first = new PgDb(url, { max: 2 });
    await copySqliteToPostgres({ sqlitePath: path, pg: first, artifactInlineLimit: 0 });
    const count = async () => Number((await first.query('SELECT COUNT(*) AS n FROM runs')).rows[0]!.n);
    const runs = await count();
    const error = await copySqliteToPostgres({ sqlitePath: path, pg: first, artifactInlineLimit: 0 }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(WaveError);
    expect((error as WaveError).code).toBe('invalid_usage');
    expect((error as WaveError).message).toMatch(
      /is not empty \(it has runs, .*\): wave db copy only fills an empty store/,
    );
    expect(await count()).toBe(runs);
    await first.close();
  });
});
