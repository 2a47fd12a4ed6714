import { describe, expect, it } from 'vitest';
import { parseLabels } from '../../../src/web/state/labels.js';

describe('parseLabels', () => {
  it('reads key=value lines, trimming and skipping blank lines', () => {
    expect(parseLabels('team=core\n\n  env = prod \nnote=a=b')).toEqual({
      labels: { team: 'core', env: 'prod', note: 'a=b' },
      errors: [],
    });
    expect(parseLabels('')).toEqual({ labels: {}, errors: [] });
  });

  it('says which line is wrong', () => {
    const { errors } = parseLabels(
      `ok=1\nnoequals\n=empty\nok=2\n${'k'.repeat(129)}=v\nv=${'x'.repeat(513)}`,
    );
    expect(errors).toEqual([
      'line 2: write key=value',
      'line 3: the key is empty',
      'line 4: "ok" is given twice',
      'line 5: the key is longer than 128 characters',
      'line 6: the value is longer than 512 characters',
    ]);
  });
});
