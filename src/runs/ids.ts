import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

/** `<pipeline>-YYYYMMDD-HHMMSS-<6 hex>`: sortable by eye, unique, URL-safe. */
export function newRunId(pipeline: string, now = new Date()): string {
  const iso = now.toISOString();
  const stamp = `${iso.slice(0, 10).replaceAll('-', '')}-${iso.slice(11, 19).replaceAll(':', '')}`;
  const safe = pipeline.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 40);
  return `${safe}-${stamp}-${randomBytes(3).toString('hex')}`;
}

/** This process as a lease owner: `<host>:<pid>:<random>`. */
export function newOwnerId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
}

/**
 * Whether a run's owner is gone: its lease expired, or it was a process on this host that no
 * longer exists (so `wave resume` after `kill -9` needs no wait for the lease).
 */
export function isOwnerDead(owner: string | null, leaseExpiresAt: number | null, now = Date.now()): boolean {
  if (owner === null) return true;
  if (leaseExpiresAt !== null && leaseExpiresAt < now) return true;
  const [host, pidText] = owner.split(':');
  const pid = Number(pidText);
  if (host !== hostname() || !Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return false;
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
