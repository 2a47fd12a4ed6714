import { describe, expect, it } from 'vitest';
import { WaveError } from '../../src/errors.js';
import { compileTimetable, upcoming } from '../../src/scheduler/timetable.js';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number[]) => ms.map((t) => new Date(t).toISOString());

function times(spec: { cron?: string; rrule?: string; timezone?: string }, from: string, n: number) {
  const tt = compileTimetable({
    cron: spec.cron ?? null,
    rrule: spec.rrule ?? null,
    timezone: spec.timezone ?? 'UTC',
  });
  return iso(upcoming(tt, at(from), n));
}

function fieldOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(WaveError);
    expect((err as WaveError).code).toBe('invalid_request');
    return (err as WaveError).details.field;
  }
  throw new Error('expected an error');
}

describe('cron timetables', () => {
  it('5 fields fire on the minute, 6 fields with seconds; slots are strictly after the given time', () => {
    expect(times({ cron: '*/15 * * * *' }, '2026-01-01T10:07:00Z', 3)).toEqual([
      '2026-01-01T10:15:00.000Z',
      '2026-01-01T10:30:00.000Z',
      '2026-01-01T10:45:00.000Z',
    ]);
    expect(times({ cron: '*/2 * * * * *' }, '2026-01-01T10:00:02Z', 2)).toEqual([
      '2026-01-01T10:00:04.000Z',
      '2026-01-01T10:00:06.000Z',
    ]);
  });

  it('a daily time in Europe/Berlin follows DST: 08:00Z before the March change, 07:00Z after', () => {
    expect(times({ cron: '0 9 * * *', timezone: 'Europe/Berlin' }, '2026-03-27T12:00:00Z', 3)).toEqual([
      '2026-03-28T08:00:00.000Z',
      '2026-03-29T07:00:00.000Z',
      '2026-03-30T07:00:00.000Z',
    ]);
  });

  it('invalid expressions and zones are invalid_request naming the field', () => {
    expect(fieldOf(() => compileTimetable({ cron: '61 * * * *', rrule: null, timezone: 'UTC' }))).toBe(
      'cron',
    );
    expect(fieldOf(() => compileTimetable({ cron: '* * *', rrule: null, timezone: 'UTC' }))).toBe('cron');
    expect(
      fieldOf(() => compileTimetable({ cron: '* * * * *', rrule: null, timezone: 'Mars/Olympus' })),
    ).toBe('timezone');
    expect(fieldOf(() => compileTimetable({ cron: null, rrule: null, timezone: 'UTC' }))).toBe('cron');
  });
});

describe('RRULE subset', () => {
  it('DAILY with BYHOUR and BYMINUTE fires at second 0 unless BYSECOND', () => {
    expect(times({ rrule: 'FREQ=DAILY;BYHOUR=6,18;BYMINUTE=30' }, '2026-01-01T07:00:00Z', 3)).toEqual([
      '2026-01-01T18:30:00.000Z',
      '2026-01-02T06:30:00.000Z',
      '2026-01-02T18:30:00.000Z',
    ]);
    expect(times({ rrule: 'RRULE:FREQ=DAILY;BYHOUR=6;BYSECOND=15' }, '2026-01-01T07:00:00Z', 1)).toEqual([
      '2026-01-02T06:00:15.000Z',
    ]);
  });

  it('WEEKLY with BYDAY and INTERVAL=2 counts weeks from 1970 in the zone', () => {
    const got = times(
      { rrule: 'FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,FR;BYHOUR=9', timezone: 'America/New_York' },
      '2026-01-01T00:00:00Z',
      4,
    );
    // Only Mondays and Fridays, in the weeks INTERVAL=2 selects.
    expect(new Set(got.map((t) => new Date(t).getUTCDay()))).toEqual(new Set([1, 5]));
    const all = upcoming(
      compileTimetable({
        cron: null,
        rrule: 'FREQ=WEEKLY;INTERVAL=2;BYDAY=MO;BYHOUR=9',
        timezone: 'America/New_York',
      }),
      at('2026-01-01T00:00:00Z'),
      3,
    );
    expect(all[1]! - all[0]!).toBe(14 * 24 * 3600 * 1000);
    expect(all[2]! - all[1]!).toBe(14 * 24 * 3600 * 1000);
    // 09:00 in New York in January is 14:00Z.
    expect(new Date(all[0]!).getUTCHours()).toBe(14);
  });

  it('HOURLY with INTERVAL and BYMINUTE', () => {
    expect(times({ rrule: 'FREQ=HOURLY;INTERVAL=6;BYMINUTE=5' }, '2026-01-01T00:10:00Z', 3)).toEqual([
      '2026-01-01T06:05:00.000Z',
      '2026-01-01T12:05:00.000Z',
      '2026-01-01T18:05:00.000Z',
    ]);
  });

  it('DST: a wall time in the spring gap moves an hour later; the autumn repeat fires once', () => {
    // Europe/Berlin: 2026-03-29 02:00 → 03:00; 2026-10-25 03:00 → 02:00.
    expect(
      times(
        { rrule: 'FREQ=DAILY;BYHOUR=2;BYMINUTE=30', timezone: 'Europe/Berlin' },
        '2026-03-28T00:00:00Z',
        3,
      ),
    ).toEqual([
      '2026-03-28T01:30:00.000Z', // 02:30 CET
      '2026-03-29T01:30:00.000Z', // 02:30 does not exist: 03:30 CEST
      '2026-03-30T00:30:00.000Z', // 02:30 CEST
    ]);
    expect(
      times(
        { rrule: 'FREQ=DAILY;BYHOUR=2;BYMINUTE=30', timezone: 'Europe/Berlin' },
        '2026-10-24T00:00:00Z',
        3,
      ),
    ).toEqual([
      '2026-10-24T00:30:00.000Z', // CEST
      '2026-10-25T00:30:00.000Z', // the first 02:30 (CEST), not also 01:30Z
      '2026-10-26T01:30:00.000Z', // CET
    ]);
  });

  it('unsupported or malformed parts are invalid_request naming rrule', () => {
    for (const bad of [
      'FREQ=MONTHLY',
      'FREQ=DAILY;BYMONTH=1',
      'FREQ=DAILY;BYHOUR=24',
      'FREQ=WEEKLY;BYDAY=XX',
      'BYHOUR=1',
      'FREQ=DAILY;INTERVAL=0',
    ]) {
      expect(
        fieldOf(() => compileTimetable({ cron: null, rrule: bad, timezone: 'UTC' })),
        bad,
      ).toBe('rrule');
    }
  });
});
