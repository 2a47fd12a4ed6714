import type { formatKind } from '../contracts/format.js';

/**
 * What the mock adapter writes for a `format` contract: a JSON object that follows the rules
 * of its kind (GOWAVE.md §7), so a rehearsal with --mock passes it.
 */
export function formatSample(kind: ReturnType<typeof formatKind>): Record<string, unknown> {
  switch (kind) {
    case 'issue':
      return {
        title: 'Mock issue written by the mock adapter',
        body: '## Description\n\nA mock issue body, long enough to pass.\n\n## Acceptance Criteria\n\n- it passes\n',
        labels: ['mock'],
      };
    case 'pr':
      return {
        title: 'chore(mock): mock pull request',
        body: '## Summary\n\nA mock pull request written by the mock adapter.\n\n## Changes\n\n- none\n\n## Testing\n\n- [x] mock\n\nRelated to #1\n',
        head: 'mock-branch',
        base: 'main',
      };
    case 'implementation':
      return {
        files_changed: ['mock.txt'],
        tests_passed: true,
        implementation_notes: 'Written by the mock adapter.',
      };
    case 'analysis':
      return { summary: 'A mock analysis written by the mock adapter.' };
    default:
      return { mock: true };
  }
}
