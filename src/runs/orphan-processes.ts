import { envValue, scanProcesses } from '../engine/proc-scan.js';

/**
 * Processes a dead owner left behind. Every process of a step carries WAVE_RUN_ID in its
 * environment (children inherit it, even ones that left the process group), so on Linux they
 * are found through /proc. Elsewhere this finds nothing and the caller goes on.
 */
export function findRunProcesses(runId: string): number[] {
  return scanProcesses((environ) => envValue(environ, 'WAVE_RUN_ID') === runId) ?? [];
}

/** Stops a run's leftover processes: SIGTERM, then SIGKILL for those still there after `graceMs`. */
export async function killRunProcesses(runId: string, graceMs = 2000): Promise<number> {
  const pids = findRunProcesses(runId);
  if (pids.length === 0) return 0;
  const signal = (sig: NodeJS.Signals) => {
    for (const pid of pids) {
      try {
        process.kill(pid, sig);
      } catch {
        // already gone
      }
    }
  };
  signal('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && findRunProcesses(runId).length > 0)
    await new Promise((r) => setTimeout(r, 50));
  if (findRunProcesses(runId).length > 0) signal('SIGKILL');
  return pids.length;
}
