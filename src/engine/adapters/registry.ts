import { basename } from 'node:path';
import type { AdapterConfig } from '../../config/manifest-schema.js';
import { claudeAdapter } from './claude.js';
import { cliAdapter } from './cli.js';
import { mockAdapter } from './mock.js';
import type { Adapter } from './types.js';

/**
 * The adapter that runs prompt steps for adapter `name`: the mock with `--mock` (or when it is
 * named `mock`); otherwise decided by `output_format`, and without one by the binary's name.
 */
export function createAdapter(
  name: string,
  config: AdapterConfig | undefined,
  opts: { mock: boolean },
): Adapter {
  if (opts.mock || name === 'mock') return mockAdapter;
  switch (config?.output_format) {
    case 'stream-json':
    case 'json':
      return claudeAdapter;
    case 'text':
      return cliAdapter;
    default:
      return basename(config?.binary ?? name) === 'claude' ? claudeAdapter : cliAdapter;
  }
}
