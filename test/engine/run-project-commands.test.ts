import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectWellFormed, harness, ofType } from '../helpers/engine-harness.js';
import { yaml } from '../helpers/tmp.js';

/** wave.yaml's project commands: one that prints two lines, one that fails. */
const MANIFEST = yaml`
  kind: WaveManifest
  project:
    test_command: "echo first && echo second"
    build_command: "exit 3"
`;

const PIPELINE = yaml`
  kind: WavePipeline
  steps:
    - id: check
      type: command
      script: |
        { {{ project.test_command }}; } > ran.txt
        echo '{{ project.test_command }}' > text.txt
      output_artifacts:
        - { name: ran, path: ran.txt }
        - { name: text, path: text.txt }
    - id: build
      type: command
      dependencies: [check]
      script: "{{ project.build_command }}"
`;

describe("wave.yaml's project commands in command scripts", () => {
  it('run as commands where they stand bare, and stay text inside quotes', async () => {
    const h = await harness({ 'wave.yaml': MANIFEST, '.wave/pipelines/p.yaml': PIPELINE });
    const f = await h.run('p');
    expectWellFormed(f);
    const check = f.detail.steps!.find((s) => s.id === 'check')!;
    expect(check.status).toBe('completed');
    const file = (name: string) =>
      readFileSync(join(h.root, '.wave/artifacts', f.run.id, 'check', name), 'utf8');
    // `&&` worked as shell syntax: both commands ran, and only their output is in the file.
    expect(file('ran')).toBe('first\nsecond\n');
    expect(file('text')).toBe('echo first && echo second\n');
    // Not under --mock: the failing build command fails its step and the run.
    expect(f.result.status).toBe('failed');
    expect(f.detail.steps!.find((s) => s.id === 'build')!.status).toBe('failed');
  });

  it('are rehearsed as `true` under --mock, saying so in the step output', async () => {
    const h = await harness({ 'wave.yaml': MANIFEST, '.wave/pipelines/p.yaml': PIPELINE });
    const f = await h.run('p', { mock: true });
    expectWellFormed(f);
    expect(f.result.status).toBe('completed');
    const notes = ofType(f.events, 'stream_activity')
      .filter((e) => e.content.startsWith('--mock:'))
      .map((e) => [e.step, e.content]);
    expect(notes).toEqual([
      ['check', expect.stringContaining('{{ project.test_command }} rehearsed as `true`')],
      ['build', expect.stringContaining('{{ project.build_command }} rehearsed as `true`')],
    ]);
  });
});
