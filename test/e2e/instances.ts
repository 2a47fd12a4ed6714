import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach } from 'vitest';
import type { WaveEvent } from '../../src/events/catalogue.js';
import { type RunningWave, startWave } from '../helpers/cli.js';
import { writeTree } from '../helpers/tmp.js';
import { freePort } from './remote-support.js';

/** A `wave serve` process on the shared database. */
export interface Instance {
  url: string;
  port: number;
  proc: RunningWave;
  role: 'all' | 'api' | 'worker';
}

export interface InstanceOptions {
  role?: Instance['role'];
  maxConcurrent?: number;
}

const running: RunningWave[] = [];
const dirs: string[] = [];
// Instances may serve every test of a file (they are costly to start): killed after the file,
// then their folders removed.
afterAll(async () => {
  await Promise.all(running.splice(0).map(kill));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A temp folder that lasts for the whole test file (tempDir's lasts for one test). */
export function fileTempDir(prefix = 'wave-multi-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

/** kill -9, and wait for the process to be gone. */
export async function kill(proc: RunningWave): Promise<void> {
  if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill('SIGKILL');
  await proc.exited;
}

/**
 * `wave serve` processes on one PostgreSQL database, each in a project folder of its own (as on
 * separate hosts: workspaces are local, the store is shared); killed after the test file.
 */
export async function startInstances(
  url: string,
  files: Record<string, string>,
  instances: InstanceOptions[],
  env: Record<string, string> = {},
): Promise<Instance[]> {
  return await Promise.all(
    instances.map(async ({ role = 'all', maxConcurrent }) => {
      const root = writeTree(fileTempDir('wave-instance-'), files);
      const args = ['--role', role, ...(maxConcurrent ? ['--max-concurrent', String(maxConcurrent)] : [])];
      const port = await freePort();
      const proc = startWave(['serve', '--port', String(port), ...args], {
        cwd: root,
        env: { ...env, WAVE_STORAGE_URL: url },
      });
      running.push(proc);
      await proc.waitFor(/wave serve listening/, 60_000);
      return { url: `http://127.0.0.1:${port}`, port, proc, role };
    }),
  );
}

const clients: pg.Client[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.end().catch(() => {});
});

/** A plain connection to the shared database, to read what the instances wrote. */
export async function database(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  clients.push(client);
  return client;
}

/** Every event in the database with the origin (the writing process) of each, in seq order. */
export async function allEvents(db: pg.Client): Promise<{ event: WaveEvent; origin: string }[]> {
  const { rows } = await db.query<{ json: string; origin: string }>(
    'SELECT json, origin FROM events ORDER BY seq',
  );
  return rows.map((r) => ({ event: JSON.parse(r.json) as WaveEvent, origin: r.origin }));
}

export async function post(
  base: string,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {}
  return { status: res.status, body: parsed };
}

export async function getJson<T>(base: string, path: string): Promise<T> {
  const res = await fetch(`${base}${path}`);
  if (!res.ok) throw new Error(`GET ${path} answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as T;
}
