import { describe, expect, it } from 'vitest';
import { parseManifest } from '../../src/config/load-manifest.js';
import { parseConfig } from '../../src/config/parse-config.js';
import { AdapterLimits } from '../../src/engine/adapter-limits.js';
import { yaml } from '../helpers/tmp.js';

// wave.yaml adapters.<name>.max_concurrent / rate_limit / retry_on_exit (and the mock's think_time).

describe('adapter limits in wave.yaml', () => {
  it('reads the limits; an entry that only sets limits takes its name as its binary', () => {
    const { diagnostics, manifest } = parseManifest(
      '/p/wave.yaml',
      yaml`
        adapters:
          claude: { max_concurrent: 2, rate_limit: { requests: 50, per: 1m }, retry_on_exit: [75] }
          mock: { max_concurrent: 1, think_time: 250ms }
      `,
      {},
    );
    expect(diagnostics).toEqual([]);
    const { config } = parseConfig({ file: manifest, env: {}, flags: {} });
    expect(config.adapters.claude).toMatchObject({
      binary: 'claude',
      max_concurrent: 2,
      retry_on_exit: [75],
    });
    expect(config.adapters.mock).toMatchObject({ binary: 'mock', think_time: '250ms' });
    const limits = AdapterLimits.fromConfig(config.adapters);
    expect(limits.limited('claude')).toBe(true);
    expect(limits.limited('mock')).toBe(true);
    expect(limits.snapshot()).toEqual([
      { adapter: 'claude', running: 0, waiting: 0 },
      { adapter: 'mock', running: 0, waiting: 0 },
    ]);
  });

  it('refuses a cap below 1 and a rate window of no length, naming the key', () => {
    const { diagnostics } = parseManifest(
      '/p/wave.yaml',
      yaml`
        adapters:
          claude: { max_concurrent: 0, rate_limit: { requests: 5, per: 0s } }
          mock: { think_time: a while }
      `,
      {},
    );
    expect(diagnostics.map((d) => d.path).sort()).toEqual([
      'adapters.claude.max_concurrent',
      'adapters.claude.rate_limit.per',
      'adapters.mock.think_time',
    ]);
    expect(diagnostics.every((d) => d.severity === 'error')).toBe(true);
  });
});
