import type { Run } from '../api/types.js';
import { formatDateTime, formatDuration } from '../state/format.js';
import { runHref } from '../state/route.js';
import { Link } from './link.js';
import { StatusBadge } from './status-badge.js';

/** One run on the board: its id (the link), pipeline, status in words, when, child runs. */
export function RunCard({ run }: { run: Run }) {
  const labels = Object.entries(run.labels);
  return (
    <li class="run-card" data-run-id={run.id}>
      <Link href={runHref(run.id)} class="run-card-id">
        {run.id}
      </Link>
      <div class="run-card-meta">
        <span class="run-card-pipeline">{run.pipeline}</span>
        <StatusBadge status={run.status} />
      </div>
      <div class="run-card-meta muted">
        <time dateTime={run.created_at}>{formatDateTime(run.created_at)}</time>
        {run.duration_ms !== null && <span>{formatDuration(run.duration_ms)}</span>}
        {run.queue_position !== null && <span>#{run.queue_position} in queue</span>}
        {run.cancel_requested && run.finished_at === null && <span>cancelling…</span>}
        {run.child_count > 0 && (
          <span class="run-card-children" data-testid="child-count">
            {run.child_count} child {run.child_count === 1 ? 'run' : 'runs'}
          </span>
        )}
      </div>
      {labels.length > 0 && (
        <ul class="labels" aria-label="labels">
          {labels.map(([k, v]) => (
            <li key={k}>
              {k}={v}
            </li>
          ))}
        </ul>
      )}
    </li>
  );
}
