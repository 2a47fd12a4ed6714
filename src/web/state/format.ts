/** Durations as people read them: 850 ms, 12.3 s, 4m 05s, 1h 02m. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const totalSeconds = Math.floor(seconds);
  const h = Math.floor(totalSeconds / 3600);
  const m = Math.floor((totalSeconds % 3600) / 60);
  const s = totalSeconds % 60;
  if (h > 0) return `${h}h ${String(m).padStart(2, '0')}m`;
  return `${m}m ${String(s).padStart(2, '0')}s`;
}

/** The time between two instants; `end` null means still going (measured to `now`). */
export function elapsedMs(start: string | null, end: string | null, now: number): number | null {
  if (!start) return null;
  const from = Date.parse(start);
  const to = end ? Date.parse(end) : now;
  return Number.isFinite(from) && Number.isFinite(to) ? Math.max(0, to - from) : null;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** Local date and time, `YYYY-MM-DD HH:MM:SS`. */
export function formatDateTime(iso: string | null): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${formatClock(iso)}`;
}

/** Local time of day with milliseconds, `HH:MM:SS.mmm` (event timelines). */
export function formatClock(iso: string, millis = false): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const base = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  return millis ? `${base}.${pad(d.getMilliseconds(), 3)}` : base;
}

type UsageT = { tokens_in: number; tokens_out: number; cost_usd: number };

/** A run's usage: its steps' added up (reused steps carry none: they were counted in their source run). */
export function totalUsage(steps: readonly { usage: UsageT | null }[]): UsageT | null {
  const used = steps.flatMap((s) => (s.usage ? [s.usage] : []));
  if (used.length === 0) return null;
  return used.reduce((a, u) => ({
    tokens_in: a.tokens_in + u.tokens_in,
    tokens_out: a.tokens_out + u.tokens_out,
    cost_usd: a.cost_usd + u.cost_usd,
  }));
}

export function formatUsage(
  usage: { tokens_in: number; tokens_out: number; cost_usd: number } | null,
): string {
  if (!usage) return '—';
  const cost = usage.cost_usd > 0 ? `, $${usage.cost_usd.toFixed(4)}` : '';
  return `${usage.tokens_in.toLocaleString('en-US')} in / ${usage.tokens_out.toLocaleString('en-US')} out${cost}`;
}
