import { describe, expect, it } from 'vitest';
import { pgStores } from '../../helpers/pg-store.js';
import { newRun, runAtGate } from '../../helpers/store.js';

const openStore = pgStores();

describe('PostgreSQL: the first of many instances wins', () => {
  const instances = () => Array.from({ length: 3 }, (_, i) => openStore({ path: 'shared', origin: `i${i}` }));

  it('of 20 concurrent rememberKey calls over three instances exactly one is new', async () => {
    const stores = instances();
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        stores[i % 3]!.rememberKey('webhook:github', 'delivery-1', 60_000),
      ),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    // Forgotten (its processing failed), it is new again exactly once.
    await stores[1]!.forgetKey('webhook:github', 'delivery-1');
    const again = await Promise.all(stores.map((s) => s.rememberKey('webhook:github', 'delivery-1', 60_000)));
    expect(again.filter(Boolean)).toHaveLength(1);
  });

  it('of 12 concurrent creates with one Idempotency-Key over three instances exactly one creates', async () => {
    const stores = instances();
    const idempotency = { key: 'slot-1', actor: null, fingerprint: 'f' };
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) => stores[i % 3]!.createRun(newRun({ id: `dup-${i}`, idempotency }))),
    );
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.run.id)).size).toBe(1);
  });

  it('of 20 concurrent answers over three instances exactly one wins', async () => {
    const stores = instances();
    const runId = await runAtGate(stores[0]!);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        stores[i % 3]!.answerGate(runId, 'review', {
          choice: 'approve',
          text: null,
          by: `u${i}`,
          timedOut: false,
        }),
      ),
    );
    expect(results.filter((r) => r !== null)).toHaveLength(1);
    const [gate] = await stores[2]!.listGates(runId);
    expect(gate?.status).toBe('answered');
  });

  it('servers registering at once with dead instances to forget neither wait nor deadlock', async () => {
    const stores = instances();
    for (let i = 0; i < 10; i++) await stores[0]!.registerInstance({ id: `old-${i}`, host: 'h', pid: i });
    for (let i = 0; i < 10; i++) await stores[0]!.markInstanceDead(`old-${i}`);
    await Promise.all(
      stores.flatMap((s, i) =>
        Array.from({ length: 5 }, (_, k) =>
          s.registerInstance({ id: `new-${i}-${k}`, host: 'h', pid: 100 + k }),
        ),
      ),
    );
    const ids = (await stores[0]!.listInstances()).map((r) => r.id);
    expect(ids).toHaveLength(15);
    expect(ids.some((id) => id.startsWith('old-'))).toBe(false);
  });
});
