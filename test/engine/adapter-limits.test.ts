import { describe, expect, it } from 'vitest';
import { type AdapterLease, AdapterLimits } from '../../src/engine/adapter-limits.js';

// The per-process queue behind adapters.<name>.max_concurrent / rate_limit.

const never = () => new AbortController().signal;

describe('AdapterLimits', () => {
  it('an adapter without limits costs nothing and is not in the metrics', async () => {
    const limits = new AdapterLimits({ claude: { maxConcurrent: null, rate: null } });
    expect(limits.limited('claude')).toBe(false);
    expect(limits.limited('codex')).toBe(false);
    await limits.acquire('codex', { signal: never() });
    expect(limits.snapshot()).toEqual([]);
  });

  it('max_concurrent: waiters start first-come first-served and learn their place as the line moves', async () => {
    const limits = new AdapterLimits({ mock: { maxConcurrent: 1, rate: null } });
    const first = await limits.acquire('mock', { signal: never() });
    const order: string[] = [];
    const positions: Record<string, number[]> = { b: [], c: [] };
    const wait = (name: 'b' | 'c') =>
      limits.acquire('mock', { signal: never(), onWait: (p) => positions[name]!.push(p) }).then((lease) => {
        order.push(name);
        return lease;
      });
    const b = wait('b');
    const c = wait('c');
    expect(positions).toEqual({ b: [1], c: [2] });
    expect(limits.snapshot()).toEqual([{ adapter: 'mock', running: 1, waiting: 2 }]);
    first.release();
    first.release(); // twice is once
    const leaseB = await b;
    expect(order).toEqual(['b']);
    expect(positions.c).toEqual([2, 1]);
    leaseB.release();
    (await c).release();
    expect(order).toEqual(['b', 'c']);
    expect(limits.snapshot()).toEqual([{ adapter: 'mock', running: 0, waiting: 0 }]);
  });

  it('an aborted wait leaves the line at once and those behind move up', async () => {
    const limits = new AdapterLimits({ mock: { maxConcurrent: 1, rate: null } });
    const held = await limits.acquire('mock', { signal: never() });
    const cancel = new AbortController();
    const cancelled = limits.acquire('mock', { signal: cancel.signal });
    const seen: number[] = [];
    const next = limits.acquire('mock', { signal: never(), onWait: (p) => seen.push(p) });
    cancel.abort();
    await expect(cancelled).rejects.toThrow();
    expect(seen).toEqual([2, 1]);
    expect(limits.snapshot()[0]).toEqual({ adapter: 'mock', running: 1, waiting: 1 });
    held.release();
    (await next).release();
    await expect(limits.acquire('mock', { signal: cancel.signal })).rejects.toThrow();
  });

  it('rate_limit: no more than `requests` starts in any `per` window', async () => {
    const perMs = 300;
    const limits = new AdapterLimits({ api: { maxConcurrent: null, rate: { requests: 2, perMs } } });
    const starts: number[] = [];
    const leases: AdapterLease[] = [];
    for (let i = 0; i < 3; i++) {
      leases.push(await limits.acquire('api', { signal: never() }));
      starts.push(performance.now());
    }
    for (const l of leases) l.release();
    // The third had to wait for the first start to leave the window (a bound, not a speed).
    expect(starts[2]! - starts[0]!).toBeGreaterThanOrEqual(perMs - 5);
  });
});
