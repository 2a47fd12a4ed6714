import type { RunDetail } from '../api/types.js';
import { elapsedMs, formatDateTime, formatDuration, formatUsage, totalUsage } from '../state/format.js';
import { pipelineHref, runHref } from '../state/route.js';
import { LineageFacts } from './lineage.js';
import { Link } from './link.js';

/** The run's facts: pipeline, parent run (of a child run), trigger, times, input, labels, error. */
export function RunFacts({ run, now }: { run: RunDetail; now: number }) {
  const labels = Object.entries(run.labels);
  const duration = run.duration_ms ?? elapsedMs(run.started_at, run.finished_at, now);
  const usage = totalUsage(run.steps);
  return (
    <dl class="facts">
      <div>
        <dt>Pipeline</dt>
        <dd>
          <Link href={pipelineHref(run.pipeline)}>{run.pipeline}</Link>
        </dd>
      </div>
      {run.parent && (
        <div data-testid="run-parent">
          <dt>Parent run</dt>
          <dd>
            <Link href={runHref(run.parent.run_id)} class="run-id">
              {run.parent.run_id}
            </Link>{' '}
            <span class="muted">step</span> <code>{run.parent.step}</code>
          </dd>
        </div>
      )}
      <LineageFacts run={run} />
      <div>
        <dt>Triggered by</dt>
        <dd>
          {run.trigger.source}
          {run.trigger.actor ? ` (${run.trigger.actor})` : ''}
        </dd>
      </div>
      <div>
        <dt>Created</dt>
        <dd>{formatDateTime(run.created_at)}</dd>
      </div>
      <div>
        <dt>Started</dt>
        <dd>{formatDateTime(run.started_at)}</dd>
      </div>
      <div>
        <dt>Finished</dt>
        <dd>{formatDateTime(run.finished_at)}</dd>
      </div>
      <div>
        <dt>Duration</dt>
        <dd data-testid="run-duration">{formatDuration(duration)}</dd>
      </div>
      {usage && (
        <div>
          <dt>Usage</dt>
          <dd data-testid="run-usage">{formatUsage(usage)}</dd>
        </div>
      )}
      {run.queue_position !== null && (
        <div>
          <dt>Queue position</dt>
          <dd>{run.queue_position}</dd>
        </div>
      )}
      <div class="wide">
        <dt>Input</dt>
        <dd>
          {run.input === null ? <span class="muted">none</span> : <pre class="input-text">{run.input}</pre>}
        </dd>
      </div>
      {labels.length > 0 && (
        <div class="wide">
          <dt>Labels</dt>
          <dd>
            <ul class="labels">
              {labels.map(([k, v]) => (
                <li key={k}>
                  {k}={v}
                </li>
              ))}
            </ul>
          </dd>
        </div>
      )}
      {run.error && (
        <div class="wide">
          <dt>Error</dt>
          <dd class="error-text">
            {run.error.step ? `${run.error.step}: ` : ''}
            {run.error.message} <span class="muted">({run.error.code})</span>
          </dd>
        </div>
      )}
    </dl>
  );
}
