import { Cron } from 'croner';
import { WaveError } from '../errors.js';
import { nextRRuleTime, parseRRule, type RRule } from './rrule.js';
import { isTimeZone } from './zoned-time.js';

/** When a schedule fires: a cron expression (croner, 5 or 6 fields) or an RRULE, in a zone. */
export interface TimetableSpec {
  cron: string | null;
  rrule: string | null;
  timezone: string;
}

export interface Timetable {
  /** The first slot strictly after `afterMs`, or null when there is none. */
  next(afterMs: number): number | null;
}

/**
 * Checks a spec and compiles it; an invalid expression or zone is invalid_request whose
 * details name the field (cron, rrule or timezone).
 */
export function compileTimetable(spec: TimetableSpec): Timetable {
  if (!isTimeZone(spec.timezone))
    throw new WaveError('invalid_request', `timezone: "${spec.timezone}" is not an IANA time zone`, {
      field: 'timezone',
    });
  if ((spec.cron === null) === (spec.rrule === null))
    throw new WaveError('invalid_request', 'give exactly one of cron and rrule', { field: 'cron' });
  if (spec.rrule !== null) {
    const rule: RRule = parseRRule(spec.rrule);
    return { next: (afterMs) => nextRRuleTime(rule, spec.timezone, afterMs) };
  }
  const expr = (spec.cron as string).trim();
  const fields = expr.split(/\s+/).length;
  if (fields !== 5 && fields !== 6)
    throw new WaveError(
      'invalid_request',
      `cron: "${expr}" has ${fields} fields; write 5, or 6 with seconds`,
      {
        field: 'cron',
      },
    );
  let cron: Cron;
  try {
    cron = new Cron(expr, { timezone: spec.timezone, paused: true });
  } catch (err) {
    throw new WaveError('invalid_request', `cron: ${(err as Error).message}`, { field: 'cron' });
  }
  return { next: (afterMs) => cron.nextRun(new Date(afterMs))?.getTime() ?? null };
}

/** The next `count` slots after `afterMs` (fewer when the timetable ends). */
export function upcoming(timetable: Timetable, afterMs: number, count: number): number[] {
  const out: number[] = [];
  let t = timetable.next(afterMs);
  while (out.length < count && t !== null) {
    out.push(t);
    t = timetable.next(t);
  }
  return out;
}
