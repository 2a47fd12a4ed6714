import { describe, expect, it } from 'vitest';
import { loadProject } from '../../src/config/load-project.js';
import type { Diagnostic } from '../../src/pipeline/diagnostics.js';
import { compositionFiles } from '../helpers/composition-fixtures.js';
import { tempProject, yaml } from '../helpers/tmp.js';

function diagnosticsOf(pipeline: string): Diagnostic[] {
  const root = tempProject({
    '.wave/personas/navigator.md': '# Navigator\n',
    '.wave/pipelines/p.yaml': pipeline,
  });
  return loadProject({ cwd: root, env: {}, lenient: true }).pipeline('p')!.diagnostics;
}

const errors = (list: Diagnostic[]) =>
  list.filter((d) => d.severity === 'error').map((d) => [d.line, d.path, d.message]);

describe('composition steps load and validate', () => {
  it('every composition fixture loads without a diagnostic, with its kind', () => {
    const project = loadProject({ cwd: tempProject(compositionFiles()), env: {}, lenient: true });
    for (const name of [
      'sub',
      'fanout',
      'partial',
      'failing',
      'pick',
      'again',
      'stopper',
      'cycles',
      'late',
    ]) {
      const entry = project.pipeline(name)!;
      expect(entry.diagnostics, name).toEqual([]);
    }
    const kinds = (name: string) => project.pipeline(name)!.spec!.steps.map((s) => s.kind);
    expect(kinds('sub')).toEqual(['command', 'pipeline', 'command']);
    expect(kinds('fanout')).toEqual(['iterate', 'aggregate']);
    expect(kinds('pick')).toEqual(['branch']);
    expect(kinds('again')).toEqual(['command', 'loop']);
  });

  it('reports what a schema cannot: self-nesting, empty branches, iterate without pipeline, an unknown pipeline, input_ref', () => {
    const list = diagnosticsOf(yaml`
      kind: WavePipeline
      metadata: { name: p }
      steps:
        - id: me
          pipeline: p
        - id: pick
          branch: { on: "{{ input }}", cases: {} }
        - id: each
          iterate: { over: "[]" }
        - id: ref
          pipeline: other
          input_ref: { from: me.x, literal: y }
    `);
    expect(errors(list)).toEqual([
      [5, 'steps[0].pipeline', expect.stringContaining('runs itself')],
      [7, 'steps[1].branch.cases', expect.stringContaining('at least one case')],
      [9, 'steps[2].iterate', expect.stringContaining('needs `pipeline`')],
      [11, 'steps[3].pipeline', 'no pipeline named "other"'],
      [12, 'steps[3].input_ref', expect.stringContaining('exactly one of')],
    ]);
  });

  it("checks a loop's steps like a pipeline's, with positions inside the loop; outer steps count as known", () => {
    const list = diagnosticsOf(yaml`
      kind: WavePipeline
      steps:
        - id: outer
          type: command
          script: "true"
        - id: cyc
          dependencies: [outer]
          loop:
            max_iterations: 2
            steps:
              - id: a
                dependencies: [outer]
                persona: nobody
                exec: { type: prompt, source: "hi {{ nope }}" }
              - id: b
                dependencies: [a, ghost]
                type: command
                script: "echo {{ iteration }}"
    `);
    expect(errors(list)).toEqual([
      [13, 'steps[1].loop.steps[0].persona', 'unknown persona "nobody"'],
      [14, 'steps[1].loop.steps[0].exec.source', expect.stringContaining('"nope"')],
      [16, 'steps[1].loop.steps[1].dependencies[1]', 'unknown step "ghost"'],
    ]);
  });

  it('child runs that would nest past 10 levels through fixed names are a validation error', () => {
    const sub = (name: string, child: string) =>
      `kind: WavePipeline\nsteps:\n  - id: go\n    pipeline: ${child}\n    input: ${name}\n`;
    const chain: Record<string, string> = {};
    for (let i = 0; i < 11; i++) chain[`.wave/pipelines/c${i}.yaml`] = sub(`c${i}`, `c${i + 1}`);
    chain['.wave/pipelines/c11.yaml'] = 'kind: WavePipeline\nsteps:\n  - id: end\n    script: "true"\n';
    const project = loadProject({
      cwd: tempProject({
        ...chain,
        '.wave/pipelines/ping.yaml': sub('ping', 'pong'),
        '.wave/pipelines/pong.yaml': sub('pong', 'ping'),
      }),
      env: {},
      lenient: true,
    });
    expect(errors(project.pipeline('ping')!.diagnostics)).toEqual([
      [4, 'steps[0].pipeline', expect.stringContaining('ping → pong → ping')],
    ]);
    expect(errors(project.pipeline('c0')!.diagnostics)).toEqual([
      [4, 'steps[0].pipeline', expect.stringContaining('c0 → c1 → c2')],
    ]);
    // Ten levels below c1 are fine.
    expect(project.pipeline('c1')!.diagnostics).toEqual([]);
  });
});
