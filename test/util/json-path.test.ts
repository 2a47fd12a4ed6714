import { describe, expect, it } from 'vitest';
import { jsonPath } from '../../src/util/json-path.js';

describe('jsonPath', () => {
  const data = { a: { b: [{ c: 'x' }, { c: 'y' }] }, n: null };

  it('reads dotted and indexed paths, with or without a leading $ or dot', () => {
    expect(jsonPath(data, 'a.b[1].c')).toBe('y');
    expect(jsonPath(data, '.a.b[0].c')).toBe('x');
    expect(jsonPath(data, '$.a.b[0].c')).toBe('x');
  });

  it('is undefined where the path leaves the data', () => {
    expect(jsonPath(data, 'a.missing.c')).toBeUndefined();
    expect(jsonPath(data, 'n.x')).toBeUndefined();
    expect(jsonPath('text', 'a')).toBeUndefined();
  });
});
