import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PostgresStore } from '../../../src/store/postgres/postgres-store.js';
import { pgStores } from '../../helpers/pg-store.js';
import { draft, newRun } from '../../helpers/store.js';
import { tempDir } from '../../helpers/tmp.js';

const openStore = pgStores();

describe('PostgresStore sub-stores', () => {
  it('wait for the store to be migrated: called at once on a fresh database, they work', async () => {
    const store = openStore();
    const [schedules, cursor, prunable] = await Promise.all([
      store.schedules.list(),
      store.deliveries.deliveryCursor(),
      store.retention.findPrunableRuns({ completed: '9999', failed: '9999', cancelled: '9999' }, 10),
    ]);
    expect([schedules, cursor, prunable]).toEqual([[], null, []]);
  });

  it('pruning a run removes the copies of its large artifacts from the shared artifact folder', async () => {
    const shared = tempDir('wave-shared-artifacts-');
    const local = join(tempDir('wave-project-'), 'big.bin');
    writeFileSync(local, Buffer.alloc(64, 1));
    const store = openStore({ artifactDir: shared, artifactInlineLimit: 16 });
    const { run } = await store.createRun(newRun());
    await store.append(
      run.id,
      [
        draft.runStarted(run.id),
        { type: 'artifact_written', run_id: run.id, step: 'build', name: 'big', size: 64, sha256: 'x' },
        draft.runCompleted(run.id),
      ],
      { artifacts: [{ step: 'build', name: 'big', path: local, type: 'binary' }] },
    );
    const [artifact] = await store.listArtifacts(run.id);
    expect(artifact!.path.startsWith(join(shared, run.id))).toBe(true);
    expect(existsSync(artifact!.path)).toBe(true);
    expect(await store.retention.deleteRuns([run.id])).toEqual([run.id]);
    expect(existsSync(join(shared, run.id))).toBe(false);
    expect(existsSync(local)).toBe(true);
  });

  it('an unreachable database is store_unavailable naming the host, never the password', async () => {
    const store = new PostgresStore({ url: 'postgres://wave:secret-pw@127.0.0.1:1/wave', origin: 'test' });
    try {
      for (const call of [
        () => store.schedules.list(),
        () => store.deliveries.claimDueDeliveries('me', 0, 1000, 1),
        () => store.retention.reclaimSpace(),
      ]) {
        const err = (await call().catch((e: unknown) => e)) as Error & { code?: string };
        expect(err.code).toBe('store_unavailable');
        expect(err.message).toMatch(/cannot reach the PostgreSQL store at 127\.0\.0\.1:1/);
        expect(err.message).not.toContain('secret-pw');
      }
    } finally {
      await store.close();
    }
  });
});
