import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadProject } from '../../src/config/load-project.js';
import type { Diagnostic } from '../../src/pipeline/diagnostics.js';
import { formatDiagnostic } from '../../src/pipeline/diagnostics.js';
import { tempProject, yaml } from '../helpers/tmp.js';

const PERSONAS = {
  '.wave/personas/navigator.md': '# Navigator\n',
  '.wave/personas/craftsman.md': '# Craftsman\n',
};

function diagnosticsOf(
  pipeline: string,
  extra: Record<string, string> = {},
): { list: Diagnostic[]; file: string } {
  const root = tempProject({ ...PERSONAS, '.wave/pipelines/p.yaml': pipeline, ...extra });
  const project = loadProject({ cwd: root, env: {}, lenient: true });
  const entry = project.pipeline('p')!;
  return { list: entry.diagnostics, file: join(root, '.wave/pipelines/p.yaml') };
}

function only(list: Diagnostic[], severity: Diagnostic['severity'] = 'error'): Diagnostic[] {
  return list.filter((d) => d.severity === severity);
}

describe('pipeline errors carry file, line, field path and a hint', () => {
  it('reports a YAML syntax error with its line', () => {
    const { list, file } = diagnosticsOf(yaml`
      kind: WavePipeline
      steps:
        - id: a
          script: "unterminated
    `);
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ file, severity: 'error' });
    expect(list[0]!.line).toBeGreaterThanOrEqual(4);
    expect(list[0]!.message).toMatch(/YAML syntax/);
  });

  it('names an unknown field with "did you mean"', () => {
    const { list, file } = diagnosticsOf(yaml`
      kind: WavePipeline
      steps:
        - id: build
          type: command
          script: make
          dependecies: []
    `);
    expect(only(list)).toEqual([
      {
        severity: 'error',
        file,
        line: 6,
        path: 'steps[0].dependecies',
        message: 'unknown field "dependecies"',
        hint: 'did you mean "dependencies"?',
      },
    ]);
  });

  it('formats as file:line path: message (hint), as PIPELINES.md shows', () => {
    const { list, file } = diagnosticsOf(yaml`
      kind: WavePipeline
      steps:
        - id: build
          type: command
          script: make
        - id: ship
          type: command
          dependencies: [biuld]
          script: ./ship
    `);
    expect(only(list).map(formatDiagnostic)).toEqual([
      `${file}:8 steps[1].dependencies[0]: unknown step "biuld" (did you mean "build"?)`,
    ]);
  });

  it('reports duplicate ids at the second one, naming the first line', () => {
    const { list } = diagnosticsOf(yaml`
      kind: WavePipeline
      steps:
        - id: a
          script: "true"
        - id: a
          script: "true"
    `);
    expect(only(list)).toMatchObject([
      { line: 5, path: 'steps[1].id', message: 'duplicate step id "a" (first defined at line 3)' },
    ]);
  });

  it('prints a dependency cycle', () => {
    const { list } = diagnosticsOf(yaml`
      kind: WavePipeline
      steps:
        - id: a
          dependencies: [c]
          script: "true"
        - id: b
          dependencies: [a]
          script: "true"
        - id: c
          dependencies: [b]
          script: "true"
    `);
    const errors = only(list);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ line: 4, path: 'steps[0].dependencies' });
    expect(errors[0]!.message).toBe('dependency cycle: a → c → b → a (each step depends on the next)');
  });

  it('names an unknown persona and an unknown adapter with suggestions', () => {
    const { list } = diagnosticsOf(yaml`
      kind: WavePipeline
      steps:
        - id: plan
          persona: navigater
          exec: { type: prompt, source: "plan it" }
        - id: impl
          persona: craftsman
          adapter: claud
          exec: { type: prompt, source: "do it" }
    `);
    expect(only(list)).toMatchObject([
      {
        line: 4,
        path: 'steps[0].persona',
        message: 'unknown persona "navigater"',
        hint: 'did you mean "navigator"?',
      },
      {
        line: 8,
        path: 'steps[1].adapter',
        message: 'unknown adapter "claud"',
        hint: 'did you mean "claude"?',
      },
    ]);
  });

  it('rejects unknown template names in every templated field', () => {
    const { list } = diagnosticsOf(
      yaml`
      kind: WavePipeline
      steps:
        - id: ask
          gate: { prompt: "ok for {{ inptu }}?" }
        - id: run
          dependencies: [ask]
          type: command
          script: echo {{ project.tset_command }} {{ gate.ask.choice }} {{ gate.nope.text }}
          handover:
            contract: { type: test_suite, command: "{{ artifacts.report }}" }
    `,
      { 'wave.yaml': 'project: { test_command: make test }\n' },
    );
    expect(only(list)).toMatchObject([
      {
        line: 4,
        path: 'steps[0].gate.prompt',
        message: 'unknown template name "inptu"',
        hint: 'did you mean "input"?',
      },
      {
        line: 8,
        path: 'steps[1].script',
        message: 'unknown template name "project.tset_command": wave.yaml has no project.tset_command',
        hint: 'did you mean "project.test_command"?',
      },
      {
        line: 8,
        path: 'steps[1].script',
        message: 'unknown template name "gate.nope.text": "nope" is not a gate this step depends on',
      },
      {
        line: 10,
        path: 'steps[1].handover.contract.command',
        message: expect.stringContaining('no injected artifact is named "report"'),
      },
    ]);
  });

  it('reports missing schema_path and source_path files', () => {
    const { list } = diagnosticsOf(yaml`
      kind: WavePipeline
      steps:
        - id: plan
          persona: navigator
          exec: { type: prompt, source_path: .wave/prompts/plan.md }
          output_artifacts: [ { name: plan, path: plan.json, type: json } ]
          handover:
            contract: { type: json_schema, schema_path: .wave/contracts/plan.schema.json }
    `);
    const errors = only(list);
    expect(errors).toMatchObject([
      {
        line: 5,
        path: 'steps[0].exec.source_path',
        message: expect.stringMatching(/^file not found: .*\/\.wave\/prompts\/plan\.md$/),
      },
      {
        line: 8,
        path: 'steps[0].handover.contract.schema_path',
        message: expect.stringMatching(/^file not found: .*plan\.schema\.json$/),
      },
    ]);
  });

  it('checks gate choices: unique keys, default among them, known targets', () => {
    const { list } = diagnosticsOf(yaml`
      kind: WavePipeline
      steps:
        - id: ask
          gate:
            prompt: Go?
            choices:
              - { key: y, label: Yes }
              - { key: y, label: Yes again, target: nxt }
            default: n
        - id: next
          dependencies: [ask]
          script: "true"
    `);
    expect(only(list)).toMatchObject([
      { line: 8, path: 'steps[0].gate.choices[1].key', message: 'duplicate choice key "y"' },
      {
        line: 8,
        path: 'steps[0].gate.choices[1].target',
        message: 'unknown target "nxt": use "_fail" or a step id',
        hint: 'did you mean "next"?',
      },
      { line: 9, path: 'steps[0].gate.default', message: 'default "n" is not one of the choices (y)' },
    ]);
  });

  it('suggests the closest value of an enum', () => {
    const { list } = diagnosticsOf(yaml`
      kind: WavePipeline
      steps:
        - id: a
          type: command
          script: "true"
          workspace: { type: worktre }
    `);
    expect(only(list)).toMatchObject([
      {
        line: 6,
        path: 'steps[0].workspace.type',
        message: 'string "worktre" is not allowed; expected one of: fresh, project, worktree',
        hint: 'did you mean "worktree"?',
      },
    ]);
  });

  it('reports every error of a file, not only the first', () => {
    const { list } = diagnosticsOf(yaml`
      kind: WavePipeline
      steps:
        - id: a
          persona: nobody
          exec: { type: prompt, source: "{{ nothing }}" }
        - id: b
          dependencies: [zzz]
          script: "true"
        - id: b
          script: "true"
    `);
    expect(only(list).map((d) => d.path)).toEqual([
      'steps[0].persona',
      'steps[0].exec.source',
      'steps[1].dependencies[0]',
      'steps[2].id',
    ]);
  });

  it('reports schema errors of several steps at once', () => {
    const { list } = diagnosticsOf(yaml`
      kind: WavePipeline
      steps:
        - id: a
          script: "true"
          timeout_minutes: soon
        - id: b
          script: "true"
          retry: { policy: sometimes }
    `);
    expect(only(list)).toMatchObject([
      { line: 5, path: 'steps[0].timeout_minutes', message: 'expected number, got string "soon"' },
      { line: 8, path: 'steps[1].retry.policy' },
    ]);
  });

  it('requires something to run in each step', () => {
    const { list } = diagnosticsOf(yaml`
      kind: WavePipeline
      steps:
        - id: empty
          description: does nothing
    `);
    expect(only(list)).toMatchObject([
      { line: 3, path: 'steps[0]', message: expect.stringContaining('nothing to run') },
    ]);
  });

  it('checks injected artifacts against the producing step', () => {
    const { list } = diagnosticsOf(yaml`
      kind: WavePipeline
      steps:
        - id: a
          script: echo hi > out.txt
          output_artifacts: [ { name: out, path: out.txt } ]
        - id: b
          dependencies: [a]
          script: cat {{ artifacts.o }}
          memory: { inject_artifacts: [ { step: a, artifact: ot, as: o } ] }
    `);
    expect(only(list)).toMatchObject([
      {
        line: 9,
        path: 'steps[1].memory.inject_artifacts[0].artifact',
        message: 'step "a" has no output artifact "ot"',
        hint: 'did you mean "out"?',
      },
    ]);
  });
});

describe('Go Wave fields that Wave does not support', () => {
  it('names each unsupported field as such', () => {
    const { list } = diagnosticsOf(yaml`
      kind: WavePipeline
      steps:
        - id: c
          type: conditional
          edges: [ { target: a } ]
    `);
    // A step left with nothing to run once its field is taken out is reported too; not here.
    const errors = only(list).filter((e) => /not supported yet/.test(e.message));
    expect(errors.map((d) => [d.line, d.path])).toEqual([
      [4, 'steps[0].type'],
      [5, 'steps[0].edges'],
    ]);
  });

  it('reports accepted-but-ignored fields as ignored and still loads the pipeline', () => {
    const root = tempProject({
      ...PERSONAS,
      '.wave/pipelines/p.yaml': yaml`
        kind: WavePipeline
        skills: [gh-cli]
        requires: { tools: [bash], skills: [x] }
        steps:
          - id: a
            persona: navigator
            thread: t1
            fidelity: full
            max_concurrent_agents: 3
            exec: { type: prompt, source: hi }
            handover:
              compaction: { trigger: "token_limit_80%" }
      `,
    });
    const entry = loadProject({ cwd: root, env: {} }).pipeline('p')!;
    expect(only(entry.diagnostics)).toEqual([]);
    expect(only(entry.diagnostics, 'warning')).toEqual([]);
    expect(only(entry.diagnostics, 'ignored').map((d) => [d.line, d.path])).toEqual([
      [2, 'skills'],
      [3, 'requires.skills'],
      [8, 'steps[0].fidelity'],
      [9, 'steps[0].max_concurrent_agents'],
      [12, 'steps[0].handover.compaction'],
    ]);
    expect(entry.spec).not.toBeNull();
    expect(entry.spec!.requiresTools).toEqual(['bash']);
  });
});
