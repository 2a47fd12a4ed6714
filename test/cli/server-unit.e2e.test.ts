import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runWave, WAVE_BIN } from '../helpers/cli.js';
import { tempDir, tempProject, writeTree, yaml } from '../helpers/tmp.js';

const hasSystemdAnalyze = spawnSync('systemd-analyze', ['--version'], { stdio: 'ignore' }).status === 0;

/** The unit's `Key=value` lines by key (a key may repeat). */
function fields(unit: string): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const line of unit.split('\n')) {
    const m = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (m) map.set(m[1]!, [...(map.get(m[1]!) ?? []), m[2]!]);
  }
  return map;
}

describe('wave server unit', () => {
  it('a system unit: absolute node and wave, this project, restart on failure, stop timeout from shutdown_grace', async () => {
    const root = tempProject({
      'wave.yaml': yaml`
      server:
        shutdown_grace: 20s
    `,
    });
    const r = await runWave(['server', 'unit'], { cwd: root });
    expect(r.code).toBe(0);
    const f = fields(r.stdout);
    expect(f.get('ExecStart')).toEqual([`${process.execPath} ${WAVE_BIN} serve -C ${root}`]);
    expect(existsSync(WAVE_BIN)).toBe(true);
    expect(f.get('WorkingDirectory')).toEqual([root]);
    expect(f.get('Restart')).toEqual(['on-failure']);
    expect(f.get('KillSignal')).toEqual(['SIGTERM']);
    expect(f.get('TimeoutStopSec')).toEqual(['25']);
    expect(f.get('After')).toEqual(['network.target']);
    expect(f.get('WantedBy')).toEqual(['multi-user.target']);
    expect(f.get('User')).toHaveLength(1);
    expect(r.stdout).toMatch(/^\[Unit\]\n[\s\S]*\n\[Service\]\n[\s\S]*\n\[Install\]\n/);
  });

  it('--user: no User=, wanted by default.target; --config and odd paths carried, quoted and escaped', async () => {
    const base = tempDir();
    const root = join(base, 'my project %1');
    writeTree(root, { 'other.yaml': 'server: { bind: 127.0.0.1:9999 }\n' });
    const r = await runWave(['server', 'unit', '--user', '-C', root, '--config', join(root, 'other.yaml')], {
      cwd: base,
    });
    expect(r.code).toBe(0);
    const f = fields(r.stdout);
    const escaped = root.replace(/%/g, '%%');
    expect(f.get('ExecStart')).toEqual([
      `${process.execPath} ${WAVE_BIN} serve -C "${escaped}" --config "${escaped}/other.yaml"`,
    ]);
    expect(f.get('WorkingDirectory')).toEqual([escaped]);
    expect(f.get('User')).toBeUndefined();
    expect(f.get('WantedBy')).toEqual(['default.target']);
    // The default shutdown_grace is 10 s.
    expect(f.get('TimeoutStopSec')).toEqual(['15']);
  });

  it('an invalid manifest is a usage error, not a unit', async () => {
    const root = tempProject({ 'wave.yaml': 'server: { shutdown_grace: soon }\n' });
    const r = await runWave(['server', 'unit'], { cwd: root });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('shutdown_grace');
  });

  it.runIf(hasSystemdAnalyze)('systemd-analyze verify accepts the system and the user unit', async () => {
    const base = tempDir();
    const root = join(base, 'a project');
    writeTree(root, { 'wave.yaml': 'server: { shutdown_grace: 3s }\n' });
    for (const args of [[], ['--user']]) {
      const r = await runWave(['server', 'unit', '-C', root, ...args], { cwd: base });
      expect(r.code).toBe(0);
      const file = join(base, `wave-test${args.length}.service`);
      writeFileSync(file, r.stdout);
      // The user manager is not running everywhere (containers, CI): both are checked offline.
      execFileSync('systemd-analyze', ['verify', file], { stdio: 'pipe' });
    }
  });
});
