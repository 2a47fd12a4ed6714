import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mergeArrays } from '../../src/engine/composition/aggregate.js';
import {
  ArtifactScope,
  resolveItem,
  resolvePlaceholders,
  resolveStepRefs,
} from '../../src/engine/composition/refs.js';
import type { RunContext } from '../../src/engine/context.js';
import { newRun, openStore, pipelineSpec, stepSpec } from '../helpers/store.js';
import { tempDir } from '../helpers/tmp.js';

/** A run whose steps wrote the given artifacts (name → content), in a real store. */
async function scopeWith(artifacts: { step: string; name: string; content: string }[]) {
  const store = openStore();
  const dir = tempDir();
  const spec = pipelineSpec('p', [stepSpec('scope'), stepSpec('fetch.pr')]);
  const { run } = await store.createRun(newRun({ spec, pipeline: 'p' }));
  for (const [i, a] of artifacts.entries()) {
    const path = join(dir, `${i}-${a.name}`);
    writeFileSync(path, a.content);
    await store.append(
      run.id,
      [
        {
          type: 'artifact_written',
          run_id: run.id,
          step: a.step,
          name: a.name,
          size: a.content.length,
          sha256: 'x',
        },
      ],
      { artifacts: [{ step: a.step, name: a.name, path, type: 'json' }] },
    );
  }
  return new ArtifactScope({ run, store } as unknown as RunContext);
}

describe('engine C: step output references', () => {
  it('reads <step>.out.<artifact>[.<path>] and the legacy <step>.output[.<path>]; leaves unknown ones', async () => {
    const scope = await scopeWith([
      { step: 'scope', name: 'plan', content: '{"title":"t"}' },
      { step: 'scope', name: 'issues.v2', content: '{"created_issues":[{"number":7}],"count":2}' },
      { step: 'fetch.pr', name: 'pr-context', content: '{"changed_files":["a.ts"]}' },
    ]);
    const r = (t: string) => resolveStepRefs(t, scope);
    // Names with dots: the longest artifact name the reference starts with.
    expect(await r('{{ scope.out.issues.v2.created_issues }}')).toBe('[{"number":7}]');
    expect(await r('{{ scope.out.issues.v2.count }}')).toBe('2');
    expect(await r('{{fetch.pr.out.pr-context.changed_files}}')).toBe('["a.ts"]');
    // Legacy: the first artifact, or with a path the first that has it.
    expect(await r('{{ fetch.pr.output }}')).toBe('{"changed_files":["a.ts"]}');
    expect(await r('{{ scope.output.created_issues }}')).toBe('[{"number":7}]');
    expect(await r('x {{ scope.out.missing }} {{ nope.output }} {{ input }}')).toBe(
      'x {{ scope.out.missing }} {{ nope.output }} {{ input }}',
    );
  });
});

describe('engines B and A', () => {
  it('item, item.<path> (numbers whole, objects as JSON) and iteration; unknown names stay', () => {
    const item = { number: 42, repo: { name: 'wave' }, tags: ['a'] };
    expect(resolveItem('{{ item.number }} {{item.repo.name}} {{ item.tags }} {{ iteration }}', item, 3)).toBe(
      '42 wave ["a"] 3',
    );
    expect(resolveItem('{{ item }}', 'audit-security', 0)).toBe('audit-security');
    expect(resolveItem('{{ item }}', item, 0)).toBe(JSON.stringify(item));
    expect(resolveItem('{{ item.absent }} {{ input }}', item, 0)).toBe('{{ item.absent }} {{ input }}');
    expect(
      resolvePlaceholders('{{ env.profile }}/{{ input }}/{{ other }}', { 'env.profile': 'core', input: 'i' }),
    ).toBe('core/i/{{ other }}');
  });
});

describe('aggregate merge_arrays', () => {
  it('flattens arrays and drops nulls, keeps other elements; with no array element the input is unchanged', () => {
    expect(JSON.parse(mergeArrays('[[1,2],null,[3],{"a":1}]', null) as string)).toEqual([1, 2, 3, { a: 1 }]);
    const objects = '[{"findings":[1]},null]';
    expect(mergeArrays(objects, null)).toBe(objects);
  });

  it('with a key, concatenates the arrays at it; a missing key or a non-array is an error', () => {
    expect(JSON.parse(mergeArrays('[{"f":[1]},{"f":[2,3]}]', 'f') as string)).toEqual([1, 2, 3]);
    expect(mergeArrays('[{"f":[1]},{"g":[2]}]', 'f')).toMatchObject({
      message: expect.stringContaining('element 1'),
    });
    expect(mergeArrays('{"f":[1]}', null)).toMatchObject({
      message: expect.stringContaining('not a JSON array'),
    });
    expect(mergeArrays('{{ x.out.y }}', null)).toMatchObject({
      message: expect.stringContaining('not JSON'),
    });
  });
});
