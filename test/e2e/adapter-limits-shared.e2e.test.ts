import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { WaveEvent } from '../../src/events/catalogue.js';
import { killRunProcesses } from '../../src/runs/orphan-processes.js';
import { eventually } from '../helpers/eventually.js';
import { openStore } from '../helpers/store.js';
import { tempProject, yaml } from '../helpers/tmp.js';
import { spawnServer } from './remote-support.js';

// adapters.<name>.max_concurrent holds across processes: two `wave serve` on one SQLite file
// share the cap through the store's adapter places, not one cap each.

/**
 * A project whose prompt step `think` runs on the mock adapter, capped at `cap` places, and holds
 * its place until its contract's `command` ends.
 */
function thinkProject(cap: number, command: string, server = '') {
  return {
    'wave.yaml': yaml`
      kind: WaveManifest
      ${server}
      adapters:
        mock: { max_concurrent: ${cap} }
      personas:
        thinker: { adapter: mock }
    `,
    '.wave/pipelines/think.yaml': yaml`
      kind: WavePipeline
      metadata: { name: think }
      steps:
        - id: think
          persona: thinker
          exec: { type: prompt, source: "think" }
          handover:
            contract: { type: test_suite, command: '${command}' }
    `,
  };
}

const files = thinkProject(2, 'sleep 0.4', 'server: { max_concurrent: 6 }');

async function submit(url: string): Promise<string> {
  const res = await fetch(`${url}/api/runs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ pipeline: 'think' }),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

/** The most prompt steps running at once over every process, replaying events in commit order. */
function mostAtOnce(events: WaveEvent[]): number {
  let running = 0;
  let most = 0;
  for (const e of events) {
    if (e.type === 'step_started' && e.kind === 'prompt') most = Math.max(most, ++running);
    if ((e.type === 'step_completed' || e.type === 'step_failed') && e.step === 'think') running--;
  }
  return most;
}

/** One place, held by a run until the test writes `release`. */
const heldFiles = thinkProject(1, 'while [ ! -f "$WAVE_PROJECT_ROOT/release" ]; do sleep 0.05; done');

async function eventsOf(store: ReturnType<typeof openStore>, runId: string): Promise<WaveEvent[]> {
  return (await store.readEvents({ runId, afterSeq: 0, limit: 1000 })).map(
    (r) => JSON.parse(r.json) as WaveEvent,
  );
}

describe('max_concurrent across processes', { timeout: 120_000 }, () => {
  it('two wave serve on one store never run more than the cap of prompt steps together', async () => {
    const cwd = tempProject(files);
    const a = await spawnServer(cwd);
    const b = await spawnServer(cwd);
    const ids: string[] = [];
    // Alternating, so that both servers have runs ready at once (each claims what it can).
    for (let i = 0; i < 4; i++) ids.push(await submit(a.url), await submit(b.url));
    const store = openStore({ path: join(cwd, '.wave/state.db') });
    await eventually(
      async () => {
        for (const id of ids) if ((await store.getRun(id))?.status !== 'completed') return false;
        return true;
      },
      90_000,
      'all eight runs completed',
    );
    const events: WaveEvent[] = [];
    for (const row of await store.readEvents({ afterSeq: 0, limit: 10_000 }))
      events.push(JSON.parse(row.json) as WaveEvent);
    // Both processes started prompt steps (events keep the writing process's origin).
    const db = new Database(join(cwd, '.wave/state.db'), { readonly: true });
    const origins = db
      .prepare(
        `SELECT COUNT(DISTINCT origin) FROM events
         WHERE type = (SELECT num FROM event_names WHERE name = 'step_started')`,
      )
      .pluck()
      .get();
    db.close();
    expect(origins).toBe(2);
    expect(mostAtOnce(events)).toBe(2);
    expect(events.filter((e) => e.type === 'step_throttled').length).toBeGreaterThan(0);
    // Every place was given back.
    expect((await store.adapterPlaces.positions('mock', 30_000)).size).toBe(0);
  });

  it("a killed server's place is free for the other at once, not after its lease", async () => {
    const cwd = tempProject(heldFiles);
    const a = await spawnServer(cwd);
    const store = openStore({ path: join(cwd, '.wave/state.db') });
    const runs: string[] = [];
    try {
      const holder = await submit(a.url);
      runs.push(holder);
      await eventually(
        async () => (await eventsOf(store, holder)).some((e) => e.type === 'step_started'),
        30_000,
        'the first server holding the place',
      );
      const b = await spawnServer(cwd);
      const waiter = await submit(b.url);
      runs.push(waiter);
      await eventually(
        async () => (await eventsOf(store, waiter)).some((e) => e.type === 'step_throttled'),
        30_000,
        'the second server waiting for it',
      );
      a.proc.child.kill('SIGKILL');
      await a.proc.exited;
      // Its lease would last 30 s; the other server sees the process gone and takes the place.
      const killedAt = Date.now();
      await eventually(
        async () => (await eventsOf(store, waiter)).some((e) => e.type === 'step_started'),
        20_000,
        'the waiter starting',
      );
      expect(Date.now() - killedAt).toBeLessThan(20_000);
    } finally {
      // The killed server's contract loop (and the waiter's) end; a loop that has not seen the
      // file before the project folder goes would run on: stop what is left of both runs.
      writeFileSync(join(cwd, 'release'), '');
      for (const id of runs) await killRunProcesses(id, 500);
    }
  });
});
