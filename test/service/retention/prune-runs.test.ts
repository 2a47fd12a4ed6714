import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/logger.js';
import { policyFromConfig, policyOlderThan } from '../../../src/service/retention/cutoffs.js';
import { pruneRuns, type RunFileDirs } from '../../../src/service/retention/prune-runs.js';
import { RetentionTimer } from '../../../src/service/retention/retention-timer.js';
import type { Store } from '../../../src/store/store.js';
import { eventually } from '../../helpers/eventually.js';
import { draft, newRun, openStore, runAtGate, TestClock } from '../../helpers/store.js';
import { tempDir } from '../../helpers/tmp.js';

const DAY = 86_400_000;

function dirsIn(root: string): RunFileDirs {
  return { artifacts: join(root, '.wave/artifacts'), workspaces: join(root, '.wave/workspaces') };
}

/** A completed run with `lines` output lines, an artifact file and a workspace folder. */
async function finishedRun(store: Store, dirs: RunFileDirs, lines: number): Promise<string> {
  const { run } = await store.createRun(newRun());
  const body = Array.from({ length: lines }, (_, i) =>
    draft.line(run.id, 'build', `${'x'.repeat(200)} ${i}`),
  );
  await store.append(run.id, [draft.runStarted(run.id), ...body, draft.runCompleted(run.id)]);
  mkdirSync(join(dirs.artifacts, run.id, 'build'), { recursive: true });
  writeFileSync(join(dirs.artifacts, run.id, 'build', 'out.json'), '{}');
  mkdirSync(join(dirs.workspaces, run.id, 'build'), { recursive: true });
  return run.id;
}

const fileSize = (path: string) =>
  statSync(path).size + (existsSync(`${path}-wal`) ? statSync(`${path}-wal`).size : 0);

describe('pruneRuns', () => {
  it('deletes expired runs with their artifacts and workspaces, keeps active ones, and shrinks the file', async () => {
    const root = tempDir('wave-prune-');
    const dirs = dirsIn(root);
    const path = join(root, 'state.db');
    const clock = new TestClock();
    const store = openStore({ path, now: clock.now });
    const old: string[] = [];
    for (let i = 0; i < 30; i++) old.push(await finishedRun(store, dirs, 200));
    const gated = await runAtGate(store);
    mkdirSync(join(dirs.workspaces, gated, 'build'), { recursive: true });
    clock.advance(40 * DAY);
    const recent = await finishedRun(store, dirs, 5);
    const peak = fileSize(path);

    const dry = await pruneRuns(store, dirs, policyOlderThan(30 * DAY, clock.now()), { dryRun: true });
    expect(dry.runs.map((r) => r.id)).toEqual(old);
    expect(dry.space).toBeNull();
    expect(await store.getRun(old[0]!)).not.toBeNull();
    expect(existsSync(join(dirs.artifacts, old[0]!))).toBe(true);

    const report = await pruneRuns(store, dirs, policyOlderThan(30 * DAY, clock.now()), { dryRun: false });
    expect(report.runs.map((r) => r.id)).toEqual(old);
    for (const id of old) {
      expect(await store.getRun(id)).toBeNull();
      expect(existsSync(join(dirs.artifacts, id))).toBe(false);
      expect(existsSync(join(dirs.workspaces, id))).toBe(false);
    }
    expect(await store.getRun(gated)).toMatchObject({ status: 'waiting' });
    expect(existsSync(join(dirs.workspaces, gated))).toBe(true);
    expect(await store.getRun(recent)).not.toBeNull();
    expect(existsSync(join(dirs.artifacts, recent))).toBe(true);
    expect(report.space!.after_bytes).toBeLessThan(report.space!.before_bytes);
    expect(fileSize(path)).toBeLessThan(peak / 2);
  });

  it('switches a database made without incremental auto_vacuum, once, and reclaims its space', async () => {
    const root = tempDir('wave-prune-');
    const path = join(root, 'state.db');
    // A file from before: created by someone else, so the store leaves its mode as it was.
    const legacy = new Database(path);
    legacy.exec('CREATE TABLE legacy (x)');
    legacy.close();
    const store = openStore({ path });
    const mode = () => {
      const db = new Database(path, { readonly: true });
      try {
        return db.pragma('auto_vacuum', { simple: true });
      } finally {
        db.close();
      }
    };
    expect(mode()).toBe(0);
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) ids.push(await finishedRun(store, dirsIn(root), 200));
    const report = await pruneRuns(store, dirsIn(root), policyOlderThan(0, new Date(Date.now() + DAY)), {
      dryRun: false,
    });
    expect(report.runs).toHaveLength(20);
    expect(mode()).toBe(2);
    expect(report.space!.after_bytes).toBeLessThan(report.space!.before_bytes / 2);
  });

  it('storage.retention: runs, failed_runs (runs when unset) and logs, each on its own clock', async () => {
    const root = tempDir('wave-prune-');
    const clock = new TestClock();
    const store = openStore({ path: join(root, 'state.db'), now: clock.now });
    const dirs = dirsIn(root);
    const done = await finishedRun(store, dirs, 3);
    const { run: failed } = await store.createRun(newRun());
    await store.append(failed.id, [
      draft.runStarted(failed.id),
      {
        type: 'run_failed',
        run_id: failed.id,
        status: 'failed',
        duration_ms: 1,
        error: { code: 'exit_code', message: 'boom', step: 'build' },
      },
    ]);
    clock.advance(20 * DAY);
    const logged = await finishedRun(store, dirs, 3);
    clock.advance(15 * DAY);

    expect(policyFromConfig({ runs_ms: null, failed_runs_ms: null, logs_ms: null }, clock.now())).toBeNull();
    const policy = policyFromConfig(
      { runs_ms: 30 * DAY, failed_runs_ms: 90 * DAY, logs_ms: 14 * DAY },
      clock.now(),
    )!;
    const report = await pruneRuns(store, dirs, policy, { dryRun: false });
    expect(report.runs.map((r) => r.id)).toEqual([done]);
    expect(await store.getRun(failed.id)).not.toBeNull();
    expect(report.logs).toEqual({ runs: 1, lines: 3 });
    expect(await store.readOutput({ runId: logged, afterSeq: 0, limit: 10 })).toEqual([]);
    expect(await store.getRun(logged)).toMatchObject({ status: 'completed' });
  });

  it('RetentionTimer prunes at start and on every interval, with the injected clock', async () => {
    const root = tempDir('wave-prune-');
    const clock = new TestClock();
    const store = openStore({ path: join(root, 'state.db'), now: clock.now });
    const dirs = dirsIn(root);
    const first = await finishedRun(store, dirs, 1);
    const timer = new RetentionTimer(store, {
      retention: { runs_ms: DAY, failed_runs_ms: DAY, logs_ms: null },
      dirs,
      logger: silentLogger,
      intervalMs: 50,
      now: clock.now,
    });
    timer.start();
    try {
      // At start nothing is a day old yet.
      await timer.tick();
      expect(await store.getRun(first)).not.toBeNull();
      clock.advance(2 * DAY);
      await eventually(async () => (await store.getRun(first)) === null, 10_000, 'the first run pruned');
      const second = await finishedRun(store, dirs, 1);
      const gated = await runAtGate(store);
      clock.advance(2 * DAY);
      await eventually(async () => (await store.getRun(second)) === null, 10_000, 'the second run pruned');
      expect(await store.getRun(gated)).not.toBeNull();
    } finally {
      await timer.stop();
    }
  });
});
