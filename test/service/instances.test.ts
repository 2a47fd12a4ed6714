import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { InstanceService } from '../../src/service/instances.js';
import { draft, newRun, openStore, TestClock } from '../helpers/store.js';

describe('InstanceService: the instances GET /api/health lists', () => {
  it('lists instances seen in the last minute with role, host, heartbeat and running runs', async () => {
    const clock = new TestClock();
    const store = openStore({ now: clock.now });
    await store.registerInstance({ id: 'old', host: 'h0', pid: 1, role: 'worker' });
    clock.advance(61_000);
    await store.registerInstance({ id: 'w1', host: 'h1', pid: 2, role: 'worker' });
    await store.registerInstance({ id: 'api', host: 'h2', pid: 3, role: 'api' });
    const { run } = await store.createRun(newRun({ claim: { owner: 'w1', leaseMs: 60_000 } }));
    await store.append(run.id, [draft.runStarted(run.id)]);

    const service = new InstanceService(store, { id: 'api', role: 'api' });
    expect(service.current).toEqual({ id: 'api', role: 'api', host: hostname() });
    expect(service.shared).toBe(false); // SQLite: one machine, nothing more to list
    const at = new Date(clock.ms).toISOString();
    expect(await service.seen(clock.ms)).toEqual([
      { id: 'api', role: 'api', host: 'h2', last_heartbeat_at: at, running: 0 },
      { id: 'w1', role: 'worker', host: 'h1', last_heartbeat_at: at, running: 1 },
    ]);
  });
});
