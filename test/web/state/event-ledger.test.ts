import { describe, expect, it } from 'vitest';
import { EventLedger } from '../../../src/web/state/event-ledger.js';

const ev = (seq: number) => ({ seq, type: 'x' });

describe('EventLedger', () => {
  it('keeps events in seq order and reports the last seq', () => {
    const ledger = new EventLedger();
    expect(ledger.lastSeq).toBe(0);
    const r = ledger.add([ev(1), ev(2), ev(3)]);
    expect(r).toEqual({ added: [ev(1), ev(2), ev(3)], appended: true });
    expect(ledger.lastSeq).toBe(3);
    expect(ledger.events.map((e) => e.seq)).toEqual([1, 2, 3]);
  });

  it('drops events it already holds: a replay after a reconnect adds nothing twice', () => {
    const ledger = new EventLedger();
    ledger.add([ev(1), ev(2), ev(3)]);
    const version = ledger.version;
    // The browser resumed with Last-Event-ID 2 but the server's replay overlapped.
    const r = ledger.add([ev(2), ev(3), ev(4), ev(4)]);
    expect(r.added.map((e) => e.seq)).toEqual([4]);
    expect(r.appended).toBe(true);
    expect(ledger.events.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    expect(ledger.version).toBe(version + 1);
    expect(ledger.add([ev(1), ev(4)]).added).toEqual([]);
    expect(ledger.version).toBe(version + 1);
  });

  it('inserts older events in place and says the batch was not an append', () => {
    const ledger = new EventLedger();
    ledger.add([ev(10), ev(20)]);
    const r = ledger.add([ev(15), ev(5), ev(25)]);
    expect(r.added.map((e) => e.seq)).toEqual([5, 15, 25]);
    expect(r.appended).toBe(false);
    expect(ledger.events.map((e) => e.seq)).toEqual([5, 10, 15, 20, 25]);
  });

  it('sorts a batch that arrives out of order', () => {
    const ledger = new EventLedger();
    const r = ledger.add([ev(3), ev(1), ev(2)]);
    expect(r.appended).toBe(true);
    expect(ledger.events.map((e) => e.seq)).toEqual([1, 2, 3]);
  });

  it('ignores events without a usable seq', () => {
    const ledger = new EventLedger<{ seq: number }>();
    ledger.add([{ seq: Number.NaN }, { seq: 1.5 }, { seq: 2 }]);
    expect(ledger.events.map((e) => e.seq)).toEqual([2]);
  });

  it('gives the events after a seq, for re-applying onto a fresh fetch', () => {
    const ledger = new EventLedger();
    ledger.add([ev(1), ev(4), ev(9)]);
    expect(ledger.after(0).map((e) => e.seq)).toEqual([1, 4, 9]);
    expect(ledger.after(4).map((e) => e.seq)).toEqual([9]);
    expect(ledger.after(5).map((e) => e.seq)).toEqual([9]);
    expect(ledger.after(9)).toEqual([]);
    expect(ledger.has(4)).toBe(true);
    expect(ledger.has(5)).toBe(false);
  });
});
