import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { EventWatcher, RunsApi } from '../../../src/cli/runs-api.js';
import { FRAME_MS, runDashboard } from '../../../src/cli/top/dashboard.js';
import { PLAIN_PAINT } from '../../../src/cli/top/layout.js';
import type { WaveEvent } from '../../../src/events/catalogue.js';
import type { RunView } from '../../../src/service/views.js';
import { eventually } from '../../helpers/eventually.js';
import { ev, queued, runView } from './fixtures.js';

/** A terminal in memory: what was written, keys to type, a size that can change. */
function terminal() {
  const out = Object.assign(new EventEmitter(), {
    columns: 80,
    rows: 24,
    writes: [] as string[],
    write(s: string) {
      out.writes.push(s);
      return true;
    },
  });
  const input = Object.assign(new EventEmitter(), {
    raw: [] as boolean[],
    setRawMode: (on: boolean) => input.raw.push(on),
    setEncoding: () => undefined,
    resume: () => undefined,
    pause: () => undefined,
  });
  return { out, input };
}

/** The runs interface with no runs but a live event stream the test feeds. */
function fakeApi(opts: { runs?: RunView[]; failLists?: number } = {}) {
  let watcher: EventWatcher | null = null;
  let failLists = opts.failLists ?? 0;
  const api = {
    list: async () => {
      if (failLists-- > 0) throw new Error('cannot reach the Wave server');
      return { runs: opts.runs ?? [], next_cursor: null };
    },
    get: async (id: string) => {
      throw Object.assign(new Error(`no run ${id}`), { code: 'run_not_found' });
    },
    watchEvents: (w: EventWatcher, signal: AbortSignal) =>
      new Promise<void>((resolve) => {
        watcher = w;
        w.onLive({ resync: true });
        signal.addEventListener('abort', () => resolve(), { once: true });
      }),
    whereAndCap: async () => ({ where: 'project /p', maxConcurrent: 5 }),
  } as unknown as RunsApi;
  return {
    api,
    emit: (e: WaveEvent[]) => watcher?.onEvents(e),
    live: () => watcher !== null,
    reconnect: (resync: boolean) => watcher?.onLive({ resync }),
  };
}

const frames = (writes: string[]) =>
  writes.filter((w) => w.includes('\u001b[1;1H') || w.includes(';1H')).length;

describe('the dashboard loop', () => {
  it('redraws at most once per FRAME_MS however fast the events come, and restores the terminal on q', async () => {
    const { out, input } = terminal();
    const { api, emit, live } = fakeApi();
    const stop = new AbortController();
    const done = runDashboard({
      api,
      actor: 't',
      stdin: input,
      stdout: out,
      paint: PLAIN_PAINT,
      signal: stop.signal,
    });
    await eventually(live, 5000, 'the watch');
    await eventually(() => out.writes.join('').includes('● live'), 5000, 'the first live frame');
    emit([queued('noisy-1', 'noisy')]);
    const before = frames(out.writes);
    const start = Date.now();
    // 2,000 lines in 40 bursts, as fast as the loop takes them.
    for (let burst = 0; burst < 40; burst++) {
      emit(
        Array.from({ length: 50 }, (_, i) =>
          ev({
            type: 'stream_activity',
            run_id: 'noisy-1',
            step: 's',
            stream: 'stdout',
            content: `line ${burst * 50 + i}`,
          }),
        ),
      );
      await new Promise((r) => setImmediate(r));
    }
    await eventually(() => out.writes.join('').includes('noisy-1'), 5000, 'the run on screen');
    const elapsed = Date.now() - start;
    expect(frames(out.writes) - before).toBeLessThanOrEqual(Math.ceil(elapsed / FRAME_MS) + 2);
    input.emit('data', 'q');
    await done;
    expect(out.writes.at(-1)).toBe('\u001b[0m\u001b[?25h\u001b[?1049l');
    expect(input.raw).toEqual([true, false]);
  });

  it('a resize redraws the whole screen at the new size', async () => {
    const { out, input } = terminal();
    const { api, live } = fakeApi();
    const stop = new AbortController();
    const done = runDashboard({
      api,
      actor: 't',
      stdin: input,
      stdout: out,
      paint: PLAIN_PAINT,
      signal: stop.signal,
    });
    await eventually(live, 5000, 'the watch');
    out.writes.length = 0;
    out.rows = 30;
    out.emit('resize');
    const text = out.writes.join('');
    expect(text).toContain('\u001b[2J');
    expect(text).toContain('\u001b[30;1H');
    // The signal (SIGTERM, SIGHUP in the command) quits like q.
    stop.abort();
    await done;
    expect(out.writes.at(-1)).toBe('\u001b[0m\u001b[?25h\u001b[?1049l');
  });

  it('a listing that failed is read again at the next connection, even one resuming from a cursor', async () => {
    const { out, input } = terminal();
    const { api, live, reconnect } = fakeApi({ runs: [runView('old-1')], failLists: 2 });
    const stop = new AbortController();
    const done = runDashboard({
      api,
      actor: 't',
      stdin: input,
      stdout: out,
      paint: PLAIN_PAINT,
      signal: stop.signal,
    });
    await eventually(live, 5000, 'the watch');
    await eventually(
      () => out.writes.join('').includes('reading the runs: cannot reach'),
      5000,
      'the failure shown',
    );
    expect(out.writes.join('')).not.toContain('old-1');
    reconnect(false);
    await eventually(
      () => out.writes.join('').includes('old-1'),
      5000,
      'the run listed after the reconnection',
    );
    stop.abort();
    await done;
  });
});
