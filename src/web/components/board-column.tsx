import type { Run, RunStatus } from '../api/types.js';
import { RunCard } from './run-card.js';
import { StatusBadge } from './status-badge.js';

/** One status column of the board, with how many runs it holds (`+` when older ones exist). */
export function BoardColumn({
  status,
  runs,
  more,
}: {
  status: RunStatus;
  runs: readonly Run[];
  more: boolean;
}) {
  const headingId = `column-${status}`;
  const count = `${runs.length}${more ? '+' : ''}`;
  return (
    <section class={`board-column column-${status}`} aria-labelledby={headingId} data-status={status}>
      <h2 id={headingId}>
        <StatusBadge status={status} />{' '}
        <span class="count" data-count={runs.length}>
          {count}
        </span>
        <span class="visually-hidden"> runs</span>
      </h2>
      {runs.length === 0 ? (
        <p class="muted empty">No {status} runs.</p>
      ) : (
        <ul class="run-list">
          {runs.map((run) => (
            <RunCard key={run.id} run={run} />
          ))}
        </ul>
      )}
    </section>
  );
}
