import { describe, expect, it } from 'vitest';
import { loadProject } from '../../src/config/load-project.js';
import { tempProject } from '../helpers/tmp.js';

describe('built-in examples in config/', () => {
  const project = loadProject({ cwd: tempProject({}), env: {} });

  it('has no manifest or persona diagnostics', () => {
    expect(project.diagnostics).toEqual([]);
  });

  for (const name of ['hello', 'ci', 'plan-implement-review']) {
    it(`${name} validates without errors or warnings`, () => {
      const entry = project.pipeline(name)!;
      expect(entry.diagnostics).toEqual([]);
      expect(entry.spec).not.toBeNull();
    });
  }

  it('covers what the examples promise', () => {
    const ci = project.pipeline('ci')!.spec!;
    expect(ci.steps.map((s) => [s.id, s.kind])).toEqual([
      ['lint', 'command'],
      ['test', 'command'],
      ['build', 'command'],
      ['approve-release', 'gate'],
      ['release', 'command'],
    ]);
    expect(ci.steps.filter((s) => s.kind === 'command').every((s) => s.workspace.type === 'project')).toBe(
      true,
    );
    const pir = project.pipeline('plan-implement-review')!.spec!;
    expect(pir.steps.map((s) => s.persona)).toEqual(['navigator', 'craftsman', 'reviewer']);
    expect(pir.steps.flatMap((s) => s.contracts.map((c) => c.type))).toEqual([
      'json_schema',
      'test_suite',
      'markdown_spec',
    ]);
    expect(pir.steps.every((s) => project.personas.personas.get(s.persona!)!.adapter === 'claude')).toBe(
      true,
    );
    expect(project.pipeline('hello')!.spec!.steps.every((s) => s.kind === 'command')).toBe(true);
  });
});
