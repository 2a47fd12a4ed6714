import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EventBus } from '../../src/events/bus.js';
import type { WaveEvent } from '../../src/events/catalogue.js';
import { silentLogger } from '../../src/logger.js';
import { RunSupervisor } from '../../src/runs/supervisor.js';
import { LEASE_MS, newOwnerId } from '../../src/scheduler/leases.js';
import { draft, newRun, openStore, runAtGate, waitFor } from '../helpers/store.js';
import { tempDir } from '../helpers/tmp.js';

const supervisors: RunSupervisor[] = [];
afterEach(async () => {
  for (const s of supervisors.splice(0)) await s.stop();
});

/**
 * This process (store, bus, supervisor, as createContext wires them) and another process's
 * store on the same file, with its own origin.
 */
async function twoProcesses() {
  const path = join(tempDir(), 'state.db');
  const bus = new EventBus();
  const received: WaveEvent[] = [];
  bus.subscribe((events) => received.push(...events));
  const store = openStore({ path, origin: 'here', onCommit: (events) => bus.publish(events) });
  const other = openStore({ path, origin: 'there' });
  const owner = newOwnerId();
  const supervisor = new RunSupervisor(store, bus, owner, 'here', silentLogger);
  supervisors.push(supervisor);
  return { store, other, bus, received, owner, supervisor };
}

describe('RunSupervisor', () => {
  it('aborts a tracked run within a second of a cancel requested by another process', async () => {
    const { store, other, owner, supervisor } = await twoProcesses();
    const { run } = await store.createRun(newRun({ mode: 'local', claim: { owner, leaseMs: LEASE_MS } }));
    await store.append(run.id, [draft.runStarted(run.id)]);
    const untouched = (await store.createRun(newRun({ mode: 'local', claim: { owner, leaseMs: LEASE_MS } })))
      .run;
    await supervisor.start();
    const tracked = supervisor.track(run.id);
    const bystander = supervisor.track(untouched.id);

    const aborted = new Promise<number>((resolve) =>
      tracked.signal.addEventListener('abort', () => resolve(Date.now()), { once: true }),
    );
    const requestedAt = Date.now();
    expect((await other.requestCancel(run.id, 'bob'))?.kind).toBe('requested');
    const at = await Promise.race([aborted, new Promise<null>((r) => setTimeout(() => r(null), 5000))]);
    expect(at, 'the signal was not aborted within 5 s').not.toBeNull();
    expect(at! - requestedAt).toBeLessThan(1000);
    expect(tracked.cancelledBy()).toBe('bob');
    expect(bystander.signal.aborted).toBe(false);
  });

  it("publishes other processes' events on the bus, and never republishes its own", async () => {
    const { store, other, received, supervisor } = await twoProcesses();
    const runId = await runAtGate(store);
    await supervisor.start(); // what was there before is history, not news
    const startedAt = received.length;

    const [mine1] = await store.append(runId, [draft.line(runId, 'review', 'mine 1')]);
    const theirs = await other.answerGate(runId, 'review', {
      choice: 'approve',
      text: null,
      by: 'bob',
      timedOut: false,
    });
    const [mine2] = await store.append(runId, [draft.stepCompleted(runId, 'review', 1)]);
    const [theirs2] = await other.append(runId, [draft.line(runId, 'ship', 'theirs 2')]);
    // Once their last event is here, the supervisor has read past every seq before it.
    await waitFor('the other process’s events on this bus', () =>
      received.some((e) => e.seq === theirs2?.seq),
    );

    // Each exactly once. Ours come at commit, theirs at the next poll: the bus is not in seq order.
    const news = received.slice(startedAt);
    expect(news.map((e) => e.seq).sort((a, b) => a - b)).toEqual([
      mine1!.seq,
      theirs!.seq,
      mine2!.seq,
      theirs2!.seq,
    ]);
    expect(news).toEqual(expect.arrayContaining([theirs, theirs2, mine1, mine2]));
    // One more foreign event after a quiet spell: still no duplicate of ours.
    const [theirs3] = await other.append(runId, [draft.line(runId, 'ship', 'theirs 3')]);
    await waitFor('a later foreign event', () => received.some((e) => e.seq === theirs3?.seq));
    const seqs = received.map((e) => e.seq);
    expect(new Set(seqs).size).toBe(seqs.length);
  });
});
