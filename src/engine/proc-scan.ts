import { readdirSync, readFileSync } from 'node:fs';

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
   * Only processes started after this pid was handed out. Pids are handed out in a cycle, so
   * these are the pids from `sincePid` up to the last one given (wrapping at pid_max). Valid only
   * while fewer than pid_max processes were started since, which the caller vouches for.
   */
  sincePid?: number;
}

/**
 * The pids (other than this process) whose environment satisfies `match`, or null where /proc
 * cannot be read. A zombie's environment reads empty, so only live processes can match.
 */
export function scanProcesses(match: (environ: string) => boolean, opts: ScanOptions = {}): number[] | null {
  // No pid handed out after `sincePid`: no other process was started since (a fork needs one).
  if (opts.sincePid !== undefined && lastPid() === opts.sincePid)
    return matching([String(opts.sincePid)], match);
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return null;
  }
  // Read after the listing, so every listed pid was handed out by then.
  return matching(
    entries,
    match,
    opts.sincePid === undefined ? undefined : pidRange(opts.sincePid, lastPid()),
  );
}

function matching(
  entries: string[],
  match: (environ: string) => boolean,
  inRange?: (pid: number) => boolean,
): number[] {
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

/** The pid the kernel handed out last in this pid namespace, or null if it cannot be read. */
function lastPid(): number | null {
  try {
    return Number(readFileSync('/proc/sys/kernel/ns_last_pid', 'latin1'));
  } catch {
    return null;
  }
}

/** The pids handed out from `first` to `last`, across the wrap at pid_max; every pid if unknown. */
function pidRange(first: number, last: number | null): ((pid: number) => boolean) | undefined {
  if (last === null || !Number.isInteger(last)) return undefined;
  return last >= first ? (pid) => pid >= first && pid <= last : (pid) => pid >= first || pid <= last;
}
