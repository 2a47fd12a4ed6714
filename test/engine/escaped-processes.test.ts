import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type OutputStream,
  type ProcessOptions,
  type ProcessResult,
  runProcessGroup,
} from '../../src/engine/process-group.js';
import { isAlive } from '../helpers/engine-harness.js';
import { eventually } from '../helpers/eventually.js';
import { killAll, processesWithEnv } from '../helpers/proc-env.js';
import { tempDir } from '../helpers/tmp.js';

// PIPELINES.md "A step's processes never outlive it": processes that left the command's
// process group (setsid, a double fork, a daemon) are found by the marker in their environment.

/** Every process a test starts carries TOKEN_VAR=<its token>, so leftovers can be found. */
const TOKEN_VAR = 'WAVE_ESCAPE_TEST_TOKEN';
const tokens: string[] = [];
const GRACE_MS = 1000;
/** The contract's bound: the run ends within grace + 2 s of the exit, timeout or cancel. */
const BOUND_MS = GRACE_MS + 2000;

afterEach(async () => {
  const mine = tokens.splice(0);
  const left = () => mine.flatMap((t) => processesWithEnv(TOKEN_VAR, t));
  await eventually(() => left().length === 0, 2000, 'the processes to exit').catch(() => undefined);
  const leaked = left();
  killAll(leaked);
  expect(leaked, 'processes left behind').toEqual([]);
});

/** Bash that starts `body` in its own session as a process that writes its pid to `file`. */
const escaped = (file: string, body = 'exec sleep 1000') => `setsid bash -c 'echo $$ > ${file}; ${body}' &`;
/** Bash that waits until the escaped process wrote `file`, so it has left the group for sure. */
const awaitFile = (file: string) => `while [ ! -s ${file} ]; do sleep 0.01; done;`;

interface Outcome {
  result: ProcessResult;
  lines: Record<OutputStream, string[]>;
  /** performance.now() when each stdout line arrived. */
  seenAt: Map<string, number>;
  settledAt: number;
  token: string;
}

async function run(script: string, opts: Partial<ProcessOptions> = {}): Promise<Outcome> {
  const token = randomUUID();
  tokens.push(token);
  const lines: Record<OutputStream, string[]> = { stdout: [], stderr: [] };
  const seenAt = new Map<string, number>();
  const result = await runProcessGroup({
    command: 'bash',
    args: ['-c', script],
    cwd: opts.cwd ?? tempDir(),
    graceMs: GRACE_MS,
    ...opts,
    env: { ...process.env, ...opts.env, [TOKEN_VAR]: token },
    onLine: (stream, line) => {
      lines[stream].push(line);
      if (stream === 'stdout' && !seenAt.has(line)) seenAt.set(line, performance.now());
      opts.onLine?.(stream, line);
    },
  });
  return { result, lines, seenAt, settledAt: performance.now(), token };
}

function pidIn(dir: string, file: string): number {
  return Number(readFileSync(join(dir, file), 'utf8').trim());
}

/** The run settled within BOUND_MS of the line, and nothing it started is alive. */
function expectEndedAfter(o: Outcome, line: string): number {
  const at = o.seenAt.get(line);
  expect(at, `the line "${line}" arrived`).toBeDefined();
  const took = o.settledAt - at!;
  expect(took).toBeLessThan(BOUND_MS);
  expect(processesWithEnv(TOKEN_VAR, o.token)).toEqual([]);
  return took;
}

describe('runProcessGroup: processes that left the group end with the command', () => {
  it('a setsid child holding stdout is killed and the command ends', async () => {
    const dir = tempDir();
    const o = await run(`${escaped('escaped.pid')} ${awaitFile('escaped.pid')} echo leaving`, { cwd: dir });
    expect(o.result).toMatchObject({ exitCode: 0, timedOut: false, aborted: false });
    expect(o.lines.stdout).toEqual(['leaving']);
    expectEndedAfter(o, 'leaving');
    expect(isAlive(pidIn(dir, 'escaped.pid'))).toBe(false);
  });

  it('a double fork into a new session (a daemon) is killed', async () => {
    const dir = tempDir();
    // The subshell forks setsid bash and is gone; that bash forks sleep and exits: an orphan.
    const daemon = `( setsid bash -c 'sleep 1000 & echo $! > escaped.pid' & );`;
    const o = await run(`${daemon} ${awaitFile('escaped.pid')} echo leaving`, { cwd: dir });
    expect(o.result).toMatchObject({ exitCode: 0, timedOut: false });
    expectEndedAfter(o, 'leaving');
    expect(isAlive(pidIn(dir, 'escaped.pid'))).toBe(false);
  });

  it('nohup with its output redirected, in a new session, does not outlive the command', async () => {
    const dir = tempDir();
    const daemon = `nohup ${escaped('escaped.pid').replace(/&$/, '>/dev/null 2>&1 &')}`;
    const o = await run(`${daemon} ${awaitFile('escaped.pid')} echo leaving`, { cwd: dir });
    expect(o.result).toMatchObject({ exitCode: 0, timedOut: false });
    expectEndedAfter(o, 'leaving');
    expect(isAlive(pidIn(dir, 'escaped.pid'))).toBe(false);
  });

  it('nohup with its output redirected, in the group, does not outlive the command', async () => {
    const dir = tempDir();
    const o = await run('nohup sleep 1000 >/dev/null 2>&1 & echo $! > nohup.pid; echo leaving', { cwd: dir });
    expect(o.result).toMatchObject({ exitCode: 0, timedOut: false });
    expectEndedAfter(o, 'leaving');
    expect(isAlive(pidIn(dir, 'nohup.pid'))).toBe(false);
  });

  it('one that ignores SIGTERM gets SIGKILL after the grace; its output is read until then', async () => {
    const dir = tempDir();
    const stubborn = escaped('escaped.pid', 'trap "echo ignoring TERM" TERM; while :; do sleep 0.05; done');
    const o = await run(`${stubborn} ${awaitFile('escaped.pid')} echo leaving`, { cwd: dir });
    expect(o.result).toMatchObject({ exitCode: 0, timedOut: false });
    expect(o.lines.stdout).toContain('ignoring TERM');
    const took = expectEndedAfter(o, 'leaving');
    expect(took).toBeGreaterThanOrEqual(GRACE_MS - 100);
    expect(isAlive(pidIn(dir, 'escaped.pid'))).toBe(false);
  });
});

describe('runProcessGroup: timeout and abort reach processes that left the group', () => {
  it('the timeout stops the command and its setsid child', async () => {
    const dir = tempDir();
    const t0 = performance.now();
    const o = await run(`${escaped('escaped.pid')} ${awaitFile('escaped.pid')} sleep 1000`, {
      cwd: dir,
      timeoutMs: 1000,
    });
    expect(o.result).toMatchObject({ timedOut: true, aborted: false, exitCode: null });
    expect(o.settledAt - t0).toBeLessThan(1000 + BOUND_MS);
    expect(processesWithEnv(TOKEN_VAR, o.token)).toEqual([]);
    expect(isAlive(pidIn(dir, 'escaped.pid'))).toBe(false);
  });

  it('an abort stops the command and a setsid child that ignores SIGTERM', async () => {
    const dir = tempDir();
    const controller = new AbortController();
    let abortedAt = 0;
    const stubborn = escaped('escaped.pid', 'trap "" TERM; exec sleep 1000');
    const o = await run(`${stubborn} ${awaitFile('escaped.pid')} echo ready; sleep 1000`, {
      cwd: dir,
      signal: controller.signal,
      onLine: (_stream, line) => {
        if (line !== 'ready') return;
        abortedAt = performance.now();
        controller.abort();
      },
    });
    expect(o.result).toMatchObject({ aborted: true, timedOut: false });
    const took = o.settledAt - abortedAt;
    expect(took).toBeGreaterThanOrEqual(GRACE_MS - 100);
    expect(took).toBeLessThan(BOUND_MS);
    expect(processesWithEnv(TOKEN_VAR, o.token)).toEqual([]);
    expect(isAlive(pidIn(dir, 'escaped.pid'))).toBe(false);
  });
});

describe('runProcessGroup: a process beyond reach', () => {
  it('one that dropped the marker cannot hold the command open: its pipes are closed', async () => {
    const dir = tempDir();
    const unmarked = `env -u WAVE_STEP_MARKER ${escaped('escaped.pid')}`;
    const o = await run(`${unmarked} ${awaitFile('escaped.pid')} echo leaving`, { cwd: dir });
    const pid = pidIn(dir, 'escaped.pid');
    // Out of reach by design (no marker, no group): stopped here, not by the command's end.
    killAll([pid]);
    expect(o.result).toMatchObject({ exitCode: 0, timedOut: false });
    expect(o.settledAt - o.seenAt.get('leaving')!).toBeLessThan(BOUND_MS);
  });
});

describe('runProcessGroup: the marker', () => {
  it('tells concurrent commands apart, and extends an inherited marker', async () => {
    const dir = tempDir();
    // B runs until released; A, ending meanwhile, must stop only its own processes.
    const b = run(
      'echo "$WAVE_STEP_MARKER" > b.marker; while [ ! -f release ]; do sleep 0.02; done; echo released',
      { cwd: dir },
    );
    await eventually(() => existsSync(join(dir, 'b.marker')), 10_000, 'the inner step to write b.marker');
    const a = await run(`${escaped('a.pid')} ${awaitFile('a.pid')} echo "$WAVE_STEP_MARKER"`, {
      cwd: dir,
      env: { WAVE_STEP_MARKER: 'outer' },
    });
    expect(a.result.exitCode).toBe(0);
    expect(isAlive(pidIn(dir, 'a.pid'))).toBe(false);
    const markerA = a.lines.stdout[0]!;
    expect(markerA).toMatch(/^outer,[0-9a-f]{24}-\d+$/);
    const markerB = readFileSync(join(dir, 'b.marker'), 'utf8').trim();
    expect(markerB).toMatch(/^[0-9a-f]{24}-\d+$/);
    expect(markerA.split(',')).not.toContain(markerB);
    // B's command is still running, untouched by A's end.
    const tokenB = tokens.find((t) => t !== a.token)!;
    expect(processesWithEnv(TOKEN_VAR, tokenB).length).toBeGreaterThan(0);
    writeFileSync(join(dir, 'release'), '');
    const done = await b;
    expect(done.result).toMatchObject({ exitCode: 0, timedOut: false, aborted: false });
    expect(done.lines.stdout).toEqual(['released']);
  });
});
