import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { WaveEvent } from '../../src/events/catalogue.js';
import { eventually } from '../helpers/eventually.js';
import { openStore } from '../helpers/store.js';
import { tempProject, yaml } from '../helpers/tmp.js';
import { spawnServer } from './remote-support.js';

// adapters.<name>.max_concurrent holds across processes: two `wave serve` on one SQLite file
// share the cap through the store's adapter places, not one cap each.

const files = {
  'wave.yaml': yaml`
    kind: WaveManifest
    server: { max_concurrent: 6 }
    adapters:
      mock: { max_concurrent: 2 }
    personas:
      thinker: { adapter: mock }
  `,
  // The prompt step holds its place until its contract's command ends.
  '.wave/pipelines/think.yaml': yaml`
    kind: WavePipeline
    metadata: { name: think }
    steps:
      - id: think
        persona: thinker
        exec: { type: prompt, source: "think" }
        handover:
          contract: { type: test_suite, command: 'sleep 0.4' }
  `,
};

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
});
