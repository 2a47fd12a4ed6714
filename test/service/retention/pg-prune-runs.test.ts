import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { policyOlderThan } from '../../../src/service/retention/cutoffs.js';
import { pruneRuns, type RunFileDirs } from '../../../src/service/retention/prune-runs.js';
import type { Store } from '../../../src/store/store.js';
import { pgStores } from '../../helpers/pg-store.js';
import { draft, newRun, runAtGate, TestClock } from '../../helpers/store.js';
import { tempDir } from '../../helpers/tmp.js';

const DAY = 86_400_000;
const openStore = pgStores();

describe('pruneRuns on PostgreSQL, two servers at once', () => {
  it('each expired run is deleted (and reported) by exactly one server; active and recent runs stay', async () => {
    const clock = new TestClock();
    const [a, b] = ['a', 'b'].map(
      (origin) => openStore({ path: 'shared', origin, now: clock.now }) as unknown as Store,
    );
    const root = tempDir('wave-pg-prune-');
    const dirs: RunFileDirs = { artifacts: join(root, 'artifacts'), workspaces: join(root, 'workspaces') };
    const old: string[] = [];
    for (let i = 0; i < 60; i++) {
      const store = i % 2 ? a! : b!;
      const { run } = await store.createRun(newRun());
      const lines = Array.from({ length: 30 }, (_, n) => draft.line(run.id, 'build', `line ${n}`));
      await store.append(run.id, [draft.runStarted(run.id), ...lines, draft.runCompleted(run.id)]);
      mkdirSync(join(dirs.workspaces, run.id), { recursive: true });
      old.push(run.id);
    }
    const gated = await runAtGate(a!);
    clock.advance(40 * DAY);
    const { run: recent } = await b!.createRun(newRun());
    await b!.append(recent.id, [draft.runStarted(recent.id), draft.runCompleted(recent.id)]);

    const policy = policyOlderThan(30 * DAY, clock.now());
    const reports = await Promise.all([a, b].map((s) => pruneRuns(s!, dirs, policy, { dryRun: false })));
    const pruned = reports.flatMap((r) => r.runs.map((run) => run.id));
    expect([...pruned].sort()).toEqual([...old].sort());
    for (const r of reports) if (r.runs.length > 0) expect(r.space?.before_bytes).toBeGreaterThan(0);
    for (const id of old) {
      expect(await a!.getRun(id)).toBeNull();
      expect(existsSync(join(dirs.workspaces, id))).toBe(false);
    }
    expect(await b!.getRun(gated)).not.toBeNull();
    expect(await a!.getRun(recent.id)).not.toBeNull();
    expect(await a!.readOutput({ runId: old[0]!, afterSeq: 0, limit: 10 })).toEqual([]);
  });
});
