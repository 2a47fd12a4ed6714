import { describe, expect, it } from 'vitest';
import {
  currentStep,
  elapsedMs,
  LOG_LINES,
  MAX_RUNS,
  TopModel,
  throttledStep,
} from '../../../src/cli/top/model.js';
import type { RunDetailView } from '../../../src/service/views.js';
import { ev, queued, runView } from './fixtures.js';

const stepView = (id: string) => ({
  id,
  kind: 'prompt' as const,
  persona: null,
  status: 'pending' as const,
  attempts: 0,
  dependencies: [],
  started_at: null,
  finished_at: null,
  duration_ms: null,
  error: null,
  artifacts: [],
  usage: null,
  children: [],
});

const T0 = Date.UTC(2026, 10, 30, 12, 0, 0);

describe('the model of wave top', () => {
  it('follows a run from its events: queued, running a step, waiting at a gate, completed', () => {
    const m = new TopModel();
    m.applyEvents([queued('a-1', 'a')]);
    expect(m.runs.get('a-1')).toMatchObject({
      status: 'queued',
      pipeline: 'a',
      trigger: { source: 'cli', actor: 'ann' },
    });
    m.applyEvents([
      ev({ type: 'run_started', run_id: 'a-1', pipeline: 'a', resumed: false }, 1),
      ev(
        { type: 'step_started', run_id: 'a-1', step: 'build', kind: 'command', persona: null, attempt: 1 },
        2,
      ),
    ]);
    const r = m.runs.get('a-1')!;
    expect(r.status).toBe('running');
    expect(currentStep(r)).toBe('build');
    expect(elapsedMs(r, T0 + 5000)).toBe(4000);
    m.applyEvents([
      ev(
        {
          type: 'step_completed',
          run_id: 'a-1',
          step: 'build',
          status: 'success',
          duration_ms: 1000,
          attempt: 1,
        },
        3,
      ),
      ev({ type: 'step_started', run_id: 'a-1', step: 'ask', kind: 'gate', persona: null, attempt: 1 }, 3),
      ev(
        {
          type: 'gate_waiting',
          run_id: 'a-1',
          step: 'ask',
          prompt: 'ok?',
          choices: [],
          freeform: false,
          default: null,
          timeout_at: null,
        },
        3,
      ),
      ev({ type: 'run_waiting', run_id: 'a-1', steps: ['ask'] }, 3),
    ]);
    expect(r.status).toBe('waiting');
    expect(currentStep(r)).toBe('ask');
    m.applyEvents([
      ev(
        {
          type: 'gate_answered',
          run_id: 'a-1',
          step: 'ask',
          choice: 'yes',
          text: null,
          by: 'ann',
          timed_out: false,
        },
        4,
      ),
      ev(
        { type: 'step_started', run_id: 'a-1', step: 'ship', kind: 'command', persona: null, attempt: 1 },
        4,
      ),
    ]);
    expect(r.status).toBe('running');
    m.applyEvents([ev({ type: 'run_completed', run_id: 'a-1', status: 'completed', duration_ms: 9000 }, 10)]);
    expect(r.status).toBe('completed');
    expect(currentStep(r)).toBeNull();
    expect(elapsedMs(r, T0 + 60_000)).toBe(9000);
    expect(m.counts()).toMatchObject({ completed: 1, running: 0 });
  });

  it('a step waiting for its adapter says so, moves up, and stops saying so once it starts', () => {
    const m = new TopModel();
    m.applyEvents([
      queued('t-1', 'think'),
      ev({ type: 'run_started', run_id: 't-1', pipeline: 'think', resumed: false }, 1),
      ev({ type: 'step_throttled', run_id: 't-1', step: 'think', adapter: 'claude', position: 3 }, 1),
    ]);
    const r = m.runs.get('t-1')!;
    expect(r.steps.get('think')).toMatchObject({
      status: 'pending',
      throttled: 'waiting for the claude adapter, 2 ahead',
    });
    expect(throttledStep(r)?.id).toBe('think');
    // A detail read meanwhile (still pending) keeps what the events said.
    m.applyDetail({ ...runView('t-1', { status: 'running' }), steps: [stepView('think')] } as RunDetailView);
    expect(m.runs.get('t-1')!.steps.get('think')!.throttled).toBe('waiting for the claude adapter, 2 ahead');
    m.applyEvents([
      ev({ type: 'step_throttled', run_id: 't-1', step: 'think', adapter: 'claude', position: 1 }, 2),
    ]);
    expect(m.runs.get('t-1')!.steps.get('think')!.throttled).toBe(
      'waiting for the claude adapter, next in line',
    );
    m.applyEvents([
      ev(
        { type: 'step_started', run_id: 't-1', step: 'think', kind: 'prompt', persona: null, attempt: 1 },
        3,
      ),
    ]);
    const started = m.runs.get('t-1')!;
    expect(started.steps.get('think')).toMatchObject({ status: 'running', throttled: null });
    expect(throttledStep(started)).toBeNull();
  });

  it('a listing then the events after it converge, whatever the listing already showed', () => {
    const m = new TopModel();
    m.applyListing([runView('b-1', { status: 'running', finished_at: null, duration_ms: null })]);
    // The cancel was committed before the listing was read and arrives after it: same end state.
    m.applyEvents([
      ev({ type: 'run_cancelled', run_id: 'b-1', status: 'cancelled', duration_ms: 500, by: 'x' }),
    ]);
    m.applyListing([runView('b-1', { status: 'cancelled', duration_ms: 500 })]);
    m.applyEvents([
      ev({ type: 'run_cancelled', run_id: 'b-1', status: 'cancelled', duration_ms: 500, by: 'x' }),
    ]);
    expect(m.runs.get('b-1')).toMatchObject({ status: 'cancelled', durationMs: 500 });
    expect(m.counts().cancelled).toBe(1);
  });

  it('events of a run it does not know change nothing (the dashboard reads that run instead)', () => {
    const m = new TopModel();
    m.applyEvents([ev({ type: 'run_started', run_id: 'zz', pipeline: 'z', resumed: false })]);
    expect(m.runs.size).toBe(0);
  });

  it('active runs first, newest first; then finished ones, newest first', () => {
    const m = new TopModel();
    m.applyListing([
      runView('old-done', { created_at: '2026-11-30T10:00:00.000Z' }),
      runView('new-done', { created_at: '2026-11-30T12:00:00.000Z' }),
      runView('old-run', { status: 'running', created_at: '2026-11-30T09:00:00.000Z' }),
      runView('new-wait', { status: 'waiting', created_at: '2026-11-30T11:00:00.000Z' }),
    ]);
    expect(m.sorted().map((r) => r.id)).toEqual(['new-wait', 'old-run', 'new-done', 'old-done']);
  });

  it('keeps the last lines of output per run; a log tail merges with them by seq, without repeats', () => {
    const m = new TopModel();
    m.applyEvents([queued('c-1', 'c')]);
    const lines = Array.from({ length: 3 * LOG_LINES }, (_, i) =>
      ev({ type: 'stream_activity', run_id: 'c-1', step: 's', stream: 'stdout', content: `line ${i}` }),
    );
    m.applyEvents(lines.slice(0, LOG_LINES + 5));
    m.applyLogTail(
      'c-1',
      lines
        .slice(0, LOG_LINES + 5)
        .map((e) => ({ seq: e.seq, step: 's', content: (e as { content: string }).content })),
    );
    const logs = m.runs.get('c-1')!.logs;
    expect(logs).toHaveLength(LOG_LINES);
    expect(new Set(logs.map((l) => l.seq)).size).toBe(LOG_LINES);
    expect(logs.at(-1)!.content).toBe(`line ${LOG_LINES + 4}`);
    m.applyEvents(lines.slice(LOG_LINES + 5));
    expect(m.runs.get('c-1')!.logs.length).toBeLessThanOrEqual(2 * LOG_LINES);
    expect(m.runs.get('c-1')!.logs.at(-1)!.content).toBe(`line ${3 * LOG_LINES - 1}`);
  });

  it('forgets the oldest finished runs past MAX_RUNS, never an active one', () => {
    const m = new TopModel();
    m.applyListing([runView('keep-active', { status: 'queued', created_at: '2000-01-01T00:00:00.000Z' })]);
    m.applyListing(
      Array.from({ length: MAX_RUNS + 10 }, (_, i) =>
        runView(`r-${i}`, { created_at: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString() }),
      ),
    );
    expect(m.runs.size).toBe(MAX_RUNS);
    expect(m.runs.has('keep-active')).toBe(true);
    expect(m.runs.has('r-0')).toBe(false);
    expect(m.runs.has(`r-${MAX_RUNS + 9}`)).toBe(true);
  });
});
