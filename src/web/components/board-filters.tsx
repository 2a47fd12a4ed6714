import type { Pipeline, RunStatus } from '../api/types.js';
import { type BoardFilter, RUN_STATUSES } from '../state/board.js';

/** Pipeline and status filters for the board; each change goes into the URL. */
export function BoardFilters({
  filter,
  pipelines,
  onChange,
}: {
  filter: BoardFilter;
  pipelines: readonly Pipeline[];
  onChange: (filter: BoardFilter) => void;
}) {
  const names = pipelines.map((p) => p.name);
  if (filter.pipeline && !names.includes(filter.pipeline)) names.push(filter.pipeline);
  return (
    <div class="filters">
      <div class="field">
        <label for="filter-pipeline">Pipeline</label>
        <select
          id="filter-pipeline"
          value={filter.pipeline ?? ''}
          onChange={(e) => onChange({ ...filter, pipeline: e.currentTarget.value || null })}
        >
          <option value="">All pipelines</option>
          {names.map((name) => (
            <option key={name} value={name}>
              {name}
            </option>
          ))}
        </select>
      </div>
      <div class="field">
        <label for="filter-status">Status</label>
        <select
          id="filter-status"
          value={filter.status ?? ''}
          onChange={(e) =>
            onChange({ ...filter, status: (e.currentTarget.value || null) as RunStatus | null })
          }
        >
          <option value="">All statuses</option>
          {RUN_STATUSES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </div>
    </div>
  );
}
