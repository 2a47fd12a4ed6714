import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadProject } from '../../src/config/load-project.js';
import { billionLaughs } from '../helpers/pipeline-fixtures.js';
import { tempProject, yaml } from '../helpers/tmp.js';

const GOOD = 'kind: WavePipeline\nsteps:\n  - { id: hi, type: command, script: echo hi }\n';

function load(files: Record<string, string | Buffer>) {
  const root = tempProject(files as Record<string, string>);
  return { root, project: loadProject({ cwd: root, env: {}, lenient: true }) };
}

describe('hostile YAML', () => {
  it('a billion-laughs file is one positioned error of that file; the others still load', () => {
    const { root, project } = load({
      '.wave/pipelines/laughs.yaml': billionLaughs(),
      '.wave/pipelines/good.yaml': GOOD,
    });
    const bad = project.pipeline('laughs')!;
    expect(bad.spec).toBeNull();
    const errors = bad.diagnostics.filter((d) => d.severity === 'error');
    expect(errors).toHaveLength(1);
    // Line 7 is `a4`, whose aliases of a3 (1,111 values each) first pass the 10,000 allowed.
    expect(errors[0]).toMatchObject({
      file: join(root, '.wave/pipelines/laughs.yaml'),
      line: 7,
      path: '',
      message: expect.stringMatching(/^YAML: aliases expand to more than 10000 values \(at \*a3\)/),
    });
    expect(project.pipeline('good')!.spec?.steps.map((s) => s.id)).toEqual(['hi']);
  });

  it('an alias without its anchor, or inside the value it names, is a positioned error', () => {
    const { project } = load({
      '.wave/pipelines/unknown.yaml': 'kind: WavePipeline\nsteps:\n  - *nowhere\n',
      '.wave/pipelines/loop.yaml': 'kind: WavePipeline\nx: &me\n  - [1, *me]\nsteps: []\n',
    });
    expect(project.pipeline('unknown')!.diagnostics).toEqual([
      expect.objectContaining({ line: 3, message: 'YAML: alias *nowhere has no anchor &nowhere before it' }),
    ]);
    expect(project.pipeline('loop')!.diagnostics).toEqual([
      expect.objectContaining({ line: 3, message: 'YAML: alias *me is inside the value it refers to' }),
    ]);
  });

  it('an anchor reused many times is fine (the library alone would refuse past 100 uses)', () => {
    const steps = Array.from(
      { length: 150 },
      (_, i) => `  - id: s${i}\n    type: command\n    script: *cmd\n    timeout_minutes: *t`,
    );
    const { project } = load({
      '.wave/pipelines/reuse.yaml': `kind: WavePipeline\ncommon:\n  - &cmd echo same\n  - &t 5\nsteps:\n${steps.join('\n')}\n`,
    });
    const entry = project.pipeline('reuse')!;
    // `common` is not a pipeline field: the only error, and no alias error.
    expect(entry.diagnostics.filter((d) => d.severity === 'error').map((d) => d.path)).toEqual(['common']);
  });

  it('a binary or non-UTF-8 pipeline file is "not a text file", its bytes echoed nowhere', () => {
    const { project } = load({
      '.wave/pipelines/nul.yaml': Buffer.from('kind: WavePipeline\u0000\u0001\u0002secret\n'),
      '.wave/pipelines/latin1.yaml': Buffer.from([0x6b, 0x69, 0x6e, 0x64, 0x3a, 0x20, 0xe9, 0xff, 0x0a]),
      '.wave/pipelines/good.yaml': GOOD,
    });
    for (const name of ['nul', 'latin1']) {
      const entry = project.pipeline(name)!;
      expect(entry.spec, name).toBeNull();
      expect(entry.text, name).toBe('');
      expect(
        entry.diagnostics.map((d) => [d.line, d.message]),
        name,
      ).toEqual([[null, 'not a text file']]);
    }
    expect(project.pipeline('good')!.spec).not.toBeNull();
  });

  it('a binary prompt or schema file is reported as such, not quoted', () => {
    const { project } = load({
      '.wave/personas/p.md': '# P\n',
      '.wave/prompts/bin.md': Buffer.from('\u0000\u0001secret'),
      '.wave/contracts/bin.json': Buffer.from('{"\u0000secret": 1}'),
      '.wave/pipelines/p.yaml': yaml`
        kind: WavePipeline
        steps:
          - id: a
            persona: p
            exec: { type: prompt, source_path: .wave/prompts/bin.md }
            output_artifacts: [{ name: o, path: o.json }]
            handover:
              contract: { type: json_schema, schema_path: .wave/contracts/bin.json }
      `,
    });
    const messages = project.pipeline('p')!.diagnostics.map((d) => d.message);
    expect(messages).toEqual([
      expect.stringMatching(/bin\.md: not a text file$/),
      expect.stringMatching(/bin\.json: not a text file$/),
    ]);
    for (const m of messages) expect(m).not.toContain('secret');
  });
});
