import { readdirSync, readFileSync } from 'node:fs';

/**
 * Processes a dead owner left behind. Every process of a step carries WAVE_RUN_ID in its
 * environment (children inherit it, even ones that left the process group), so on Linux they
 * are found through /proc. Elsewhere this finds nothing and the caller goes on.
 */
export function findRunProcesses(runId: string): number[] {
  const needle = `WAVE_RUN_ID=${runId}\u0000`;
  const found: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return found;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    try {
      if (`${readFileSync(`/proc/${entry}/environ`, 'latin1')}\u0000`.includes(needle)) found.push(pid);
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
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
