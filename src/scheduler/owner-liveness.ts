import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { Store } from '../store/store.js';

/**
 * Marks dead every instance on this host whose process is gone, so that its runs can be
 * claimed at once (`wave resume` after `kill -9`, a server restart) instead of after the lease.
 * Done before a claim, outside its transaction: the claim itself only reads data.
 */
export async function markGoneLocalInstances(store: Store): Promise<void> {
  for (const instance of await store.listInstances(hostname())) {
    if (instance.pid !== process.pid && isProcessGone(instance.pid))
      await store.markInstanceDead(instance.id);
  }
}

/** Whether a process of this host no longer runs (a zombie counts as gone). */
export function isProcessGone(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
  return isZombie(pid);
}

/** A killed process stays visible until its parent reaps it; on Linux /proc tells. */
function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state === 'Z' || state === 'X';
  } catch {
    return false;
  }
}
