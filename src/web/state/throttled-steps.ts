import { throttledText } from '../../events/throttle-text.js';
import type { Step, WaveEvent } from '../api/types.js';

/**
 * What each pending step waits for, from its latest `step_throttled` event: "waiting for the
 * claude adapter, 2 ahead". A step that started (or ended) since waits for nothing.
 */
export function throttledSteps(steps: readonly Step[], events: readonly WaveEvent[]): Map<string, string> {
  const latest = new Map<string, string>();
  for (const e of events) {
    if (e.type === 'step_throttled') latest.set(e.step, throttledText(e.adapter, e.position));
    else if (e.type === 'step_started') latest.delete(e.step);
  }
  for (const s of steps) if (s.status !== 'pending') latest.delete(s.id);
  return latest;
}
