import type { EventDraft, WaveEvent } from '../../src/events/catalogue.js';
import type { RunDetail, Step } from '../../src/web/api/types.js';

/** An event draft whose run id the factory fills in. */
type DraftOfRun = EventDraft extends infer D ? (D extends unknown ? Omit<D, 'run_id' | 'ts'> : never) : never;

/** Builds events of one run with increasing seq and ts, as the server would stream them. */
export function eventFactory(runId = 'r1', startSeq = 1) {
  let seq = startSeq;
  return (draft: DraftOfRun): WaveEvent =>
    ({
      run_id: runId,
      ...draft,
      seq: seq,
      ts: new Date(Date.UTC(2026, 10, 21, 10, 0, 0, seq++)).toISOString(),
    }) as WaveEvent;
}

export function line(seq: number, step: string, content: string, runId = 'r1'): WaveEvent {
  return {
    seq,
    ts: new Date(Date.UTC(2026, 10, 21, 10, 0, 0, seq)).toISOString(),
    type: 'stream_activity',
    run_id: runId,
    step,
    stream: 'stdout',
    content,
  };
}

export function step(id: string, extra: Partial<Step> = {}): Step {
  return {
    id,
    kind: 'command',
    persona: null,
    status: 'pending',
    attempts: 0,
    dependencies: [],
    started_at: null,
    finished_at: null,
    duration_ms: null,
    error: null,
    artifacts: [],
    usage: null,
    children: [],
    ...extra,
  };
}

export function runDetail(extra: Partial<RunDetail> = {}): RunDetail {
  return {
    id: 'r1',
    pipeline: 'gated',
    status: 'queued',
    input: null,
    labels: {},
    trigger: { source: 'ui', actor: 'local' },
    created_at: '2026-11-21T10:00:00.000Z',
    started_at: null,
    finished_at: null,
    duration_ms: null,
    queue_position: 1,
    cancel_requested: false,
    error: null,
    parent: null,
    origin: null,
    child_count: 0,
    steps: [
      step('build'),
      step('ask', { kind: 'gate', dependencies: ['build'] }),
      step('ship', { dependencies: ['ask'] }),
    ],
    gates: [],
    outcomes: [],
    outputs: {},
    artifacts: [],
    ...extra,
  };
}
