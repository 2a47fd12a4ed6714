import { WaveError } from '../errors.js';
import { instantOf, wallTimeAt } from './zoned-time.js';

/**
 * The RRULE subset of API.md "Schedules": FREQ=HOURLY|DAILY|WEEKLY, INTERVAL, BYDAY, BYHOUR,
 * BYMINUTE, BYSECOND. There is no DTSTART: a missing BYHOUR, BYMINUTE or BYSECOND is 0 (HOURLY
 * fires every hour), WEEKLY without BYDAY is Monday, and INTERVAL counts hours, days or weeks
 * (weeks start on Monday) from 1970-01-01 in the schedule's zone, so every server computes the
 * same slots.
 */
export interface RRule {
  freq: 'HOURLY' | 'DAILY' | 'WEEKLY';
  interval: number;
  /** 0 = Monday … 6 = Sunday */
  byDay: number[] | null;
  byHour: number[] | null;
  byMinute: number[];
  bySecond: number[];
}

const DAYS = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'];

function invalid(message: string): never {
  throw new WaveError('invalid_request', `rrule: ${message}`, { field: 'rrule' });
}

function numbers(key: string, value: string, max: number): number[] {
  const list = value.split(',').map((v) => {
    if (!/^\d{1,2}$/.test(v) || Number(v) > max) invalid(`${key} takes numbers 0–${max}, not "${v}"`);
    return Number(v);
  });
  return [...new Set(list)].sort((a, b) => a - b);
}

/** Parses a rule (an optional `RRULE:` prefix allowed); throws invalid_request naming the part. */
export function parseRRule(text: string): RRule {
  const body = text.trim().replace(/^RRULE:/i, '');
  const parts = new Map<string, string>();
  for (const part of body.split(';').filter(Boolean)) {
    const [key, value, extra] = part.split('=');
    if (!key || value === undefined || extra !== undefined) invalid(`"${part}" is not KEY=VALUE`);
    const k = key.toUpperCase();
    if (parts.has(k)) invalid(`${k} is given twice`);
    parts.set(k, value.toUpperCase());
  }
  const freq = parts.get('FREQ');
  if (freq !== 'HOURLY' && freq !== 'DAILY' && freq !== 'WEEKLY')
    invalid(`FREQ must be HOURLY, DAILY or WEEKLY${freq ? `, not ${freq}` : ''}`);
  const rule: RRule = { freq, interval: 1, byDay: null, byHour: null, byMinute: [0], bySecond: [0] };
  for (const [key, value] of parts) {
    if (key === 'FREQ') continue;
    if (key === 'INTERVAL') {
      if (!/^\d{1,4}$/.test(value) || Number(value) < 1 || Number(value) > 1000)
        invalid(`INTERVAL must be a number 1–1000, not "${value}"`);
      rule.interval = Number(value);
    } else if (key === 'BYDAY') {
      rule.byDay = value.split(',').map((d) => {
        const i = DAYS.indexOf(d);
        if (i < 0) invalid(`BYDAY takes ${DAYS.join(',')}, not "${d}"`);
        return i;
      });
    } else if (key === 'BYHOUR') rule.byHour = numbers(key, value, 23);
    else if (key === 'BYMINUTE') rule.byMinute = numbers(key, value, 59);
    else if (key === 'BYSECOND') rule.bySecond = numbers(key, value, 59);
    else invalid(`${key} is not supported (FREQ, INTERVAL, BYDAY, BYHOUR, BYMINUTE, BYSECOND are)`);
  }
  if (rule.freq === 'WEEKLY' && !rule.byDay) rule.byDay = [0];
  return rule;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** The first instant strictly after `afterMs` that the rule gives in `zone`, or null. */
export function nextRRuleTime(rule: RRule, zone: string, afterMs: number): number | null {
  const start = wallTimeAt(afterMs, zone);
  // Local calendar days are counted on a UTC calendar, which has no DST.
  let dayIndex = Math.floor(Date.UTC(start.year, start.month - 1, start.day) / DAY_MS) - 1;
  const horizon = dayIndex + 8 * 7 * rule.interval + 2;
  const hours = rule.byHour ?? (rule.freq === 'HOURLY' ? range(24) : [0]);
  while (++dayIndex <= horizon) {
    // 1970-01-01 was a Thursday: (index + 3) % 7 is 0 on Mondays.
    const weekday = (dayIndex + 3) % 7;
    if (rule.byDay && !rule.byDay.includes(weekday)) continue;
    if (rule.freq === 'DAILY' && dayIndex % rule.interval !== 0) continue;
    if (rule.freq === 'WEEKLY' && Math.floor((dayIndex + 3) / 7) % rule.interval !== 0) continue;
    const date = new Date(dayIndex * DAY_MS);
    let best: number | null = null;
    for (const hour of hours) {
      if (rule.freq === 'HOURLY' && (dayIndex * 24 + hour) % rule.interval !== 0) continue;
      for (const minute of rule.byMinute) {
        for (const second of rule.bySecond) {
          const t = instantOf(
            {
              year: date.getUTCFullYear(),
              month: date.getUTCMonth() + 1,
              day: date.getUTCDate(),
              hour,
              minute,
              second,
            },
            zone,
          );
          if (t > afterMs && (best === null || t < best)) best = t;
        }
      }
    }
    if (best !== null) return best;
  }
  return null;
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
