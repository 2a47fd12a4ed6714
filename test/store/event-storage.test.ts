import { statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { EventRecorder } from '../../src/engine/recorder.js';
import type { EventDraft, WaveEvent } from '../../src/events/catalogue.js';
import { MIGRATIONS } from '../../src/store/sqlite/migrations.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { draft, newRun, openStore } from '../helpers/store.js';
import { tempDir } from '../helpers/tmp.js';

/** Every event of the store, in seq order, as stored (the exact wire JSON). */
async function allJson(store: SqliteStore): Promise<string[]> {
  return (await store.readEvents({ afterSeq: 0, limit: 1_000_000 })).map((r) => r.json);
}

describe('events table: output lines stored compactly, read back exactly', () => {
  it('gives every event the JSON it was written with, whatever the line holds', async () => {
    const store = openStore();
    const { run, events: queued } = await store.createRun(newRun());
    const contents = [
      'plain ascii',
      '',
      ' leading and trailing spaces ',
      'quotes " and \\ backslashes \\"',
      'tabs\tand\rcarriage\u000breturns\u000c',
      'control \u0001\u0002\u001f and DEL \u007f',
      'NUL \u0000 inside',
      'unicode: é ü ß 中文 русский',
      'emoji 🚀👍🏽 and a pair \ud83d\ude00',
      'line separators \u2028 \u2029',
      'a lone high surrogate \ud800 here',
      'a lone low surrogate \udc00 here',
      '</script><script>alert(1)</script>',
      `long ${'x'.repeat(65_000)}`,
      '{"looks":"like json"}',
    ];
    const drafts: EventDraft[] = contents.map((content, i) => ({
      type: 'stream_activity',
      run_id: run.id,
      step: i % 2 ? 'build' : 'review',
      stream: (['stdout', 'stderr', 'agent', 'tool'] as const)[i % 4]!,
      content,
    }));
    // Shapes a compact row cannot hold: kept whole, still exact.
    const odd = [
      { ...draft.line(run.id, 'build', 'a second-precision ts'), ts: '2026-11-21T10:00:00Z' },
      { ...draft.line(run.id, 'build', 'a ts with an offset'), ts: '2026-11-21T10:00:00.000+01:00' },
      { ...draft.line(run.id, 'build', 'a far year'), ts: '+275760-09-13T00:00:00.000Z' },
      {
        type: 'stream_activity',
        run_id: run.id,
        content: 'keys in another order',
        step: 'build',
        stream: 'stdout',
      },
      { ...draft.line(run.id, 'build', 'an extra key'), extra: 1 },
      { ...draft.line(run.id, 'bu\ud800ild', 'a lone surrogate in the step') },
    ] as EventDraft[];
    const written = await store.append(run.id, [
      draft.runStarted(run.id),
      ...drafts,
      ...odd,
      draft.runCompleted(run.id),
    ]);
    const expected = [...queued, ...written].map((e) => JSON.stringify(e));
    expect(await allJson(store)).toEqual(expected);
    // A new connection (nothing cached) reads the same.
    const again = openStore({ path: store.location });
    expect(await allJson(again)).toEqual(expected);

    // Logs read the same fields without going through the JSON.
    const lines = await again.readOutput({ runId: run.id, afterSeq: 0, limit: 1000 });
    const activity = written.filter(
      (e): e is Extract<WaveEvent, { type: 'stream_activity' }> => e.type === 'stream_activity',
    );
    expect(lines).toEqual(
      activity.map((e) => ({ seq: e.seq, ts: e.ts, step: e.step, stream: e.stream, content: e.content })),
    );
    expect(
      (await again.readOutput({ runId: run.id, afterSeq: 0, step: 'review', limit: 1000 })).map(
        (l) => l.content,
      ),
    ).toEqual(contents.filter((_, i) => i % 2 === 0));
  });

  it('filters by run, type, step and origin as before', async () => {
    const path = join(tempDir(), 'state.db');
    const a = openStore({ path, origin: 'one' });
    const b = openStore({ path, origin: 'two' });
    const { run: r1 } = await a.createRun(newRun());
    const { run: r2 } = await a.createRun(newRun());
    await a.append(r1.id, [draft.runStarted(r1.id), draft.line(r1.id, 'build', 'a1')]);
    await b.append(r2.id, [draft.runStarted(r2.id), draft.line(r2.id, 'build', 'b1')]);
    await a.append(r1.id, [draft.line(r1.id, 'ship', 'a2'), draft.runCompleted(r1.id)]);
    const typesOf = async (q: Parameters<SqliteStore['readEvents']>[0]) =>
      (await a.readEvents(q)).map(
        (e) => (JSON.parse(e.json) as WaveEvent).type + (e.runId === r1.id ? 1 : 2),
      );
    expect(await typesOf({ afterSeq: 0, limit: 100, runId: r1.id })).toEqual([
      'run_queued1',
      'run_started1',
      'stream_activity1',
      'stream_activity1',
      'run_completed1',
    ]);
    expect(await typesOf({ afterSeq: 0, limit: 100, types: ['stream_activity'] })).toEqual([
      'stream_activity1',
      'stream_activity2',
      'stream_activity1',
    ]);
    expect(await typesOf({ afterSeq: 0, limit: 100, runId: r1.id, step: 'ship' })).toEqual([
      'stream_activity1',
    ]);
    expect(await typesOf({ afterSeq: 0, limit: 100, excludeOrigin: 'one' })).toEqual([
      'run_started2',
      'stream_activity2',
    ]);
    // Names nobody wrote yet: nothing matches, and nothing is excluded.
    expect(await a.readEvents({ afterSeq: 0, limit: 100, runId: 'nope' })).toEqual([]);
    expect(await a.readEvents({ afterSeq: 0, limit: 100, types: ['nope'] })).toEqual([]);
    expect(await a.readEvents({ afterSeq: 0, limit: 100, excludeOrigin: 'nobody' })).toHaveLength(8);
    expect(await a.readOutput({ runId: 'nope', afterSeq: 0, limit: 100 })).toEqual([]);
  });

  it('ends a page once it holds maxBytes of JSON, with at least one event', async () => {
    const store = openStore();
    const { run } = await store.createRun(newRun());
    const line = 'y'.repeat(10_000);
    await store.append(
      run.id,
      Array.from({ length: 50 }, () => draft.line(run.id, 'build', line)),
    );
    const page = await store.readEvents({ afterSeq: 1, limit: 500, maxBytes: 35_000 });
    expect(page).toHaveLength(4);
    expect(await store.readEvents({ afterSeq: 1, limit: 500, maxBytes: 1 })).toHaveLength(1);
    expect(await store.readEvents({ afterSeq: 1, limit: 500 })).toHaveLength(50);
    const lines = await store.readOutput({ runId: run.id, afterSeq: 0, limit: 500, maxBytes: 25_000 });
    expect(lines.map((l) => l.seq)).toEqual([2, 3, 4]);
  });

  it('grows the file by at most twice the output it stores', async () => {
    const path = join(tempDir(), 'state.db');
    let store = new SqliteStore({ path, origin: 'size' });
    const { run } = await store.createRun(newRun());
    await store.close();
    const before = statSync(path).size;
    store = new SqliteStore({ path, origin: 'size' });
    try {
      // Lines as a build prints them, written as the engine writes them.
      const recorder = new EventRecorder(store, run.id);
      let output = 0;
      for (let i = 0; i < 60_000; i++) {
        const content = `2026-11-21 10:00:00 INFO  worker 3 processed item ${i} of the queue in 12 ms`;
        recorder.activity({ step: 'build', stream: 'stdout', content });
        output += Buffer.byteLength(content) + 1;
      }
      await recorder.flush();
      await store.close();
      const growth = statSync(path).size - before;
      expect(growth / output).toBeLessThanOrEqual(2);
    } finally {
      await store.close();
    }
  });
});

describe('migration 2 (compact events) on a database of version 1', () => {
  it('keeps every old event readable with identical JSON, and appends after them', async () => {
    const path = join(tempDir(), 'state.db');
    const v1 = MIGRATIONS.find((m) => m.version === 1)!;
    const old = new Database(path);
    const spec = newRun().spec;
    const oldEvents: WaveEvent[] = [];
    try {
      old.pragma('journal_mode = WAL');
      old.exec(
        'CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)',
      );
      old.exec(v1.sql);
      old.prepare('INSERT INTO schema_migrations VALUES (1, ?, ?)').run(v1.name, '2026-01-01T00:00:00.000Z');
      const insertRun = old.prepare(
        `INSERT INTO runs (id, pipeline, status, trigger_source, created_at, mode, spec) VALUES (?, 'ship', 'running', 'api', '2026-01-01T00:00:00.000Z', 'server', ?)`,
      );
      const insertEvent = old.prepare(
        'INSERT INTO events (seq, run_id, type, step, origin, json) VALUES (?, ?, ?, ?, ?, ?)',
      );
      let seq = 0;
      for (const runId of ['old-a', 'old-b']) {
        insertRun.run(runId, JSON.stringify(spec));
        for (const d of [
          draft.runStarted(runId),
          draft.stepStarted(runId, 'build'),
          draft.line(runId, 'build', `first line of ${runId} "quoted" \u0001`),
          draft.line(runId, 'build', 'second line 🚀'),
        ]) {
          seq += 1;
          const { type, run_id, ...rest } = d as EventDraft & Record<string, unknown>;
          const event = { seq, ts: `2026-01-01T00:00:0${seq}.000Z`, type, run_id, ...rest } as WaveEvent;
          oldEvents.push(event);
          insertEvent.run(
            seq,
            run_id,
            type,
            'step' in event ? event.step : null,
            seq % 2 ? 'origin-x' : 'origin-y',
            JSON.stringify(event),
          );
        }
      }
    } finally {
      old.close();
    }

    const store = openStore({ path, origin: 'origin-x' });
    const stored = await store.readEvents({ afterSeq: 0, limit: 100 });
    expect(stored.map((r) => r.json)).toEqual(oldEvents.map((e) => JSON.stringify(e)));
    expect(stored.map((r) => r.runId)).toEqual(oldEvents.map((e) => e.run_id));
    expect(
      (await store.readEvents({ afterSeq: 0, limit: 100, runId: 'old-b', types: ['stream_activity'] })).map(
        (r) => r.seq,
      ),
    ).toEqual([7, 8]);
    expect(
      (await store.readEvents({ afterSeq: 0, limit: 100, excludeOrigin: 'origin-x' })).map((r) => r.seq),
    ).toEqual([2, 4, 6, 8]);
    expect(await store.readOutput({ runId: 'old-a', afterSeq: 0, limit: 100 })).toEqual([
      {
        seq: 3,
        ts: '2026-01-01T00:00:03.000Z',
        step: 'build',
        stream: 'stdout',
        content: 'first line of old-a "quoted" \u0001',
      },
      { seq: 4, ts: '2026-01-01T00:00:04.000Z', step: 'build', stream: 'stdout', content: 'second line 🚀' },
    ]);

    // New events continue the sequence, old and new read back together.
    const added = await store.append('old-a', [draft.line('old-a', 'build', 'after the upgrade')]);
    expect(added[0]!.seq).toBe(9);
    expect((await store.readEvents({ afterSeq: 0, limit: 100, runId: 'old-a' })).map((r) => r.json)).toEqual([
      ...oldEvents.filter((e) => e.run_id === 'old-a').map((e) => JSON.stringify(e)),
      JSON.stringify(added[0]),
    ]);
    const versions = new Database(path, { readonly: true });
    try {
      expect(
        versions.prepare('SELECT version FROM schema_migrations ORDER BY version').pluck().all(),
      ).toEqual(MIGRATIONS.map((m) => m.version));
    } finally {
      versions.close();
    }
  });
});
