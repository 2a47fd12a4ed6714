import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, openSync, type WriteStream } from 'node:fs';
import { coerceError } from '../errors.js';
import { LineSplitter } from './line-splitter.js';
import { markEnv, StepProcesses } from './step-processes.js';

export type OutputStream = 'stdout' | 'stderr';

export interface ProcessOptions {
  command: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Written to stdin, which is then closed. Without it stdin is /dev/null. */
  input?: string;
  signal?: AbortSignal;
  /** Stop the command and all its processes after this long (ms). */
  timeoutMs?: number;
  /** Between SIGTERM and SIGKILL. */
  graceMs: number;
  onLine?: (stream: OutputStream, line: string) => void;
  /** Also copy raw stdout bytes to this file (stdout artifacts). */
  stdoutFile?: string;
}

export interface ProcessResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  aborted: boolean;
  /** Set when the process could not start (ENOENT, EACCES, ...). */
  spawnError: Error | null;
  /** The last few KB of output, for error messages and retry feedback. */
  tail: string;
  durationMs: number;
}

const TAIL_CHARS = 4096;
/**
 * Once every process of the call is gone, how long the pipes may stay open (held by a process
 * that cleared its environment, or anywhere without /proc) before they are closed on our side.
 */
const DRAIN_MS = 500;

/**
 * Runs a command in its own process group, every process it starts marked in its environment
 * (step-processes.ts). When the command exits, times out or is aborted, all of them get
 * SIGTERM, then SIGKILL after the grace period, including those that left the group (`setsid`,
 * daemons). Output is split into lines as it arrives; the promise settles once the command has
 * exited, its processes are gone and its pipes are drained.
 */
export function runProcessGroup(opts: ProcessOptions): Promise<ProcessResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    let tail = '';
    const remember = (line: string) => {
      tail = (tail + line + '\n').slice(-TAIL_CHARS);
    };
    let timedOut = false;
    let aborted = false;
    let timeoutTimer: NodeJS.Timeout | undefined;
    let drainTimer: NodeJS.Timeout | undefined;
    let stdoutFile: WriteStream | undefined;
    let copyError: Error | undefined;
    // The output still reaches onLine; the copy stops (ENOSPC, ...) and the tail says why.
    const copyFailed = (err: Error) => {
      if (copyError) return;
      copyError = err;
      remember(`wave: writing ${opts.stdoutFile} failed: ${err.message}`);
    };

    const notStarted = (wasAborted: boolean, spawnError: Error | null) =>
      resolve({
        exitCode: null,
        signal: null,
        timedOut: false,
        aborted: wasAborted,
        spawnError,
        tail: '',
        durationMs: 0,
      });
    if (opts.signal?.aborted) {
      notStarted(true, null);
      return;
    }

    // Opened before the spawn, like a shell redirection: a file that cannot be written means
    // the command does not run (and an unhandled stream 'error' would crash the daemon).
    if (opts.stdoutFile) {
      try {
        stdoutFile = createWriteStream(opts.stdoutFile, { fd: openSync(opts.stdoutFile, 'w') });
      } catch (err) {
        notStarted(false, coerceError(err));
        return;
      }
      stdoutFile.on('error', copyFailed);
    }

    const { marker, env } = markEnv(opts.env);
    let child: ChildProcess;
    try {
      child = spawn(opts.command, opts.args, {
        cwd: opts.cwd,
        env,
        detached: true,
        stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      });
    } catch (err) {
      // Invalid arguments (a NUL byte in the command, ...) throw instead of emitting 'error'.
      stdoutFile?.destroy();
      notStarted(false, coerceError(err));
      return;
    }

    const leaderAlive = () => child.exitCode === null && child.signalCode === null;
    const processes = child.pid === undefined ? null : new StepProcesses(child.pid, leaderAlive, marker);
    let closed = false;
    let stopped: Promise<void> | undefined;
    // Idempotent. Once all are gone, pipes still open are held by none of ours: stop reading them.
    const stopAll = () => {
      if (!processes) return;
      stopped ??= processes.stop(opts.graceMs).then(() => {
        if (closed) return;
        drainTimer = setTimeout(() => {
          child.stdout?.destroy();
          child.stderr?.destroy();
        }, DRAIN_MS);
      });
    };
    const onAbort = () => {
      aborted = true;
      stopAll();
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    if (opts.timeoutMs !== undefined && Number.isFinite(opts.timeoutMs)) {
      timeoutTimer = setTimeout(() => {
        timedOut = true;
        stopAll();
      }, opts.timeoutMs);
    }

    const splitters: Record<OutputStream, LineSplitter> = {
      stdout: new LineSplitter((line) => {
        remember(line);
        opts.onLine?.('stdout', line);
      }),
      stderr: new LineSplitter((line) => {
        remember(line);
        opts.onLine?.('stderr', line);
      }),
    };
    child.stdout!.on('data', (chunk: Buffer) => {
      if (!copyError) stdoutFile?.write(chunk);
      splitters.stdout.push(chunk);
    });
    child.stderr!.on('data', (chunk: Buffer) => splitters.stderr.push(chunk));
    if (child.stdin) {
      child.stdin.on('error', () => {
        // The child may exit without reading its input (EPIPE): not our failure.
      });
      child.stdin.end(opts.input);
    }

    let spawnError: Error | null = null;
    child.on('error', (err) => {
      spawnError = err;
    });
    // A step's processes do not outlive it: once the leader exits, stragglers (`sleep 100 &`, a
    // `setsid` daemon) are stopped, so the step ends when its command does.
    child.on('exit', () => {
      // The command finished in time; a straggler that is slow to die is not a timeout.
      clearTimeout(timeoutTimer);
      stopAll();
    });
    child.on('close', (exitCode, signal) => {
      closed = true;
      clearTimeout(timeoutTimer);
      clearTimeout(drainTimer);
      opts.signal?.removeEventListener('abort', onAbort);
      splitters.stdout.end();
      splitters.stderr.end();
      const finish = () => {
        // Members of the group that shed the marker (`env -i`) do not outlive the step either.
        processes?.killGroup();
        resolve({
          exitCode,
          signal,
          timedOut,
          aborted,
          spawnError,
          tail,
          durationMs: performance.now() - started,
        });
      };
      const file = stdoutFile;
      void Promise.resolve(stopped).then(() => {
        if (!file) return finish();
        // end()'s callback can run before the 'error' event of a failed write, and then only
        // knows that the stream was destroyed; `errored` holds the cause.
        file.end((err?: Error | null) => {
          const cause = file.errored ?? err;
          if (cause) copyFailed(cause);
          finish();
        });
      });
    });
  });
}
