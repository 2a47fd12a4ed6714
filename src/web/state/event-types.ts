import type { EventType, WaveEvent } from '../../events/catalogue.js';

/**
 * Every event type of the catalogue. SSE frames carry `event: <type>`, and EventSource only
 * delivers named events to listeners registered for that name, so the UI needs the list; it is
 * written out here because the catalogue's own list would bring zod into the bundle.
 */
export const EVENT_TYPE_NAMES = [
  'run_queued',
  'run_started',
  'run_waiting',
  'run_completed',
  'run_failed',
  'run_cancelled',
  'step_started',
  'step_completed',
  'step_failed',
  'step_retrying',
  'step_skipped',
  'stream_activity',
  'contract_passed',
  'contract_failed',
  'artifact_written',
  'gate_waiting',
  'gate_answered',
  'child_run_started',
  'child_run_finished',
  'step_throttled',
] as const satisfies readonly EventType[];

const TERMINAL: ReadonlySet<string> = new Set(['run_completed', 'run_failed', 'run_cancelled']);

/** A run's last event: completed, failed or cancelled. */
export function isTerminalEvent(e: Pick<WaveEvent, 'type'>): boolean {
  return TERMINAL.has(e.type);
}

/**
 * The events that change a run's place on the board (a non-gate step moves waiting to running),
 * and its child count.
 */
export const BOARD_EVENT_TYPES = [
  'run_queued',
  'run_started',
  'run_waiting',
  'run_completed',
  'run_failed',
  'run_cancelled',
  'step_started',
  'child_run_started',
] as const satisfies readonly EventType[];
