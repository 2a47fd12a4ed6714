import type { InsightsPeriods, InsightsWindow } from '../../store/insights-records.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/**
 * A window cut into what the rollups hold, the whole UTC days and then the whole UTC hours
 * inside it, and what is left at either end (under an hour each), which is aggregated from runs.
 */
export function windowParts(window: InsightsWindow): { rolled: InsightsPeriods[]; scans: InsightsWindow[] } {
  const since = Date.parse(window.since);
  const until = Date.parse(window.until);
  const pipeline = window.pipeline !== undefined ? { pipeline: window.pipeline } : {};
  const rolled: InsightsPeriods[] = [];
  const scans: InsightsWindow[] = [];
  const scan = (from: number, to: number) => {
    if (from < to) scans.push({ since: iso(from), until: iso(to), ...pipeline });
  };
  const hours = (from: number, to: number) => {
    if (from < to)
      rolled.push({ span: 'hour', from: iso(from).slice(0, 13), to: iso(to).slice(0, 13), ...pipeline });
  };
  const hourFrom = Math.ceil(since / HOUR_MS) * HOUR_MS;
  const hourTo = Math.floor(until / HOUR_MS) * HOUR_MS;
  if (hourFrom >= hourTo) {
    // Within two hours: all of it from runs (at most two hours' worth).
    scan(since, until);
    return { rolled, scans };
  }
  const dayFrom = Math.ceil(since / DAY_MS) * DAY_MS;
  const dayTo = Math.floor(until / DAY_MS) * DAY_MS;
  if (dayFrom < dayTo) {
    rolled.push({ span: 'day', from: iso(dayFrom).slice(0, 10), to: iso(dayTo).slice(0, 10), ...pipeline });
    hours(hourFrom, dayFrom);
    hours(dayTo, hourTo);
  } else {
    hours(hourFrom, hourTo);
  }
  scan(since, hourFrom);
  scan(hourTo, until);
  return { rolled, scans };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
