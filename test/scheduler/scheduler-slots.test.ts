import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import type { ExecutorDeps } from '../../src/runs/executor.js';
import { RunScheduler } from '../../src/scheduler/run-scheduler.js';
import type { RunRecord } from '../../src/store/store.js';

interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Lets every pending promise continuation run. */
const settle = () => new Promise<void>((r) => setImmediate(r));

/**
 * A store whose claims and run snapshots resolve only when the test says so: the scheduler's
 * slot accounting is checked at the exact moments where a claim and a slot request overlap.
 */
function fakeDeps() {
  const claims: Deferred<RunRecord | null>[] = [];
  const specs: Deferred<null>[] = [];
  const store = {
    claimNextRun: () => {
      const d = deferred<RunRecord | null>();
      claims.push(d);
      return d.promise;
    },
    getRunSpec: () => {
      const d = deferred<null>();
      specs.push(d);
      return d.promise;
    },
    getRun: async () => null,
    releaseRun: async () => undefined,
    findOrphans: async () => [],
  };
  const supervisor = { owner: 'test-owner', leaseMs: 30_000, track: () => ({}), untrack: () => undefined };
  const deps = { store, supervisor, bus: {}, project: {}, logger: silentLogger } as unknown as ExecutorDeps;
  return { deps, claims, specs };
}

const run = (id: string) => ({ id, pipeline: 'p', startedAt: null, options: {} }) as unknown as RunRecord;

describe('RunScheduler slots', () => {
  it('a slot asked for while a claim is in flight does not push the count over the cap', async () => {
    const { deps, claims, specs } = fakeDeps();
    const scheduler = new RunScheduler(deps, {
      maxConcurrent: 1,
      recovery: 'resume',
      mock: false,
      logger: silentLogger,
    });
    scheduler.pump();
    await settle();
    expect(claims).toHaveLength(1);

    // A run whose gate was just answered asks for a slot while the claim is in flight.
    let granted = false;
    const asked = scheduler.acquire('answered', new AbortController().signal).then(() => {
      granted = true;
    });
    claims[0]!.resolve(run('queued-1'));
    await settle();
    expect(scheduler.runningCount).toBeLessThanOrEqual(1);
    const holders = [
      granted ? 'answered' : null,
      scheduler.isExecuting('queued-1') ? 'queued-1' : null,
    ].filter(Boolean);
    expect(holders).toHaveLength(1);

    // When the holder ends, the waiting request is served before any further claim.
    for (const s of specs) s.resolve(null);
    await settle();
    await settle();
    if (!granted) {
      await asked;
      expect(granted).toBe(true);
    }
    expect(scheduler.runningCount).toBe(1);
    await scheduler.stop();
    for (const c of claims.slice(1)) c.resolve(null);
    await scheduler.drain();
  });

  it('an answered run waiting for a slot is served before queued runs', async () => {
    const { deps, claims, specs } = fakeDeps();
    const scheduler = new RunScheduler(deps, {
      maxConcurrent: 1,
      recovery: 'resume',
      mock: false,
      logger: silentLogger,
    });
    scheduler.pump();
    await settle();
    claims[0]!.resolve(run('first'));
    await settle();
    expect(scheduler.runningCount).toBe(1);
    const order: string[] = [];
    const asked = scheduler
      .acquire('answered', new AbortController().signal)
      .then(() => order.push('answered'));
    await settle();
    expect(order).toEqual([]);
    const claimsBefore = claims.length;
    // `first` ends (its snapshot is missing, so it ends at once): the slot goes to `answered`.
    specs[0]!.resolve(null);
    await asked;
    await settle();
    expect(order).toEqual(['answered']);
    expect(claims.length).toBe(claimsBefore);
    expect(scheduler.runningCount).toBe(1);
    scheduler.release('answered');
    await settle();
    expect(claims.length).toBe(claimsBefore + 1);
    await scheduler.stop();
    for (const c of claims) c.resolve(null);
    await scheduler.drain();
  });
});
