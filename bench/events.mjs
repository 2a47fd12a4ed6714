// Output lines persisted per second: `stream_activity` lines through EventRecorder.activity()
// + flush() onto a real SQLite store, against raw better-sqlite3 inserts of the same rows into
// a table of the same shape (columns and index of `events`), in transactions of the same size.
// Needs `npm run build` first. Goal: at least 50,000 lines/s, and at least 0.5 of raw.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { median, report } from './lib.mjs';

const dist = new URL('../dist/', import.meta.url);
const { SqliteStore } = await import(new URL('store/sqlite/sqlite-store.js', dist));
const { EventRecorder } = await import(new URL('engine/recorder.js', dist));

const LINES = Number(process.env.BENCH_LINES ?? 100_000);
const BATCH = 2000; // the recorder's own batch size (MAX_BUFFERED)
const ROUNDS = Number(process.env.BENCH_RUNS ?? 5);
const content = (i) => `2026-11-21 10:00:00 INFO  worker 3 processed item ${i} of the queue in 12 ms`;

async function recorderRound(dir, round) {
  const store = new SqliteStore({ path: join(dir, `store-${round}.db`), origin: 'bench' });
  try {
    const { run } = await store.createRun({
      id: `bench-${round}`,
      pipeline: 'bench',
      input: null,
      labels: {},
      trigger: { source: 'cli', actor: null },
      mode: 'local',
      options: {},
      spec: { name: 'bench', steps: [] },
    });
    const recorder = new EventRecorder(store, run.id);
    const start = performance.now();
    for (let i = 0; i < LINES; ) {
      for (const end = Math.min(LINES, i + BATCH); i < end; i++) {
        recorder.activity({ step: 'build', stream: 'stdout', content: content(i) });
      }
      await recorder.flush();
    }
    const ms = performance.now() - start;
    const stored = await store.readEvents({
      runId: run.id,
      types: ['stream_activity'],
      afterSeq: 0,
      limit: 1,
    });
    if (stored.length !== 1 || (await store.lastSeq()) !== LINES + 1) throw new Error('lines were lost');
    return ms;
  } finally {
    await store.close();
  }
}

function rawRound(dir, round) {
  const db = new Database(join(dir, `raw-${round}.db`));
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec(`CREATE TABLE events (
      seq INTEGER PRIMARY KEY, run_id TEXT NOT NULL, type TEXT NOT NULL, step TEXT,
      origin TEXT NOT NULL, json TEXT NOT NULL);
      CREATE INDEX events_run ON events (run_id, seq);`);
    const insert = db.prepare(
      'INSERT INTO events (seq, run_id, type, step, origin, json) VALUES (?, ?, ?, ?, ?, ?)',
    );
    const runId = `bench-${round}`;
    const write = db.transaction((from, to) => {
      for (let i = from; i < to; i++) {
        const seq = i + 1;
        const event = {
          seq,
          ts: new Date().toISOString(),
          type: 'stream_activity',
          run_id: runId,
          step: 'build',
          stream: 'stdout',
          content: content(i),
        };
        insert.run(seq, runId, 'stream_activity', 'build', 'bench', JSON.stringify(event));
      }
    });
    const start = performance.now();
    for (let i = 0; i < LINES; i += BATCH) write(i, Math.min(LINES, i + BATCH));
    return performance.now() - start;
  } finally {
    db.close();
  }
}

const dir = mkdtempSync(join(tmpdir(), 'wave-bench-events-'));
try {
  await recorderRound(dir, 'warm');
  rawRound(dir, 'warm');
  const recorder = [];
  const raw = [];
  // Interleaved, so drift in machine load hits both sides alike.
  for (let r = 0; r < ROUNDS; r++) {
    recorder.push(await recorderRound(dir, r));
    raw.push(rawRound(dir, r));
  }
  const rate = (ms) => (LINES / ms) * 1000;
  const recorderRate = rate(median(recorder));
  const rawRate = rate(median(raw));
  const ratio = recorderRate / rawRate;
  report(
    `events: ${LINES.toLocaleString('en')} stream_activity lines, ${BATCH} per transaction`,
    [
      ['rounds (median of)', ROUNDS],
      ['baseline: raw better-sqlite3', `${Math.round(rawRate).toLocaleString('en')} lines/s`],
      ['EventRecorder + SqliteStore', `${Math.round(recorderRate).toLocaleString('en')} lines/s`],
      ['ratio (recorder / raw)', ratio.toFixed(2)],
    ],
    { ok: recorderRate >= 50_000 && ratio >= 0.5, text: '>= 50,000 lines/s and >= 0.5 of raw' },
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
