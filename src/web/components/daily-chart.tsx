import type { Insights } from '../api/types.js';

const W = 640;
const H = 200;
const PAD = { left: 36, right: 8, top: 10, bottom: 28 };

/** Runs (grey) and failures (red) per day as bars, in SVG drawn here: no charting library. */
export function DailyChart({ daily }: { daily: Insights['daily'] }) {
  if (daily.length === 0) return <p class="muted">No runs in this window.</p>;
  const max = Math.max(1, ...daily.map((d) => d.runs));
  const slot = (W - PAD.left - PAD.right) / daily.length;
  const bar = Math.max(2, slot * 0.7);
  const y = (n: number) => PAD.top + (H - PAD.top - PAD.bottom) * (1 - n / max);
  const labelEvery = Math.ceil(daily.length / 8);
  return (
    <svg
      viewBox={`0 0 ${W} ${H}`}
      class="chart"
      role="img"
      aria-label={`Runs and failures per day, ${daily[0]?.date} to ${daily[daily.length - 1]?.date}`}
      data-testid="daily-chart"
    >
      <line x1={PAD.left} x2={W - PAD.right} y1={y(0)} y2={y(0)} class="chart-axis" />
      <text x={PAD.left - 4} y={y(max) + 4} text-anchor="end" class="chart-label">
        {max}
      </text>
      <text x={PAD.left - 4} y={y(0)} text-anchor="end" class="chart-label">
        0
      </text>
      {daily.map((d, i) => {
        const x = PAD.left + i * slot + (slot - bar) / 2;
        return (
          <g key={d.date} data-date={d.date}>
            <title>{`${d.date}: ${d.runs} runs, ${d.failed} failed`}</title>
            <rect x={x} y={y(d.runs)} width={bar} height={y(0) - y(d.runs)} class="chart-runs" />
            <rect x={x} y={y(d.failed)} width={bar} height={y(0) - y(d.failed)} class="chart-failed" />
            {i % labelEvery === 0 && (
              <text x={x + bar / 2} y={H - 8} text-anchor="middle" class="chart-label">
                {d.date.slice(5)}
              </text>
            )}
          </g>
        );
      })}
    </svg>
  );
}

/** p50 and p95 duration per pipeline as paired horizontal bars. */
export function DurationChart({ pipelines }: { pipelines: Insights['pipelines'] }) {
  const rows = pipelines.filter((p) => p.duration_ms.p95 !== null);
  if (rows.length === 0) return <p class="muted">No finished runs in this window.</p>;
  const max = Math.max(1, ...rows.map((p) => p.duration_ms.p95 ?? 0));
  const left = 120;
  const rowH = 28;
  const height = rows.length * rowH + 8;
  const w = (ms: number | null) => ((W - left - 120) * (ms ?? 0)) / max;
  return (
    <svg
      viewBox={`0 0 ${W} ${height}`}
      class="chart"
      role="img"
      aria-label="p50 and p95 duration per pipeline"
      data-testid="duration-chart"
    >
      {rows.map((p, i) => (
        <g key={p.pipeline} data-pipeline={p.pipeline}>
          <title>{`${p.pipeline}: p50 ${seconds(p.duration_ms.p50)}, p95 ${seconds(p.duration_ms.p95)}`}</title>
          <text x={left - 6} y={i * rowH + 18} text-anchor="end" class="chart-label">
            {p.pipeline}
          </text>
          <rect x={left} y={i * rowH + 4} width={w(p.duration_ms.p95)} height={20} class="chart-p95" />
          <rect x={left} y={i * rowH + 8} width={w(p.duration_ms.p50)} height={12} class="chart-p50" />
          <text x={left + w(p.duration_ms.p95) + 4} y={i * rowH + 18} class="chart-label">
            {seconds(p.duration_ms.p50)} / {seconds(p.duration_ms.p95)}
          </text>
        </g>
      ))}
    </svg>
  );
}

function seconds(ms: number | null): string {
  return ms === null ? '-' : ms < 1000 ? `${Math.round(ms)}ms` : `${(ms / 1000).toFixed(1)}s`;
}
