import type { WaveEvent } from '../../events/catalogue.js';
import { throttledText } from '../../events/throttle-text.js';
import { formatBytes, formatDuration } from './format.js';

export interface TimelineEntry {
  seq: number;
  ts: string;
  type: WaveEvent['type'];
  step: string | null;
  text: string;
  /** How the entry reads at a glance: good news, bad news, or neither. */
  tone: 'ok' | 'bad' | 'info' | 'attention';
}

/** What happened, in words: the events of a run except its log lines, in seq order. */
export function timelineOf(events: readonly WaveEvent[]): TimelineEntry[] {
  const entries: TimelineEntry[] = [];
  for (const e of events) {
    if (e.type === 'stream_activity') continue;
    const { text, tone } = describeEvent(e);
    entries.push({ seq: e.seq, ts: e.ts, type: e.type, step: 'step' in e ? e.step : null, text, tone });
  }
  return entries;
}

const by = (who: string | null) => (who ? ` by ${who}` : '');

export function describeEvent(e: WaveEvent): { text: string; tone: TimelineEntry['tone'] } {
  switch (e.type) {
    case 'run_queued': {
      const position = e.queue_position !== null ? ` at position ${e.queue_position}` : '';
      return { text: `queued${position} (${e.trigger.source}${by(e.trigger.actor)})`, tone: 'info' };
    }
    case 'run_started':
      return { text: e.resumed ? 'resumed after a restart' : 'started', tone: 'info' };
    case 'run_waiting':
      return { text: `waiting for ${e.steps.join(', ')}`, tone: 'attention' };
    case 'run_completed':
      return { text: `completed in ${formatDuration(e.duration_ms)}`, tone: 'ok' };
    case 'run_failed':
      return { text: `failed: ${e.error.message}`, tone: 'bad' };
    case 'run_cancelled':
      return { text: `cancelled${by(e.by)}`, tone: 'bad' };
    case 'step_started': {
      const persona = e.persona ? ` as ${e.persona}` : '';
      return { text: `${e.kind} step started${persona}, attempt ${e.attempt}`, tone: 'info' };
    }
    case 'step_completed':
      if (e.reused) return { text: 'reused from the run this one came from', tone: 'ok' };
      return { text: `completed in ${formatDuration(e.duration_ms)}`, tone: 'ok' };
    case 'step_failed':
      return {
        text: `attempt ${e.attempt} failed: ${e.error.message}${e.will_retry ? ' (will retry)' : ''}`,
        tone: 'bad',
      };
    case 'step_retrying':
      return {
        text: `retrying as attempt ${e.attempt} in ${formatDuration(e.delay_ms)}: ${e.reason}`,
        tone: 'attention',
      };
    case 'step_skipped':
      return { text: `skipped: ${e.reason}`, tone: 'info' };
    case 'contract_passed':
      return { text: `contract ${e.contract} passed`, tone: 'ok' };
    case 'contract_failed':
      return {
        text: `contract ${e.contract} failed (${e.on_failure}): ${e.errors.join('; ')}`,
        tone: e.on_failure === 'fail' || e.on_failure === 'rejected' ? 'bad' : 'attention',
      };
    case 'artifact_written':
      return { text: `wrote artifact ${e.name} (${formatBytes(e.size)})`, tone: 'info' };
    case 'gate_waiting':
      return { text: `gate waiting: ${e.prompt}`, tone: 'attention' };
    case 'gate_answered': {
      const note = e.text ? `: “${e.text}”` : '';
      return e.timed_out
        ? { text: `gate timed out, took "${e.choice}"`, tone: 'attention' }
        : { text: `gate answered "${e.choice}"${by(e.by)}${note}`, tone: 'ok' };
    }
    case 'stream_activity':
      return { text: e.content, tone: 'info' };
    case 'child_run_started':
      return { text: `started child run ${e.child_run_id} (${e.pipeline})`, tone: 'info' };
    case 'child_run_finished':
      return {
        text: `child run ${e.child_run_id} ${e.status}`,
        tone: e.status === 'completed' ? 'ok' : 'bad',
      };
    case 'step_throttled':
      return { text: throttledText(e.adapter, e.position), tone: 'attention' };
  }
}
