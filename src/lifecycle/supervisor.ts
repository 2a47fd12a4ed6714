import { spawn } from 'node:child_process';
import { z } from 'zod';
import { removePidFileOf, writeFileAtomic } from './pid-file.js';
import { RotatingLog } from './rotating-log.js';

/** What `wave server start` hands the supervisor (as JSON, its one argument). */
export const SupervisorPlan = z.object({
  root: z.string(),
  pidFile: z.string(),
  urlFile: z.string(),
  logFile: z.string(),
  maxBytes: z.number().int().positive(),
  keep: z.number().int().min(0),
  /** The command that serves: node, the wave binary, `serve` and its flags. */
  command: z.array(z.string()).min(1),
});
export type SupervisorPlan = z.infer<typeof SupervisorPlan>;

/**
 * The detached parent of a `wave server start`ed server. Why a separate process: a server that
 * runs for days must have its log rotated, and everything it prints (pino's lines, but also a
 * config error or a crash's stack trace written before any logger exists) has to go through the
 * rotating writer. A file descriptor inherited as stdout cannot be re-pointed at a new file
 * from JavaScript, so the output comes through pipes to this process, which does nothing else.
 * It writes the PID file (the server's pid, so `stop` signals the server itself), forwards
 * SIGTERM/SIGINT to the server, and exits with it, removing the PID and URL files.
 */
export function supervise(plan: SupervisorPlan): void {
  const log = new RotatingLog(plan.logFile, plan.maxBytes, plan.keep);
  const stamp = () => new Date().toISOString();
  log.write(`[${stamp()}] wave server start: ${plan.command.slice(1).join(' ')}\n`);
  const child = spawn(plan.command[0]!, plan.command.slice(1), {
    cwd: plan.root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.on('error', (err) => {
    log.write(`[${stamp()}] cannot start the server: ${err.message}\n`);
    log.close();
    process.exit(1);
  });
  const pid = child.pid;
  if (pid === undefined) return;
  writeFileAtomic(plan.pidFile, `${pid}\n`);
  child.stdout.on('data', (d: Buffer) => log.write(d));
  child.stderr.on('data', (d: Buffer) => log.write(d));
  for (const sig of ['SIGTERM', 'SIGINT'] as const) process.on(sig, () => child.kill(sig));
  // Its own session has no terminal to hang up, but a stray SIGHUP must not end the server's log.
  process.on('SIGHUP', () => undefined);
  child.on('close', (code, signal) => {
    log.write(
      `[${stamp()}] wave serve (pid ${pid}) exited ${signal ? `on ${signal}` : `with code ${code}`}\n`,
    );
    log.close();
    removePidFileOf(plan.pidFile, pid, [plan.urlFile]);
    process.exit(code ?? 1);
  });
}
