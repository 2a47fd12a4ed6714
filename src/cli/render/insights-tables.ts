import type { Insights } from '../../service/insights/insights.js';
import type { Retrospective } from '../../service/insights/retrospective.js';
import { table } from '../io.js';
import { formatDuration } from './format.js';

const ms = (v: number | null) => (v === null ? '-' : formatDuration(v));
const pct = (v: number | null) => (v === null ? '-' : `${(v * 100).toFixed(1)}%`);
const usd = (v: number) => `$${v.toFixed(4)}`;

/** `wave insights`: one table of pipelines, one of steps, top errors, the daily series. */
export function insightsText(i: Insights): string {
  const parts = [`runs created ${i.since} .. ${i.until}`];
  if (i.pipelines.length === 0) return [...parts, 'no runs in this window'].join('\n');
  parts.push(
    table(
      [
        'PIPELINE',
        'RUNS',
        'OK',
        'FAILED',
        'CANCELLED',
        'SUCCESS',
        'P50',
        'P95',
        'QUEUE P50',
        'QUEUE P95',
        'TOKENS',
        'COST',
      ],
      i.pipelines.map((p) => [
        p.pipeline,
        String(p.runs),
        String(p.completed),
        String(p.failed),
        String(p.cancelled),
        pct(p.success_rate),
        ms(p.duration_ms.p50),
        ms(p.duration_ms.p95),
        ms(p.queue_wait_ms.p50),
        ms(p.queue_wait_ms.p95),
        String(p.usage.tokens_in + p.usage.tokens_out),
        usd(p.usage.cost_usd),
      ]),
    ),
    '',
    table(
      ['PIPELINE', 'STEP', 'RUNS', 'FAILED', 'RETRIES', 'P50', 'P95'],
      i.pipelines.flatMap((p) =>
        p.steps.map((s) => [
          p.pipeline,
          s.id,
          String(s.runs),
          String(s.failed),
          String(s.retries),
          ms(s.duration_ms.p50),
          ms(s.duration_ms.p95),
        ]),
      ),
    ),
  );
  const errors = i.pipelines.flatMap((p) =>
    p.top_errors.map((e) => [p.pipeline, e.code, String(e.count), e.message]),
  );
  if (errors.length) parts.push('', table(['PIPELINE', 'ERROR', 'COUNT', 'LATEST MESSAGE'], errors));
  parts.push(
    '',
    table(
      ['DATE', 'RUNS', 'FAILED', 'COST'],
      i.daily.map((d) => [d.date, String(d.runs), String(d.failed), usd(d.cost_usd)]),
    ),
  );
  return parts.join('\n');
}

/** `wave retro`: the run's figures, then tables of steps, retries and contract failures. */
export function retrospectiveText(r: Retrospective): string {
  const parts = [
    table(
      ['RUN', 'STATUS', 'DURATION', 'QUEUE WAIT', 'GATE WAIT', 'TOKENS', 'COST'],
      [
        [
          r.run_id,
          r.status,
          ms(r.duration_ms),
          ms(r.queue_wait_ms),
          ms(r.gate_wait_ms),
          String(r.usage.total.tokens_in + r.usage.total.tokens_out),
          usd(r.usage.total.cost_usd),
        ],
      ],
    ),
    '',
    `critical path: ${r.critical_path.length ? r.critical_path.join(' → ') : '-'}`,
  ];
  if (r.slowest_steps.length) {
    parts.push(
      '',
      table(
        ['SLOWEST STEP', 'TIME'],
        r.slowest_steps.map((s) => [s.step, ms(s.duration_ms)]),
      ),
    );
  }
  if (r.retries.length) {
    parts.push(
      '',
      table(
        ['RETRIED STEP', 'ATTEMPTS', 'REASONS'],
        r.retries.map((x) => [x.step, String(x.attempts), x.reasons.join('; ')]),
      ),
    );
  }
  if (r.contract_failures.length) {
    parts.push(
      '',
      table(
        ['STEP', 'CONTRACT', 'ERRORS'],
        r.contract_failures.map((c) => [c.step, c.contract, c.errors.join('; ')]),
      ),
    );
  }
  const usage = [
    ...Object.entries(r.usage.by_step).map(([k, u]) => ['step', k, u] as const),
    ...Object.entries(r.usage.by_persona).map(([k, u]) => ['persona', k, u] as const),
  ];
  if (usage.length) {
    parts.push(
      '',
      table(
        ['BY', 'NAME', 'TOKENS IN', 'TOKENS OUT', 'COST'],
        usage.map(([by, k, u]) => [by, k, String(u.tokens_in), String(u.tokens_out), usd(u.cost_usd)]),
      ),
    );
  }
  if (r.narrative) parts.push('', r.narrative);
  return parts.join('\n');
}
