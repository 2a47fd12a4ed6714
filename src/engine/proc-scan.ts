import { openSync, readdirSync, readFileSync, readSync } from 'node:fs';

/**
 * Finding processes by their environment through /proc (Linux). A process keeps the environment
 * it was started with even after it leaves its process group or session, so this finds what
 * `kill(-pgid)` cannot reach. Elsewhere there is no /proc and the scan answers null.
 */

/** The value of `name` in a /proc/<pid>/environ block (NUL-separated), or undefined. */
export function envValue(environ: string, name: string): string | undefined {
  const key = `${name}=`;
  let start: number;
  if (environ.startsWith(key)) start = key.length;
  else {
    const at = environ.indexOf(`\u0000${key}`);
    if (at === -1) return undefined;
    start = at + 1 + key.length;
  }
  const end = environ.indexOf('\u0000', start);
  return environ.slice(start, end === -1 ? undefined : end);
}

export interface ScanOptions {
  /**
   * Only pids handed out after this one. Pids are handed out in a cycle, so these are the pids
   * after `after` up to the last one given (wrapping at pid_max). Valid only while fewer than
   * pid_max processes were started since, which the caller vouches for.
   */
  after?: number;
}

/**
 * The pids (other than this process) whose environment satisfies `match`, or null where /proc
 * cannot be read. A zombie's environment cannot be read, so only live processes can match.
 */
export function scanProcesses(match: (environ: string) => boolean, opts: ScanOptions = {}): number[] | null {
  // No pid handed out since: no process was started since (a fork needs one). The common case
  // at the end of a step that started nothing, so it must cost no more than this one read.
  if (opts.after !== undefined && lastPid() === opts.after) return [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return null;
  }
  // Read after the listing, so every listed pid was handed out by then.
  const inRange = opts.after === undefined ? undefined : pidsAfter(opts.after, lastPid());
  const found: number[] = [];
  for (const entry of entries) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid || (inRange && !inRange(pid))) continue;
    try {
      if (match(readFileSync(`/proc/${entry}/environ`, 'latin1'))) found.push(pid);
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}

/** Kept open (close-on-exec): one pread per look instead of open, read and close. */
let lastPidFd: number | null | undefined;
const lastPidBuffer = Buffer.alloc(32);

/** The pid the kernel handed out last in this pid namespace, or null if it cannot be read. */
function lastPid(): number | null {
  if (lastPidFd === undefined) {
    try {
      lastPidFd = openSync('/proc/sys/kernel/ns_last_pid', 'r');
    } catch {
      lastPidFd = null;
    }
  }
  if (lastPidFd === null) return null;
  try {
    const n = readSync(lastPidFd, lastPidBuffer, 0, lastPidBuffer.length, 0);
    const pid = Number(lastPidBuffer.toString('latin1', 0, n));
    return Number.isInteger(pid) ? pid : null;
  } catch {
    return null;
  }
}

/** The pids handed out after `after` up to `last`, across the wrap at pid_max; all if unknown. */
function pidsAfter(after: number, last: number | null): ((pid: number) => boolean) | undefined {
  if (last === null) return undefined;
  return last >= after ? (pid) => pid > after && pid <= last : (pid) => pid > after || pid <= last;
}
