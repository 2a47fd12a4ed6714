import { describe, expect, it } from 'vitest';
import type { Run } from '../../../src/web/api/types.js';
import { childEventCount, childRowsByStep, childSummary } from '../../../src/web/state/child-runs.js';
import { eventFactory, runDetail, step } from '../fixtures.js';

function child(id: string, extra: Partial<Run> = {}): Run {
  const {
    steps: _s,
    gates: _g,
    outcomes: _o,
    outputs: _p,
    ...summary
  } = runDetail({
    id,
    pipeline: 'review',
    parent: { run_id: 'p1', step: 'each' },
    ...extra,
  });
  return summary;
}

const make = eventFactory('p1');
const detail = runDetail({
  id: 'p1',
  steps: [
    step('prepare', { status: 'completed' }),
    step('each', { kind: 'iterate', status: 'running', children: ['c0', 'c1', 'c2'] }),
  ],
});

describe('child runs of a run page', () => {
  it('lists each step’s children in item order with the fetched pipeline and status', () => {
    const rows = childRowsByStep(
      detail,
      [
        child('c2', { status: 'running', started_at: '2026-11-21T10:00:02Z' }),
        child('c0', { status: 'completed', duration_ms: 1200 }),
        child('c1', { status: 'failed', pipeline: 'lint' }),
      ],
      [],
    );
    expect([...rows.keys()]).toEqual(['each']);
    expect(rows.get('each')!.map((r) => [r.index, r.id, r.pipeline, r.status, r.duration_ms])).toEqual([
      [0, 'c0', 'review', 'completed', 1200],
      [1, 'c1', 'lint', 'failed', null],
      [2, 'c2', 'review', 'running', null],
    ]);
    expect(rows.get('each')![2]!.started_at).toBe('2026-11-21T10:00:02Z');
    expect(childSummary(rows.get('each')!)).toBe('3 child runs: 1 completed, 1 failed, 1 running');
  });

  it('applies the parent’s child events on top: new children appear, finished ones change status', () => {
    const events = [
      make({ type: 'child_run_finished', step: 'each', child_run_id: 'c2', status: 'cancelled' }),
      make({ type: 'child_run_started', step: 'each', child_run_id: 'c3', pipeline: 'review' }),
      make({ type: 'child_run_started', step: 'each', child_run_id: 'c0', pipeline: 'review' }),
      make({ type: 'child_run_finished', step: 'each', child_run_id: 'unknown', status: 'failed' }),
    ];
    // c0 and c1 are not fetched yet: known by id; c0's start event says it runs.
    const rows = childRowsByStep(detail, [child('c2', { status: 'running' })], events).get('each')!;
    expect(rows.map((r) => [r.index, r.id, r.pipeline, r.status])).toEqual([
      [0, 'c0', 'review', 'running'],
      [1, 'c1', null, null],
      [2, 'c2', 'review', 'cancelled'],
      [null, 'c3', 'review', 'running'],
    ]);
    expect(childSummary(rows)).toBe('4 child runs: 2 running, 1 unknown, 1 cancelled');
    expect(childEventCount(events)).toBe(4);
    expect(childEventCount([make({ type: 'run_started', pipeline: 'p', resumed: false })])).toBe(0);
  });

  it('has no rows for a run without composition steps', () => {
    expect(childRowsByStep(runDetail(), [], []).size).toBe(0);
    expect(childSummary([{ ...childRowsByStep(detail, [], []).get('each')![0]!, status: 'queued' }])).toBe(
      '1 child run: 1 queued',
    );
  });
});
