import { afterEach, beforeAll } from 'vitest';
import { PostgresStore, type PostgresStoreOptions } from '../../src/store/postgres/postgres-store.js';
import { pgDatabase } from './pg.js';

/**
 * PostgresStores on one database of the throwaway cluster made for the calling test file, each
 * `path` a schema of its own (same path, same schema: two processes on one store). Stores are
 * closed after each test. Call at the top level of a test file.
 */
export function pgStores(): (opts?: Partial<PostgresStoreOptions> & { path?: string }) => PostgresStore {
  let url = '';
  const schemas = new Map<string, string>();
  const open: PostgresStore[] = [];
  beforeAll(async () => {
    url = await pgDatabase();
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });
  return (opts = {}) => {
    const key = opts.path ?? `fresh-${schemas.size}`;
    let schema = schemas.get(key);
    if (!schema) {
      schema = `s${schemas.size}`;
      schemas.set(key, schema);
    }
    const { path: _path, ...rest } = opts;
    const store = new PostgresStore({ url, origin: 'test-origin', poolMax: 4, schema, ...rest });
    open.push(store);
    return store;
  };
}
