import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SECRET } from '../helpers/auth.js';
import { type RunningWave, runWave, startWave, WAVE_BIN } from '../helpers/cli.js';
import { eventually } from '../helpers/eventually.js';
import { tempProject } from '../helpers/tmp.js';
import { TmuxPane } from '../helpers/tmux.js';
import { projectFiles } from './projects.js';
import { freePort, spawnServer } from './remote-support.js';

const panes: TmuxPane[] = [];
const servers: RunningWave[] = [];
afterEach(async () => {
  for (const p of panes.splice(0)) p.kill();
  for (const s of servers.splice(0)) {
    if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
    await s.exited;
  }
});

function top(
  cwd: string,
  args: string[] = [],
  opts: { cols?: number; rows?: number; env?: Record<string, string | undefined> } = {},
): TmuxPane {
  const pane = TmuxPane.start({ cwd, command: [process.execPath, WAVE_BIN, 'top', ...args], ...opts });
  panes.push(pane);
  return pane;
}

async function submit(url: string, pipeline: string): Promise<string> {
  const res = await fetch(`${url}/api/runs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ pipeline }),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

async function runOf(url: string, id: string) {
  return (await (await fetch(`${url}/api/runs/${id}`)).json()) as {
    status: string;
    origin?: unknown;
    gates: { step: string; answer: { choice: string; text: string | null; by: string | null } | null }[];
  };
}

/** A row of the table: the run's id, its pipeline and its status. */
const row = (id: string, status: string) => new RegExp(`${id}\\s+\\S+\\s+\\S ${status}`);

/** Narrows the table to one run: `/`, its id, Enter. */
function searchFor(pane: TmuxPane, id: string): void {
  pane.keys('/');
  pane.type(id);
  pane.keys('Enter');
}

describe('wave top in a terminal', () => {
  it('shows a run of the project appearing and completing, live, at 80x24', async () => {
    const cwd = tempProject(projectFiles());
    const server = await spawnServer(cwd);
    // No --server: the project's store, written by the server's process.
    const pane = top(cwd);
    await pane.waitFor(/● live/, 'the dashboard to be live');
    const id = await submit(server.url, 'steady');
    await pane.waitFor(new RegExp(id), 'the run to appear');
    const screen = await pane.waitFor(row(id, 'completed'), 'the run completed');
    expect(screen).toMatch(/completed 1/);
    const lines = screen.split('\n');
    expect(lines[0]).toMatch(/^wave top\s+filter: all\s+● live\s+project /);
    expect(lines.every((l) => l.length <= 80)).toBe(true);
    expect(lines[23]).toMatch(/q quit/);
    // Details: the steps and the last lines of output.
    searchFor(pane, id);
    pane.keys('Enter');
    const details = await pane.waitFor(/two done/, 'the details pane with the output');
    expect(details).toMatch(/✓ one\s+completed/);
    expect(details).toMatch(/\[one\] one done/);
  });

  it('cancels a running run with c after asking; answers a gate with g and a note', async () => {
    const cwd = tempProject(projectFiles());
    const server = await spawnServer(cwd);
    const pane = top(cwd);
    await pane.waitFor(/● live/, 'the dashboard to be live');
    const slow = await submit(server.url, 'slow');
    await pane.waitFor(row(slow, 'running'), 'the slow run running');
    searchFor(pane, slow);
    pane.keys('c');
    await pane.waitFor(new RegExp(`cancel run ${slow}\\? y`), 'the confirmation');
    pane.keys('y');
    await pane.waitFor(row(slow, 'cancelled'), 'the run cancelled');
    expect((await runOf(server.url, slow)).status).toBe('cancelled');

    const gated = await submit(server.url, 'gated');
    // `/` then Escape clears the search.
    pane.keys('/');
    pane.keys('Escape');
    searchFor(pane, gated);
    await pane.waitFor(row(gated, 'waiting'), 'the gated run waiting');
    pane.keys('g');
    const dialog = await pane.waitFor(/press 1-2 to answer \(a note follows\)/, 'the gate dialog');
    expect(dialog).toMatch(/Ship it\?/);
    expect(dialog).toMatch(/1\) yes\s+Ship/);
    expect(dialog).toMatch(/2\) no\s+Stop \(fails the run\)/);
    pane.keys('1');
    await pane.waitFor(/note for yes/, 'the note prompt');
    pane.type('ship it today');
    pane.keys('Enter');
    await pane.waitFor(row(gated, 'completed'), 'the gated run completed');
    const gate = (await runOf(server.url, gated)).gates[0]!;
    expect(gate.answer).toMatchObject({ choice: 'yes', text: 'ship it today' });
  });

  it('a step waiting for its adapter shows as throttled, with its place in line in the details', async () => {
    // One place on the mock adapter, held by the first run until the test writes `release`.
    const cwd = tempProject(
      projectFiles({
        'wave.yaml':
          'kind: WaveManifest\nadapters:\n  mock: { max_concurrent: 1 }\npersonas:\n  thinker: { adapter: mock }\n',
        '.wave/pipelines/held.yaml': [
          'kind: WavePipeline',
          'steps:',
          '  - id: think',
          '    persona: thinker',
          '    exec: { type: prompt, source: "think" }',
          '    handover:',
          `      contract: { type: test_suite, command: 'while [ ! -f "$WAVE_PROJECT_ROOT/release" ]; do sleep 0.05; done' }`,
          '',
        ].join('\n'),
      }),
    );
    const server = await spawnServer(cwd);
    // Wide enough for the STEP cell whole, whatever the length of the run ids.
    const pane = top(cwd, [], { cols: 120 });
    await pane.waitFor(/● live/, 'the dashboard to be live');
    const holder = await submit(server.url, 'held');
    await pane.waitFor(
      new RegExp(`${holder}\\s+\\S+\\s+\\S running\\s+think\\b`),
      'the holder running think',
    );
    const waiter = await submit(server.url, 'held');
    await pane.waitFor(
      new RegExp(`${waiter}\\s+\\S+\\s+\\S running\\s+think \\(wait\\)`),
      'the waiter throttled',
    );
    searchFor(pane, waiter);
    pane.keys('Enter');
    const details = await pane.waitFor(/waiting for the mock adapter/, 'the details pane');
    expect(details).toMatch(/think\s+pending\s+waiting for the mock adapter, next in line/);
    writeFileSync(join(cwd, 'release'), '');
    // Its place free, the waiter's step starts and the note is gone.
    const done = await pane.waitFor(/✓ think\s+completed/, 'the waiter completed its step');
    expect(done).not.toMatch(/waiting for the mock adapter/);
  });

  it('f cycles the status filters; r retries the selected failed run on the server', async () => {
    const cwd = tempProject(projectFiles());
    const server = await spawnServer(cwd);
    const ok = await submit(server.url, 'steady');
    const bad = await submit(server.url, 'fails');
    await eventually(
      async () => (await runOf(server.url, ok)).status === 'completed',
      20_000,
      'steady to end',
    );
    await eventually(async () => (await runOf(server.url, bad)).status === 'failed', 20_000, 'fails to end');
    const pane = top(cwd, ['--server', server.url]);
    await pane.waitFor((s) => row(ok, 'completed').test(s) && row(bad, 'failed').test(s), 'both runs');
    pane.keys('f');
    const active = await pane.waitFor(/filter: active/, 'the active filter');
    expect(active).toMatch(/no runs match/);
    pane.keys('f', 'f', 'f', 'f');
    const completed = await pane.waitFor(/filter: completed/, 'the completed filter');
    expect(completed).toMatch(row(ok, 'completed'));
    expect(completed).not.toContain(bad);
    pane.keys('f');
    const failed = await pane.waitFor(/filter: failed/, 'the failed filter');
    expect(failed).toMatch(row(bad, 'failed'));
    expect(failed).not.toContain(ok);
    pane.keys('r');
    const said = await pane.waitFor(new RegExp(`retrying ${bad} as \\S+`), 'the retry message');
    const retryId = new RegExp(`retrying ${bad} as (\\S+)`).exec(said)![1]!;
    const retry = await eventually(
      async () => {
        const r = await runOf(server.url, retryId);
        return r.status === 'failed' ? r : null;
      },
      20_000,
      'the retry to end',
    );
    expect(retry.origin).toEqual({ kind: 'retry', run_id: bad, step: null });
  });

  it('--server: survives a restart of the server: reconnects, then shows the runs made after it', async () => {
    const cwd = tempProject(projectFiles());
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const serve = async () => {
      const proc = startWave(['serve', '--port', String(port)], { cwd });
      servers.push(proc);
      await proc.waitFor(/wave serve listening/);
      return proc;
    };
    const first = await serve();
    const pane = top(cwd, ['--server', url]);
    await pane.waitFor(/● live\s+server http:\/\/127\.0\.0\.1/, 'the dashboard live on the server');
    const before = await submit(url, 'steady');
    await pane.waitFor(row(before, 'completed'), 'the first run completed');
    first.child.kill('SIGTERM');
    await first.exited;
    await pane.waitFor(/reconnecting/, 'the dashboard to say it is reconnecting');
    await serve();
    const after = await submit(url, 'steady');
    const screen = await pane.waitFor(
      (s) => /● live/.test(s) && row(after, 'completed').test(s),
      'the run made after the restart, completed',
    );
    expect(screen).toMatch(row(before, 'completed'));
    expect(screen).toMatch(/completed 2/);
  });

  it('q leaves the alternate screen and shows the cursor again; Ctrl-C too; resize redraws', async () => {
    const cwd = tempProject(projectFiles());
    const pane = TmuxPane.start({
      cwd,
      // The shell reads a line after: it gets one only if the terminal is back in its usual
      // (canonical) mode, where Enter ends a line.
      command: [
        'sh',
        '-c',
        `echo before-top; "${process.execPath}" "${WAVE_BIN}" top; echo "top exited $?"; read x; echo "read $x"; sleep 60`,
      ],
    });
    panes.push(pane);
    await pane.waitFor(/● live/, 'the dashboard');
    expect(pane.info('alternate_on')).toBe('1');
    expect(pane.info('cursor_flag')).toBe('0');
    pane.keys('q');
    const after = await pane.waitFor(/top exited 0/, 'top to exit');
    expect(after).toContain('before-top');
    expect(after).not.toContain('wave top');
    expect(pane.info('alternate_on')).toBe('0');
    expect(pane.info('cursor_flag')).toBe('1');
    pane.type('hello');
    pane.keys('Enter');
    await pane.waitFor(/read hello/, 'the shell to read a line');

    const again = top(cwd);
    await again.waitFor(/● live/, 'the second dashboard');
    // (Resized here: tmux does not keep the shell's screen across a resize in the alternate one.)
    again.resize(100, 30);
    const big = await again.waitFor(
      (s) => s.split('\n')[29]?.includes('q quit') ?? false,
      'the redraw at 100x30',
    );
    expect(big.split('\n')[0]).toMatch(/^wave top/);
    again.keys('C-c');
    await eventually(() => again.exitStatus() !== null, 10_000, 'top to exit on Ctrl-C');
    expect(again.exitStatus()).toBe(0);
    expect(again.info('alternate_on')).toBe('0');
  });

  it('colours unless NO_COLOR is set', async () => {
    const cwd = tempProject(projectFiles());
    const coloured = top(cwd, [], { env: { NO_COLOR: undefined, TERM: 'xterm-256color' } });
    const plain = top(cwd);
    await coloured.waitFor(/● live/, 'the coloured dashboard');
    await plain.waitFor(/● live/, 'the plain dashboard');
    // tmux re-encodes what it shows: colours come back as SGR 3x; reverse video is not a colour.
    expect(coloured.screenWithEscapes()).toMatch(/\u001b\[(?:[0-9;]*;)?3[0-7]m/);
    expect(plain.screenWithEscapes()).not.toMatch(/\u001b\[(?:[0-9;]*;)?3[0-7]m/);
  });

  it('a server that refuses the credentials: the terminal restored, the reason, exit 2', async () => {
    const cwd = tempProject({
      ...projectFiles(),
      'wave.yaml': 'server:\n  auth:\n    mode: jwt\n    jwt_secret: ${WAVE_JWT_SECRET}\n',
    });
    const server = await spawnServer(cwd, [], { WAVE_JWT_SECRET: SECRET });
    const pane = TmuxPane.start({
      cwd,
      command: [
        'sh',
        '-c',
        `"${process.execPath}" "${WAVE_BIN}" top --server ${server.url}; echo "top exited $?"; sleep 60`,
      ],
    });
    panes.push(pane);
    const screen = await pane.waitFor(/top exited 2/, 'top to exit');
    expect(screen).toMatch(/wave: .*--token/s);
    expect(pane.info('alternate_on')).toBe('0');
  });

  it('without a terminal it exits 2 and points to wave list runs', async () => {
    const cwd = tempProject(projectFiles());
    const r = await runWave(['top'], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('wave list runs');
    expect(r.stdout).toBe('');
  });
});
