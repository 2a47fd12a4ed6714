import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningWave, runWave, startWave } from '../helpers/cli.js';
import { eventually } from '../helpers/eventually.js';
import { tempProject, yaml } from '../helpers/tmp.js';

const PIPELINE = yaml`
  kind: WavePipeline
  steps:
    - id: make
      type: command
      script: |
        mkdir -p out && echo '{"ok":true}' > out/result.json && echo made it
      output_artifacts:
        - { name: result, path: out/result.json, type: json }
`;

const servers: RunningWave[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
    await s.exited;
  }
});

async function runOnce(cwd: string): Promise<string> {
  const r = await runWave(['run', 'make', '--json'], { cwd, timeoutMs: 60_000 });
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout.split('\n')[0]!) as { run_id: string }).run_id;
}

describe('wave prune', () => {
  it('--dry-run lists, then a prune deletes runs with their artifacts and workspaces', async () => {
    const cwd = tempProject({ '.wave/pipelines/make.yaml': PIPELINE });
    const a = await runOnce(cwd);
    const b = await runOnce(cwd);
    expect(existsSync(join(cwd, '.wave/artifacts', a))).toBe(true);
    expect(existsSync(join(cwd, '.wave/workspaces', a))).toBe(true);

    const dry = await runWave(['prune', '--older-than', '0s', '--dry-run', '--json'], { cwd });
    expect(dry.code, dry.stderr).toBe(0);
    const planned = JSON.parse(dry.stdout) as { dry_run: boolean; runs: { id: string }[]; space: unknown };
    expect(planned.dry_run).toBe(true);
    expect(planned.runs.map((r) => r.id)).toEqual([a, b]);
    expect(planned.space).toBeNull();
    expect(existsSync(join(cwd, '.wave/artifacts', a))).toBe(true);

    const human = await runWave(['prune', '--older-than', '0s'], { cwd });
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toContain(a);
    expect(human.stderr).toMatch(/deleted 2 runs; database .* MB → .* MB/);
    for (const id of [a, b]) {
      expect(existsSync(join(cwd, '.wave/artifacts', id))).toBe(false);
      expect(existsSync(join(cwd, '.wave/workspaces', id))).toBe(false);
    }
    const list = await runWave(['list', 'runs', '--json'], { cwd });
    expect(JSON.parse(list.stdout)).toMatchObject({ runs: [] });
  }, 120_000);

  it('without --older-than uses storage.retention, and says so when it keeps everything', async () => {
    const cwd = tempProject({ '.wave/pipelines/make.yaml': PIPELINE });
    await runOnce(cwd);
    const none = await runWave(['prune', '--json'], { cwd });
    expect(none.code).toBe(0);
    expect(none.stderr).toContain('storage.retention keeps everything');
    expect(JSON.parse(none.stdout)).toMatchObject({ runs: [] });
    const bad = await runWave(['prune', '--older-than', 'soon'], { cwd });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('a duration such as');
  }, 60_000);

  it('wave serve prunes by storage.retention when it starts (then hourly)', async () => {
    const cwd = tempProject({ '.wave/pipelines/make.yaml': PIPELINE });
    const id = await runOnce(cwd);
    // Written after the run, so the run itself was made with the default (keep everything).
    writeFileSync(join(cwd, 'wave.yaml'), 'storage:\n  retention: { runs: 1ms }\n');
    const s = startWave(['serve', '--port', '0'], { cwd, env: { WAVE_LOG_LEVEL: 'info' } });
    servers.push(s);
    await s.waitFor(/retention: pruned finished runs/, 30_000);
    await eventually(() => !existsSync(join(cwd, '.wave/artifacts', id)), 10_000, 'the artifacts removed');
    const list = await runWave(['list', 'runs', '--json'], { cwd });
    expect(JSON.parse(list.stdout)).toMatchObject({ runs: [] });
  }, 60_000);
});
