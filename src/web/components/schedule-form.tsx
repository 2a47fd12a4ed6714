import { useEffect, useState } from 'preact/hooks';
import { createSchedule, previewSchedule } from '../api/endpoints.js';
import { errorMessage } from '../api/http.js';
import type { Pipeline, Schedule } from '../api/types.js';
import { formatDateTime } from '../state/format.js';
import { ErrorNotice } from './notice.js';

/** How long typing must pause before the expression is checked on the server. */
const PREVIEW_DELAY_MS = 300;

type Kind = 'cron' | 'rrule';

/**
 * Creates a schedule. The expression is checked by the server (POST /api/schedules/preview, the
 * same check as saving) as it is typed, and its next five times are shown before saving.
 */
export function ScheduleForm({
  pipelines,
  onCreated,
}: {
  pipelines: Pipeline[];
  onCreated: (s: Schedule) => void;
}) {
  const [name, setName] = useState('');
  const [pipeline, setPipeline] = useState(pipelines[0]?.name ?? '');
  const [kind, setKind] = useState<Kind>('cron');
  const [expr, setExpr] = useState('0 3 * * *');
  const [timezone, setTimezone] = useState(() => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC');
  const [input, setInput] = useState('');
  const [overlap, setOverlap] = useState<'skip' | 'queue'>('skip');
  const [catchUp, setCatchUp] = useState<'skip' | 'one'>('skip');
  const [preview, setPreview] = useState<{ next: string[] } | { error: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (!expr.trim()) {
      setPreview(null);
      return;
    }
    const abort = new AbortController();
    const timer = setTimeout(() => {
      previewSchedule({ [kind]: expr.trim(), timezone: timezone.trim() || 'UTC' }, abort.signal).then(
        (next) => setPreview({ next }),
        (err: unknown) => !abort.signal.aborted && setPreview({ error: errorMessage(err) }),
      );
    }, PREVIEW_DELAY_MS);
    return () => {
      clearTimeout(timer);
      abort.abort();
    };
  }, [kind, expr, timezone]);

  const valid = preview !== null && 'next' in preview;

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const created = await createSchedule({
        name: name.trim(),
        pipeline,
        [kind]: expr.trim(),
        timezone: timezone.trim() || 'UTC',
        ...(input !== '' ? { input } : {}),
        overlap,
        catch_up: catchUp,
      });
      setName('');
      onCreated(created);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="schedule-form panel" onSubmit={submit} aria-labelledby="schedule-new">
      <h2 id="schedule-new">New schedule</h2>
      <div class="field">
        <label for="schedule-name">Name</label>
        <input
          id="schedule-name"
          type="text"
          value={name}
          required
          pattern="[A-Za-z0-9][A-Za-z0-9._\-]*"
          maxLength={100}
          placeholder="nightly-audit"
          onInput={(e) => setName(e.currentTarget.value)}
        />
      </div>
      <div class="field">
        <label for="schedule-pipeline">Pipeline</label>
        <select
          id="schedule-pipeline"
          value={pipeline}
          required
          onChange={(e) => setPipeline(e.currentTarget.value)}
        >
          {pipelines.map((p) => (
            <option key={p.name} value={p.name}>
              {p.name}
            </option>
          ))}
        </select>
      </div>
      <fieldset class="field">
        <legend>When</legend>
        <div class="inline">
          <label class="checkbox">
            <input
              type="radio"
              name="schedule-kind"
              checked={kind === 'cron'}
              onChange={() => setKind('cron')}
            />{' '}
            Cron
          </label>
          <label class="checkbox">
            <input
              type="radio"
              name="schedule-kind"
              checked={kind === 'rrule'}
              onChange={() => setKind('rrule')}
            />{' '}
            RRULE
          </label>
        </div>
        <label for="schedule-expr" class="visually-hidden">
          {kind === 'cron' ? 'Cron expression' : 'RRULE'}
        </label>
        <input
          id="schedule-expr"
          type="text"
          value={expr}
          required
          spellcheck={false}
          aria-describedby="schedule-expr-hint schedule-preview"
          aria-invalid={preview !== null && 'error' in preview}
          placeholder={kind === 'cron' ? '0 3 * * *' : 'FREQ=DAILY;BYHOUR=3'}
          onInput={(e) => setExpr(e.currentTarget.value)}
        />
        <p id="schedule-expr-hint" class="hint">
          {kind === 'cron'
            ? 'Five fields (minute hour day month weekday), or six with seconds first.'
            : 'FREQ=HOURLY|DAILY|WEEKLY with INTERVAL, BYDAY, BYHOUR, BYMINUTE, BYSECOND.'}
        </p>
      </fieldset>
      <div class="field">
        <label for="schedule-tz">Time zone</label>
        <input
          id="schedule-tz"
          type="text"
          value={timezone}
          required
          spellcheck={false}
          placeholder="Europe/Berlin"
          onInput={(e) => setTimezone(e.currentTarget.value)}
        />
      </div>
      <section id="schedule-preview" class="schedule-preview" aria-live="polite" aria-label="Next five runs">
        {preview === null ? null : 'error' in preview ? (
          <p class="notice notice-error" role="alert">
            {preview.error}
          </p>
        ) : (
          <>
            <h3>Next five runs (this browser's time)</h3>
            <ol>
              {preview.next.map((t) => (
                <li key={t}>
                  <time dateTime={t}>{formatDateTime(t)}</time>
                </li>
              ))}
            </ol>
          </>
        )}
      </section>
      <div class="field">
        <label for="schedule-input">Input (optional)</label>
        <input
          id="schedule-input"
          type="text"
          value={input}
          onInput={(e) => setInput(e.currentTarget.value)}
        />
      </div>
      <div class="field-row">
        <div class="field">
          <label for="schedule-overlap">While the last run is active</label>
          <select
            id="schedule-overlap"
            value={overlap}
            onChange={(e) => setOverlap(e.currentTarget.value as 'skip' | 'queue')}
          >
            <option value="skip">skip the slot</option>
            <option value="queue">queue another run</option>
          </select>
        </div>
        <div class="field">
          <label for="schedule-catchup">Slots missed while no server ran</label>
          <select
            id="schedule-catchup"
            value={catchUp}
            onChange={(e) => setCatchUp(e.currentTarget.value as 'skip' | 'one')}
          >
            <option value="skip">drop them</option>
            <option value="one">run once for all</option>
          </select>
        </div>
      </div>
      {error && <ErrorNotice message={error} />}
      <button type="submit" disabled={busy || !valid || !pipeline}>
        {busy ? 'Saving…' : 'Save schedule'}
      </button>
    </form>
  );
}
