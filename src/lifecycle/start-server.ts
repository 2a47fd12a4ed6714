import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { fetchHealth, readServerUrl } from './health.js';
import { runningServer } from './running-server.js';
import type { ServerFiles } from './server-files.js';
import { withStartLock } from './start-lock.js';
import { stopProcess } from './stop-process.js';
import type { SupervisorPlan } from './supervisor.js';

const SUPERVISOR = fileURLToPath(new URL('./supervisor-main.js', import.meta.url));
/** The wave binary, from dist/lifecycle/ or src/lifecycle/ alike. */
export const WAVE_BIN = fileURLToPath(new URL('../../bin/wave.js', import.meta.url));
const POLL_MS = 100;

export interface StartOptions {
  root: string;
  files: ServerFiles;
  /** Flags for `wave serve` (the project and config are added here). */
  serveArgs: string[];
  env: Readonly<Record<string, string | undefined>>;
  log: { maxBytes: number; keep: number };
  /** How long the server may take to answer /api/health. */
  waitMs: number;
}

export type StartResult =
  | { outcome: 'started' | 'already-running'; pid: number; url: string }
  | { outcome: 'failed'; reason: string };

/**
 * Starts the project's server detached (its own session, under the log supervisor) unless a
 * live one is there, and waits until /api/health answers at the URL the server wrote, the
 * server exits, or `waitMs` passes (then the half-started server is stopped).
 */
export async function startServer(opts: StartOptions): Promise<StartResult> {
  mkdirSync(opts.files.dir, { recursive: true });
  return withStartLock(opts.files.startLock, opts.waitMs, () => startUnlocked(opts));
}

async function startUnlocked(opts: StartOptions): Promise<StartResult> {
  const existing = runningServer(opts.root, opts.files);
  if (existing !== null) {
    const health = await waitHealthy(opts, () => !isAliveServer(opts, existing));
    return health.url
      ? { outcome: 'already-running', pid: existing, url: health.url }
      : {
          outcome: 'failed',
          reason: `a server (pid ${existing}) is running but does not answer${because(health.lastError)}`,
        };
  }
  const plan: SupervisorPlan = {
    root: opts.root,
    pidFile: opts.files.pid,
    urlFile: opts.files.url,
    logFile: opts.files.log,
    maxBytes: opts.log.maxBytes,
    keep: opts.log.keep,
    command: [
      process.execPath,
      WAVE_BIN,
      'serve',
      '-C',
      opts.root,
      ...opts.serveArgs,
      '--url-file',
      opts.files.url,
    ],
  };
  const supervisor = spawn(process.execPath, [SUPERVISOR, JSON.stringify(plan)], {
    cwd: opts.root,
    detached: true,
    stdio: 'ignore',
    env: { ...opts.env },
  });
  let exit: string | null = null;
  supervisor.on('exit', (code, signal) => {
    exit = signal ? `it was killed by ${signal}` : `it exited with code ${code}`;
  });
  supervisor.on('error', (err) => {
    exit = `it could not start: ${err.message}`;
  });
  try {
    const health = await waitHealthy(opts, () => exit !== null);
    const pid = runningServer(opts.root, opts.files);
    if (health.url && pid !== null) return { outcome: 'started', pid, url: health.url };
    if (exit !== null) return { outcome: 'failed', reason: `the server did not start: ${exit}` };
    if (pid !== null) await stopProcess(pid, 5000);
    return {
      outcome: 'failed',
      reason: `the server did not answer within ${opts.waitMs / 1000}s${because(health.lastError)}, so it was stopped`,
    };
  } finally {
    // The supervisor lives on; this process must not wait for it.
    supervisor.unref();
  }
}

const because = (error: string | null) => (error ? ` (${error})` : '');

function isAliveServer(opts: StartOptions, pid: number): boolean {
  return runningServer(opts.root, opts.files) === pid;
}

/**
 * Polls until the server's health check answers (its URL), `gaveUp`, or the deadline (the last
 * probe's error, e.g. an untrusted certificate, which says why).
 */
async function waitHealthy(
  opts: StartOptions,
  gaveUp: () => boolean,
): Promise<{ url: string | null; lastError: string | null }> {
  const deadline = Date.now() + opts.waitMs;
  let lastError: string | null = null;
  while (Date.now() < deadline) {
    if (gaveUp()) return { url: null, lastError };
    const url = readServerUrl(opts.files.url);
    if (url) {
      try {
        await fetchHealth(url, opts.env, 2000);
        return { url, lastError: null };
      } catch (err) {
        // Listening but not answering yet, or just gone: look again.
        lastError = (err as Error).message;
      }
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  return { url: null, lastError };
}
