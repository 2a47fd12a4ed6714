import { describe, expect, it } from 'vitest';
import { runWave, startWave, WAVE_BIN } from '../helpers/cli.js';
import { gitEditProject } from '../helpers/git-project.js';
import { projectFiles } from './projects.js';
import { spawnServer } from './remote-support.js';

/** Runs a pipeline with `wave run --json`; returns the run id. */
async function runPipeline(cwd: string, pipeline: string): Promise<string> {
  const r = await runWave(['run', pipeline, '--json'], { cwd, timeoutMs: 60_000 });
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout.split('\n')[0]!) as { run_id: string }).run_id;
}

describe('wave diff', () => {
  it('prints the diff, --stat and --step, plain off a terminal, the same with --server', async () => {
    const cwd = gitEditProject(projectFiles());
    const id = await runPipeline(cwd, 'edit');

    const diff = await runWave(['diff', id], { cwd });
    expect(diff.code, diff.stderr).toBe(0);
    expect(diff.stdout).toContain('diff --git a/README.md b/README.md');
    expect(diff.stdout).toContain('-old line\n+new line\n');
    expect(diff.stdout).toContain('deleted file mode');
    expect(diff.stdout).not.toMatch(/\u001b\[/);

    const stat = await runWave(['diff', id, '--stat'], { cwd });
    expect(stat.code, stat.stderr).toBe(0);
    expect(stat.stdout).toBe(
      'M README.md  +1 -1\nA new.txt    +3 -0\nD old.txt    +0 -2\n3 files changed, +4 -3\n',
    );
    const step = await runWave(['diff', id, '--step', 'second', '--stat'], { cwd });
    expect(step.stdout).toBe('M new.txt  +1 -0\nD old.txt  +0 -2\n2 files changed, +1 -2\n');

    const server = await spawnServer(cwd);
    const remote = await runWave(['diff', id, '--server', server.url], { cwd });
    expect(remote.code, remote.stderr).toBe(0);
    expect(remote.stdout).toBe(diff.stdout);
    const remoteStat = await runWave(['diff', id, '--step', 'second', '--stat', '--server', server.url], {
      cwd,
    });
    expect(remoteStat.stdout).toBe(step.stdout);
    const remoteMissing = await runWave(['diff', id, '--step', 'nope', '--server', server.url], { cwd });
    expect(remoteMissing.code).toBe(2);
    expect(remoteMissing.stderr).toContain('has no step "nope"');
  }, 120_000);

  it('colours on a terminal: + green, - red, hunks cyan', async () => {
    const cwd = gitEditProject(projectFiles());
    const id = await runPipeline(cwd, 'edit');
    const cmd = [process.execPath, WAVE_BIN, 'diff', id].map((a) => `'${a}'`).join(' ');
    const r = await startWave([], {
      cwd,
      command: ['script', '-qefc', cmd, '/dev/null'],
      env: { TERM: 'xterm-256color', NO_COLOR: undefined },
    }).exited;
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('\u001b[32m+new line\u001b[39m');
    expect(r.stdout).toContain('\u001b[31m-old line\u001b[39m');
    expect(r.stdout).toMatch(/\u001b\[36m@@ -1,2 \+1,2 @@/);
  }, 120_000);

  it('a run without changes exits 1 saying so; an unknown run is a usage error', async () => {
    const cwd = gitEditProject(projectFiles());
    const plain = await runPipeline(cwd, 'steady');
    const none = await runWave(['diff', plain], { cwd });
    expect(none.code).toBe(1);
    expect(none.stdout).toBe('');
    expect(none.stderr).toContain('changed no files');
    const untouched = await runPipeline(cwd, 'untouched');
    expect((await runWave(['diff', untouched, '--stat'], { cwd })).code).toBe(1);
    const unknown = await runWave(['diff', 'no-such-run'], { cwd });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no-such-run');
  }, 120_000);
});
