import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { WaveEvent } from '../api/types.js';
import { logLinesOf, tailLines } from '../state/log-lines.js';

/** Lines rendered at most; the whole log stays downloadable. */
const MAX_LINES = 5000;

/**
 * The run's live log, optionally one step's, following new lines while auto-scroll is on.
 * Scrolling up turns following off; scrolling back to the end turns it on again.
 */
export function LogView({
  events,
  version,
  steps,
  onDownload,
}: {
  events: readonly WaveEvent[];
  version: number;
  steps: readonly string[];
  onDownload: () => void;
}) {
  const [step, setStep] = useState<string | null>(null);
  const [follow, setFollow] = useState(true);
  const box = useRef<HTMLDivElement>(null);
  const lines = useMemo(() => logLinesOf(events, step), [version, step, events]);
  const { shown, hidden } = tailLines(lines, MAX_LINES);

  useLayoutEffect(() => {
    const el = box.current;
    if (follow && el) el.scrollTop = el.scrollHeight;
  });

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const onScroll = () => {
      const atEnd = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
      setFollow(atEnd);
    };
    el.addEventListener('scroll', onScroll, { passive: true });
    return () => el.removeEventListener('scroll', onScroll);
  }, []);

  return (
    <div class="log">
      <div class="log-controls">
        <div class="field inline">
          <label for="log-step">Step</label>
          <select id="log-step" value={step ?? ''} onChange={(e) => setStep(e.currentTarget.value || null)}>
            <option value="">All steps</option>
            {steps.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </div>
        <label class="checkbox">
          <input type="checkbox" checked={follow} onChange={(e) => setFollow(e.currentTarget.checked)} />
          Auto-scroll
        </label>
        <button type="button" class="button-secondary" onClick={onDownload}>
          Download log
        </button>
        <span class="muted" aria-live="off" data-testid="log-count">
          {lines.length} {lines.length === 1 ? 'line' : 'lines'}
        </span>
      </div>
      <div
        ref={box}
        class="log-lines"
        role="log"
        aria-live="off"
        aria-label="Log"
        // biome-ignore lint/a11y/noNoninteractiveTabindex: the log scrolls; keyboard users need to reach it.
        tabIndex={0}
        data-testid="log-lines"
      >
        {hidden > 0 && <div class="muted">… {hidden} earlier lines not shown (download the log for all)</div>}
        {shown.length === 0 && <div class="muted">No output yet.</div>}
        {shown.map((l) => (
          <div key={l.seq} class={`log-line stream-${l.stream}`} data-seq={l.seq}>
            <span class="log-step">[{l.step}]</span> {l.content}
          </div>
        ))}
      </div>
    </div>
  );
}
