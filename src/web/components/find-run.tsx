import { useState } from 'preact/hooks';
import { getRun } from '../api/endpoints.js';
import { ApiError, errorMessage } from '../api/http.js';
import { navigate } from '../hooks/use-route.js';
import { runHref } from '../state/route.js';

/** Opens a run by its id, or says there is no such run. */
export function FindRun() {
  const [id, setId] = useState('');
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    const wanted = id.trim();
    if (!wanted) return;
    setBusy(true);
    setMessage(null);
    try {
      const run = await getRun(wanted);
      navigate(runHref(run.id));
    } catch (err) {
      setMessage(
        err instanceof ApiError && err.status === 404 ? `No run has the id "${wanted}".` : errorMessage(err),
      );
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="find-run" onSubmit={submit}>
      <div class="field">
        <label for="find-run-id">Find run by id</label>
        <div class="inline">
          <input
            id="find-run-id"
            type="search"
            value={id}
            placeholder="e.g. hello-20261121-100000-3f9a1c07d2"
            spellcheck={false}
            autocomplete="off"
            onInput={(e) => setId(e.currentTarget.value)}
          />
          <button type="submit" disabled={busy}>
            Open
          </button>
        </div>
      </div>
      {message && (
        <p class="notice notice-error" role="alert">
          {message}
        </p>
      )}
    </form>
  );
}
