import { describe, expect, it } from 'vitest';
import type { WaveEvent } from '../../src/events/catalogue.js';
import { projectEvent } from '../../src/store/projection.js';
import { draft } from '../helpers/store.js';

const at = (d: ReturnType<typeof draft.stepFailed>, seq: number) =>
  ({ seq, ts: '2026-11-21T10:00:05.000Z', ...d }) as unknown as WaveEvent;

describe('projectEvent: what an event means for state, with plain values', () => {
  it('computes a failed step’s duration from its start, to the millisecond (no SQL date functions)', () => {
    const started = '2026-11-21T10:00:00.000Z';
    const failed = at(draft.stepFailed('r1', 'build', { ts: '2026-11-21T10:00:01.237Z' }), 2);
    const changes = projectEvent(failed, { stepStartedAt: () => started });
    expect(changes[0]).toMatchObject({
      op: 'stepFailed',
      status: 'failed',
      finishedAt: '2026-11-21T10:00:01.237Z',
      durationMs: 1237,
    });
    expect(changes[1]).toMatchObject({ op: 'attemptFinished', status: 'failed' });
  });

  it('leaves a step running, unfinished, while a retry is due; a never-started step has no duration', () => {
    const retrying = at(draft.stepFailed('r1', 'build', { willRetry: true }), 2);
    expect(projectEvent(retrying, { stepStartedAt: () => null })[0]).toMatchObject({
      status: 'running',
      finishedAt: null,
      durationMs: null,
    });
    const final = at(draft.stepFailed('r1', 'build'), 3);
    expect(projectEvent(final, { stepStartedAt: () => null })[0]).toMatchObject({ durationMs: null });
  });

  it('carries no state for events that announce none', () => {
    const line = {
      seq: 1,
      ...draft.line('r1', 'build', 'hello'),
      ts: '2026-11-21T10:00:00.000Z',
    } as WaveEvent;
    expect(projectEvent(line, { stepStartedAt: () => null })).toEqual([]);
  });
});
