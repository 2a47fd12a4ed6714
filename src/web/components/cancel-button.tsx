import { useState } from 'preact/hooks';
import { cancelRun } from '../api/endpoints.js';
import { ApiError, errorMessage } from '../api/http.js';
import type { RunDetail } from '../api/types.js';
import { isTerminalStatus } from '../state/run-projection.js';

/** Cancels the run (after a confirmation); says so while the run is being stopped. */
export function CancelButton({ run, onDone }: { run: RunDetail; onDone: () => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  if (isTerminalStatus(run.status)) return null;

  const cancel = async () => {
    if (!window.confirm(`Cancel run ${run.id}?`)) return;
    setBusy(true);
    setError(null);
    try {
      await cancelRun(run.id);
    } catch (err) {
      // Finished meanwhile: nothing to cancel, the page catches up by itself.
      if (!(err instanceof ApiError && err.code === 'run_finished')) setError(errorMessage(err));
    } finally {
      setBusy(false);
      onDone();
    }
  };

  const requested = run.cancel_requested;
  return (
    <div class="cancel">
      <button type="button" class="button-danger" onClick={cancel} disabled={busy || requested}>
        {requested ? 'Cancelling…' : busy ? 'Cancelling…' : 'Cancel run'}
      </button>
      {error && (
        <p class="notice notice-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
