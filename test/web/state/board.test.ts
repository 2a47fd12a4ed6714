import { describe, expect, it } from 'vitest';
import type { Run } from '../../../src/web/api/types.js';
import {
  applyBoardEvents,
  childRunIds,
  columnsOf,
  emptyBoard,
  FINISHED_STATUSES,
  matchesFilter,
  parentsWithNewChildren,
  statusesToLoad,
  unknownRunIds,
  upsertRuns,
} from '../../../src/web/state/board.js';
import { eventFactory, runDetail } from '../fixtures.js';

function run(id: string, extra: Partial<Run> = {}): Run {
  const { steps: _s, gates: _g, outcomes: _o, outputs: _p, ...summary } = runDetail({ id, ...extra });
  return summary;
}

const all = { pipeline: null, status: null };

describe('board', () => {
  it('buckets runs into their status columns: queued oldest first, others newest first', () => {
    const board = upsertRuns(emptyBoard, [
      run('q1', { status: 'queued', created_at: '2026-11-21T10:00:01Z' }),
      run('q2', { status: 'queued', created_at: '2026-11-21T10:00:02Z' }),
      run('c1', { status: 'completed', created_at: '2026-11-21T10:00:01Z' }),
      run('c2', { status: 'completed', created_at: '2026-11-21T10:00:03Z' }),
      run('w1', { status: 'waiting' }),
    ]);
    const columns = columnsOf(board, all);
    expect(columns.queued.map((r) => r.id)).toEqual(['q1', 'q2']);
    expect(columns.completed.map((r) => r.id)).toEqual(['c2', 'c1']);
    expect(columns.waiting.map((r) => r.id)).toEqual(['w1']);
    expect(columns.running).toEqual([]);
    expect(columns.failed).toEqual([]);
    expect(columns.cancelled).toEqual([]);
  });

  it('filters by pipeline and status', () => {
    const board = upsertRuns(emptyBoard, [
      run('a', { pipeline: 'quick', status: 'completed' }),
      run('b', { pipeline: 'slow', status: 'completed' }),
      run('c', { pipeline: 'quick', status: 'failed' }),
    ]);
    const quick = columnsOf(board, { pipeline: 'quick', status: null });
    expect(quick.completed.map((r) => r.id)).toEqual(['a']);
    expect(quick.failed.map((r) => r.id)).toEqual(['c']);
    const failed = columnsOf(board, { pipeline: null, status: 'failed' });
    expect(failed.completed).toEqual([]);
    expect(failed.failed.map((r) => r.id)).toEqual(['c']);
    expect(
      matchesFilter({ pipeline: 'quick', status: 'failed' }, { pipeline: 'quick', status: 'failed' }),
    ).toBe(true);
    expect(statusesToLoad(FINISHED_STATUSES, { pipeline: null, status: 'failed' })).toEqual(['failed']);
    expect(statusesToLoad(FINISHED_STATUSES, { pipeline: null, status: 'queued' })).toEqual([]);
  });

  it('moves runs between columns as their events arrive, without a fetch', () => {
    const make = eventFactory('r1');
    let board = upsertRuns(emptyBoard, [run('r1', { status: 'queued', queue_position: 1 })]);
    board = applyBoardEvents(board, [make({ type: 'run_started', pipeline: 'gated', resumed: false })]);
    expect(board.get('r1')).toMatchObject({ status: 'running', queue_position: null });
    board = applyBoardEvents(board, [make({ type: 'run_waiting', steps: ['ask'] })]);
    expect(columnsOf(board, all).waiting.map((r) => r.id)).toEqual(['r1']);
    board = applyBoardEvents(board, [
      make({ type: 'step_started', step: 'ship', kind: 'command', persona: null, attempt: 1 }),
      make({ type: 'run_completed', status: 'completed', duration_ms: 1234 }),
    ]);
    expect(board.get('r1')).toMatchObject({ status: 'completed', duration_ms: 1234 });
  });

  it('returns the same board when no event concerns it', () => {
    const board = upsertRuns(emptyBoard, [run('r1', { status: 'running' })]);
    const make = eventFactory('r2');
    expect(applyBoardEvents(board, [make({ type: 'run_waiting', steps: [] })])).toBe(board);
  });

  it('a stale fetch never takes a finished run back to an active column', () => {
    let board = upsertRuns(emptyBoard, [run('r1', { status: 'completed' })]);
    board = upsertRuns(board, [run('r1', { status: 'running' })]);
    expect(board.get('r1')!.status).toBe('completed');
    board = upsertRuns(board, [run('r1', { status: 'completed', duration_ms: 5 })]);
    expect(board.get('r1')!.duration_ms).toBe(5);
  });

  it('names the runs to fetch: new runs the filter wants and unknown runs that changed', () => {
    const board = upsertRuns(emptyBoard, [run('known', { status: 'running' })]);
    const events = [
      eventFactory('new1')({
        type: 'run_queued',
        pipeline: 'quick',
        queue_position: 1,
        trigger: { source: 'api', actor: null },
      }),
      eventFactory('new2')({
        type: 'run_queued',
        pipeline: 'slow',
        queue_position: 2,
        trigger: { source: 'api', actor: null },
      }),
      eventFactory('known')({ type: 'run_waiting', steps: [] }),
      eventFactory('old')({ type: 'run_completed', status: 'completed', duration_ms: 1 }),
      eventFactory('old')({ type: 'step_started', step: 's', kind: 'command', persona: null, attempt: 1 }),
    ];
    expect(unknownRunIds(board, events, all)).toEqual(['new1', 'new2', 'old']);
    expect(unknownRunIds(board, events, { pipeline: 'quick', status: null })).toEqual(['new1', 'old']);
  });

  it('holds top-level runs only: child runs are neither added nor fetched, their parent is', () => {
    const parent = run('p1', { status: 'running', child_count: 1 });
    const board = upsertRuns(emptyBoard, [
      parent,
      run('c0', { status: 'running', parent: { run_id: 'p1', step: 'each' } }),
    ]);
    expect([...board.keys()]).toEqual(['p1']);
    expect(columnsOf(board, all).running.map((r) => [r.id, r.child_count])).toEqual([['p1', 1]]);

    const ofParent = eventFactory('p1');
    const events = [
      eventFactory('c1')({
        type: 'run_queued',
        pipeline: 'review',
        queue_position: null,
        trigger: { source: 'pipeline', actor: 'p1' },
      }),
      ofParent({ type: 'child_run_started', step: 'each', child_run_id: 'c1', pipeline: 'review' }),
      eventFactory('c1')({ type: 'run_started', pipeline: 'review', resumed: false }),
      // Started before the board saw it queued (another filter): only the start event names it.
      eventFactory('c2')({ type: 'run_started', pipeline: 'review', resumed: false }),
      ofParent({ type: 'child_run_started', step: 'each', child_run_id: 'c2', pipeline: 'review' }),
      eventFactory('top')({
        type: 'run_queued',
        pipeline: 'quick',
        queue_position: 1,
        trigger: { source: 'api', actor: null },
      }),
    ];
    const children = new Set(childRunIds(events));
    expect([...children]).toEqual(['c1', 'c2']);
    expect(unknownRunIds(board, events, all, children)).toEqual(['top']);
    // Without knowing them, the board would fetch the children too.
    expect(unknownRunIds(board, events, all)).toEqual(['c1', 'c2', 'top']);
    expect(parentsWithNewChildren(board, events)).toEqual(['p1']);
    expect(parentsWithNewChildren(emptyBoard, events)).toEqual([]);
  });
});
