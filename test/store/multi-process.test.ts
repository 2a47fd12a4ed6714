import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { WaveEvent } from '../../src/events/catalogue.js';
import { eventually } from '../helpers/eventually.js';
import { newRun, openStore, runAtGate, SHIP_SPEC } from '../helpers/store.js';
import { tempDir } from '../helpers/tmp.js';

const DIST_STORE = new URL('../../dist/store/sqlite/sqlite-store.js', import.meta.url).href;

const WORKERS = 3;
const RUNS_PER_WORKER = 4;
const LINES_PER_WORKER = 5000;
const GATES = 12;
const QUEUED = 12;

/**
 * One "process" of Wave: waits at a barrier, creates its runs, then appends its lines in
 * transactions of 1–5 events, round-robin over its runs; between batches it races the other
 * workers to answer every gate and cancel every queued run. Prints what it did as JSON.
 */
const WORKER = `
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SqliteStore } from ${JSON.stringify(DIST_STORE)};

const [path, name, dir, configJson] = process.argv.slice(2);
const config = JSON.parse(configJson);
const store = new SqliteStore({ path, origin: name });
writeFileSync(join(dir, name + '.ready'), '');
while (!existsSync(join(dir, 'go'))) await sleep(2);

const done = { name, runs: [], lines: 0, gateWins: [], cancelled: [], finished: [] };
for (let r = 0; r < config.runs; r++) {
  const { run } = await store.createRun({ ...config.run, id: name + '-r' + r });
  done.runs.push(run.id);
}
const next = new Map(done.runs.map((id) => [id, 0]));
const raceEvery = Math.floor(config.lines / (config.gates.length + 1));
let written = 0;
let batchNo = 0;
let raced = 0;
let halfway = false;
while (written < config.lines) {
  // A second barrier at half-way: however loaded the machine, the writers overlap.
  if (!halfway && written >= config.lines / 2) {
    halfway = true;
    writeFileSync(join(dir, name + '.half'), '');
    while (readdirSync(dir).filter((f) => f.endsWith('.half')).length < config.workers) await sleep(2);
  }
  const runId = done.runs[batchNo % done.runs.length];
  const size = Math.min(1 + (batchNo % 5), config.lines - written);
  const drafts = [];
  for (let k = 0; k < size; k++) {
    const n = next.get(runId);
    next.set(runId, n + 1);
    drafts.push({ type: 'stream_activity', run_id: runId, step: 'build', stream: 'stdout', content: runId + ' ' + n });
  }
  await store.append(runId, drafts);
  written += size;
  batchNo++;
  if (raced < config.gates.length && written >= raceEvery * (raced + 1)) {
    const gate = config.gates[raced];
    const won = await store.answerGate(gate, 'review', { choice: 'approve', text: null, by: name, timedOut: false });
    if (won) done.gateWins.push(gate);
    const queued = config.queued[raced];
    const result = await store.requestCancel(queued, name);
    (result.kind === 'cancelled' ? done.cancelled : done.finished).push(queued);
    raced++;
  }
}
done.lines = written;
await store.close();
console.log(JSON.stringify(done));
`;

interface WorkerReport {
  name: string;
  runs: string[];
  lines: number;
  gateWins: string[];
  cancelled: string[];
  finished: string[];
}

const children = new Set<ChildProcess>();
afterEach(() => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  children.clear();
});

function runWorker(
  script: string,
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('SqliteStore: several processes on one database file', () => {
  it('serialises concurrent writers: nothing lost, seqs unique and contiguous, runs in order', async () => {
    const dir = tempDir('wave-multi-');
    const path = join(dir, 'state.db');
    const script = join(dir, 'worker.mjs');
    writeFileSync(script, WORKER);

    const setup = openStore({ path, origin: 'setup' });
    const gates: string[] = [];
    const queued: string[] = [];
    for (let i = 0; i < GATES; i++) gates.push(await runAtGate(setup));
    for (let i = 0; i < QUEUED; i++) queued.push((await setup.createRun(newRun())).run.id);
    const setupEvents = await setup.lastSeq();

    const config = {
      workers: WORKERS,
      runs: RUNS_PER_WORKER,
      lines: LINES_PER_WORKER,
      gates,
      queued,
      run: {
        pipeline: 'ship',
        input: null,
        labels: {},
        trigger: { source: 'cli', actor: null },
        mode: 'local',
        options: {},
        spec: SHIP_SPEC,
      },
    };
    const names = Array.from({ length: WORKERS }, (_, i) => `w${i}`);
    const running = names.map((name) => runWorker(script, [path, name, dir, JSON.stringify(config)]));
    await eventually(
      () => names.every((n) => existsSync(join(dir, `${n}.ready`))),
      20_000,
      'every worker at the barrier',
    );
    writeFileSync(join(dir, 'go'), '');
    const results = await Promise.all(running);

    for (const r of results) {
      expect(r.stderr).not.toMatch(/SQLITE_BUSY|locked/);
      expect(r, r.stderr).toMatchObject({ code: 0, stderr: '' });
    }
    const reports = results.map((r) => JSON.parse(r.stdout) as WorkerReport);

    // Every write is there: the counts add up, with one winner per gate and per cancellation.
    const allRuns = reports.flatMap((r) => r.runs);
    const gateWins = reports.flatMap((r) => r.gateWins);
    const cancelled = reports.flatMap((r) => r.cancelled);
    expect(allRuns).toHaveLength(WORKERS * RUNS_PER_WORKER);
    expect(reports.map((r) => r.lines)).toEqual(names.map(() => LINES_PER_WORKER));
    expect([...gateWins].sort()).toEqual([...gates].sort());
    expect([...cancelled].sort()).toEqual([...queued].sort());
    for (const r of reports) expect([...r.cancelled, ...r.finished].sort()).toEqual([...queued].sort());

    const rows = await setup.readEvents({ afterSeq: 0, limit: 1_000_000 });
    const expected = setupEvents + allRuns.length + WORKERS * LINES_PER_WORKER + GATES + QUEUED;
    expect(rows).toHaveLength(expected);
    expect(await setup.lastSeq()).toBe(expected);

    // seq: unique, contiguous from 1, and the one inside each JSON.
    expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: expected }, (_, i) => i + 1));
    const events = rows.map((r) => JSON.parse(r.json) as WaveEvent);
    expect(events.every((e, i) => e.seq === rows[i]!.seq)).toBe(true);

    // Each run's lines are in the order its process wrote them, with none missing.
    for (const runId of allRuns) {
      const lines = events.filter((e) => e.run_id === runId && e.type === 'stream_activity');
      const numbers = lines.map((e) => (e.type === 'stream_activity' ? Number(e.content.split(' ')[1]) : -1));
      expect(numbers).toEqual(Array.from({ length: numbers.length }, (_, i) => i));
      expect(events.filter((e) => e.run_id === runId)[0]?.type).toBe('run_queued');
    }
    const perWorker = (n: string) =>
      events.filter((e) => e.type === 'stream_activity' && e.run_id.startsWith(`${n}-`));
    for (const n of names) expect(perWorker(n)).toHaveLength(LINES_PER_WORKER);

    // Exactly one answer per gate and one cancellation per queued run made it into history.
    for (const gate of gates) {
      expect(events.filter((e) => e.run_id === gate && e.type === 'gate_answered')).toHaveLength(1);
      expect((await setup.listGates(gate))[0]?.status).toBe('answered');
    }
    for (const id of queued) {
      expect(events.filter((e) => e.run_id === id && e.type === 'run_cancelled')).toHaveLength(1);
      expect((await setup.getRun(id))?.status).toBe('cancelled');
    }

    // The writers really overlapped: their transactions interleave in seq order.
    const writers = events
      .filter((e) => e.type === 'stream_activity')
      .map((e) => e.run_id.split('-')[0])
      .filter((w, i, all) => i === 0 || w !== all[i - 1]);
    expect(writers.length).toBeGreaterThan(WORKERS);
  }, 120_000);
});
