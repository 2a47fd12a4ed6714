import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { expectWellFormed, harness, stepOf } from '../helpers/engine-harness.js';
import { yaml } from '../helpers/tmp.js';

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=Tester', '-c', 'user.email=t@example.com', ...args], {
    cwd,
    encoding: 'utf8',
  }).trim();

describe('step workspaces', () => {
  it('fresh: an empty folder under .wave/workspaces/<run>/<step>; project: the project root', async () => {
    const h = await harness({
      'keep.txt': 'project file\n',
      '.wave/pipelines/ws.yaml': yaml`
        kind: WavePipeline
        steps:
          - id: fresh
            type: command
            script: |
              pwd > "$WAVE_PROJECT_ROOT/fresh.pwd"
              ls -A > "$WAVE_PROJECT_ROOT/fresh.ls"
              echo "$WAVE_WORKSPACE" > "$WAVE_PROJECT_ROOT/fresh.env"
              touch left-behind
          - id: proj
            workspace: { type: project }
            type: command
            script: |
              pwd > proj.pwd
              test -f keep.txt
      `,
    });
    const f = await h.run('ws');
    expectWellFormed(f);
    expect(f.result.status).toBe('completed');
    const freshDir = h.path('.wave/workspaces', f.run.id, 'fresh');
    expect(h.read('fresh.pwd').trim()).toBe(freshDir);
    expect(h.read('fresh.env').trim()).toBe(freshDir);
    expect(h.read('fresh.ls')).toBe('');
    expect(existsSync(`${freshDir}/left-behind`)).toBe(true);
    expect(h.read('proj.pwd').trim()).toBe(h.root);
  });

  it('worktree: the repository on branch wave/<run-id>, shared by the run, removed after it (the branch stays)', async () => {
    const h = await harness({
      'README.md': '# the repo\n',
      '.gitignore': '.wave/\n*.out\n',
      '.wave/pipelines/wt.yaml': yaml`
        kind: WavePipeline
        steps:
          - id: first
            workspace: { type: worktree }
            type: command
            script: |
              pwd > "$WAVE_PROJECT_ROOT/first-pwd.out"
              git rev-parse --abbrev-ref HEAD > "$WAVE_PROJECT_ROOT/first-branch.out"
              cat README.md > "$WAVE_PROJECT_ROOT/first-readme.out"
              echo made-by-first > shared.txt
          - id: second
            dependencies: [first]
            workspace: { type: worktree }
            type: command
            script: |
              pwd > "$WAVE_PROJECT_ROOT/second-pwd.out"
              cat shared.txt > "$WAVE_PROJECT_ROOT/second-shared.out"
      `,
    });
    git(h.root, 'init', '-q', '-b', 'main');
    git(h.root, 'add', 'README.md', '.gitignore');
    git(h.root, 'commit', '-q', '-m', 'initial');
    const f = await h.run('wt');
    expectWellFormed(f);
    expect(f.result).toEqual({ status: 'completed', error: null });
    const dir = h.path('.wave/workspaces', f.run.id, 'worktree');
    expect(h.read('first-pwd.out').trim()).toBe(dir);
    expect(h.read('second-pwd.out').trim()).toBe(dir);
    expect(h.read('first-branch.out').trim()).toBe(`wave/${f.run.id}`);
    expect(h.read('first-readme.out')).toBe('# the repo\n');
    expect(h.read('second-shared.out').trim()).toBe('made-by-first');
    expect(existsSync(dir)).toBe(false);
    expect(git(h.root, 'branch', '--list', `wave/${f.run.id}`)).toContain(`wave/${f.run.id}`);
    expect(git(h.root, 'worktree', 'list', '--porcelain')).not.toContain(dir);
    // The project's own checkout is untouched.
    expect(git(h.root, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe('main');
  });

  it('worktree: fails the step clearly when the project is not a git repository', async () => {
    const h = await harness({
      '.wave/pipelines/wt.yaml': yaml`
        kind: WavePipeline
        steps:
          - { id: w, workspace: { type: worktree }, type: command, script: 'true' }
      `,
    });
    const f = await h.run('wt');
    expectWellFormed(f);
    expect(f.result.error).toMatchObject({ code: 'workspace_error', step: 'w' });
    expect(f.result.error?.message).toContain('not a git repository');
  });

  it('mounts: readonly copies are read-only, readwrite copies are writable, the project is untouched', async () => {
    const h = await harness({
      'data/input.txt': 'original\n',
      'data/nested/deep.txt': 'deep\n',
      'rw/notes.txt': 'notes\n',
      '.wave/pipelines/mnt.yaml': yaml`
        kind: WavePipeline
        steps:
          - id: m
            workspace:
              mount:
                - { source: data, target: ro, mode: readonly }
                - { source: rw, mode: readwrite }
            type: command
            script: |
              out="$WAVE_PROJECT_ROOT/mnt.out"
              cat ro/input.txt ro/nested/deep.txt > "$out"
              echo changed >> rw/notes.txt
              cat rw/notes.txt >> "$out"
              if (echo x >> ro/input.txt) 2>/dev/null; then echo ro-writable >> "$out"; else echo ro-refused >> "$out"; fi
      `,
    });
    const f = await h.run('mnt');
    expectWellFormed(f);
    expect(f.result).toEqual({ status: 'completed', error: null });
    const ws = h.path('.wave/workspaces', f.run.id, 'm');
    const out = h.read('mnt.out').split('\n');
    expect(out.slice(0, 4)).toEqual(['original', 'deep', 'notes', 'changed']);
    const mode = (p: string) => statSync(`${ws}/${p}`).mode & 0o777;
    // Root may write anything; what matters is that the copies are marked read-only.
    expect(mode('ro')).toBe(0o555);
    expect(mode('ro/nested')).toBe(0o555);
    expect(mode('ro/input.txt')).toBe(0o444);
    expect(mode('ro/nested/deep.txt')).toBe(0o444);
    if (process.getuid?.() !== 0) expect(out[4]).toBe('ro-refused');
    expect(mode('rw/notes.txt') & 0o200).toBe(0o200);
    expect(readFileSync(h.path('data/input.txt'), 'utf8')).toBe('original\n');
    expect(readFileSync(h.path('rw/notes.txt'), 'utf8')).toBe('notes\n');
    expect(stepOf(f.detail, 'm').status).toBe('completed');
  });

  it('mounts: a missing source fails the step with workspace_error', async () => {
    const h = await harness({
      '.wave/pipelines/mnt.yaml': yaml`
        kind: WavePipeline
        steps:
          - { id: m, workspace: { mount: [{ source: nope }] }, type: command, script: 'true' }
      `,
    });
    const f = await h.run('mnt');
    expect(f.result.error).toMatchObject({ code: 'workspace_error', step: 'm' });
    expect(f.result.error?.message).toContain('nope');
  });
});
