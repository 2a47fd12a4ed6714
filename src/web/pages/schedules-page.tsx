import { useEffect, useState } from 'preact/hooks';
import { listPipelines, listSchedules, runScheduleNow, scheduleAction } from '../api/endpoints.js';
import { errorMessage } from '../api/http.js';
import type { Schedule } from '../api/types.js';
import { Link } from '../components/link.js';
import { ErrorNotice, InfoNotice, Loading } from '../components/notice.js';
import { PageTitle } from '../components/page-title.js';
import { ScheduleForm } from '../components/schedule-form.js';
import { StatusBadge } from '../components/status-badge.js';
import { useAsync } from '../hooks/use-async.js';
import { formatDateTime } from '../state/format.js';
import { runHref } from '../state/route.js';

/** How often the list is read again while the page is open. */
const REFRESH_MS = 15_000;

function ScheduleRow({ schedule, onChanged }: { schedule: Schedule; onChanged: (message: string) => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const act = async (what: () => Promise<string>) => {
    setBusy(true);
    setError(null);
    try {
      onChanged(await what());
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  const s = schedule;
  return (
    <tr>
      <th scope="row">
        {s.name}
        {s.source === 'config' && <span class="muted"> (wave.yaml)</span>}
      </th>
      <td>{s.pipeline}</td>
      <td>
        <code>{s.cron ?? s.rrule}</code> <span class="muted">{s.timezone}</span>
      </td>
      <td>
        {s.paused ? <StatusBadge status="paused" /> : s.next_run_at ? formatDateTime(s.next_run_at) : '—'}
      </td>
      <td>
        {s.last_run ? (
          <>
            <Link href={runHref(s.last_run.run_id)}>{formatDateTime(s.last_run.at)}</Link>{' '}
            <StatusBadge status={s.last_run.status} />
          </>
        ) : (
          '—'
        )}
      </td>
      <td class="schedule-actions">
        <button
          type="button"
          class="button-secondary"
          disabled={busy}
          aria-label={`${s.paused ? 'Resume' : 'Pause'} ${s.name}`}
          onClick={() =>
            act(async () => {
              await scheduleAction(s.id, s.paused ? 'resume' : 'pause');
              return `${s.name} ${s.paused ? 'resumed' : 'paused'}`;
            })
          }
        >
          {s.paused ? 'Resume' : 'Pause'}
        </button>{' '}
        <button
          type="button"
          class="button-secondary"
          disabled={busy}
          aria-label={`Run ${s.name} now`}
          onClick={() =>
            act(async () => {
              const run = await runScheduleNow(s.id);
              return `${s.name}: run ${run.id} queued`;
            })
          }
        >
          Run now
        </button>
        {error && <ErrorNotice message={error} />}
      </td>
    </tr>
  );
}

/** Schedules: when each fires next, how its last run went, pause/resume/run now, and a new one. */
export function SchedulesPage() {
  const [version, setVersion] = useState(0);
  const [message, setMessage] = useState<string | null>(null);
  const schedules = useAsync(listSchedules, `schedules:${version}`);
  const pipelines = useAsync(listPipelines, 'pipelines');
  // Next and last runs move on by themselves: read them again now and then.
  useEffect(() => {
    const timer = setInterval(() => setVersion((v) => v + 1), REFRESH_MS);
    return () => clearInterval(timer);
  }, []);
  const changed = (text: string) => {
    setMessage(text);
    setVersion((v) => v + 1);
  };
  const runnable = (pipelines.data ?? []).filter((p) => p.valid && !p.disabled);
  return (
    <>
      <PageTitle title="Schedules" />
      {message && <InfoNotice>{message}</InfoNotice>}
      {schedules.error && <ErrorNotice message={schedules.error} onRetry={schedules.reload} />}
      {schedules.loading && !schedules.data && <Loading what="schedules" />}
      {schedules.data &&
        (schedules.data.length === 0 ? (
          <p class="muted">No schedules yet.</p>
        ) : (
          <div class="table-scroll">
            <table class="schedules-table">
              <caption class="visually-hidden">Schedules</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Pipeline</th>
                  <th scope="col">When</th>
                  <th scope="col">Next run</th>
                  <th scope="col">Last run</th>
                  <th scope="col">Actions</th>
                </tr>
              </thead>
              <tbody>
                {schedules.data.map((s) => (
                  <ScheduleRow key={s.id} schedule={s} onChanged={changed} />
                ))}
              </tbody>
            </table>
          </div>
        ))}
      {pipelines.error && <ErrorNotice message={pipelines.error} onRetry={pipelines.reload} />}
      {pipelines.data && (
        <ScheduleForm pipelines={runnable} onCreated={(s) => changed(`schedule ${s.name} saved`)} />
      )}
    </>
  );
}
