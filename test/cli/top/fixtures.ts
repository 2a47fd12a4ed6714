import type { WaveEvent } from '../../../src/events/catalogue.js';
import type { RunView } from '../../../src/service/views.js';

let seq = 0;
/** Events with increasing seq and a time `at` seconds after a fixed start. */
export function ev(e: Record<string, unknown> & { type: string; run_id: string }, at = 0): WaveEvent {
  seq++;
  return { seq, ts: new Date(Date.UTC(2026, 10, 30, 12, 0, at)).toISOString(), ...e } as WaveEvent;
}

/** A run as listed; cast, so fields added to RunView later need no change here. */
export function runView(id: string, over: Partial<RunView> = {}): RunView {
  return {
    id,
    pipeline: id.split('-')[0]!,
    status: 'completed',
    input: null,
    labels: {},
    trigger: { source: 'api', actor: null },
    created_at: '2026-11-30T11:00:00.000Z',
    started_at: '2026-11-30T11:00:01.000Z',
    finished_at: '2026-11-30T11:00:03.000Z',
    duration_ms: 2000,
    queue_position: null,
    cancel_requested: false,
    error: null,
    ...over,
  } as RunView;
}

export const queued = (id: string, pipeline: string, at = 0) =>
  ev(
    { type: 'run_queued', run_id: id, pipeline, queue_position: 1, trigger: { source: 'cli', actor: 'ann' } },
    at,
  );
