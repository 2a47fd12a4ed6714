import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_LINE_CHARS } from '../../src/engine/line-splitter.js';
import {
  type OutputStream,
  type ProcessOptions,
  type ProcessResult,
  runProcessGroup,
} from '../../src/engine/process-group.js';
import { eventually } from '../helpers/eventually.js';
import { tempDir } from '../helpers/tmp.js';

/** Pids a test saw (from pidfiles); afterEach fails the test if any is still alive. */
const watched: number[] = [];

/** True while `pid` runs; an exited process not yet reaped (a zombie) counts as dead. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** Live child processes of this test worker (a leader that was never reaped would show here). */
function ownChildren(): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(ppid) === process.pid && state !== 'Z') children.push(Number(entry));
    } catch {
      // exited while we looked
    }
  }
  return children;
}

/** Reads a pid a script wrote (waiting for the file) and watches it for leaks. */
async function readPid(file: string): Promise<number> {
  await eventually(
    () => existsSync(file) && readFileSync(file, 'utf8').trim() !== '',
    5000,
    `${file} to hold a pid`,
  );
  const pid = Number(readFileSync(file, 'utf8').trim());
  watched.push(pid);
  return pid;
}

interface Run {
  result: ProcessResult;
  lines: Record<OutputStream, string[]>;
}

/** Runs a bash script in its own group with test defaults, collecting the lines per stream. */
async function runBash(script: string, opts: Partial<ProcessOptions> = {}): Promise<Run> {
  const lines: Record<OutputStream, string[]> = { stdout: [], stderr: [] };
  const result = await runProcessGroup({
    command: 'bash',
    args: ['-c', script],
    cwd: opts.cwd ?? tempDir(),
    env: process.env,
    graceMs: 2000,
    ...opts,
    onLine: (stream, line) => {
      lines[stream].push(line);
      opts.onLine?.(stream, line);
    },
  });
  return { result, lines };
}

afterEach(async () => {
  const pids = watched.splice(0);
  const gone = () => pids.every((p) => !isAlive(p)) && ownChildren().length === 0;
  await eventually(gone, 2000, 'the processes to exit').catch(() => undefined);
  const leaked = [...pids.filter(isAlive), ...ownChildren()];
  for (const pid of leaked) process.kill(pid, 'SIGKILL');
  expect(leaked, 'processes left behind').toEqual([]);
});

describe('runProcessGroup: exit and output', () => {
  it('reports the exit code and keeps stdout and stderr lines apart', async () => {
    const { result, lines } = await runBash('echo out1; echo err1 >&2; echo out2; exit 3');
    expect(result).toMatchObject({
      exitCode: 3,
      signal: null,
      timedOut: false,
      aborted: false,
      spawnError: null,
    });
    expect(lines.stdout).toEqual(['out1', 'out2']);
    expect(lines.stderr).toEqual(['err1']);
    expect(result.tail).toContain('out2\n');
    expect(result.tail).toContain('err1\n');
    expect(result.durationMs).toBeGreaterThan(0);
  });

  it('runs in cwd with the given environment', async () => {
    const dir = tempDir();
    const { lines } = await runBash('pwd; echo "$WAVE_TEST_VALUE"', {
      cwd: dir,
      env: { ...process.env, WAVE_TEST_VALUE: 'from-env' },
    });
    expect(lines.stdout).toEqual([dir, 'from-env']);
  });

  it('writes input to stdin and closes it', async () => {
    const { result, lines } = await runBash('cat; echo end', { input: 'hello\nworld\n' });
    expect(result.exitCode).toBe(0);
    expect(lines.stdout).toEqual(['hello', 'world', 'end']);
  });

  it('gives /dev/null as stdin without input, so a reader does not wait', async () => {
    const { result, lines } = await runBash('cat; echo end', { timeoutMs: 10_000 });
    expect(result).toMatchObject({ exitCode: 0, timedOut: false });
    expect(lines.stdout).toEqual(['end']);
  });

  it('survives a child that exits without reading a large input', async () => {
    const { result } = await runBash('exit 0', { input: 'x'.repeat(1024 * 1024) });
    expect(result.exitCode).toBe(0);
  });

  it('copies the raw stdout bytes (not stderr) to stdoutFile', async () => {
    const dir = tempDir();
    const bytes = randomBytes(200_000);
    writeFileSync(join(dir, 'in.bin'), bytes);
    const out = join(dir, 'out.bin');
    const { result } = await runBash('cat in.bin; echo noise >&2', { cwd: dir, stdoutFile: out });
    expect(result.exitCode).toBe(0);
    expect(readFileSync(out).equals(bytes)).toBe(true);
  });

  it('reports a stdoutFile that cannot be opened as a spawn error and does not run the command', async () => {
    const dir = tempDir();
    const { result } = await runBash('touch ran', { cwd: dir, stdoutFile: join(dir, 'missing', 'out.txt') });
    expect((result.spawnError as NodeJS.ErrnoException | null)?.code).toBe('ENOENT');
    expect(existsSync(join(dir, 'ran'))).toBe(false);
  });

  it('keeps going when writing stdoutFile fails, and says so in the tail', async () => {
    // Every write to /dev/full fails with ENOSPC.
    const { result, lines } = await runBash('echo one; echo two', { stdoutFile: '/dev/full' });
    expect(result.exitCode).toBe(0);
    expect(lines.stdout).toEqual(['one', 'two']);
    expect(result.tail).toMatch(/writing \/dev\/full failed: .*ENOSPC/);
  });

  it('reports a command that does not exist in spawnError', async () => {
    const result = await runProcessGroup({
      command: 'wave-no-such-command-here',
      args: [],
      cwd: tempDir(),
      env: process.env,
      graceMs: 1000,
    });
    expect((result.spawnError as NodeJS.ErrnoException | null)?.code).toBe('ENOENT');
    expect(result.timedOut).toBe(false);
  });

  it('reports a missing working directory in spawnError', async () => {
    const { result } = await runBash('true', { cwd: join(tempDir(), 'nope') });
    expect(result.spawnError).not.toBeNull();
  });

  it('reports arguments that spawn refuses in spawnError instead of rejecting', async () => {
    const { result } = await runBash('echo a\u0000b');
    expect(result.spawnError).not.toBeNull();
  });
});

describe('runProcessGroup: stopping the group', () => {
  it('kills the whole group, grandchild included, when the timeout passes', async () => {
    const dir = tempDir();
    const t0 = performance.now();
    const { result } = await runBash('sleep 300 & echo $! > pidfile; wait', { cwd: dir, timeoutMs: 1000 });
    expect(performance.now() - t0).toBeLessThan(6000);
    expect(result).toMatchObject({ timedOut: true, aborted: false, exitCode: null, signal: 'SIGTERM' });
    const grandchild = await readPid(join(dir, 'pidfile'));
    await eventually(() => !isAlive(grandchild), 5000, 'the grandchild to exit');
  });

  it('kills the whole group, grandchild included, when the signal aborts', async () => {
    const dir = tempDir();
    const controller = new AbortController();
    const { result } = await runBash('sleep 300 & echo $! > pidfile; echo ready; wait', {
      cwd: dir,
      signal: controller.signal,
      onLine: (_stream, line) => {
        if (line === 'ready') controller.abort();
      },
    });
    expect(result).toMatchObject({ aborted: true, timedOut: false, signal: 'SIGTERM' });
    const grandchild = await readPid(join(dir, 'pidfile'));
    await eventually(() => !isAlive(grandchild), 5000, 'the grandchild to exit');
  });

  it('does not start anything when the signal is already aborted', async () => {
    const dir = tempDir();
    const controller = new AbortController();
    controller.abort();
    const { result } = await runBash('touch ran', { cwd: dir, signal: controller.signal });
    expect(result).toMatchObject({ aborted: true, exitCode: null, spawnError: null });
    expect(existsSync(join(dir, 'ran'))).toBe(false);
  });

  it('sends SIGKILL after graceMs when SIGTERM is ignored', async () => {
    const dir = tempDir();
    const controller = new AbortController();
    let abortedAt = 0;
    const { result } = await runBash("trap '' TERM; sleep 300 & echo $! > pidfile; echo ready; wait", {
      cwd: dir,
      graceMs: 500,
      signal: controller.signal,
      onLine: (_stream, line) => {
        if (line !== 'ready') return;
        abortedAt = performance.now();
        controller.abort();
      },
    });
    const elapsed = performance.now() - abortedAt;
    expect(result).toMatchObject({ aborted: true, signal: 'SIGKILL' });
    expect(elapsed).toBeGreaterThanOrEqual(450);
    expect(elapsed).toBeLessThan(6000);
    const grandchild = await readPid(join(dir, 'pidfile'));
    await eventually(() => !isAlive(grandchild), 5000, 'the grandchild to exit');
  });

  it('does not wait for a background straggler that keeps the pipes open', async () => {
    const dir = tempDir();
    const t0 = performance.now();
    const { result, lines } = await runBash('sleep 300 & echo $! > pidfile; echo done', { cwd: dir });
    expect(performance.now() - t0).toBeLessThan(5000);
    expect(result).toMatchObject({ exitCode: 0, timedOut: false, aborted: false });
    expect(lines.stdout).toEqual(['done']);
    const straggler = await readPid(join(dir, 'pidfile'));
    await eventually(() => !isAlive(straggler), 5000, 'the straggler to exit');
  });

  it('kills a straggler that ignores SIGTERM, without calling it a timeout', async () => {
    const dir = tempDir();
    const t0 = performance.now();
    // The timeout passes while the straggler is still in its grace period.
    const { result } = await runBash("trap '' TERM; sleep 300 & echo $! > pidfile; exit 0", {
      cwd: dir,
      graceMs: 2000,
      timeoutMs: 1000,
    });
    expect(performance.now() - t0).toBeLessThan(8000);
    expect(result).toMatchObject({ exitCode: 0, timedOut: false });
    const straggler = await readPid(join(dir, 'pidfile'));
    await eventually(() => !isAlive(straggler), 5000, 'the straggler to exit');
  });
});

describe('runProcessGroup: awkward output', () => {
  it('delivers a 10 MB single line as pieces of at most MAX_LINE_CHARS', async () => {
    const size = 10 * 1024 * 1024;
    const { result, lines } = await runBash(`head -c ${size} /dev/zero | tr '\\0' x`);
    expect(result.exitCode).toBe(0);
    for (const piece of lines.stdout) expect(piece.length).toBeLessThanOrEqual(MAX_LINE_CHARS);
    expect(lines.stdout.join('')).toBe('x'.repeat(size));
    expect(result.tail.length).toBeLessThanOrEqual(4096);
  });

  it('turns binary garbage into NUL-free strings', async () => {
    const dir = tempDir();
    const garbage = randomBytes(1024 * 1024);
    garbage[10] = 0;
    garbage[11] = 0xff;
    writeFileSync(join(dir, 'garbage.bin'), garbage);
    const { result, lines } = await runBash('cat garbage.bin; cat garbage.bin >&2', { cwd: dir });
    expect(result).toMatchObject({ exitCode: 0, spawnError: null });
    const all = [...lines.stdout, ...lines.stderr];
    expect(all.length).toBeGreaterThan(0);
    expect(all.some((l) => l.includes('\u0000'))).toBe(false);
    expect(result.tail.includes('\u0000')).toBe(false);
  });

  it('splits on \\r\\n and on a lone \\r', async () => {
    const { lines } = await runBash("printf 'a\\r\\nb\\rc\\n'; printf 'x\\r'; sleep 0.2; printf '\\ny\\n'");
    expect(lines.stdout).toEqual(['a', 'b', 'c', 'x', 'y']);
  });

  it('emits a final line without a newline, on both streams', async () => {
    const { lines } = await runBash("printf 'one\\ntwo'; printf 'e1\\ne2' >&2");
    expect(lines.stdout).toEqual(['one', 'two']);
    expect(lines.stderr).toEqual(['e1', 'e2']);
  });

  it('decodes a multi-byte character written in two pieces', async () => {
    // The sleeps make the bytes of é and € arrive in separate chunks.
    const { lines } = await runBash(
      "printf '\\xc3'; sleep 0.2; printf '\\xa9\\xe2\\x82'; sleep 0.2; printf '\\xac\\n'",
    );
    expect(lines.stdout).toEqual(['é€']);
  });
});
