import { describe, expect, it } from 'vitest';
import type { WaveEvent } from '../../../src/events/catalogue.js';
import { EventLedger } from '../../../src/web/state/event-ledger.js';
import { logLinesOf, logText, tailLines } from '../../../src/web/state/log-lines.js';
import { eventFactory, line } from '../fixtures.js';

describe('log lines', () => {
  it('never loses or repeats a line across reconnects', () => {
    const ledger = new EventLedger<WaveEvent>();
    // First connection: lines 1-3, then the connection drops.
    ledger.add([line(1, 'a', 'one'), line(2, 'a', 'two'), line(3, 'b', 'three')]);
    // The browser resumes from Last-Event-ID 2 (the last frame it fully parsed): 3 comes again.
    ledger.add([line(3, 'b', 'three'), line(4, 'b', 'four')]);
    // A manual reopen with since=4, and a late batch from a fetch of older events.
    ledger.add([line(5, 'a', 'five')]);
    ledger.add([line(2, 'a', 'two'), line(4, 'b', 'four')]);
    const lines = logLinesOf(ledger.events);
    expect(lines.map((l) => l.content)).toEqual(['one', 'two', 'three', 'four', 'five']);
    expect(lines.map((l) => l.seq)).toEqual([1, 2, 3, 4, 5]);
  });

  it('keeps only stream_activity, optionally of one step', () => {
    const make = eventFactory();
    const events = [
      make({ type: 'step_started', step: 'a', kind: 'command', persona: null, attempt: 1 }),
      make({ type: 'stream_activity', step: 'a', stream: 'stdout', content: 'out' }),
      make({ type: 'stream_activity', step: 'b', stream: 'stderr', content: 'err' }),
      make({ type: 'step_completed', step: 'a', status: 'success', duration_ms: 3, attempt: 1 }),
    ];
    expect(logLinesOf(events).map((l) => `${l.step}:${l.stream}:${l.content}`)).toEqual([
      'a:stdout:out',
      'b:stderr:err',
    ]);
    expect(logLinesOf(events, 'b').map((l) => l.content)).toEqual(['err']);
    expect(logLinesOf(events, 'zzz')).toEqual([]);
    expect(logText(logLinesOf(events))).toBe('[a] out\n[b] err\n');
  });

  it('shows the tail of a long log and counts what it left out', () => {
    const lines = [1, 2, 3, 4, 5];
    expect(tailLines(lines, 10)).toEqual({ shown: lines, hidden: 0 });
    expect(tailLines(lines, 2)).toEqual({ shown: [4, 5], hidden: 3 });
  });
});
