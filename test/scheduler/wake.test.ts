import { afterEach, describe, expect, it, vi } from 'vitest';
import { EventBus } from '../../src/events/bus.js';
import { silentLogger } from '../../src/logger.js';
import type { ExecutorDeps } from '../../src/runs/executor.js';
import { RunScheduler } from '../../src/scheduler/run-scheduler.js';
import { ChangeFeed } from '../../src/store/change-feed.js';
import { openStore } from '../helpers/store.js';

/** Lets every pending promise continuation run. */
const settle = () => new Promise<void>((r) => setImmediate(r));

const stops: (() => unknown)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

describe('RunScheduler.wake', () => {
  it('claims nothing before start (a local command’s scheduler), and claims at once after', async () => {
    const store = openStore();
    stops.push(() => store.close());
    const bus = new EventBus();
    const changes = new ChangeFeed(store, bus, { origin: 'test', logger: silentLogger });
    await changes.start();
    stops.push(() => changes.stop());
    const claim = vi.spyOn(store, 'claimNextRun');
    const deps = {
      store,
      bus,
      changes,
      supervisor: { owner: 'test-owner', leaseMs: 30_000 },
      project: {},
      logger: silentLogger,
    } as unknown as ExecutorDeps;
    const scheduler = new RunScheduler(deps, {
      maxConcurrent: 1,
      recovery: 'resume',
      mock: false,
      logger: silentLogger,
    });
    stops.push(() => scheduler.stop());
    scheduler.wake();
    await settle();
    expect(claim).not.toHaveBeenCalled();
    await scheduler.start();
    await settle();
    const afterStart = claim.mock.calls.length;
    expect(afterStart).toBeGreaterThan(0);
    scheduler.wake();
    await settle();
    expect(claim.mock.calls.length).toBe(afterStart + 1);
  });
});
