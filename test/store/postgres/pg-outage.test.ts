import { afterEach, describe, expect, it } from 'vitest';
import { EventRecorder } from '../../../src/engine/recorder.js';
import type { WaveEvent } from '../../../src/events/catalogue.js';
import { PostgresStore } from '../../../src/store/postgres/postgres-store.js';
import type { Store } from '../../../src/store/store.js';
import { eventually } from '../../helpers/eventually.js';
import { pgDatabase } from '../../helpers/pg.js';
import { draft, newRun } from '../../helpers/store.js';
import { startTcpProxy, viaProxy } from '../../helpers/tcp-proxy.js';

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

function describeEvent(e: WaveEvent): string {
  return e.type === 'stream_activity' ? e.content : e.type;
}

describe('PostgreSQL going away under a running step', () => {
  it('the step’s events wait for the database and are all written, in order, once it is back', async () => {
    const url = await pgDatabase();
    const proxy = await startTcpProxy(Number(new URL(url).port));
    stops.push(() => proxy.close());
    const store = new PostgresStore({ url: viaProxy(url, proxy), origin: 'worker', poolMax: 2 });
    stops.push(() => store.close());
    const direct = new PostgresStore({ url, origin: 'reader', poolMax: 2 });
    stops.push(() => direct.close());
    const { run } = await store.createRun(newRun());
    const recorder = new EventRecorder(store as unknown as Store, run.id);
    await recorder.emit(draft.stepStarted(run.id, 'build'));

    proxy.cut();
    // The step keeps producing output and finishes while the database is away.
    for (let i = 0; i < 50; i++) recorder.activity({ step: 'build', stream: 'stdout', content: `line ${i}` });
    const completed = recorder.emit(draft.stepCompleted(run.id, 'build', 5));
    let settled = false;
    void completed.finally(() => {
      settled = true;
    });
    // The writer tries again and again meanwhile; nothing is written, nothing fails: it waits.
    await eventually(() => proxy.refused() >= 3, 20_000, 'attempts while the database is away');
    expect(settled).toBe(false);
    expect((await direct.readEvents({ runId: run.id, afterSeq: 0, limit: 100 })).length).toBe(2);

    proxy.restore();
    const [event] = await completed;
    await recorder.flush();
    expect(event?.type).toBe('step_completed');
    const stored = (await direct.readEvents({ runId: run.id, afterSeq: 0, limit: 100 })).map(
      (r) => JSON.parse(r.json) as WaveEvent,
    );
    expect(stored.map(describeEvent)).toEqual([
      'run_queued',
      'step_started',
      ...Array.from({ length: 50 }, (_, i) => `line ${i}`),
      'step_completed',
    ]);
  });
});
