import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { WaveEvent } from '../../src/events/catalogue.js';
import { eventually } from '../helpers/eventually.js';
import { pgDatabase } from '../helpers/pg.js';
import { yaml } from '../helpers/tmp.js';
import { allEvents, database, fileTempDir, type Instance, kill, post, startInstances } from './instances.js';

/**
 * The end-to-end test: three `wave serve` processes (role all) on one PostgreSQL
 * database, runs submitted round-robin to all three; then one worker is killed (-9) mid-run.
 */
const MAX_CONCURRENT = 4;
const GLOBAL_MAX = 8; // under 3 × 4: the global cap is what binds
const RUNS = 300;
const shared = fileTempDir();
const FILES = {
  'wave.yaml': yaml`
    server:
      lease_timeout: 3s
      global_max_concurrent: ${GLOBAL_MAX}
  `,
  '.wave/pipelines/quick.yaml': yaml`
    kind: WavePipeline
    steps:
      - { id: a, type: command, script: "echo a" }
      - { id: b, type: command, dependencies: [a], script: "echo b" }
  `,
  '.wave/pipelines/resumable.yaml': yaml`
    kind: WavePipeline
    steps:
      - { id: first, type: command, script: "echo first" }
      - id: long
        type: command
        dependencies: [first]
        script: |
          echo $PPID > ${shared}/{{ run.id }}.owner
          sleep 2
          echo long done
      - { id: after, type: command, dependencies: [long], script: "echo after" }
  `,
};
const TERMINAL = new Set(['run_completed', 'run_failed', 'run_cancelled']);

let url: string;
let instances: Instance[];

beforeAll(async () => {
  url = await pgDatabase();
  instances = await startInstances(
    url,
    FILES,
    [0, 1, 2].map(() => ({ role: 'all' as const, maxConcurrent: MAX_CONCURRENT })),
  );
}, 120_000);

async function submitRoundRobin(pipeline: string, count: number, over: Instance[]): Promise<string[]> {
  const ids: string[] = new Array(count);
  let next = 0;
  // A few submitters at once, each taking the next run and the next instance in turn.
  await Promise.all(
    Array.from({ length: 10 }, async () => {
      for (let i = next++; i < count; i = next++) {
        const res = await post(over[i % over.length]!.url, '/api/runs', { pipeline });
        if (res.status !== 201) throw new Error(`POST /api/runs: ${res.status} ${JSON.stringify(res.body)}`);
        ids[i] = (res.body as { id: string }).id;
      }
    }),
  );
  return ids;
}

async function waitForEnd(ids: string[], timeoutMs: number): Promise<void> {
  const db = await database(url);
  await eventually(
    async () => {
      const { rows } = await db.query<{ n: number }>(
        "SELECT COUNT(*)::int AS n FROM runs WHERE id = ANY($1) AND status IN ('completed', 'failed', 'cancelled')",
        [ids],
      );
      return rows[0]!.n === ids.length;
    },
    timeoutMs,
    `all ${ids.length} runs to end`,
  );
}

/** Peak runs executing at once, per writing process and over all, from the events in seq order. */
function peaks(events: { event: WaveEvent; origin: string }[]): { perOrigin: number; global: number } {
  const ownerOf = new Map<string, string>();
  const running = new Map<string, number>();
  let global = 0;
  let peakGlobal = 0;
  let peakOrigin = 0;
  for (const { event, origin } of events) {
    if (event.type === 'run_started') {
      ownerOf.set(event.run_id, origin);
      const n = (running.get(origin) ?? 0) + 1;
      running.set(origin, n);
      peakOrigin = Math.max(peakOrigin, n);
      peakGlobal = Math.max(peakGlobal, ++global);
    } else if (TERMINAL.has(event.type) && ownerOf.has(event.run_id)) {
      const origin = ownerOf.get(event.run_id)!;
      ownerOf.delete(event.run_id);
      running.set(origin, running.get(origin)! - 1);
      global--;
    }
  }
  return { perOrigin: peakOrigin, global: peakGlobal };
}

describe('three servers on one PostgreSQL', () => {
  it(`${RUNS} runs submitted round-robin: each completes exactly once, within max_concurrent and global_max_concurrent`, async () => {
    const ids = await submitRoundRobin('quick', RUNS, instances);
    expect(new Set(ids).size).toBe(RUNS);
    await waitForEnd(ids, 150_000);
    const events = (await allEvents(await database(url))).filter((e) => ids.includes(e.event.run_id));
    const ofType = (type: string) => events.filter((e) => e.event.type === type);
    // Exactly once: one start, one completion per run, one start per step; nothing failed.
    expect(ofType('run_completed')).toHaveLength(RUNS);
    expect(new Set(ofType('run_completed').map((e) => e.event.run_id)).size).toBe(RUNS);
    expect(ofType('run_failed')).toHaveLength(0);
    expect(ofType('run_started')).toHaveLength(RUNS);
    const stepStarts = ofType('step_started').map(
      (e) => `${e.event.run_id}/${(e.event as { step: string }).step}`,
    );
    expect(stepStarts).toHaveLength(RUNS * 2);
    expect(new Set(stepStarts).size).toBe(RUNS * 2);
    // Every instance did work, none beyond its cap, all together never beyond the global cap.
    expect(new Set(ofType('run_started').map((e) => e.origin)).size).toBe(3);
    const peak = peaks(events);
    expect(peak.perOrigin).toBeLessThanOrEqual(MAX_CONCURRENT);
    expect(peak.global).toBeLessThanOrEqual(GLOBAL_MAX);
  }, 200_000);

  it('a worker killed with -9 mid-run: its runs finish on the others after lease_timeout, completed steps not re-run', async () => {
    const ids = await submitRoundRobin('resumable', 9, instances);
    const ownerFile = (id: string) => join(shared, `${id}.owner`);
    // Wait until every instance is inside the long step of some run, then kill one of them.
    const victim = await eventually(
      () => {
        const pids = readdirSync(shared)
          .filter((f) => f.endsWith('.owner'))
          .map((f) => Number(readFileSync(join(shared, f), 'utf8')));
        return instances.find((i) => pids.includes(i.proc.child.pid!));
      },
      60_000,
      'a worker inside a long step',
    );
    const victimRuns = ids.filter(
      (id) =>
        existsSync(ownerFile(id)) && Number(readFileSync(ownerFile(id), 'utf8')) === victim.proc.child.pid,
    );
    expect(victimRuns.length).toBeGreaterThan(0);
    await kill(victim.proc);
    const survivors = instances.filter((i) => i !== victim);

    await waitForEnd(ids, 60_000);
    const statuses = await Promise.all(
      ids.map(
        async (id) =>
          ((await fetch(`${survivors[0]!.url}/api/runs/${id}`).then((r) => r.json())) as { status: string })
            .status,
      ),
    );
    expect(statuses).toEqual(ids.map(() => 'completed'));
    const events = (await allEvents(await database(url))).filter((e) => ids.includes(e.event.run_id));
    for (const id of victimRuns) {
      const mine = events.filter((e) => e.event.run_id === id);
      const starts = (step: string) =>
        mine.filter((e) => e.event.type === 'step_started' && (e.event as { step: string }).step === step);
      // Resumed by another process, from the step that was running: `first` ran once.
      const resumed = mine.filter(
        (e) => e.event.type === 'run_started' && (e.event as { resumed: boolean }).resumed,
      );
      expect(resumed, `run ${id} resumed`).toHaveLength(1);
      expect(resumed[0]!.origin).not.toBe(mine.find((e) => e.event.type === 'run_started')!.origin);
      expect(starts('first'), `run ${id}: first`).toHaveLength(1);
      expect(starts('long').length, `run ${id}: long`).toBe(2);
      expect(starts('after'), `run ${id}: after`).toHaveLength(1);
      expect(mine.filter((e) => e.event.type === 'run_completed')).toHaveLength(1);
    }
  }, 150_000);
});
