import { describe, expect, it } from 'vitest';
import { diffStat } from '../../src/util/diff-stat.js';

describe('diffStat', () => {
  it('counts hunk lines only, even those that look like headers; renames, binaries, no newline', () => {
    const diff = [
      'diff --git a/notes.md b/notes.md',
      'index 1111111..2222222 100644',
      '--- a/notes.md',
      '+++ b/notes.md',
      '@@ -1,3 +1,3 @@',
      ' keep',
      '--- a rule that was removed',
      '+++ a rule that was added',
      '-last',
      '\\ No newline at end of file',
      '+last',
      'diff --git a/old name.txt b/new name.txt',
      'similarity index 90%',
      'rename from old name.txt',
      'rename to new name.txt',
      '--- a/old name.txt',
      '+++ b/new name.txt',
      '@@ -1 +1 @@',
      '-x',
      '+y',
      'diff --git a/logo.png b/logo.png',
      'new file mode 100644',
      'index 0000000..3333333',
      'Binary files /dev/null and b/logo.png differ',
      '',
    ].join('\n');
    expect(diffStat(diff)).toEqual({
      files: [
        { path: 'notes.md', added: 2, removed: 2, status: 'modified' },
        { path: 'new name.txt', added: 1, removed: 1, status: 'renamed' },
        { path: 'logo.png', added: 0, removed: 0, status: 'added' },
      ],
      added: 3,
      removed: 3,
    });
  });

  it('an empty diff has no files', () => {
    expect(diffStat('')).toEqual({ files: [], added: 0, removed: 0 });
  });
});
