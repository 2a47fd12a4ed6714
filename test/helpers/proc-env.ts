import { readdirSync, readFileSync } from 'node:fs';
import { yaml } from './tmp.js';

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

/**
 * A pipeline whose step escapes a process into its own session (holding the step's stdout) at
 * each start, records its pid file in `escapes`, then waits for a file `release`.
 */
export const ESCAPING_PIPELINE = yaml`
  kind: WavePipeline
  steps:
    - id: hold
      type: command
      workspace: { type: project }
      script: |
        p="escaped-$$.pid"
        setsid bash -c "echo \\$\\$ > $p; exec sleep 1000" &
        while [ ! -s "$p" ]; do sleep 0.01; done
        echo "$p" >> escapes
        while [ ! -f release ]; do sleep 0.05; done
        echo released
`;
