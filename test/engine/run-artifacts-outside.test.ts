import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadProject } from '../../src/config/load-project.js';
import { expectWellFormed, harness, ofType, stepOf } from '../helpers/engine-harness.js';
import { tempProject, yaml } from '../helpers/tmp.js';

describe('artifacts outside the workspace', () => {
  it('a symlink to /etc/passwd fails the step naming the artifact, and nothing is kept', async () => {
    const h = await harness({
      '.wave/pipelines/leak.yaml': yaml`
        kind: WavePipeline
        steps:
          - id: leak
            type: command
            script: |
              ln -s /etc/passwd out.txt
              mkdir -p sub && ln -s "$WAVE_PROJECT_ROOT" sub/up
              printf fine > ok.txt
            output_artifacts:
              - { name: ok, path: ok.txt }
              - { name: passwd, path: out.txt }
              - { name: sneaky, path: sub/up/wave.yaml, required: false }
      `,
    });
    const f = await h.run('leak');
    expectWellFormed(f);
    expect(f.result.status).toBe('failed');
    expect(f.result.error).toMatchObject({ step: 'leak', code: 'artifact_outside_workspace' });
    const error = stepOf(f.detail, 'leak').error!;
    expect(error.message).toContain('passwd (out.txt)');
    expect(error.message).toContain('sneaky (sub/up/wave.yaml)');
    expect(error.message).not.toContain('root:');
    expect(ofType(f.events, 'artifact_written').map((e) => e.name)).toEqual(['ok']);
    expect(existsSync(h.path('.wave/artifacts', f.run.id, 'leak', 'passwd'))).toBe(false);
    expect(existsSync(h.path('.wave/artifacts', f.run.id, 'leak', 'sneaky'))).toBe(false);
  });

  it('with workspace: project, a link out of the project is refused and one inside it kept', async () => {
    const h = await harness({
      'data/real.txt': 'inside',
      '.wave/pipelines/proj.yaml': yaml`
        kind: WavePipeline
        steps:
          - id: inside
            type: command
            workspace: { type: project }
            script: ln -sf data/real.txt link-in.txt
            output_artifacts: [{ name: in, path: link-in.txt }]
          - id: outside
            type: command
            dependencies: [inside]
            workspace: { type: project }
            script: ln -sf /etc/passwd link-out.txt
            output_artifacts: [{ name: out, path: link-out.txt }]
      `,
    });
    const f = await h.run('proj');
    expect(stepOf(f.detail, 'inside').status).toBe('completed');
    expect(readFileSync(h.path('.wave/artifacts', f.run.id, 'inside', 'in'), 'utf8')).toBe('inside');
    expect(stepOf(f.detail, 'outside').error).toMatchObject({
      code: 'artifact_outside_workspace',
      message: expect.stringContaining('out (link-out.txt)'),
    });
  });

  it('an absolute or ..-climbing artifact path is a validation error', () => {
    const root = tempProject({
      '.wave/pipelines/p.yaml': yaml`
        kind: WavePipeline
        steps:
          - id: a
            type: command
            script: 'true'
            output_artifacts:
              - { name: host, path: /etc/hostname }
              - { name: up, path: ../../etc/passwd }
              - { name: fine, path: out/../ok.txt }
      `,
    });
    const entry = loadProject({ cwd: root, env: {} }).pipeline('p')!;
    expect(entry.spec).toBeNull();
    expect(entry.diagnostics.map((d) => [d.line, d.path, d.message])).toEqual([
      [
        7,
        'steps[0].output_artifacts[0].path',
        `artifact path "/etc/hostname" is outside the step's workspace: give a path relative to the workspace, inside it`,
      ],
      [
        8,
        'steps[0].output_artifacts[1].path',
        `artifact path "../../etc/passwd" is outside the step's workspace: give a path relative to the workspace, inside it`,
      ],
    ]);
  });
});
