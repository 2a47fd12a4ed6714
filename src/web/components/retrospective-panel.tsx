import { getRetrospective } from '../api/endpoints.js';
import type { Retrospective, Usage } from '../api/types.js';
import { useAsync } from '../hooks/use-async.js';
import { formatDuration } from '../state/format.js';
import { ErrorNotice, Loading } from './notice.js';

const usd = (u: Usage) => `$${u.cost_usd.toFixed(4)}`;

/** The Retrospective section of a finished run: waits, critical path, slowest steps, retries, usage. */
export function RetrospectivePanel({ runId }: { runId: string }) {
  const retro = useAsync(() => getRetrospective(runId), runId);
  return (
    <section aria-labelledby="retro-title" class="panel" data-testid="retrospective">
      <h2 id="retro-title">Retrospective</h2>
      {retro.error && <ErrorNotice message={retro.error} onRetry={retro.reload} />}
      {!retro.data && !retro.error && <Loading what="the retrospective" />}
      {retro.data && <RetroBody r={retro.data} />}
    </section>
  );
}

function RetroBody({ r }: { r: Retrospective }) {
  const usage = [
    ...Object.entries(r.usage.by_step).map(([name, u]) => ({ by: 'step', name, u })),
    ...Object.entries(r.usage.by_persona).map(([name, u]) => ({ by: 'persona', name, u })),
  ];
  return (
    <>
      <dl class="facts">
        <div>
          <dt>Queue wait</dt>
          <dd data-testid="retro-queue-wait">{formatDuration(r.queue_wait_ms)}</dd>
        </div>
        <div>
          <dt>Gate wait</dt>
          <dd data-testid="retro-gate-wait">{formatDuration(r.gate_wait_ms)}</dd>
        </div>
        <div>
          <dt>Tokens</dt>
          <dd>{r.usage.total.tokens_in + r.usage.total.tokens_out}</dd>
        </div>
        <div>
          <dt>Cost</dt>
          <dd data-testid="retro-cost">{usd(r.usage.total)}</dd>
        </div>
        <div class="wide">
          <dt>Critical path</dt>
          <dd data-testid="retro-critical-path">{r.critical_path.join(' → ') || '-'}</dd>
        </div>
      </dl>
      {r.slowest_steps.length > 0 && (
        <table class="steps" data-testid="retro-slowest">
          <caption>Slowest steps</caption>
          <thead>
            <tr>
              <th scope="col">Step</th>
              <th scope="col">Time</th>
            </tr>
          </thead>
          <tbody>
            {r.slowest_steps.map((s) => (
              <tr key={s.step}>
                <td>{s.step}</td>
                <td>{formatDuration(s.duration_ms)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {r.retries.length > 0 && (
        <table class="steps" data-testid="retro-retries">
          <caption>Retries</caption>
          <thead>
            <tr>
              <th scope="col">Step</th>
              <th scope="col">Attempts</th>
              <th scope="col">Reasons</th>
            </tr>
          </thead>
          <tbody>
            {r.retries.map((x) => (
              <tr key={x.step}>
                <td>{x.step}</td>
                <td>{x.attempts}</td>
                <td>{x.reasons.join('; ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {r.contract_failures.length > 0 && (
        <table class="steps" data-testid="retro-contracts">
          <caption>Contract failures</caption>
          <thead>
            <tr>
              <th scope="col">Step</th>
              <th scope="col">Contract</th>
              <th scope="col">Errors</th>
            </tr>
          </thead>
          <tbody>
            {r.contract_failures.map((c, i) => (
              <tr key={`${c.step}-${i}`}>
                <td>{c.step}</td>
                <td>{c.contract}</td>
                <td>{c.errors.join('; ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {usage.length > 0 && (
        <table class="steps">
          <caption>Usage</caption>
          <thead>
            <tr>
              <th scope="col">By</th>
              <th scope="col">Name</th>
              <th scope="col">Tokens in</th>
              <th scope="col">Tokens out</th>
              <th scope="col">Cost</th>
            </tr>
          </thead>
          <tbody>
            {usage.map(({ by, name, u }) => (
              <tr key={`${by}:${name}`}>
                <td>{by}</td>
                <td>{name}</td>
                <td>{u.tokens_in}</td>
                <td>{u.tokens_out}</td>
                <td>{usd(u)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {r.narrative && (
        <p class="narrative" data-testid="retro-narrative">
          {r.narrative}
        </p>
      )}
    </>
  );
}
