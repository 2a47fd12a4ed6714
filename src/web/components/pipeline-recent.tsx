import { getInsights, listRuns } from '../api/endpoints.js';
import { useAsync } from '../hooks/use-async.js';
import { formatDateTime, formatDuration } from '../state/format.js';
import { runHref } from '../state/route.js';
import { Link } from './link.js';
import { ErrorNotice } from './notice.js';
import { StatusBadge } from './status-badge.js';

const RECENT = 10;

/** A pipeline's last runs and its success rate over the last 30 days (GET /api/insights). */
export function PipelineRecent({ name }: { name: string }) {
  const state = useAsync(
    () =>
      Promise.all([
        listRuns({ pipeline: name, limit: RECENT }),
        getInsights({ pipeline: name, since: '30d' }),
      ]),
    name,
  );
  const [page, insights] = state.data ?? [null, null];
  const figures = insights?.pipelines[0];
  return (
    <section class="panel" aria-labelledby="pipeline-recent" data-testid="pipeline-recent">
      <h2 id="pipeline-recent">Recent runs</h2>
      {state.error && <ErrorNotice message={state.error} onRetry={state.reload} />}
      {figures && (
        <p data-testid="pipeline-success-rate">
          Success rate (30 days):{' '}
          <strong>
            {figures.success_rate === null ? '—' : `${(figures.success_rate * 100).toFixed(1)}%`}
          </strong>{' '}
          of {figures.completed + figures.failed} finished runs
        </p>
      )}
      {page && page.runs.length === 0 && <p class="muted">No runs yet.</p>}
      {page && page.runs.length > 0 && (
        <div class="table-scroll">
          <table class="steps">
            <thead>
              <tr>
                <th scope="col">Run</th>
                <th scope="col">Status</th>
                <th scope="col">Created</th>
                <th scope="col">Duration</th>
              </tr>
            </thead>
            <tbody>
              {page.runs.map((r) => (
                <tr key={r.id}>
                  <td>
                    <Link href={runHref(r.id)} class="run-id">
                      {r.id}
                    </Link>
                  </td>
                  <td>
                    <StatusBadge status={r.status} />
                  </td>
                  <td>{formatDateTime(r.created_at)}</td>
                  <td>{formatDuration(r.duration_ms)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
