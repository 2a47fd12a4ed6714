import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { markGoneLocalInstances } from '../../src/scheduler/owner-liveness.js';
import { draft, exitedPid, newRun, openStore } from '../helpers/store.js';

describe('markGoneLocalInstances: a kill -9 owner is dead at once, not after its lease', () => {
  it('marks dead the instances of this host whose process is gone, and only those', async () => {
    const store = openStore();
    const gone = `${hostname()}:x:gone`;
    await store.registerInstance({ id: gone, host: hostname(), pid: await exitedPid(), role: 'all' });
    await store.registerInstance({ id: 'me', host: hostname(), pid: process.pid, role: 'all' });
    // Another host's pid means nothing here: only its lease can tell.
    await store.registerInstance({
      id: 'remote',
      host: `not-${hostname()}`,
      pid: await exitedPid(),
      role: 'all',
    });
    const { run } = await store.createRun(newRun({ claim: { owner: gone, leaseMs: 60_000 } }));
    await store.append(run.id, [draft.runStarted(run.id)]);
    expect(await store.claimRun(run.id, 'me', 1000)).toBeNull();

    await markGoneLocalInstances(store);

    expect((await store.listInstances()).map((i) => i.id).sort()).toEqual(['me', 'remote']);
    expect(await store.claimRun(run.id, 'me', 1000)).toMatchObject({ owner: 'me', status: 'running' });
  });
});
