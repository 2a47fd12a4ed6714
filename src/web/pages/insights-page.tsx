import { useState } from 'preact/hooks';
import { getInsights } from '../api/endpoints.js';
import { DailyChart, DurationChart } from '../components/daily-chart.js';
import { Link } from '../components/link.js';
import { ErrorNotice, Loading } from '../components/notice.js';
import { PageTitle } from '../components/page-title.js';
import { useAsync } from '../hooks/use-async.js';
import { formatDuration } from '../state/format.js';
import { pipelineHref } from '../state/route.js';

const WINDOWS = ['7d', '30d', '90d'];
const pct = (v: number | null) => (v === null ? '—' : `${(v * 100).toFixed(1)}%`);

/** Insights over a window (API.md): charts per day and per pipeline, then the figures as tables. */
export function InsightsPage() {
  const [since, setSince] = useState('30d');
  const insights = useAsync(() => getInsights({ since }), since);
  const data = insights.data;
  return (
    <>
      <div class="page-head">
        <PageTitle title="Insights" />
        <label>
          Window{' '}
          <select value={since} onChange={(e) => setSince((e.target as HTMLSelectElement).value)}>
            {WINDOWS.map((w) => (
              <option key={w} value={w}>
                last {w}
              </option>
            ))}
          </select>
        </label>
      </div>
      {insights.error && <ErrorNotice message={insights.error} onRetry={insights.reload} />}
      {!data && !insights.error && <Loading what="insights" />}
      {data && (
        <>
          <section aria-labelledby="daily-title" class="panel">
            <h2 id="daily-title">Runs and failures per day</h2>
            <DailyChart daily={data.daily} />
          </section>
          <section aria-labelledby="duration-title" class="panel">
            <h2 id="duration-title">Duration per pipeline (p50 / p95)</h2>
            <DurationChart pipelines={data.pipelines} />
          </section>
          <section aria-labelledby="pipelines-title" class="panel">
            <h2 id="pipelines-title">Pipelines</h2>
            <div class="table-scroll">
              <table class="steps" data-testid="insights-pipelines">
                <thead>
                  <tr>
                    <th scope="col">Pipeline</th>
                    <th scope="col">Runs</th>
                    <th scope="col">Failed</th>
                    <th scope="col">Success</th>
                    <th scope="col">p50</th>
                    <th scope="col">p95</th>
                    <th scope="col">Queue p95</th>
                    <th scope="col">Cost</th>
                    <th scope="col">Top error</th>
                  </tr>
                </thead>
                <tbody>
                  {data.pipelines.map((p) => (
                    <tr key={p.pipeline} data-pipeline={p.pipeline}>
                      <td>
                        <Link href={pipelineHref(p.pipeline)}>{p.pipeline}</Link>
                      </td>
                      <td>{p.runs}</td>
                      <td>{p.failed}</td>
                      <td>{pct(p.success_rate)}</td>
                      <td>{formatDuration(p.duration_ms.p50)}</td>
                      <td>{formatDuration(p.duration_ms.p95)}</td>
                      <td>{formatDuration(p.queue_wait_ms.p95)}</td>
                      <td>${p.usage.cost_usd.toFixed(4)}</td>
                      <td>{p.top_errors[0] ? `${p.top_errors[0].code} (${p.top_errors[0].count})` : '—'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </section>
        </>
      )}
    </>
  );
}
