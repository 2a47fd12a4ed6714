import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import type { ExecutorDeps } from '../../src/runs/executor.js';
import { RunScheduler } from '../../src/scheduler/run-scheduler.js';

/** Lets every pending promise continuation run. */
const settle = () => new Promise<void>((r) => setImmediate(r));

describe('RunScheduler.wake', () => {
  it('claims nothing before start (a local command’s scheduler), and claims at once after', async () => {
    let claims = 0;
    const store = {
      claimNextRun: async () => {
        claims++;
        return null;
      },
      findOrphans: async () => [],
    };
    const deps = {
      store,
      supervisor: { owner: 'test-owner' },
      bus: {},
      project: {},
      logger: silentLogger,
    } as unknown as ExecutorDeps;
    const scheduler = new RunScheduler(deps, {
      maxConcurrent: 1,
      recovery: 'resume',
      mock: false,
      logger: silentLogger,
    });
    scheduler.wake();
    await settle();
    expect(claims).toBe(0);
    await scheduler.start();
    await settle();
    const afterStart = claims;
    expect(afterStart).toBeGreaterThan(0);
    scheduler.wake();
    await settle();
    expect(claims).toBe(afterStart + 1);
    await scheduler.stop();
  });
});
