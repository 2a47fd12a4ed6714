import type { ChildRow } from '../state/child-runs.js';
import { childSummary } from '../state/child-runs.js';
import { elapsedMs, formatDuration } from '../state/format.js';
import { runHref } from '../state/route.js';
import { Link } from './link.js';
import { StatusBadge } from './status-badge.js';

/** Lists up to this many children open; a larger fan-out starts folded behind its summary. */
const OPEN_UP_TO = 12;

/** A composition step's child runs, under the step: index, link, pipeline, status, duration. */
export function ChildRunList({ step, rows, now }: { step: string; rows: readonly ChildRow[]; now: number }) {
  return (
    <details class="child-runs" open={rows.length <= OPEN_UP_TO} data-children-of={step}>
      <summary data-testid={`child-summary-${step}`}>{childSummary(rows)}</summary>
      <ol aria-label={`Child runs of step ${step}`}>
        {rows.map((c) => (
          <li key={c.id} data-child-run={c.id}>
            <span class="child-index muted">{c.index === null ? '·' : `#${c.index}`}</span>
            <Link href={runHref(c.id)} class="run-id">
              {c.id}
            </Link>
            {c.pipeline && <span class="child-pipeline">{c.pipeline}</span>}
            <StatusBadge status={c.status ?? 'unknown'} />
            <span class="muted">
              {formatDuration(c.duration_ms ?? elapsedMs(c.started_at, c.finished_at, now))}
            </span>
          </li>
        ))}
      </ol>
    </details>
  );
}
