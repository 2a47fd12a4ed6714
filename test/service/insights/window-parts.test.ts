import { describe, expect, it } from 'vitest';
import { computeInsights } from '../../../src/service/insights/insights.js';
import { windowParts } from '../../../src/service/insights/window-parts.js';
import type { InsightRows, InsightsStore } from '../../../src/store/insights-records.js';

describe('windowParts', () => {
  it('reads whole days, then whole hours, from the rollups and scans under an hour at each end', () => {
    expect(
      windowParts({ since: '2026-11-01T10:30:00.000Z', until: '2026-11-05T02:15:00.000Z', pipeline: 'p' }),
    ).toEqual({
      rolled: [
        { span: 'day', from: '2026-11-02', to: '2026-11-05', pipeline: 'p' },
        { span: 'hour', from: '2026-11-01T11', to: '2026-11-02T00', pipeline: 'p' },
        { span: 'hour', from: '2026-11-05T00', to: '2026-11-05T02', pipeline: 'p' },
      ],
      scans: [
        { since: '2026-11-01T10:30:00.000Z', until: '2026-11-01T11:00:00.000Z', pipeline: 'p' },
        { since: '2026-11-05T02:00:00.000Z', until: '2026-11-05T02:15:00.000Z', pipeline: 'p' },
      ],
    });
  });

  it('uses hours alone within a day, and scans alone within two hours', () => {
    expect(windowParts({ since: '2026-11-01T10:30:00.000Z', until: '2026-11-01T14:00:00.000Z' })).toEqual({
      rolled: [{ span: 'hour', from: '2026-11-01T11', to: '2026-11-01T14' }],
      scans: [{ since: '2026-11-01T10:30:00.000Z', until: '2026-11-01T11:00:00.000Z' }],
    });
    expect(windowParts({ since: '2026-11-01T10:30:00.000Z', until: '2026-11-01T11:45:00.000Z' })).toEqual({
      rolled: [],
      scans: [{ since: '2026-11-01T10:30:00.000Z', until: '2026-11-01T11:45:00.000Z' }],
    });
  });
});

describe('computeInsights', () => {
  it('lets the event loop run before each scan of runs', async () => {
    const empty: InsightRows = { days: [], times: [], steps: [], errors: [] };
    const calls: string[] = [];
    const store: Pick<InsightsStore, 'rolledUp' | 'scanned'> = {
      rolledUp: async (p) => {
        calls.push(`rolled ${p.span}`);
        return empty;
      },
      scanned: async () => {
        calls.push('scan');
        setImmediate(() => calls.push('turn'));
        return empty;
      },
    };
    await computeInsights(store, { since: '2026-11-01T10:30:00.000Z', until: '2026-11-05T02:15:00.000Z' });
    // What the first scan set up ran before the second scan.
    expect(calls.slice(0, 6)).toEqual(['rolled day', 'rolled hour', 'rolled hour', 'scan', 'turn', 'scan']);
  });
});
