import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { isProcessGone } from './owner-liveness.js';

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
  return isProcessGone(pid);
}
