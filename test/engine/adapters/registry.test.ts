import { describe, expect, it } from 'vitest';
import { claudeAdapter } from '../../../src/engine/adapters/claude.js';
import { cliAdapter } from '../../../src/engine/adapters/cli.js';
import { mockAdapter } from '../../../src/engine/adapters/mock.js';
import { createAdapter } from '../../../src/engine/adapters/registry.js';

describe('createAdapter', () => {
  it('uses the mock with --mock, whatever the adapter', () => {
    expect(createAdapter('claude', { binary: 'claude', output_format: 'stream-json' }, { mock: true })).toBe(
      mockAdapter,
    );
    expect(createAdapter('mock', undefined, { mock: false })).toBe(mockAdapter);
  });

  it.each([
    ['stream-json', 'my-agent', claudeAdapter],
    ['json', 'claude-wrapper', claudeAdapter],
    ['text', 'claude', cliAdapter],
  ] as const)('output_format %s → by format', (output_format, binary, expected) => {
    expect(createAdapter('agent', { binary, output_format }, { mock: false })).toBe(expected);
  });

  it('decides by the binary name when output_format is unset', () => {
    expect(createAdapter('opus', { binary: '/usr/local/bin/claude' }, { mock: false })).toBe(claudeAdapter);
    expect(createAdapter('codex', { binary: 'codex' }, { mock: false })).toBe(cliAdapter);
    expect(createAdapter('claude', undefined, { mock: false })).toBe(claudeAdapter);
    expect(createAdapter('gemini', undefined, { mock: false })).toBe(cliAdapter);
  });
});
