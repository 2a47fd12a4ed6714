import { useMemo } from 'preact/hooks';
import type { WaveEvent } from '../api/types.js';
import { formatClock } from '../state/format.js';
import { timelineOf } from '../state/timeline.js';

/** What happened to the run, event by event (log lines aside), oldest first. */
export function TimelineView({ events, version }: { events: readonly WaveEvent[]; version: number }) {
  const entries = useMemo(() => timelineOf(events), [version, events]);
  if (entries.length === 0) return <p class="muted">No events yet.</p>;
  return (
    <ol class="timeline" data-testid="timeline">
      {entries.map((e) => (
        <li key={e.seq} class={`tone-${e.tone}`} data-type={e.type}>
          <time dateTime={e.ts}>{formatClock(e.ts, true)}</time>
          <span class="timeline-type">{e.type}</span>
          {e.step && <code class="timeline-step">{e.step}</code>}
          <span class="timeline-text">{e.text}</span>
        </li>
      ))}
    </ol>
  );
}
