import type { Step } from '../api/types.js';
import type { ChildRow } from '../state/child-runs.js';
import { elapsedMs, formatDuration, formatUsage } from '../state/format.js';
import { ChildRunList } from './child-run-list.js';
import { StatusBadge } from './status-badge.js';

const COLUMNS = 6;

/**
 * The steps as a table: status, attempts, duration, persona, usage, error; a composition step's
 * child runs in a row under it.
 */
export function StepTable({
  steps,
  now,
  childRuns = new Map(),
  throttled = new Map(),
  onFork,
}: {
  steps: readonly Step[];
  now: number;
  childRuns?: ReadonlyMap<string, readonly ChildRow[]>;
  /** Pending steps waiting for a place on their adapter, and how far back in line. */
  throttled?: ReadonlyMap<string, string>;
  /** A finished run: each step offers "Fork from here". */
  onFork?: { fork: (step: string) => void; busy: boolean };
}) {
  return (
    <div class="table-scroll">
      <table class="steps">
        <caption class="visually-hidden">Steps</caption>
        <thead>
          <tr>
            <th scope="col">Step</th>
            <th scope="col">Status</th>
            <th scope="col">Attempts</th>
            <th scope="col">Duration</th>
            <th scope="col">Persona</th>
            <th scope="col">Usage</th>
            {onFork && <th scope="col">Fork</th>}
          </tr>
        </thead>
        <tbody>
          {steps.flatMap((s) => [
            <tr key={s.id} data-step={s.id}>
              <th scope="row">
                <code>{s.id}</code> <span class="muted">{s.kind}</span>
                {s.error && <div class="error-text">{s.error.message}</div>}
                {throttled.has(s.id) && (
                  <div class="muted" data-testid="step-throttled">
                    {throttled.get(s.id)}
                  </div>
                )}
              </th>
              <td>
                <StatusBadge status={s.status} />
              </td>
              <td>{s.attempts}</td>
              <td>{formatDuration(s.duration_ms ?? elapsedMs(s.started_at, s.finished_at, now))}</td>
              <td>{s.persona ?? '—'}</td>
              <td>{formatUsage(s.usage)}</td>
              {onFork && (
                <td>
                  <button
                    type="button"
                    class="button-secondary"
                    disabled={onFork.busy}
                    onClick={() => onFork.fork(s.id)}
                    aria-label={`Fork from step ${s.id}`}
                  >
                    Fork from here
                  </button>
                </td>
              )}
            </tr>,
            ...(childRuns.get(s.id)?.length
              ? [
                  <tr key={`${s.id}/children`} class="child-runs-row">
                    <td colSpan={COLUMNS + (onFork ? 1 : 0)}>
                      <ChildRunList step={s.id} rows={childRuns.get(s.id)!} now={now} />
                    </td>
                  </tr>,
                ]
              : []),
          ])}
        </tbody>
      </table>
    </div>
  );
}
