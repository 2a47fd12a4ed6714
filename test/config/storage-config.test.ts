import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/parse-config.js';

describe('storage: the PostgreSQL keys', () => {
  it('defaults to SQLite with no URL, 1 MiB inline artifacts and no shared folder', () => {
    const { config } = parseConfig({ file: {}, env: {}, flags: {} });
    expect(config.storage).toMatchObject({
      driver: 'sqlite',
      url: null,
      artifact_inline_limit: 1024 * 1024,
      artifact_dir: null,
    });
  });

  it('reads storage.url, artifact_inline_limit and artifact_dir from wave.yaml', () => {
    const file = {
      storage: {
        driver: 'postgres' as const,
        url: 'postgres://wave@db:5432/wave',
        artifact_inline_limit: 4096,
        artifact_dir: '/shared/artifacts',
      },
    };
    const { config } = parseConfig({ file, env: {}, flags: {} });
    expect(config.storage).toMatchObject({
      driver: 'postgres',
      url: 'postgres://wave@db:5432/wave',
      artifact_inline_limit: 4096,
      artifact_dir: '/shared/artifacts',
    });
  });

  it('WAVE_STORAGE_URL wins over the file, and a URL alone means postgres', () => {
    const env = { WAVE_STORAGE_URL: 'postgres://wave@other:5432/wave' };
    expect(parseConfig({ file: {}, env, flags: {} }).config.storage).toMatchObject({
      driver: 'postgres',
      url: 'postgres://wave@other:5432/wave',
    });
    const file = { storage: { url: 'postgres://wave@db:5432/wave' } };
    expect(parseConfig({ file, env, flags: {} }).config.storage.url).toBe('postgres://wave@other:5432/wave');
    // The environment wins over a file that says sqlite (the built-in wave.yaml does).
    const sqlite = { storage: { driver: 'sqlite' as const, url: '' } };
    expect(parseConfig({ file: sqlite, env, flags: {} }).config.storage.driver).toBe('postgres');
    // `url: ${WAVE_STORAGE_URL:-}` with the variable unset: no URL, the file's driver.
    expect(parseConfig({ file: sqlite, env: {}, flags: {} }).config.storage).toMatchObject({
      driver: 'sqlite',
      url: null,
    });
  });
});
