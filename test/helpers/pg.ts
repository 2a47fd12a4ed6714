import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The throwaway cluster's superuser URL (test/helpers/global-setup.ts starts it). */
    pgAdminUrl: string;
  }
}

/** The throwaway cluster's superuser URL on database `db`. */
export function pgUrl(db = 'postgres'): string {
  const url = new URL(inject('pgAdminUrl'));
  url.pathname = `/${db}`;
  return url.toString();
}

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: pgUrl() });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * A fresh, empty database in the throwaway cluster, dropped after the file's tests (with any
 * connection still open to it). Each test file (or test) takes its own: nothing is shared.
 */
export async function pgDatabase(prefix = 'wave'): Promise<string> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  afterAll(async () => {
    await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  });
  return pgUrl(name);
}
