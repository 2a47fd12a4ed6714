import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isAlive, type RunningWave, runWave, startWave } from '../helpers/cli.js';
import { eventually } from '../helpers/eventually.js';
import { tempProject } from '../helpers/tmp.js';
import { projectFiles } from './projects.js';

const started: RunningWave[] = [];
const pids: number[] = [];

afterEach(async () => {
  for (const w of started.splice(0)) {
    if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
  }
  for (const pid of pids.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }
});

function start(args: string[], cwd: string): RunningWave {
  const w = startWave(args, { cwd });
  started.push(w);
  return w;
}

async function status(
  cwd: string,
  runId: string,
): Promise<{
  status: string;
  steps: { id: string; status: string; attempts: number }[];
  gates: { step: string; status: string; answer: { by: string | null; choice: string } | null }[];
}> {
  const r = await runWave(['status', runId, '--json'], { cwd });
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

function grandchildPid(cwd: string): number {
  return Number(readFileSync(join(cwd, 'grandchild.pid'), 'utf8').trim());
}

describe('wave run across processes', () => {
  it('--detach prints the id; wave gate answers from another process; logs --follow streams to the end', async () => {
    const cwd = tempProject(projectFiles());
    const detached = await runWave(['run', 'gated', '--detach'], { cwd });
    expect(detached.code).toBe(0);
    const runId = detached.stdout.trim();
    expect(runId).toMatch(/^gated-\d{8}-\d{6}-[0-9a-f]{10}$/);
    await eventually(
      async () => (await status(cwd, runId)).status === 'waiting',
      15_000,
      'the run to wait at its gate',
    );
    const follow = start(['logs', runId, '--follow'], cwd);
    await follow.waitFor(/\[build\] built/);
    const answer = await runWave(['gate', runId, 'ask', '--choice', 'yes', '--text', 'looks good'], { cwd });
    expect(answer.code).toBe(0);
    expect(answer.stdout).toContain(`answered gate ask of ${runId}: yes "looks good"`);
    const followed = await follow.exited;
    expect(followed.code).toBe(0);
    expect(followed.stdout).toContain('[ship] note=looks good');
    const final = await status(cwd, runId);
    expect(final.status).toBe('completed');
    expect(final.gates[0]).toMatchObject({
      status: 'answered',
      answer: { choice: 'yes', by: expect.any(String) },
    });
    expect(readFileSync(join(cwd, '.wave/logs', `${runId}.log`), 'utf8')).toContain('completed');
    const nd = await runWave(['logs', runId, '--json', '--step', 'build'], { cwd });
    expect(
      nd.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
    ).toEqual([
      { seq: expect.any(Number), ts: expect.any(String), step: 'build', stream: 'stdout', content: 'built' },
    ]);
    const unknown = await runWave(['logs', runId, '--step', 'biuld'], { cwd });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('did you mean "build"');
  });

  it('concurrent wave gate answers from several processes: exactly one wins', async () => {
    const cwd = tempProject(projectFiles());
    const runId = (await runWave(['run', 'gated', '--detach'], { cwd })).stdout.trim();
    await eventually(async () => (await status(cwd, runId)).status === 'waiting', 15_000, 'the gate');
    const answers = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        runWave(['gate', runId, 'ask', '--choice', i % 2 ? 'yes' : 'no', '--text', `answer ${i}`], { cwd }),
      ),
    );
    const winners = answers.filter((a) => a.code === 0);
    expect(winners).toHaveLength(1);
    for (const loser of answers.filter((a) => a.code !== 0)) {
      expect(loser.code).toBe(2);
      expect(loser.stderr).toMatch(
        /gate "ask" is not waiting: (it was already answered|the run already ended)/,
      );
    }
    const winnerText = /"(answer \d)"/.exec(winners[0]!.stdout)![1];
    await eventually(
      async () => ['completed', 'failed'].includes((await status(cwd, runId)).status),
      15_000,
      'the run to end',
    );
    const final = await status(cwd, runId);
    expect(final.gates[0]!.answer).toMatchObject({
      choice: winners[0]!.stdout.includes(': yes') ? 'yes' : 'no',
    });
    expect(winnerText).toBeDefined();
  });

  it('wave cancel from another process stops a running run within a second, killing its processes', async () => {
    const cwd = tempProject(projectFiles());
    const run = start(['run', 'slow'], cwd);
    await run.waitFor(/\[long\] long started/);
    const runId = /run (slow-\S+) /.exec(run.stdout())![1]!;
    const grandchild = grandchildPid(cwd);
    pids.push(grandchild);
    expect(isAlive(grandchild)).toBe(true);
    const t0 = Date.now();
    const cancel = await runWave(['cancel', runId], { cwd });
    const took = Date.now() - t0;
    expect(cancel.code).toBe(0);
    expect(cancel.stdout.trim()).toBe(`cancelled ${runId}`);
    // The cancel command itself starts a Node process (~0.3 s); the stop is within a second of it.
    expect(took).toBeLessThan(5000);
    const result = await run.exited;
    expect(result.code).toBe(130);
    await eventually(() => !isAlive(grandchild), 5000, 'the grandchild to die');
    const final = await status(cwd, runId);
    expect(final.status).toBe('cancelled');
    expect(final.steps.map((s) => s.status)).toEqual(['completed', 'cancelled', 'cancelled']);
    const again = await runWave(['cancel', runId], { cwd });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('already ended (cancelled)');
  });

  it('Ctrl-C cancels cleanly: children killed, run recorded cancelled, exit 130', async () => {
    const cwd = tempProject(projectFiles());
    const run = start(['run', 'slow'], cwd);
    await run.waitFor(/\[long\] long started/);
    const runId = /run (slow-\S+) /.exec(run.stdout())![1]!;
    const grandchild = grandchildPid(cwd);
    pids.push(grandchild);
    run.child.kill('SIGINT');
    const result = await run.exited;
    expect(result.code).toBe(130);
    expect(result.stderr).toContain('cancelling the run');
    await eventually(() => !isAlive(grandchild), 5000, 'the grandchild to die');
    expect((await status(cwd, runId)).status).toBe('cancelled');
  });

  it('kill -9 mid-step leaves a consistent store; wave resume finishes without re-running completed steps', async () => {
    const cwd = tempProject(projectFiles());
    const run = start(['run', 'slow'], cwd);
    await run.waitFor(/\[long\] long started/);
    const runId = /run (slow-\S+) /.exec(run.stdout())![1]!;
    pids.push(grandchildPid(cwd));
    run.child.kill('SIGKILL');
    await run.exited;
    const crashed = await status(cwd, runId);
    expect(crashed.status).toBe('running');
    expect(crashed.steps.map((s) => [s.id, s.status])).toEqual([
      ['first', 'completed'],
      ['long', 'running'],
      ['after', 'pending'],
    ]);
    // The interrupted step restarts; make it quick this time.
    const oldGrandchild = grandchildPid(cwd);
    const resume = start(['resume', runId, '--json'], cwd);
    // The history is replayed first: wait for the restarted step's own output.
    await resume.waitFor(/"resumed":true[\s\S]*long started/);
    const newGrandchild = await eventually(() => {
      const pid = grandchildPid(cwd);
      return pid !== oldGrandchild ? pid : 0;
    });
    pids.push(newGrandchild);
    // The crashed run's own step processes were stopped before the step started again.
    expect(isAlive(oldGrandchild)).toBe(false);
    process.kill(newGrandchild, 'SIGTERM');
    const result = await resume.exited;
    expect(result.code).toBe(0);
    const final = await status(cwd, runId);
    expect(final.status).toBe('completed');
    expect(final.steps.map((s) => [s.id, s.status, s.attempts])).toEqual([
      ['first', 'completed', 1],
      ['long', 'completed', 1],
      ['after', 'completed', 1],
    ]);
    expect(readFileSync(join(cwd, 'first.count'), 'utf8')).toBe('first\n');
    const events = result.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; step?: string; seq: number });
    expect(events.filter((e) => e.type === 'step_started' && e.step === 'first')).toHaveLength(1);
    const seqs = events.map((e) => e.seq);
    expect(new Set(seqs).size).toBe(seqs.length);
  });

  it('resume refuses a run another live process is running, and a finished run', async () => {
    const cwd = tempProject(projectFiles());
    const run = start(['run', 'slow'], cwd);
    await run.waitFor(/\[long\] long started/);
    const runId = /run (slow-\S+) /.exec(run.stdout())![1]!;
    pids.push(grandchildPid(cwd));
    const busy = await runWave(['resume', runId], { cwd });
    expect(busy.code).toBe(2);
    expect(busy.stderr).toContain('is being run by another live process');
    await runWave(['cancel', runId], { cwd });
    await run.exited;
    const done = await runWave(['resume', runId], { cwd });
    expect(done.code).toBe(2);
    expect(done.stderr).toContain('already ended (cancelled)');
  });

  it('wave cancel of a run whose process died cancels it directly', async () => {
    const cwd = tempProject(projectFiles());
    const run = start(['run', 'slow'], cwd);
    await run.waitFor(/\[long\] long started/);
    const runId = /run (slow-\S+) /.exec(run.stdout())![1]!;
    pids.push(grandchildPid(cwd));
    run.child.kill('SIGKILL');
    await run.exited;
    const cancel = await runWave(['cancel', runId], { cwd });
    expect(cancel.code).toBe(0);
    expect(cancel.stdout).toContain('no process was running it');
    expect((await status(cwd, runId)).status).toBe('cancelled');
  });
});
