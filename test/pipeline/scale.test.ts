import { describe, expect, it } from 'vitest';
import { loadProject } from '../../src/config/load-project.js';
import { chainYaml } from '../helpers/pipeline-fixtures.js';
import { tempProject } from '../helpers/tmp.js';

function pipelineOf(text: string) {
  const root = tempProject({ '.wave/pipelines/chain.yaml': text });
  return loadProject({ cwd: root, env: {} }).pipeline('chain')!;
}

describe('validation of big pipelines', () => {
  // It took 73 s (and 1.7 GB) before: quadratic work per step. A generous bound for a loaded machine.
  it('a chain of 5,000 steps validates in well under 20 s', () => {
    const start = performance.now();
    const entry = pipelineOf(chainYaml(5000));
    const ms = performance.now() - start;
    expect(entry.diagnostics).toEqual([]);
    expect(entry.spec?.steps).toHaveLength(5000);
    expect(ms).toBeLessThan(20_000);
  });

  it('finds a cycle closing a 5,000-step chain (no recursion as deep as the chain)', () => {
    const entry = pipelineOf(chainYaml(5000, (i) => (i === 0 ? ['    dependencies: [s4999]'] : [])));
    const errors = entry.diagnostics.filter((d) => d.severity === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]!.path).toBe('steps[0].dependencies');
    expect(errors[0]!.message).toMatch(/^dependency cycle: s0 → s4999 → s4998 → .* → s1 → s0 /);
  });

  it('checks injects and gate templates against every ancestor of a long chain', () => {
    const text = chainYaml(3000, (i) => {
      if (i === 0) return ['    output_artifacts: [{ name: first, path: f.txt }]'];
      if (i === 1) return ['    gate: { prompt: ok? }'];
      if (i === 2999)
        return [
          '    memory: { inject_artifacts: [{ step: s0, artifact: first }] }',
          '    handover: { contract: { type: test_suite, command: "echo {{ gate.s1.choice }}" } }',
        ];
      return [];
    }).replace(/ {2}- id: s1\n {4}type: command\n {4}script: [^\n]*\n/, '  - id: s1\n');
    const entry = pipelineOf(text);
    expect(entry.diagnostics).toEqual([]);

    // The same references from a step that does not depend on s0 and s1 are errors.
    const loose = pipelineOf(
      `${text}  - id: loose\n    type: command\n    script: echo {{ gate.s1.text }}\n    memory: { inject_artifacts: [{ step: s0, artifact: first }] }\n`,
    );
    expect(loose.diagnostics.map((d) => d.message)).toEqual([
      'unknown template name "gate.s1.text": "s1" is not a gate this step depends on',
      'step "s0" is not a dependency of "loose", so its artifacts may not exist yet',
    ]);
  });
});
