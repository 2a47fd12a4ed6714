import { describe, expect, it } from 'vitest';
import { runWave, startWave, WAVE_BIN } from '../helpers/cli.js';
import { tempProject } from '../helpers/tmp.js';
import { projectFiles } from './projects.js';

/** Runs wave on a pseudo-terminal through util-linux `script`, so stdin and stdout are TTYs. */
function onTerminal(
  args: string[],
  cwd: string,
  env: Record<string, string | undefined> = { NO_COLOR: undefined },
) {
  const cmd = [process.execPath, WAVE_BIN, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  return startWave([], {
    cwd,
    command: ['script', '-qefc', cmd, '/dev/null'],
    env: { TERM: 'xterm-256color', COLUMNS: '120', ...env },
  });
}

describe('wave run on a terminal', () => {
  it('draws the live view and a summary', async () => {
    const cwd = tempProject(projectFiles());
    const w = onTerminal(['run', 'steady'], cwd);
    const r = await w.exited;
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('wave run steady');
    expect(r.stdout).toMatch(/\u001b\[2A/); // two step lines, redrawn in place
    expect(r.stdout).toMatch(/running/);
    expect(r.stdout).toMatch(/✓ one\s+completed .*one done/);
    expect(r.stdout).toMatch(/✓ two\s+completed .*two done/);
    expect(r.stdout).toMatch(/run steady-\S+ completed in/);
  });

  it('colours the view, and respects NO_COLOR (still redrawn in place)', async () => {
    const cwd = tempProject(projectFiles());
    const coloured = await onTerminal(['run', 'steady'], cwd).exited;
    expect(coloured.stdout).toMatch(/\u001b\[32m/);
    const plain = await onTerminal(['run', 'steady'], cwd, { NO_COLOR: '1' }).exited;
    expect(plain.code).toBe(0);
    expect(plain.stdout).not.toMatch(/\u001b\[\d+m/);
    expect(plain.stdout).toMatch(/\u001b\[2A/);
    expect(plain.stdout).toMatch(/✓ two\s+completed/);
  });

  it('asks a gate inline and takes the typed answer with text', async () => {
    const cwd = tempProject(projectFiles());
    const w = onTerminal(['run', 'gated'], cwd);
    await w.waitFor(/\? ask: Ship it\?/);
    await w.waitFor(/answer \(key, then optional text\): /);
    w.write('maybe\r');
    await w.waitFor(/"maybe" is not one of: yes, no/);
    w.write('yes all good\r');
    const r = await w.exited;
    expect(r.code).toBe(0);
    const runId = /(gated-\d{8}-\d{6}-[0-9a-f]{10})/.exec(r.stdout)![1]!;
    const status = JSON.parse((await runWave(['status', runId, '--json'], { cwd })).stdout);
    expect(status.gates[0].answer).toMatchObject({ choice: 'yes', text: 'all good' });
    expect(status.status).toBe('completed');
  });

  it('shows an answer given elsewhere instead of failing', async () => {
    const cwd = tempProject(projectFiles());
    const w = onTerminal(['run', 'gated'], cwd);
    await w.waitFor(/answer \(key, then optional text\): /);
    const runId = /(gated-\d{8}-\d{6}-[0-9a-f]{10})/.exec(w.stdout())![1]!;
    const other = await runWave(['gate', runId, 'ask', '--choice', 'no'], { cwd });
    expect(other.code).toBe(0);
    const r = await w.exited;
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('(answered elsewhere)');
    expect(r.stdout).toMatch(/no by \S+/);
  });
});
