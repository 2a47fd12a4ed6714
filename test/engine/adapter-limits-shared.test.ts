import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type AdapterLease, AdapterLimits, type SharedPlaces } from '../../src/engine/adapter-limits.js';
import { eventually } from '../helpers/eventually.js';
import { openStore } from '../helpers/store.js';
import { tempDir } from '../helpers/tmp.js';

// Two processes' AdapterLimits on one store file: the cap and the line are the store's.

const never = () => new AbortController().signal;

/** A process: its store on the shared file, its instance, and a way to tell it of others' commits. */
async function proc(path: string, owner: string) {
  const store = openStore({ path });
  await store.registerInstance({ id: owner, host: 'h', pid: 1, role: 'all' });
  const listeners = new Set<() => void>();
  const shared: SharedPlaces = {
    places: store.adapterPlaces,
    owner,
    leaseMs: 30_000,
    onChange: (fn) => {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
  };
  const limits = new AdapterLimits({ mock: { maxConcurrent: 1, rate: null } }, Date.now, shared);
  return {
    limits,
    store,
    notify: () => {
      for (const fn of listeners) fn();
    },
  };
}

describe('AdapterLimits shared through the store', () => {
  it('one place over two processes, served in readiness order across them; a cancelled waiter leaves the line', async () => {
    const path = join(tempDir(), 'state.db');
    const a = await proc(path, 'a');
    const b = await proc(path, 'b');
    const held = await a.limits.acquire('mock', { signal: never() });

    const seen: Record<string, number[]> = { b1: [], b2: [], a2: [] };
    const got: string[] = [];
    const wait = (p: typeof a, name: string, signal = never()) =>
      p.limits.acquire('mock', { signal, onWait: (n) => seen[name]!.push(n) }).then((lease) => {
        got.push(name);
        return lease;
      });
    const cancel = new AbortController();
    const b1 = wait(b, 'b1', cancel.signal);
    await eventually(() => seen.b1!.length > 0, 10_000, 'b1 in line');
    const b2 = wait(b, 'b2');
    await eventually(() => seen.b2!.length > 0, 10_000, 'b2 in line');
    const a2 = wait(a, 'a2');
    await eventually(() => seen.a2!.length > 0, 10_000, 'a2 in line');
    expect(seen).toEqual({ b1: [1], b2: [2], a2: [3] });

    cancel.abort();
    await expect(b1).rejects.toThrow();
    expect((await a.store.adapterPlaces.positions('mock', 30_000)).size).toBe(2);
    // Process a gives its place back; its own a2 must not overtake b2, which became ready first.
    held.release();
    await eventually(
      async () => (await a.store.adapterPlaces.positions('mock', 30_000)).size === 2,
      10_000,
      'a2 still waiting',
    );
    b.notify();
    const leaseB2: AdapterLease = await b2;
    expect(got).toEqual(['b2']);
    leaseB2.release();
    a.notify();
    (await a2).release();
    expect(got).toEqual(['b2', 'a2']);
    // Moved up when b1 left, then (if a looked again before its grant) to the head.
    expect(seen.a2!.slice(0, 2)).toEqual([3, 2]);
    expect(seen.a2).toEqual([...seen.a2!].sort((x, y) => y - x));
    await eventually(
      async () => (await a.store.adapterPlaces.positions('mock', 30_000)).size === 0,
      10_000,
      'the line empty',
    );
  });
});
