import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { RunRecord, Store } from '../store/store.js';
import { isProcessGone, markGoneLocalInstances } from './owner-liveness.js';

/*
 * Run ownership, in one place: a process that executes a run holds a lease on it, renews it while
 * it lives (and its instance row's heartbeat), and anyone may take over a run whose owner is dead
 * (lease expired, or its instance marked dead: a process of this host that is gone).
 */

/** This process as a lease owner: `<host>:<pid>:<random>`. */
export function newOwnerId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
}

/** How long a lease lasts without renewal: server.lease_timeout's default. */
export const LEASE_MS = 30_000;
/** How often a live owner renews its leases: well inside LEASE_MS. */
export const RENEW_EVERY_MS = 10_000;

/** The heartbeat of an owner whose leases last `leaseMs`: three beats fit in one lease. */
export function renewEveryMs(leaseMs: number): number {
  return Math.max(100, Math.min(RENEW_EVERY_MS, Math.floor(leaseMs / 3)));
}

/**
 * Whether a run's owner is gone: its lease expired, or it was a process on this host that no
 * longer exists (so `wave cancel` after `kill -9` needs no wait for the lease).
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

/** The claim a run created by this process takes at once (a foreground `wave run`). */
export function creationClaim(owner: string, leaseMs = LEASE_MS): { owner: string; leaseMs: number } {
  return { owner, leaseMs };
}

/** Takes one run if it is queued or its owner is dead; null when a live process holds it. */
export async function claimRun(
  store: Store,
  runId: string,
  owner: string,
  leaseMs = LEASE_MS,
): Promise<RunRecord | null> {
  // Liveness is data the claim reads: instances of this host whose process is gone are marked
  // dead first, outside the claim's transaction.
  await markGoneLocalInstances(store);
  return store.claimRun(runId, owner, leaseMs);
}

/**
 * The oldest queued server run, if fewer than `cap` are running (and, with `globalCap`,
 * fewer than that many over every worker sharing the store).
 */
export function claimNextRun(
  store: Store,
  owner: string,
  caps: { cap: number; globalCap: number | null; leaseMs: number },
): Promise<RunRecord | null> {
  return store.claimNextRun(owner, caps.leaseMs, caps.cap, caps.globalCap);
}

/** Running or waiting runs of `mode` whose owner is dead. */
export async function findOrphans(store: Store, mode: RunRecord['mode']): Promise<RunRecord[]> {
  await markGoneLocalInstances(store);
  return store.findOrphans(mode);
}

/** Extends every lease `owner` holds. */
export function renewLeases(store: Store, owner: string, leaseMs = LEASE_MS): Promise<void> {
  return store.renewLeases(owner, leaseMs);
}
