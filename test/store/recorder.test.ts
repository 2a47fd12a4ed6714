import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { EventRecorder } from '../../src/engine/recorder.js';
import { WaveError } from '../../src/errors.js';
import type { EventDraft, WaveEvent } from '../../src/events/catalogue.js';
import { pgStoreError } from '../../src/store/postgres/pg-db.js';
import type { Store } from '../../src/store/store.js';
import { eventually } from '../helpers/eventually.js';
import { draft, eventsOf, newRun, openStore } from '../helpers/store.js';

/**
 * The real store behind a proxy that records every append (one append = one transaction) and
 * can make the next ones fail, as a full disk would.
 */
function watched(store: Store) {
  const appends: EventDraft['type'][][] = [];
  const control = { failNext: 0, lose: 0, loseAnswer: 0 };
  const proxy = new Proxy(store, {
    get(target, prop) {
      if (prop === 'append') {
        return (runId: string, drafts: readonly EventDraft[], side?: Parameters<Store['append']>[2]) => {
          appends.push(drafts.map((d) => d.type));
          if (control.failNext > 0) {
            control.failNext--;
            return Promise.reject(new WaveError('store_unavailable', 'the disk is full (injected)'));
          }
          // The database away: the attempt never reached it.
          if (control.lose > 0) {
            control.lose--;
            return Promise.reject(pgStoreError('postgres://db:5432/wave', connectionRefused()));
          }
          // The connection dropped after the commit: written, but the answer lost.
          if (control.loseAnswer > 0) {
            control.loseAnswer--;
            return target.append(runId, drafts, side).then(() => {
              throw pgStoreError('postgres://db:5432/wave', new Error('Connection terminated unexpectedly'));
            });
          }
          return target.append(runId, drafts, side);
        };
      }
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { store: proxy, appends, control };
}

function connectionRefused(): Error {
  return Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
}

const line = (content: string) => ({ step: 'build', stream: 'stdout' as const, content });

function describeEvent(e: WaveEvent): string {
  return e.type === 'stream_activity' ? e.content : e.type;
}

async function setup() {
  const real = openStore();
  const { run } = await real.createRun(newRun());
  const w = watched(real);
  return { real, runId: run.id, ...w, recorder: new EventRecorder(w.store, run.id) };
}

describe('EventRecorder', () => {
  it('writes many lines in few transactions', async () => {
    const { real, runId, recorder, appends } = await setup();
    for (let i = 0; i < 5000; i++) recorder.activity(line(`line ${i}`));
    await recorder.flush();
    expect(appends.length).toBeLessThanOrEqual(3);
    const lines = (await eventsOf(real, runId)).filter((e) => e.type === 'stream_activity');
    expect(lines.map(describeEvent)).toEqual(Array.from({ length: 5000 }, (_, i) => `line ${i}`));
  });

  it('batches lines that arrive in chunks, as process output does', async () => {
    const { real, runId, recorder, appends } = await setup();
    for (let chunk = 0; chunk < 20; chunk++) {
      for (let i = 0; i < 250; i++) recorder.activity(line(`${chunk}.${i}`));
      await nextTurn();
    }
    await recorder.flush();
    expect(appends.length).toBeLessThanOrEqual(20);
    expect(appends.flat()).toHaveLength(5000);
    const lines = (await eventsOf(real, runId)).filter((e) => e.type === 'stream_activity');
    expect(lines).toHaveLength(5000);
    expect(lines.at(-1)).toMatchObject({ content: '19.249' });
  });

  it('keeps the order of lines and state events: pending lines go first', async () => {
    const { real, runId, recorder, appends } = await setup();
    recorder.activity(line('a1'));
    recorder.activity(line('a2'));
    const started = recorder.emit(draft.stepStarted(runId, 'build'));
    recorder.activity(line('a3'));
    const completed = recorder.emit([draft.stepCompleted(runId, 'build', 5)], {
      usage: { step: 'build', usage: { tokens_in: 1, tokens_out: 2, cost_usd: 0 } },
    });
    recorder.activity(line('a4'));
    const [s] = await started;
    const [c] = await completed;
    await recorder.flush();
    expect(s?.type).toBe('step_started');
    expect(c?.type).toBe('step_completed');
    expect((await eventsOf(real, runId)).map(describeEvent)).toEqual([
      'run_queued',
      'a1',
      'a2',
      'step_started',
      'a3',
      'step_completed',
      'a4',
    ]);
    // Pending lines share the state event's transaction.
    expect(appends).toEqual([
      ['stream_activity', 'stream_activity', 'step_started'],
      ['stream_activity', 'step_completed'],
      ['stream_activity'],
    ]);
    expect((await real.listSteps(runId))[0]?.usage).toEqual({ tokens_in: 1, tokens_out: 2, cost_usd: 0 });
  });

  it('writes lines on its own shortly after they arrive', async () => {
    const { real, runId, recorder } = await setup();
    recorder.activity(line('by itself'));
    await eventually(
      async () => (await eventsOf(real, runId)).some((e) => e.type === 'stream_activity'),
      5000,
      'the line to be written without a flush',
    );
    await recorder.flush(); // nothing left: resolves
  });

  it('reports a failing store on the next flush, and on an emit whose lines cannot be written', async () => {
    const { real, runId, recorder } = await setup();
    recorder.activity(line('lost'));
    await real.close();
    const err = await recorder.flush().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WaveError);
    expect(err).toMatchObject({ code: 'store_unavailable' });
    // Every later flush says so too.
    await expect(recorder.flush()).rejects.toBe(err);

    recorder.activity(line('also lost'));
    await expect(recorder.emit(draft.stepStarted(runId, 'build'))).rejects.toMatchObject({
      code: 'store_unavailable',
    });
  });

  it('reports a background flush that failed on the next flush', async () => {
    const { recorder, appends, control } = await setup();
    control.failNext = 1;
    recorder.activity(line('lost'));
    await eventually(() => appends.length === 1, 5000, 'the timed flush to run');
    await expect(recorder.flush()).rejects.toThrow('the disk is full (injected)');
  });

  it('never writes a state event ahead of lines that failed to be written', async () => {
    const { real, runId, recorder, control } = await setup();
    recorder.activity(line('a1'));
    control.failNext = 1;
    await expect(recorder.emit(draft.stepStarted(runId, 'build'))).rejects.toThrow('injected');
    expect((await eventsOf(real, runId)).map(describeEvent)).toEqual(['run_queued']);
  });

  it('waits out the database going away: nothing lost, nothing reordered, the run carries on', async () => {
    const { real, runId, recorder, control, appends } = await setup();
    recorder.activity(line('before'));
    await recorder.flush();
    control.lose = 4;
    recorder.activity(line('during 1'));
    const started = recorder.emit(draft.stepStarted(runId, 'build'));
    recorder.activity(line('during 2'));
    const [s] = await started;
    await recorder.flush();
    expect(s?.type).toBe('step_started');
    expect(control.lose).toBe(0);
    expect(appends.length).toBeGreaterThanOrEqual(6);
    expect((await eventsOf(real, runId)).map(describeEvent)).toEqual([
      'run_queued',
      'before',
      'during 1',
      'step_started',
      'during 2',
    ]);
  });

  it('an attempt that committed but lost its answer is not written twice', async () => {
    const { real, runId, recorder, control } = await setup();
    recorder.activity(line('a1'));
    await recorder.flush();
    control.loseAnswer = 1;
    const [s] = await recorder.emit(draft.stepStarted(runId, 'build'));
    control.loseAnswer = 1;
    recorder.activity(line('a2'));
    recorder.activity(line('a3'));
    await recorder.flush();
    const stored = await eventsOf(real, runId);
    expect(stored.map(describeEvent)).toEqual(['run_queued', 'a1', 'step_started', 'a2', 'a3']);
    // The caller gets the events as committed, seq included.
    expect(s).toEqual(stored[2]);
  });

  it("a never-started run's first batch that lost its answer is found without reading the last seq", async () => {
    const real = openStore();
    // Other runs' events before this one's: the search must not need them to be few.
    for (let i = 0; i < 3; i++) await real.createRun(newRun());
    const { run } = await real.createRun(newRun());
    const w = watched(real);
    let lastSeqReads = 0;
    const counted = new Proxy(w.store, {
      get(target, prop, receiver) {
        if (prop === 'lastSeq') lastSeqReads++;
        return Reflect.get(target, prop, receiver);
      },
    });
    const recorder = new EventRecorder(counted, run.id, { neverStarted: true });
    w.control.loseAnswer = 1;
    const [started] = await recorder.emit(draft.runStarted(run.id));
    await recorder.emit(draft.stepStarted(run.id, 'build'));
    const stored = await eventsOf(real, run.id);
    expect(stored.map(describeEvent)).toEqual(['run_queued', 'run_started', 'step_started']);
    expect(started).toEqual(stored[1]);
    expect(lastSeqReads).toBe(0);
  });

  it('a halted run stops waiting for the database: another worker may own it once it is back', async () => {
    const real = openStore();
    const { run } = await real.createRun(newRun());
    const w = watched(real);
    let halted = false;
    const recorder = new EventRecorder(w.store, run.id, { halted: () => halted });
    w.control.lose = 1_000_000;
    const started = recorder.emit(draft.runStarted(run.id));
    await eventually(() => w.appends.length >= 2, 5000, 'attempts while the database is away');
    halted = true;
    await expect(started).rejects.toMatchObject({ code: 'store_unavailable' });
    expect(await eventsOf(real, run.id)).toHaveLength(1);
  });

  it('a state event nothing waits for goes with the next one, or on its own shortly after', async () => {
    const { real, runId, recorder, appends } = await setup();
    recorder.soon(draft.runStarted(runId));
    recorder.activity(line('a1'));
    const [started] = await recorder.emit(draft.stepStarted(runId, 'build'));
    expect(appends).toEqual([['run_started', 'stream_activity', 'step_started']]);
    expect(started?.type).toBe('step_started');
    recorder.soon(draft.runStarted(runId, true));
    await eventually(() => appends.length === 2, 5000, 'the lone event written on its own');
    expect((await eventsOf(real, runId)).map(describeEvent)).toEqual([
      'run_queued',
      'run_started',
      'a1',
      'step_started',
      'run_started',
    ]);
  });
});
