import { readdirSync, readFileSync } from 'node:fs';

/**
 * Live processes (not zombies) whose environment holds `name=value` exactly, read from /proc
 * independently of the code under test. Linux only, like the tests that use it.
 */
export function processesWithEnv(name: string, value: string): number[] {
  const entry = `${name}=${value}`;
  const pids: number[] = [];
  for (const dir of readdirSync('/proc')) {
    if (!/^\d+$/.test(dir) || Number(dir) === process.pid) continue;
    try {
      if (!readFileSync(`/proc/${dir}/environ`, 'utf8').split('\0').includes(entry)) continue;
      const stat = readFileSync(`/proc/${dir}/stat`, 'utf8');
      if (stat[stat.lastIndexOf(')') + 2] !== 'Z') pids.push(Number(dir));
    } catch {
      // gone, or not ours to read
    }
  }
  return pids;
}

/** SIGKILL for each pid, ignoring those already gone (cleanup after a failed test). */
export function killAll(pids: readonly number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }
}
