import { existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import { z } from 'zod';
import { fetchHealth, type Health, readServerUrl } from '../../lifecycle/health.js';
import { followLog, logMark } from '../../lifecycle/log-follow.js';
import { tailLines } from '../../lifecycle/log-tail.js';
import { removePidFileOf } from '../../lifecycle/pid-file.js';
import { supervisorOf } from '../../lifecycle/process-info.js';
import { runningServer } from '../../lifecycle/running-server.js';
import { LOG_ROTATION, logFiles, serverFiles } from '../../lifecycle/server-files.js';
import { startServer, WAVE_BIN } from '../../lifecycle/start-server.js';
import { stopProcess, waitGone } from '../../lifecycle/stop-process.js';
import { renderSystemdUnit } from '../../lifecycle/systemd-unit.js';
import { formatDuration, parseDuration } from '../../pipeline/duration.js';
import { EXIT, ExitError } from '../exit.js';
import { type CliIO, err, out } from '../io.js';
import { intFlag, openProject, ProjectFlags, parseFlags } from '../options.js';
import { ServeFlags, serveFlagArgs } from './serve-flags.js';

/** How long a started server may take to answer its health check. */
const START_WAIT_MS = 60_000;
/** How long a supervisor may take to exit after its server. */
const SUPERVISOR_EXIT_MS = 10_000;
/** Lines of the log shown when a start fails. */
const FAILURE_TAIL = 20;

const projectRoot = (io: CliIO, opts: ProjectFlags) => resolve(io.cwd, opts.project ?? '.');

const duration = () =>
  z.string().transform((v, ctx) => {
    const ms = parseDuration(v);
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: `expected a duration such as 30s or 2m, not "${v}"` });
      return z.NEVER;
    }
    return ms;
  });

/** `wave server start [serve flags]` */
export async function runServerStart(io: CliIO, raw: unknown): Promise<number> {
  const opts = parseFlags(ServeFlags, raw);
  const root = projectRoot(io, opts);
  const files = serverFiles(root);
  // A small disk (or a test) may want a smaller log than CLI.md's 10 MB, a slow one a longer wait.
  const maxBytes = Number(io.env.WAVE_SERVER_LOG_MAX_BYTES) || LOG_ROTATION.maxBytes;
  const waitMs = parseDuration(io.env.WAVE_SERVER_START_WAIT ?? '') ?? START_WAIT_MS;
  const result = await startServer({
    root,
    files,
    serveArgs: serveFlagArgs(opts, io.cwd),
    env: io.env,
    log: { maxBytes, keep: LOG_ROTATION.keep },
    waitMs,
  });
  if (result.outcome === 'failed') {
    const tail = tailLines(logFiles(files.log), FAILURE_TAIL);
    err(io, `wave: ${result.reason}; the end of ${files.log}:`);
    for (const line of tail) err(io, `  ${line}`);
    return EXIT.runFailed;
  }
  err(
    io,
    result.outcome === 'started'
      ? `wave server started (pid ${result.pid}); its log: ${files.log}`
      : `wave server already running (pid ${result.pid})`,
  );
  out(io, result.url);
  return EXIT.ok;
}

const StopFlags = ProjectFlags.extend({ timeout: duration().default(30_000) });

/** `wave server stop [--timeout 30s]` */
export async function runServerStop(io: CliIO, raw: unknown): Promise<number> {
  const opts = parseFlags(StopFlags, raw);
  const files = serverFiles(projectRoot(io, opts));
  const pid = runningServer(projectRoot(io, opts), files);
  if (pid === null) {
    out(io, 'wave server is not running');
    return EXIT.ok;
  }
  const supervisor = supervisorOf(pid);
  const outcome = await stopProcess(pid, opts.timeout);
  removePidFileOf(files.pid, pid, [files.url]);
  // Its supervisor writes the last line of the log and exits: stop returns when all is done.
  if (supervisor !== null) await waitGone(supervisor, SUPERVISOR_EXIT_MS);
  out(
    io,
    outcome === 'killed'
      ? `wave server (pid ${pid}) killed: it did not stop within ${formatDuration(opts.timeout)} of SIGTERM`
      : `wave server (pid ${pid}) stopped`,
  );
  return EXIT.ok;
}

const StatusFlags = ProjectFlags.extend({ json: z.boolean().optional() });

/** `wave server status [--json]`: exit 0 running, 1 not running. */
export async function runServerStatus(io: CliIO, raw: unknown): Promise<number> {
  const opts = parseFlags(StatusFlags, raw);
  const files = serverFiles(projectRoot(io, opts));
  const pid = runningServer(projectRoot(io, opts), files);
  const url = pid === null ? null : readServerUrl(files.url);
  let health: Health | null = null;
  let problem: string | null = null;
  if (pid !== null) {
    if (!url) problem = 'it has not written its URL yet (starting?)';
    else
      health = await fetchHealth(url, io.env).catch((e: Error) => {
        problem = `it does not answer its health check: ${e.message}`;
        return null;
      });
  }
  if (opts.json) {
    out(
      io,
      JSON.stringify({
        running: pid !== null,
        pid,
        url,
        version: health?.version ?? null,
        uptime_s: health?.uptime_s ?? null,
        runs: health?.runs ?? null,
      }),
    );
  } else if (pid === null) {
    out(io, 'wave server is not running');
  } else {
    const rows: [string, string][] = [
      ['pid', String(pid)],
      ['url', url ?? '-'],
      ['version', health?.version ?? '-'],
      ['uptime', health ? formatDuration(health.uptime_s * 1000) : '-'],
      [
        'runs',
        health
          ? `${health.runs.queued} queued, ${health.runs.running} running, ${health.runs.waiting} waiting`
          : '-',
      ],
    ];
    out(io, ['wave server is running', ...rows.map(([k, v]) => `  ${k.padEnd(8)} ${v}`)].join('\n'));
  }
  if (problem) err(io, `wave: the server (pid ${pid}) is running, but ${problem}`);
  return pid === null ? EXIT.runFailed : EXIT.ok;
}

const LogsFlags = ProjectFlags.extend({
  lines: intFlag(0, 1_000_000).default(50),
  follow: z.boolean().optional(),
});

/** `wave server logs [-n N] [--follow]`; --follow ends on Ctrl-C or SIGTERM. */
export async function runServerLogs(io: CliIO, raw: unknown): Promise<number> {
  const opts = parseFlags(LogsFlags, raw);
  const files = serverFiles(projectRoot(io, opts));
  // Taken first: a line the server writes while the tail is read and printed is followed, not lost.
  const mark = opts.follow ? logMark(files.log) : null;
  const lines = tailLines(logFiles(files.log), opts.lines);
  if (lines.length) io.stdout.write(`${lines.join('\n')}\n`);
  else if (!existsSync(files.log))
    err(io, `wave: no server log yet (${files.log}; wave server start writes it)`);
  if (!opts.follow) return EXIT.ok;
  const stop = new AbortController();
  const end = () => stop.abort();
  process.once('SIGINT', end);
  process.once('SIGTERM', end);
  try {
    await followLog(logFiles(files.log), (chunk) => io.stdout.write(chunk), stop.signal, mark);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT')
      throw new ExitError(EXIT.runFailed, `no server log in ${files.dir} (wave server start writes it)`);
    throw e;
  } finally {
    process.off('SIGINT', end);
    process.off('SIGTERM', end);
  }
  return EXIT.ok;
}

const UnitFlags = ProjectFlags.extend({ user: z.boolean().optional() });

/** `wave server unit [--user]`: prints the unit; installing it is the user's step (README). */
export async function runServerUnit(io: CliIO, raw: unknown): Promise<number> {
  const opts = parseFlags(UnitFlags, raw);
  const project = openProject(io, opts);
  out(
    io,
    renderSystemdUnit({
      root: project.paths.root,
      ...(opts.config ? { configFile: resolve(io.cwd, opts.config) } : {}),
      node: process.execPath,
      wave: WAVE_BIN,
      shutdownGraceMs: project.config.server.shutdown_grace_ms,
      user: Boolean(opts.user),
      systemUser: userInfo().username,
      ...(io.env.PATH ? { path: io.env.PATH } : {}),
    }),
  );
  return EXIT.ok;
}
