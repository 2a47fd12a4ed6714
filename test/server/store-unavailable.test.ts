import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { installErrorHandling } from '../../src/server/error-handler.js';
import { PgDb, pgStoreError } from '../../src/store/postgres/pg-db.js';
import { pgDatabase } from '../helpers/pg.js';
import { startTcpProxy, viaProxy } from '../helpers/tcp-proxy.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A route that asks a real database behind a proxy the test can cut. */
async function appOverDatabase(wrap: boolean) {
  const url = await pgDatabase();
  const proxy = await startTcpProxy(Number(new URL(url).port));
  cleanups.push(() => proxy.close());
  const db = new PgDb(viaProxy(url, proxy), { max: 2 });
  cleanups.push(() => db.close());
  const app = Fastify();
  installErrorHandling(app);
  app.get('/api/answer', async () => {
    try {
      const { rows } = await db.query<{ n: number }>('SELECT 42 AS n');
      return { n: rows[0]!.n };
    } catch (err) {
      throw wrap ? pgStoreError(db.url, err) : err;
    }
  });
  cleanups.push(() => app.close());
  return { app, proxy };
}

describe('the database going away while serving', () => {
  for (const wrap of [false, true]) {
    it(`answers 503 store_unavailable in the API's error shape, then carries on when it is back (${wrap ? 'wrapped' : 'raw driver'} error)`, async () => {
      const { app, proxy } = await appOverDatabase(wrap);
      expect((await app.inject('/api/answer')).json()).toEqual({ n: 42 });
      proxy.cut();
      const away = await app.inject('/api/answer');
      expect(away.statusCode).toBe(503);
      const body = away.json() as { error: { code: string; message: string; details: unknown } };
      expect(body.error.code).toBe('store_unavailable');
      expect(typeof body.error.message).toBe('string');
      expect(body.error.details).toBeTypeOf('object');
      // No stack trace leaks to the client.
      expect(away.body).not.toMatch(/\.(ts|js):\d+/);
      proxy.restore();
      const back = await app.inject('/api/answer');
      expect(back.statusCode).toBe(200);
      expect(back.json()).toEqual({ n: 42 });
    });
  }
});
