import type { ScheduleConfig } from '../config/manifest-schema.js';
import { WaveError } from '../errors.js';
import type { Diagnostic } from '../pipeline/diagnostics.js';
import { didYouMean } from '../pipeline/suggest.js';
import { compileTimetable } from './timetable.js';

/**
 * wave.yaml's `schedules` checked as `wave serve` will check them (expression, zone, pipeline,
 * unique names), so `wave validate` finds what would stop the server.
 */
export function scheduleDiagnostics(
  file: string,
  schedules: ScheduleConfig[],
  pipelines: string[],
): Diagnostic[] {
  const out: Diagnostic[] = [];
  const seen = new Set<string>();
  schedules.forEach((s, i) => {
    const at = (field: string) => `schedules[${i}].${field}`;
    const error = (field: string, message: string, hint?: string): void => {
      out.push({ severity: 'error', file, line: null, path: at(field), message, ...(hint ? { hint } : {}) });
    };
    if (seen.has(s.name)) error('name', `another schedule is named "${s.name}"`);
    seen.add(s.name);
    if (!pipelines.includes(s.pipeline)) {
      error('pipeline', `no pipeline named "${s.pipeline}"`, didYouMean(s.pipeline, pipelines));
    }
    try {
      compileTimetable({ cron: s.cron ?? null, rrule: s.rrule ?? null, timezone: s.timezone ?? 'UTC' });
    } catch (err) {
      if (!(err instanceof WaveError)) throw err;
      error(String(err.details.field ?? 'cron'), err.message);
    }
  });
  return out;
}
