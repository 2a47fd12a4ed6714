import { WaveError } from '../../errors.js';
import { parseDuration } from '../../pipeline/duration.js';

const DEFAULT_WINDOW_MS = 30 * 86_400_000;

/**
 * `since`/`until` as API.md takes them: an ISO time, or a duration back from now (`7d`, `12h`).
 * Default: the last 30 days up to now.
 */
export function resolveWindow(
  q: { since?: string | undefined; until?: string | undefined },
  nowMs: number,
): { since: string; until: string } {
  const until = q.until ? pointInTime(q.until, nowMs, 'until') : nowMs;
  const since = q.since ? pointInTime(q.since, nowMs, 'since') : until - DEFAULT_WINDOW_MS;
  if (since > until) {
    throw new WaveError('invalid_request', '"since" is after "until"', {
      issues: [{ path: 'querystring.since', message: 'must not be after until' }],
    });
  }
  return { since: new Date(since).toISOString(), until: new Date(until).toISOString() };
}

function pointInTime(value: string, nowMs: number, field: string): number {
  const back = /^\d/.test(value) && !value.includes('-') ? parseDuration(value) : undefined;
  if (back !== undefined) return nowMs - back;
  const at = Date.parse(value);
  if (Number.isNaN(at) || !value.includes('-')) {
    throw new WaveError('invalid_request', `"${field}" is neither an ISO time nor a duration such as 7d`, {
      issues: [{ path: `querystring.${field}`, message: 'expected an ISO time or a duration (7d, 12h)' }],
    });
  }
  return at;
}
