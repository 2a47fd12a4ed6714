import { existsSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';
import { basename, resolve } from 'node:path';

/** True while the process exists and is not a zombie (a killed child not yet reaped is gone). */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return true;
  }
}

const real = (p: string) => {
  try {
    return realpathSync(p);
  } catch {
    return resolve(p);
  }
};

/**
 * Whether `pid` is a `wave serve` of the project at `root`: its command line runs the wave
 * binary with `serve`, and its `-C`/`--project` (else its working directory) is `root`. A PID
 * file can outlive its server and the pid be reused by anything, so the pid alone proves nothing.
 * Without /proc (not Linux) a live pid is trusted.
 */
export function isProjectServer(pid: number, root: string): boolean {
  if (!isRunning(pid)) return false;
  if (!existsSync('/proc/self/cmdline')) return true;
  let args: string[];
  let cwd: string;
  try {
    args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    cwd = readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    return false;
  }
  const bin = args.findIndex((a) => /^wave(\.js)?$/.test(basename(a)));
  if (bin === -1 || args[bin + 1] !== 'serve') return false;
  const rest = args.slice(bin + 2);
  const flag = rest.findIndex((a) => a === '-C' || a === '--project');
  const project = flag !== -1 && rest[flag + 1] ? resolve(cwd, rest[flag + 1]!) : cwd;
  return real(project) === real(root);
}

/** The parent of `pid` when it is the `wave server start` supervisor (see supervisor.ts), else null. */
export function supervisorOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    const args = readFileSync(`/proc/${ppid}/cmdline`, 'utf8').split('\0');
    return args.some((a) => basename(a) === 'supervisor-main.js') ? ppid : null;
  } catch {
    return null;
  }
}
