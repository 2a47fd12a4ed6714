import { describe, expect, it } from 'vitest';
import { loadProject } from '../../src/config/load-project.js';
import { silentLogger } from '../../src/logger.js';
import { createContext } from '../../src/service/context.js';
import { tempProject } from '../helpers/tmp.js';

const project = (driver: string) =>
  loadProject({ cwd: tempProject({ 'wave.yaml': `storage:\n  driver: ${driver}\n` }), env: {}, flags: {} });

describe('storage.driver', () => {
  it('knows sqlite and postgres; any other name is a configuration error', () => {
    expect(project('sqlite').config.storage.driver).toBe('sqlite');
    expect(project('postgres').config.storage.driver).toBe('postgres');
    expect(() => project('mysql')).toThrow(/driver/);
  });

  it('postgres without a URL is refused clearly, never silently served by SQLite', async () => {
    await expect(createContext(project('postgres'), silentLogger)).rejects.toMatchObject({
      code: 'invalid_config',
      message: expect.stringMatching(/postgres needs the database: set storage\.url/),
    });
  });
});
