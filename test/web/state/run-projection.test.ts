import { describe, expect, it } from 'vitest';
import type { WaveEvent } from '../../../src/events/catalogue.js';
import { EventLedger } from '../../../src/web/state/event-ledger.js';
import { applyEventsToDetail, applyEventToRun } from '../../../src/web/state/run-projection.js';
import { eventFactory, runDetail } from '../fixtures.js';

/** The events of the `gated` pipeline up to its gate, then its answer and the end. */
function gatedRun() {
  const make = eventFactory();
  const upToGate = [
    make({
      type: 'run_queued',
      pipeline: 'gated',
      queue_position: 1,
      trigger: { source: 'ui', actor: 'local' },
    }),
    make({ type: 'run_started', pipeline: 'gated', resumed: false }),
    make({ type: 'step_started', step: 'build', kind: 'command', persona: null, attempt: 1 }),
    make({ type: 'stream_activity', step: 'build', stream: 'stdout', content: 'built' }),
    make({ type: 'artifact_written', step: 'build', name: 'out.txt', size: 6, sha256: 'ab'.repeat(32) }),
    make({ type: 'step_completed', step: 'build', status: 'success', duration_ms: 12.4, attempt: 1 }),
    make({ type: 'step_started', step: 'ask', kind: 'gate', persona: null, attempt: 1 }),
    make({
      type: 'gate_waiting',
      step: 'ask',
      prompt: 'Ship it?',
      choices: [
        { key: 'yes', label: 'Ship', target: null },
        { key: 'no', label: 'Stop', target: '_fail' },
      ],
      freeform: true,
      default: null,
      timeout_at: null,
    }),
    make({ type: 'run_waiting', steps: ['ask'] }),
  ];
  const afterGate = [
    make({ type: 'gate_answered', step: 'ask', choice: 'yes', text: 'go', by: 'bob', timed_out: false }),
    make({ type: 'step_completed', step: 'ask', status: 'success', duration_ms: 900, attempt: 1 }),
    make({ type: 'step_started', step: 'ship', kind: 'command', persona: null, attempt: 1 }),
    make({ type: 'step_completed', step: 'ship', status: 'success', duration_ms: 5, attempt: 1 }),
    make({ type: 'run_completed', status: 'completed', duration_ms: 2000 }),
  ];
  return { upToGate, afterGate };
}

describe('run projection', () => {
  it('follows a run to its gate: statuses, attempts, artifacts, the waiting gate', () => {
    const { upToGate } = gatedRun();
    const d = applyEventsToDetail(runDetail(), upToGate);
    expect(d.status).toBe('waiting');
    expect(d.started_at).toBe(upToGate[1]!.ts);
    expect(d.queue_position).toBeNull();
    expect(d.steps.map((s) => `${s.id}:${s.status}`)).toEqual([
      'build:completed',
      'ask:waiting',
      'ship:pending',
    ]);
    const build = d.steps[0]!;
    expect(build.attempts).toBe(1);
    expect(build.duration_ms).toBe(12);
    expect(build.artifacts).toEqual([{ name: 'out.txt', size: 6, sha256: 'ab'.repeat(32) }]);
    expect(d.gates).toHaveLength(1);
    expect(d.gates[0]).toMatchObject({ step: 'ask', status: 'waiting', prompt: 'Ship it?', answer: null });
  });

  it('records who answered the gate, then the run continues and completes', () => {
    const { upToGate, afterGate } = gatedRun();
    const d = applyEventsToDetail(runDetail(), [...upToGate, ...afterGate]);
    expect(d.gates[0]).toMatchObject({
      status: 'answered',
      answer: { choice: 'yes', text: 'go', by: 'bob', at: afterGate[0]!.ts },
    });
    expect(d.status).toBe('completed');
    expect(d.finished_at).toBe(afterGate.at(-1)!.ts);
    expect(d.duration_ms).toBe(2000);
    expect(d.steps.every((s) => s.status === 'completed')).toBe(true);
  });

  it("the run's own artifact (_run/diff) joins the run's artifacts, not a step's", () => {
    const { upToGate, afterGate } = gatedRun();
    const make = eventFactory();
    const diff = make({
      type: 'artifact_written',
      step: '_run',
      name: 'diff',
      size: 40,
      sha256: 'cd'.repeat(32),
    });
    const d = applyEventsToDetail(runDetail(), [
      ...upToGate,
      ...afterGate.slice(0, -1),
      diff,
      afterGate.at(-1)!,
    ]);
    expect(d.artifacts).toEqual([{ name: 'diff', size: 40, sha256: 'cd'.repeat(32) }]);
    expect(d.steps.flatMap((s) => s.artifacts.map((a) => a.name))).toEqual(['out.txt']);
  });

  it('does not mutate its input', () => {
    const { upToGate } = gatedRun();
    const before = runDetail();
    const copy = structuredClone(before);
    applyEventsToDetail(before, upToGate);
    expect(before).toEqual(copy);
  });

  it('a non-gate step starting takes a waiting run back to running; a gate does not', () => {
    const make = eventFactory('r1', 100);
    const waiting = runDetail({ status: 'waiting' });
    const gate = make({ type: 'step_started', step: 'ask', kind: 'gate', persona: null, attempt: 1 });
    expect(applyEventsToDetail(waiting, [gate]).status).toBe('waiting');
    const cmd = make({ type: 'step_started', step: 'ship', kind: 'command', persona: null, attempt: 1 });
    expect(applyEventsToDetail(waiting, [cmd]).status).toBe('running');
  });

  it('cancelling marks unfinished steps cancelled and keeps finished ones', () => {
    const { upToGate } = gatedRun();
    const make = eventFactory('r1', 500);
    const d = applyEventsToDetail(runDetail(), [
      ...upToGate,
      make({ type: 'run_cancelled', status: 'cancelled', duration_ms: 50, by: 'alice' }),
    ]);
    expect(d.status).toBe('cancelled');
    expect(d.steps.map((s) => `${s.id}:${s.status}`)).toEqual([
      'build:completed',
      'ask:cancelled',
      'ship:cancelled',
    ]);
  });

  it('a gate still waiting when its run is cancelled or fails becomes cancelled', () => {
    const { upToGate } = gatedRun();
    const make = eventFactory('r1', 500);
    for (const end of [
      make({ type: 'run_cancelled', status: 'cancelled', duration_ms: 50, by: 'alice' }),
      make({
        type: 'run_failed',
        status: 'failed',
        duration_ms: 50,
        error: { code: 'interrupted', message: 'the server stopped', step: null },
      }),
    ]) {
      const d = applyEventsToDetail(runDetail(), [...upToGate, end]);
      expect(d.gates.map((g) => `${g.step}:${g.status}`)).toEqual(['ask:cancelled']);
      expect(d.gates[0]!.answer).toBeNull();
    }
  });

  it('a failed attempt that will be retried leaves the step running', () => {
    const make = eventFactory();
    const error = { code: 'exit_code', message: 'exit 1' };
    const retrying = applyEventsToDetail(runDetail({ status: 'running' }), [
      make({ type: 'step_started', step: 'build', kind: 'command', persona: null, attempt: 1 }),
      make({ type: 'step_failed', step: 'build', error, attempt: 1, will_retry: true }),
    ]);
    expect(retrying.steps[0]).toMatchObject({ status: 'running', error });
    const failed = applyEventsToDetail(retrying, [
      make({ type: 'step_started', step: 'build', kind: 'command', persona: null, attempt: 2 }),
      make({ type: 'step_failed', step: 'build', error, attempt: 2, will_retry: false }),
      make({ type: 'step_skipped', step: 'ask', reason: 'dependency build failed' }),
      make({ type: 'run_failed', status: 'failed', duration_ms: 9, error: { ...error, step: 'build' } }),
    ]);
    expect(failed.steps.map((s) => `${s.id}:${s.status}:${s.attempts}`)).toEqual([
      'build:failed:2',
      'ask:skipped:0',
      'ship:pending:0',
    ]);
    expect(failed.status).toBe('failed');
    expect(failed.error).toEqual({ ...error, step: 'build' });
  });

  it('a finished run never goes back, whatever arrives late', () => {
    const make = eventFactory();
    const done = runDetail({ status: 'completed', finished_at: '2026-11-21T10:00:01.000Z' });
    const late = applyEventsToDetail(done, [
      make({ type: 'run_started', pipeline: 'gated', resumed: false }),
      make({ type: 'run_waiting', steps: ['ask'] }),
    ]);
    expect(late.status).toBe('completed');
  });

  it('a refetch plus the events newer than it gives the live state (no event applied twice)', () => {
    const { upToGate, afterGate } = gatedRun();
    const ledger = new EventLedger<WaveEvent>();
    ledger.add(upToGate);
    // The fetch was issued when the ledger held everything up to the gate, and returned the
    // server's state of that moment; meanwhile the answer and the rest arrived.
    const issuedAt = ledger.lastSeq;
    const fetched = applyEventsToDetail(runDetail(), upToGate);
    ledger.add(afterGate);
    const live = applyEventsToDetail(fetched, ledger.after(issuedAt));
    expect(live).toEqual(applyEventsToDetail(runDetail(), ledger.events));
    expect(live.status).toBe('completed');
  });

  it('ignores events of other runs', () => {
    const make = eventFactory('other');
    const d = runDetail();
    expect(applyEventsToDetail(d, [make({ type: 'run_started', pipeline: 'x', resumed: false })])).toBe(d);
    const run = { ...d };
    expect(applyEventToRun(run, make({ type: 'run_waiting', steps: [] }))).toBe(run);
  });
});
