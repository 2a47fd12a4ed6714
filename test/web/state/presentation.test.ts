import { describe, expect, it } from 'vitest';
import { EVENT_TYPES } from '../../../src/events/catalogue.js';
import { EVENT_TYPE_NAMES, isTerminalEvent } from '../../../src/web/state/event-types.js';
import {
  elapsedMs,
  formatBytes,
  formatDuration,
  formatUsage,
  totalUsage,
} from '../../../src/web/state/format.js';
import { timelineOf } from '../../../src/web/state/timeline.js';
import { eventFactory } from '../fixtures.js';

describe('event types', () => {
  it('the UI listens for every event type of the catalogue', () => {
    expect([...EVENT_TYPE_NAMES].sort()).toEqual([...EVENT_TYPES].sort());
  });

  it('knows the terminal ones', () => {
    expect(EVENT_TYPE_NAMES.filter((type) => isTerminalEvent({ type }))).toEqual([
      'run_completed',
      'run_failed',
      'run_cancelled',
    ]);
  });
});

describe('timeline', () => {
  it('describes every event but log lines, in words', () => {
    const make = eventFactory();
    const entries = timelineOf([
      make({ type: 'run_queued', pipeline: 'p', queue_position: 2, trigger: { source: 'ui', actor: 'bob' } }),
      make({ type: 'stream_activity', step: 's', stream: 'stdout', content: 'hidden' }),
      make({ type: 'gate_answered', step: 'ask', choice: 'yes', text: 'ok', by: 'alice', timed_out: false }),
      make({
        type: 'run_failed',
        status: 'failed',
        duration_ms: 5,
        error: { code: 'x', message: 'boom', step: 's' },
      }),
      make({ type: 'run_cancelled', status: 'cancelled', duration_ms: 5, by: null }),
    ]);
    expect(entries.map((e) => [e.type, e.step, e.text, e.tone])).toEqual([
      ['run_queued', null, 'queued at position 2 (ui by bob)', 'info'],
      ['gate_answered', 'ask', 'gate answered "yes" by alice: “ok”', 'ok'],
      ['run_failed', null, 'failed: boom', 'bad'],
      ['run_cancelled', null, 'cancelled', 'bad'],
    ]);
  });
});

describe('formatting', () => {
  it('durations', () => {
    expect(formatDuration(null)).toBe('—');
    expect(formatDuration(850)).toBe('850 ms');
    expect(formatDuration(12_340)).toBe('12.3 s');
    expect(formatDuration(245_000)).toBe('4m 05s');
    expect(formatDuration(3_720_000)).toBe('1h 02m');
    expect(elapsedMs('2026-01-01T00:00:00Z', null, Date.parse('2026-01-01T00:00:02Z'))).toBe(2000);
    expect(elapsedMs(null, null, 0)).toBeNull();
  });

  it('sizes', () => {
    expect(formatBytes(12)).toBe('12 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(50 * 1024 * 1024)).toBe('50 MiB');
  });
});

describe('run usage totals', () => {
  it("adds up the steps' usage, and says the cost; none without usage", () => {
    const total = totalUsage([
      { usage: { tokens_in: 1000, tokens_out: 20, cost_usd: 0.01 } },
      { usage: null },
      { usage: { tokens_in: 500, tokens_out: 5, cost_usd: 0.0025 } },
    ]);
    expect(total).toEqual({ tokens_in: 1500, tokens_out: 25, cost_usd: 0.0125 });
    expect(formatUsage(total)).toBe('1,500 in / 25 out, $0.0125');
    expect(totalUsage([{ usage: null }])).toBeNull();
  });
});
