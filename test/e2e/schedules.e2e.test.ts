import { createServer } from 'node:net';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningWave, startWave } from '../helpers/cli.js';
import { eventually } from '../helpers/eventually.js';
import { tempProject, yaml } from '../helpers/tmp.js';

const servers: RunningWave[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
    await s.exited;
  }
});

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

async function serve(cwd: string): Promise<{ proc: RunningWave; port: number }> {
  const port = await freePort();
  const proc = startWave(['serve', '--port', String(port)], { cwd, env: { WAVE_LOG_LEVEL: 'info' } });
  servers.push(proc);
  await proc.waitFor(/wave serve listening/, 30_000);
  return { proc, port };
}

const PROJECT = {
  'wave.yaml': yaml`
    schedules:
      - { name: tick, pipeline: stamp, cron: "*/2 * * * * *", overlap: queue }
  `,
  '.wave/pipelines/stamp.yaml': yaml`
    kind: WavePipeline
    steps:
      - id: only
        type: command
        script: echo stamped
  `,
};

describe('schedules in wave serve (real timers, real processes)', () => {
  it('two servers on one SQLite file: a */2-second schedule fires within seconds, each slot once', async () => {
    const root = tempProject(PROJECT);
    const a = await serve(root);
    const b = await serve(root);
    const db = new Database(join(root, '.wave', 'state.db'), { readonly: true, fileMustExist: true });
    try {
      const runsOf = () =>
        db.prepare(`SELECT id FROM runs WHERE trigger_source = 'schedule' AND trigger_actor = 'tick'`).all();
      // The first slot is at most 2 s away; a loaded machine gets a generous deadline.
      await eventually(() => runsOf().length >= 1, 30_000, 'the first scheduled run');
      await eventually(() => runsOf().length >= 5, 60_000, 'five scheduled runs');
      for (const s of [a, b]) s.proc.child.kill('SIGTERM');
      await Promise.all([a.proc.exited, b.proc.exited]);

      const slots = db
        .prepare(
          `SELECT slot_at, claimed_by, run_id FROM schedule_slots s JOIN schedules c ON c.id = s.schedule_id WHERE c.name = 'tick' ORDER BY slot_at`,
        )
        .all() as { slot_at: number; claimed_by: string; run_id: string | null }[];
      const runs = runsOf() as { id: string }[];
      // Each run belongs to exactly one slot, and no slot has two runs (the primary key).
      const slotRuns = slots.map((s) => s.run_id).filter((id): id is string => id !== null);
      expect(new Set(slotRuns).size).toBe(slotRuns.length);
      expect(new Set(slotRuns)).toEqual(new Set(runs.map((r) => r.id)));
      for (const s of slots) expect(s.slot_at % 2000).toBe(0);
      // One row and one run per slot time, whichever server claimed it.
      expect(new Set(slots.map((s) => s.slot_at)).size).toBe(slots.length);
      expect(runs.length).toBe(slotRuns.length);
      const labels = db
        .prepare(
          `SELECT DISTINCT l.value FROM run_labels l JOIN runs r ON r.num = l.run_num WHERE l.key = 'schedule'`,
        )
        .pluck()
        .all();
      expect(labels).toEqual(['tick']);
    } finally {
      db.close();
    }
  }, 120_000);
});
