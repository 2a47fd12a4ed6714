import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open-store.js';
import { redactUrl } from '../../src/store/postgres/pg-db.js';
import { pgDatabase } from '../helpers/pg.js';
import { tempDir } from '../helpers/tmp.js';

describe('openStore', () => {
  it('opens the SQLite store for driver sqlite', async () => {
    const path = join(tempDir(), 'state.db');
    const store = openStore({ driver: 'sqlite', path }, { origin: 'test' });
    try {
      expect(store.kind).toBe('sqlite');
      expect(store.location).toBe(path);
      expect(await store.lastSeq()).toBe(0);
    } finally {
      await store.close();
    }
  });

  it('opens the PostgreSQL store for driver postgres, its location without the password', async () => {
    const url = new URL(await pgDatabase());
    const store = openStore({ driver: 'postgres', path: 'unused', url: url.toString() }, { origin: 'test' });
    try {
      await store.ready();
      expect(store.kind).toBe('postgres');
      expect(store.location).toBe(redactUrl(url.toString()));
      expect(await store.lastSeq()).toBe(0);
    } finally {
      await store.close();
    }
  });

  it('postgres without a URL is a configuration error saying what to set', () => {
    expect(() => openStore({ driver: 'postgres', path: 'x', url: null }, { origin: 'test' })).toThrow(
      expect.objectContaining({
        code: 'invalid_config',
        message: expect.stringMatching(/set storage\.url in wave\.yaml or WAVE_STORAGE_URL/),
      }),
    );
  });

  it('an unreachable database fails ready() with store_unavailable naming the host, not the password', async () => {
    const store = openStore(
      { driver: 'postgres', path: 'x', url: 'postgres://wave:s3cret-pw@127.0.0.1:1/wave' },
      { origin: 'test' },
    );
    try {
      const err = await store.ready().then(
        () => null,
        (e: unknown) => e as { code: string; message: string },
      );
      expect(err).toMatchObject({
        code: 'store_unavailable',
        message: expect.stringContaining('127.0.0.1:1'),
      });
      expect(err?.message).not.toContain('s3cret-pw');
      await expect(store.lastSeq()).rejects.toMatchObject({ code: 'store_unavailable' });
    } finally {
      await store.close();
    }
  });

  it('refuses an unknown driver with a configuration error naming it and the known ones', () => {
    expect(() => openStore({ driver: 'mysql', path: 'x' }, { origin: 'test' })).toThrow(
      expect.objectContaining({
        code: 'invalid_config',
        message: 'storage.driver: unknown driver "mysql" (known: sqlite, postgres)',
      }),
    );
  });
});
