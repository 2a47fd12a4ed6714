import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runWave } from '../helpers/cli.js';
import { tempProject, yaml } from '../helpers/tmp.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

describe('wave (the real binary): definitions commands', () => {
  it('prints its version and help', async () => {
    const cwd = tempProject({});
    const v = await runWave(['--version'], { cwd });
    expect(v).toMatchObject({ code: 0, stdout: `${pkg.version}\n` });
    const help = await runWave(['--help'], { cwd });
    expect(help.code).toBe(0);
    for (const cmd of ['validate', 'list', 'init']) expect(help.stdout).toContain(cmd);
  });

  it('exits 2 on an unknown command or option', async () => {
    const cwd = tempProject({});
    const r = await runWave(['valdate'], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('validate');
    expect((await runWave(['validate', '--bogus'], { cwd })).code).toBe(2);
  });

  it('validate: exit 0 on the built-in examples', async () => {
    const r = await runWave(['validate'], { cwd: tempProject({}) });
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toBe('3 pipelines checked: 0 errors, 0 warnings\n');
  });

  it('validate: exit 2 with every error as file:line path: message (hint)', async () => {
    const cwd = tempProject({
      '.wave/personas/navigator.md': '# N\n',
      '.wave/pipelines/ship.yaml': yaml`
        kind: WavePipeline
        steps:
          - id: build
            type: command
            script: make
          - id: ship
            type: command
            dependencies: [biuld]
            script: ./ship {{ inptu }}
      `,
      '.wave/pipelines/ok.yaml': 'kind: WavePipeline\nsteps:\n  - id: a\n    script: "true"\n',
    });
    const r = await runWave(['validate'], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')).toEqual([
      '.wave/pipelines/ship.yaml:8 steps[1].dependencies[0]: unknown step "biuld" (did you mean "build"?)',
      '.wave/pipelines/ship.yaml:9 steps[1].script: unknown template name "inptu" (did you mean "input"?)',
      '2 pipelines checked: 2 errors, 0 warnings',
      '',
    ]);
    expect((await runWave(['validate', 'ok'], { cwd })).code).toBe(0);
    const unknown = await runWave(['validate', 'shp'], { cwd });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no pipeline named "shp" (did you mean "ship"?)');
  });

  it('--config picks another manifest for every command', async () => {
    const cwd = tempProject({
      'wave.yaml': 'project: {}\n',
      'ci/wave.ci.yaml': 'project: { greeting: from-the-ci-manifest }\n',
      '.wave/pipelines/say.yaml':
        'kind: WavePipeline\nsteps:\n  - id: say\n    type: command\n    script: echo {{ project.greeting }}\n',
    });
    const bad = await runWave(['validate'], { cwd });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('wave.yaml has no project.greeting');
    expect((await runWave(['validate', '--config', 'ci/wave.ci.yaml'], { cwd })).code).toBe(0);
    const run = await runWave(['run', 'say', '--config', 'ci/wave.ci.yaml'], { cwd });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('[say] from-the-ci-manifest');
  });

  it('validate --json and -C', async () => {
    const root = tempProject({ 'proj/.wave/pipelines/x.yaml': 'kind: WavePipeline\nsteps: []\n' });
    const r = await runWave(['validate', '--json', '-C', 'proj'], { cwd: root });
    expect(r.code).toBe(2);
    const body = JSON.parse(r.stdout) as { valid: boolean; errors: { path: string; line: number }[] };
    expect(body.valid).toBe(false);
    expect(body.errors).toMatchObject([
      { path: 'steps', line: 2, message: 'a pipeline needs at least one step' },
    ]);
  });

  it('validate reports manifest errors together with pipeline errors', async () => {
    const cwd = tempProject({
      'wave.yaml': 'runtime:\n  workspace_rot: x\n',
      '.wave/pipelines/p.yaml': 'kind: WavePipeline\nsteps:\n  - id: a\n    scrip: "true"\n',
    });
    const r = await runWave(['validate'], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      'wave.yaml:2 runtime.workspace_rot: unknown field "workspace_rot" (did you mean "workspace_root"?)',
    );
    expect(r.stderr).toContain(
      '.wave/pipelines/p.yaml:4 steps[0].scrip: unknown field "scrip" (did you mean "script"?)',
    );
  });

  it('other commands exit 2 on an invalid manifest, naming the problem', async () => {
    const cwd = tempProject({ 'wave.yaml': 'server:\n  auth:\n    jwt_secret: ${NOPE_SECRET}\n' });
    const r = await runWave(['list', 'pipelines'], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      'wave.yaml:3 server.auth.jwt_secret: environment variable NOPE_SECRET is not set',
    );
  });

  it('list pipelines: table and --json', async () => {
    const cwd = tempProject({});
    const table = await runWave(['list', 'pipelines'], { cwd });
    expect(table.code).toBe(0);
    const lines = table.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+STEPS\s+STATUS\s+DESCRIPTION$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/)[0])).toEqual(['ci', 'hello', 'plan-implement-review']);
    const json = await runWave(['list', 'pipelines', '--json'], { cwd });
    const body = JSON.parse(json.stdout) as {
      pipelines: { name: string; steps: { id: string; kind: string }[]; input: unknown }[];
    };
    const hello = body.pipelines.find((p) => p.name === 'hello')!;
    expect(hello.input).toEqual({
      type: 'string',
      required: false,
      example: 'world',
      description: 'Who to greet (default "world")',
    });
    expect(hello.steps).toEqual([
      { id: 'greet', kind: 'command', persona: null, dependencies: [] },
      { id: 'count', kind: 'command', persona: null, dependencies: [] },
      { id: 'shout', kind: 'command', persona: null, dependencies: ['greet', 'count'] },
    ]);
  });

  it('list personas: table and --json', async () => {
    const cwd = tempProject({});
    const table = await runWave(['list', 'personas'], { cwd });
    expect(table.stdout).toMatch(/^NAME\s+ADAPTER\s+MODEL\s+DESCRIPTION\n/);
    expect(table.stdout).toContain('navigator');
    const json = JSON.parse((await runWave(['list', 'personas', '--json'], { cwd })).stdout) as {
      personas: unknown[];
    };
    expect(json.personas).toContainEqual({
      name: 'navigator',
      adapter: 'claude',
      model: 'cheapest',
      description: 'Read-only exploration of the codebase; plans changes',
    });
  });

  it('init writes wave.yaml and .wave/, refuses to overwrite, and --force replaces', async () => {
    const cwd = tempProject({});
    const first = await runWave(['init'], { cwd });
    expect(first.code).toBe(0);
    for (const p of [
      'wave.yaml',
      '.wave/pipelines/hello.yaml',
      '.wave/personas/navigator.md',
      '.wave/contracts/plan.schema.json',
      '.wave/.gitignore',
    ]) {
      expect(existsSync(join(cwd, p))).toBe(true);
    }
    expect((await runWave(['validate'], { cwd })).code).toBe(0);
    writeFileSync(join(cwd, 'wave.yaml'), '# mine\n');
    const again = await runWave(['init'], { cwd });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('refusing to overwrite wave.yaml');
    expect(again.stderr).toContain('--force');
    expect(readFileSync(join(cwd, 'wave.yaml'), 'utf8')).toBe('# mine\n');
    expect((await runWave(['init', '--force'], { cwd })).code).toBe(0);
    expect(readFileSync(join(cwd, 'wave.yaml'), 'utf8')).toContain('kind: WaveManifest');
  });
});
