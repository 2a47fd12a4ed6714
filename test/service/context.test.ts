import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { loadProject } from '../../src/config/load-project.js';
import { silentLogger } from '../../src/logger.js';
import { createContext } from '../../src/service/context.js';
import { tempProject } from '../helpers/tmp.js';

describe('createContext', () => {
  it('close() releases the scheduler, then the supervisor, then the store', async () => {
    const ctx = await createContext(loadProject({ cwd: tempProject({}), env: {} }), silentLogger);
    const order: string[] = [];
    vi.spyOn(ctx.scheduler, 'stop').mockImplementation(async () => void order.push('scheduler'));
    vi.spyOn(ctx.supervisor, 'stop').mockImplementation(async () => void order.push('supervisor'));
    const closeStore = ctx.store.close.bind(ctx.store);
    vi.spyOn(ctx.store, 'close').mockImplementation(async () => {
      order.push('store');
      await closeStore();
    });
    await ctx.close();
    expect(order).toEqual(['scheduler', 'supervisor', 'store']);
    // Released once: a second close has nothing left to release.
    await ctx.close();
    expect(order).toHaveLength(3);
  });

  it('refuses a storage driver it does not know, naming it, before anything is opened', async () => {
    const root = tempProject({});
    const project = loadProject({ cwd: root, env: {} });
    const config = { ...project.config, storage: { ...project.config.storage, driver: 'mysql' } };
    const withDriver = Object.create(project, { config: { value: config } });
    await expect(
      createContext(withDriver, silentLogger, { storePath: join(root, 'x.db') }),
    ).rejects.toMatchObject({
      code: 'invalid_config',
      message: expect.stringContaining('"mysql"'),
    });
  });
});
