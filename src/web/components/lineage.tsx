import { useState } from 'preact/hooks';
import { forkRun, listRuns, retryRun } from '../api/endpoints.js';
import { errorMessage } from '../api/http.js';
import type { Run, RunDetail } from '../api/types.js';
import { useAsync } from '../hooks/use-async.js';
import { navigate } from '../hooks/use-route.js';
import { runHref } from '../state/route.js';
import { Link } from './link.js';

/** Starts a retry or fork and opens the new run; an error (e.g. `step_not_completed`) is shown. */
export function useDerive(): {
  start: (make: () => Promise<Run>) => void;
  busy: boolean;
  error: string | null;
} {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const start = (make: () => Promise<Run>) => {
    setBusy(true);
    setError(null);
    make().then(
      (run) => {
        setBusy(false);
        navigate(runHref(run.id));
      },
      (err: unknown) => {
        setBusy(false);
        setError(errorMessage(err));
      },
    );
  };
  return { start, busy, error };
}

/** "Retry" on a failed or cancelled run: reuses what completed, runs the rest. */
export function RetryButton({ run }: { run: RunDetail }) {
  const derive = useDerive();
  if (run.status !== 'failed' && run.status !== 'cancelled') return null;
  return (
    <div class="cancel">
      <button type="button" onClick={() => derive.start(() => retryRun(run.id))} disabled={derive.busy}>
        {derive.busy ? 'Retrying…' : 'Retry'}
      </button>
      {derive.error && (
        <p class="notice notice-error" role="alert">
          {derive.error}
        </p>
      )}
    </div>
  );
}

/** Forks a finished run from one step (the step table's "Fork from here"). */
export function useFork(runId: string) {
  const derive = useDerive();
  return { ...derive, fork: (step: string) => derive.start(() => forkRun(runId, step)) };
}

/** Where the run came from, and the retries and forks made of it: links both ways. */
export function LineageFacts({ run }: { run: RunDetail }) {
  // Listed again when the run's status changes (a retry is made of a run that just ended).
  const derived = useAsync(() => listRuns({ origin: run.id, limit: 20 }), `${run.id}/${run.status}`);
  const runs = derived.data?.runs ?? [];
  return (
    <>
      {run.origin && (
        <div data-testid="run-origin">
          <dt>{run.origin.kind === 'retry' ? 'Retry of' : 'Fork of'}</dt>
          <dd>
            <Link href={runHref(run.origin.run_id)} class="run-id">
              {run.origin.run_id}
            </Link>
            {run.origin.step && (
              <>
                {' '}
                <span class="muted">from step</span> <code>{run.origin.step}</code>
              </>
            )}
          </dd>
        </div>
      )}
      {runs.length > 0 && (
        <div data-testid="run-derived">
          <dt>Retried or forked as</dt>
          <dd>
            {runs.map((r, i) => (
              <span key={r.id}>
                {i > 0 && ', '}
                <Link href={runHref(r.id)} class="run-id">
                  {r.id}
                </Link>{' '}
                <span class="muted">({r.origin?.kind})</span>
              </span>
            ))}
          </dd>
        </div>
      )}
    </>
  );
}
