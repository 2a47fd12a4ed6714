import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open-store.js';
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

  it('knows postgres by name and says it is not available yet', () => {
    expect(() => openStore({ driver: 'postgres', path: 'x' }, { origin: 'test' })).toThrow(
      expect.objectContaining({
        code: 'invalid_config',
        message: expect.stringMatching(/postgres is not available/),
      }),
    );
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
