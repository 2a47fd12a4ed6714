import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { EventSchema } from '../../src/events/catalogue.js';
import { runWave } from '../helpers/cli.js';
import { tempProject } from '../helpers/tmp.js';
import { projectFiles } from './projects.js';

const FAKE_BIN = fileURLToPath(new URL('../fixtures/bin', import.meta.url));

describe('wave run (local, not a terminal)', () => {
  it('prints plain lines prefixed by step, a summary, and exits 0', async () => {
    const cwd = tempProject({});
    const r = await runWave(['run', 'hello', 'world'], { cwd });
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines).toContain('[greet] Hello, world!');
    expect(lines).toContain('[shout] HELLO, WORLD!');
    expect(lines.some((l) => /^\[greet\] completed in /.test(l))).toBe(true);
    expect(r.stdout).toMatch(/^run hello-\d{8}-\d{6}-[0-9a-f]{10} completed in /m);
    expect(r.stdout).not.toMatch(/\u001b\[/);
    expect(r.stderr).toBe('');
  });

  it('--json prints only events, one per line, valid against the catalogue', async () => {
    const cwd = tempProject({});
    const r = await runWave(
      ['run', 'hello', '--input', 'json', '--json', '--label', 'team=core', '--label', 'ci=yes'],
      { cwd },
    );
    expect(r.code).toBe(0);
    const events = r.stdout
      .trimEnd()
      .split('\n')
      .map((l) => EventSchema.parse(JSON.parse(l)));
    expect(events[0]!.type).toBe('run_queued');
    expect(events.at(-1)!.type).toBe('run_completed');
    const seqs = events.map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(seqs.length);
    const runId = events[0]!.run_id;
    const list = await runWave(['list', 'runs', '--json'], { cwd });
    const runs = (
      JSON.parse(list.stdout) as { runs: { id: string; labels: Record<string, string>; status: string }[] }
    ).runs;
    expect(runs.find((x) => x.id === runId)).toMatchObject({
      labels: { team: 'core', ci: 'yes' },
      status: 'completed',
    });
  });

  it('exits 1 when the run fails, naming the step and skipping dependents', async () => {
    const cwd = tempProject(projectFiles());
    const r = await runWave(['run', 'fails'], { cwd });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('[boom] about to fail');
    expect(r.stdout).toMatch(/\[boom\] failed: the command exited with code 3/);
    expect(r.stdout).toMatch(/\[later\] skipped: dependency "boom" failed/);
    expect(r.stdout).toMatch(/run fails-.* failed/);
  });

  it('exits 2 for an unknown pipeline (with a suggestion), a missing input, or both input forms', async () => {
    const cwd = tempProject(projectFiles());
    const unknown = await runWave(['run', 'gatd'], { cwd });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no pipeline named "gatd" (did you mean "gated"?)');
    const missing = await runWave(['run', 'needs'], { cwd });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('pipeline "needs" needs an input (for example "a branch name")');
    const both = await runWave(['run', 'needs', 'a', '--input', 'b'], { cwd });
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('either as an argument or with --input');
    const badGate = await runWave(['run', 'gated', '--gate', 'ask=maybe'], { cwd });
    expect(badGate.code).toBe(2);
    expect(badGate.stderr).toContain('"maybe" is not a choice (yes, no)');
    const badLabel = await runWave(['run', 'hello', '--label', 'novalue'], { cwd });
    expect(badLabel.code).toBe(2);
    expect(badLabel.stderr).toContain('--label');
  });

  it('exits 2 for an invalid pipeline, with its errors', async () => {
    const cwd = tempProject({
      '.wave/pipelines/bad.yaml':
        'kind: WavePipeline\nsteps:\n  - id: a\n    dependencies: [b]\n    script: "true"\n',
    });
    const r = await runWave(['run', 'bad'], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('.wave/pipelines/bad.yaml:4 steps[0].dependencies[0]: unknown step "b"');
  });

  it('fails a gate at once without a terminal, unless answered by --auto-approve or --gate', async () => {
    const cwd = tempProject(projectFiles());
    const ci = await runWave(['run', 'gated'], { cwd });
    expect(ci.code).toBe(1);
    expect(ci.stdout).toContain(
      'needs an answer and there is no terminal to ask on: run with --auto-approve or --gate ask=<yes|no>',
    );
    const auto = await runWave(['run', 'gated', '--auto-approve'], { cwd });
    expect(auto.code).toBe(0);
    expect(auto.stdout).toContain('[ship] shipping with yes');
    const preset = await runWave(['run', 'gated', '--gate', 'ask=yes:ship it; now'], { cwd });
    expect(preset.code).toBe(0);
    expect(preset.stdout).toContain('[ship] note=ship it; now');
    const reject = await runWave(['run', 'gated', '--gate', 'ask=no'], { cwd });
    expect(reject.code).toBe(1);
    expect(reject.stdout).toMatch(/\[ship\] skipped/);
  });

  it('--mock runs the agent pipeline with no agent installed', async () => {
    const cwd = tempProject({});
    const r = await runWave(['run', 'plan-implement-review', 'add a flag', '--mock'], { cwd });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('[plan] contract json_schema passed');
    expect(r.stdout).toContain('[implement] contract test_suite passed');
    expect(r.stdout).toContain('[review] contract markdown_spec passed');
  });

  it('names the missing agent binary and --mock', async () => {
    const cwd = tempProject(projectFiles());
    const r = await runWave(['run', 'agent', 'x'], { cwd, env: { PATH: '/usr/bin:/bin' } });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('adapter binary "claude" was not found on PATH');
    expect(r.stdout).toContain('--mock');
  });

  it('reports an agent that exits mid-stream, and records usage of a good one', async () => {
    const cwd = tempProject(projectFiles());
    const env = { PATH: `${FAKE_BIN}:${process.env.PATH}` };
    const cut = await runWave(['run', 'agent', 'x'], {
      cwd,
      env: { ...env, FAKE_CLAUDE_SCENARIO: 'truncated' },
    });
    expect(cut.code).toBe(1);
    expect(cut.stdout).toMatch(/\[think\] failed: .*exited .*before/);
    const ok = await runWave(['run', 'agent', 'x', '--json'], {
      cwd,
      env: { ...env, FAKE_CLAUDE_SCENARIO: 'success' },
    });
    expect(ok.code).toBe(0);
    const runId = JSON.parse(ok.stdout.split('\n')[0]!).run_id as string;
    const status = JSON.parse((await runWave(['status', runId, '--json'], { cwd })).stdout);
    expect(status.steps[0].usage).toMatchObject({
      tokens_in: expect.any(Number),
      tokens_out: expect.any(Number),
      cost_usd: expect.any(Number),
    });
    expect(status.steps[0].usage.tokens_out).toBeGreaterThan(0);
  });

  it('keeps binary garbage and a 10 MB line without losing output', async () => {
    const cwd = tempProject(projectFiles());
    const r = await runWave(['run', 'noisy', '--json'], { cwd, timeoutMs: 60_000 });
    expect(r.code).toBe(0);
    const events = r.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    const long = events
      .filter((e) => e.type === 'stream_activity' && e.step === 'longline')
      .map((e) => e.content as string);
    expect(long.join('').replaceAll('after-long', '').length).toBe(10 * 1024 * 1024);
    expect(long.at(-1)).toBe('after-long');
    const garbage = events
      .filter((e) => e.type === 'stream_activity' && e.step === 'garbage')
      .map((e) => e.content as string);
    expect(garbage.at(-1)).toBe('after-garbage');
    expect(garbage.join('')).not.toContain('\u0000');
    const logs = await runWave(['logs', events[0].run_id, '--step', 'garbage'], { cwd });
    expect(logs.stdout.trimEnd().split('\n').at(-1)).toBe('[garbage] after-garbage');
  });

  it('exits 3 when the store is corrupt or cannot be written', async () => {
    const cwd = tempProject({ '.wave/state.db': 'this is not a database, just text '.repeat(200) });
    const corrupt = await runWave(['run', 'hello'], { cwd });
    expect(corrupt.code).toBe(3);
    expect(corrupt.stderr).toContain('is not a valid SQLite database');
    const list = await runWave(['list', 'runs'], { cwd });
    expect(list.code).toBe(3);
    // /proc is read-only even for root: the store cannot be created there.
    const ro = await runWave(['run', 'hello'], {
      cwd: tempProject({}),
      env: { WAVE_STORAGE_PATH: '/proc/wave-test/state.db' },
    });
    expect(ro.code).toBe(3);
    expect(ro.stderr).toMatch(/cannot be opened for writing|could not be used/);
  });

  it('a read-only database file is reported, not crashed on', async () => {
    const cwd = tempProject({});
    expect((await runWave(['run', 'hello'], { cwd })).code).toBe(0);
    const db = join(cwd, '.wave/state.db');
    if (process.getuid?.() === 0) return; // root writes read-only files anyway; /proc case above covers it
    chmodSync(db, 0o444);
    const r = await runWave(['run', 'hello'], { cwd });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('cannot be opened for writing');
  });

  it('unknown run ids exit 2 for every run command', async () => {
    const cwd = tempProject({});
    for (const args of [
      ['status', 'nope'],
      ['logs', 'nope'],
      ['cancel', 'nope'],
      ['gate', 'nope', 's', '--approve'],
      ['resume', 'nope'],
    ]) {
      const r = await runWave(args, { cwd });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toContain('no run with id "nope"');
    }
  });

  it('shell injection through the input never runs', async () => {
    const cwd = tempProject({});
    const input = `$(touch pwned1) \`touch pwned2\` '; touch pwned3; echo '"; touch pwned4`;
    const r = await runWave(['run', 'hello', input], { cwd });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`[greet] Hello, ${input}!`);
    const wsRoot = join(cwd, '.wave/workspaces');
    for (const f of ['pwned1', 'pwned2', 'pwned3', 'pwned4']) {
      expect(existsSync(join(cwd, f))).toBe(false);
    }
    writeFileSync(join(cwd, 'marker'), '');
    expect(existsSync(wsRoot)).toBe(true);
  });
});
