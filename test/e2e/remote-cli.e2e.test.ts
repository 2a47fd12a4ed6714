import { readFileSync, rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventSchema } from '../../src/events/catalogue.js';
import { makePki, type Pki, SECRET } from '../helpers/auth.js';
import { runWave, startWave, WAVE_BIN } from '../helpers/cli.js';
import { eventually } from '../helpers/eventually.js';
import { tempProject, yaml } from '../helpers/tmp.js';
import { projectFiles } from './projects.js';
import { cuttingProxy, normalize, spawnServer } from './remote-support.js';

/** A pipeline that emits events over a few seconds, so a stream can be cut in the middle. */
const TICKER = yaml`
  kind: WavePipeline
  steps:
    - id: tick
      type: command
      script: for i in $(seq 1 30); do echo "tick $i"; sleep 0.05; done
    - id: tock
      type: command
      dependencies: [tick]
      script: for i in $(seq 1 30); do echo "tock $i"; sleep 0.05; done
`;

const HELLO = readFileSync(new URL('../../config/pipelines/hello.yaml', import.meta.url), 'utf8');

function files(): Record<string, string> {
  return projectFiles({ '.wave/pipelines/ticker.yaml': TICKER, '.wave/pipelines/hello.yaml': HELLO });
}

describe('the CLI against a server', () => {
  it('wave run --server prints what a local run prints, line for line apart from ids and times', async () => {
    const cwd = tempProject(files());
    const local = await runWave(['run', 'hello', 'world'], { cwd });
    const server = await spawnServer(cwd);
    const remote = await runWave(['run', 'hello', 'world', '--server', server.url], { cwd });
    expect(remote.code).toBe(0);
    expect(local.code).toBe(0);
    const sortParallel = (text: string) => normalize(text).split('\n');
    // greet and count run in parallel: their lines may interleave differently, so compare as
    // multisets per step and the whole in order for the rest.
    const l = sortParallel(local.stdout);
    const r = sortParallel(remote.stdout);
    expect([...r].sort()).toEqual([...l].sort());
    expect(r.filter((x) => x.startsWith('[shout]') || x.startsWith('run ') || x.startsWith('  '))).toEqual(
      l.filter((x) => x.startsWith('[shout]') || x.startsWith('run ') || x.startsWith('  ')),
    );
  });

  it('--json prints the events of the API, each once; WAVE_SERVER works like --server', async () => {
    const cwd = tempProject(files());
    const server = await spawnServer(cwd);
    const r = await runWave(['run', 'ticker', '--json'], { cwd, env: { WAVE_SERVER: server.url } });
    expect(r.code).toBe(0);
    const events = r.stdout
      .trimEnd()
      .split('\n')
      .map((line) => EventSchema.parse(JSON.parse(line)));
    expect(events[0]!.type).toBe('run_queued');
    expect(events.at(-1)!.type).toBe('run_completed');
    expect(events.filter((e) => e.type === 'stream_activity')).toHaveLength(60);
  });

  it('a connection cut mid-run: it reconnects with Last-Event-ID and prints every event exactly once', async () => {
    // The proxy forwards from its own port: without authentication the server answers that
    // Host only when allowed (API.md), as it would for an SSH tunnel.
    const cwd = tempProject({ ...files(), 'wave.yaml': 'server:\n  allowed_hosts: ["127.0.0.1"]\n' });
    const server = await spawnServer(cwd);
    const proxy = await cuttingProxy(server.port);
    const run = startWave(['run', 'ticker', '--json', '--server', proxy.url], { cwd });
    await run.waitFor(/"content":"tick 5"/);
    proxy.cutAll();
    await run.waitFor(/"content":"tock 3"/);
    proxy.cutAll();
    const result = await run.exited;
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('reconnecting');
    const events = result.stdout
      .trimEnd()
      .split('\n')
      .map((line) => EventSchema.parse(JSON.parse(line)));
    const seqs = events.map((e) => e.seq);
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    const lines = events
      .filter((e) => e.type === 'stream_activity')
      .map((e) => (e as { content: string }).content);
    expect(lines).toEqual([
      ...Array.from({ length: 30 }, (_, i) => `tick ${i + 1}`),
      ...Array.from({ length: 30 }, (_, i) => `tock ${i + 1}`),
    ]);
    // Exactly the server's events, none missing.
    const stored = await fetch(`${server.url}/api/runs/${events[0]!.run_id}/events`).then((res) =>
      res.text(),
    );
    expect(stored.match(/^id: /gm)).toHaveLength(events.length);
    expect(proxy.connections()).toBeGreaterThanOrEqual(3);
  });

  it('list runs, status, logs (text, JSON, follow), list pipelines and personas', async () => {
    const cwd = tempProject(files());
    const server = await spawnServer(cwd);
    const s = ['--server', server.url];
    const detached = await runWave(['run', 'ticker', '--detach', '--label', 'team=core', ...s], { cwd });
    expect(detached.code).toBe(0);
    const runId = detached.stdout.trim();
    const follow = await runWave(['logs', runId, '--follow', '--step', 'tock', ...s], { cwd });
    expect(follow.code).toBe(0);
    expect(follow.stdout.trim().split('\n')).toEqual(
      Array.from({ length: 30 }, (_, i) => `[tock] tock ${i + 1}`),
    );
    const text = await runWave(['logs', runId, ...s], { cwd });
    expect(text.stdout.split('\n')).toContain('[tick] tick 1');
    const nd = await runWave(['logs', runId, '--json', '--step', 'tick', ...s], { cwd });
    expect(JSON.parse(nd.stdout.split('\n')[0]!)).toMatchObject({
      step: 'tick',
      stream: 'stdout',
      content: 'tick 1',
    });
    const list = await runWave(['list', 'runs', ...s], { cwd });
    expect(list.stdout).toMatch(new RegExp(`${runId}\\s+ticker\\s+completed`));
    const listJson = JSON.parse(
      (await runWave(['list', 'runs', '--json', '--status', 'completed', ...s], { cwd })).stdout,
    );
    expect(listJson.runs[0]).toMatchObject({
      id: runId,
      labels: { team: 'core' },
      trigger: { source: 'cli' },
    });
    const status = await runWave(['status', runId, ...s], { cwd });
    expect(status.stdout).toContain('status    completed');
    expect(status.stdout).toMatch(/tick\s+command\s+completed/);
    const statusJson = JSON.parse((await runWave(['status', runId, '--json', ...s], { cwd })).stdout);
    expect(statusJson.steps).toHaveLength(2);
    const pipes = await runWave(['list', 'pipelines', ...s], { cwd });
    expect(pipes.stdout).toMatch(/ticker\s+2\s+ok/);
    const personas = JSON.parse((await runWave(['list', 'personas', '--json', ...s], { cwd })).stdout);
    expect(personas.personas.map((p: { name: string }) => p.name)).toContain('thinker');
  });

  it('cancel and gate against the server; gates wait for an answer instead of failing', async () => {
    const cwd = tempProject(files());
    const server = await spawnServer(cwd);
    const s = ['--server', server.url];
    const run = startWave(['run', 'gated', ...s], { cwd });
    await run.waitFor(/gate "ask" is waiting: answer with wave gate (\S+) ask --choice <yes\|no>/);
    const runId = /wave gate (\S+) ask/.exec(run.stderr())![1]!;
    const gate = await runWave(['gate', runId, 'ask', '--choice', 'yes', '--text', 'go', ...s], { cwd });
    expect(gate.code).toBe(0);
    expect(gate.stdout).toContain('answered gate ask');
    const again = await runWave(['gate', runId, 'ask', '--reject', ...s], { cwd });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('not waiting');
    expect((await run.exited).code).toBe(0);

    const slow = startWave(['run', 'slow', ...s], { cwd });
    await slow.waitFor(/\[long\] long started/);
    const slowId = /run (slow-\S+) /.exec(slow.stdout())![1]!;
    const cancel = await runWave(['cancel', slowId, ...s], { cwd });
    expect(cancel.code).toBe(0);
    expect(cancel.stdout.trim()).toBe(`cancelled ${slowId}`);
    expect((await slow.exited).code).toBe(130);
    try {
      process.kill(Number(readFileSync(`${cwd}/grandchild.pid`, 'utf8')), 'SIGKILL');
    } catch {
      // already stopped with its run
    }
  });

  it('Ctrl-C without a terminal cancels the remote run and exits 130', async () => {
    const cwd = tempProject(files());
    const server = await spawnServer(cwd);
    const run = startWave(['run', 'slow', '--server', server.url], { cwd });
    await run.waitFor(/\[long\] long started/);
    const runId = /run (slow-\S+) /.exec(run.stdout())![1]!;
    run.child.kill('SIGINT');
    const result = await run.exited;
    expect(result.code).toBe(130);
    await eventually(
      async () =>
        JSON.parse((await runWave(['status', runId, '--json', '--server', server.url], { cwd })).stdout)
          .status === 'cancelled',
      15_000,
    );
  });

  it('on a terminal: gates asked inline, another answer shown, Ctrl-C asks cancel or detach', async () => {
    const cwd = tempProject(files());
    const server = await spawnServer(cwd);
    const onTerminal = (args: string[]) => {
      const cmd = [process.execPath, WAVE_BIN, ...args].map((a) => `'${a}'`).join(' ');
      return startWave([], {
        cwd,
        command: ['script', '-qefc', cmd, '/dev/null'],
        env: { TERM: 'xterm', COLUMNS: '120' },
      });
    };
    const asked = onTerminal(['run', 'gated', '--server', server.url]);
    await asked.waitFor(/answer \(key, then optional text\): /);
    asked.write('yes from the terminal\r');
    expect((await asked.exited).code).toBe(0);

    const other = onTerminal(['run', 'gated', '--server', server.url]);
    await other.waitFor(/answer \(key, then optional text\): /);
    const id = /(gated-\d{8}-\d{6}-[0-9a-f]{10})/.exec(other.stdout())![1]!;
    await runWave(['gate', id, 'ask', '--choice', 'no', '--server', server.url], { cwd });
    const r = await other.exited;
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('(answered elsewhere)');

    const detach = onTerminal(['run', 'slow', '--server', server.url]);
    await detach.waitFor(/long started/);
    detach.write('\u0003');
    await detach.waitFor(/cancel run \S+ on the server too\? \[y\/N\]/);
    detach.write('n\r');
    const d = await detach.exited;
    expect(d.code).toBe(130);
    expect(d.stdout).toContain('detached: the run goes on');
    const slowId = /(slow-\d{8}-\d{6}-[0-9a-f]{10})/.exec(d.stdout)![1]!;
    const still = JSON.parse(
      (await runWave(['status', slowId, '--json', '--server', server.url], { cwd })).stdout,
    );
    expect(still.status).toBe('running');
    await runWave(['cancel', slowId, '--server', server.url], { cwd });
  });

  it('exit 3 when the server cannot be reached', async () => {
    const cwd = tempProject({});
    for (const args of [
      ['run', 'hello'],
      ['list', 'runs'],
      ['status', 'x'],
      ['logs', 'x'],
      ['cancel', 'x'],
      ['gate', 'x', 's', '--approve'],
      ['list', 'pipelines'],
    ]) {
      const r = await runWave([...args, '--server', 'http://127.0.0.1:9'], { cwd });
      expect(r.code, args.join(' ')).toBe(3);
      expect(r.stderr).toContain('cannot reach the Wave server at http://127.0.0.1:9');
    }
    const bad = await runWave(['list', 'runs', '--server', 'not a url'], { cwd });
    expect(bad.code).toBe(2);
  });
});

describe('the CLI against a server with authentication', () => {
  let pki: Pki;
  beforeAll(() => {
    pki = makePki();
  });
  afterAll(() => rmSync(pki.dir, { recursive: true, force: true }));

  it('says which token or scope is missing on 401 and 403', async () => {
    const cwd = tempProject({
      'wave.yaml': 'server:\n  auth:\n    mode: jwt\n    jwt_secret: ${WAVE_JWT_SECRET}\n',
    });
    const env = { WAVE_JWT_SECRET: SECRET };
    const server = await spawnServer(cwd, [], env);
    const none = await runWave(['list', 'runs', '--server', server.url], { cwd });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('--token or WAVE_TOKEN');
    const reader = (
      await runWave(['token', 'create', '--sub', 'reader', '--scope', 'runs:read'], { cwd, env })
    ).stdout.trim();
    const listed = await runWave(['list', 'runs', '--server', server.url, '--token', reader], { cwd });
    expect(listed.code).toBe(0);
    const denied = await runWave(['run', 'hello', '--server', server.url], {
      cwd,
      env: { WAVE_TOKEN: reader },
    });
    expect(denied.code).toBe(2);
    expect(denied.stderr).toContain('runs:write');
    const writer = (
      await runWave(['token', 'create', '--sub', 'writer', '--scope', 'runs:read runs:write'], { cwd, env })
    ).stdout.trim();
    const ran = await runWave(['run', 'hello', 'x', '--server', server.url, '--token', writer], { cwd });
    expect(ran.code).toBe(0);
  });

  it('uses --cert/--key/--ca (or WAVE_CERT/WAVE_KEY/WAVE_CA) for an mTLS server', async () => {
    const cwd = tempProject({
      'wave.yaml': `server:\n  auth:\n    mode: mtls\n  tls:\n    enabled: true\n    cert: ${pki.serverCert}\n    key: ${pki.serverKey}\n    ca: ${pki.ca}\n`,
    });
    const server = await spawnServer(cwd);
    const url = server.url.replace('http:', 'https:');
    const ok = await runWave(
      [
        'run',
        'hello',
        'tls',
        '--server',
        url,
        '--cert',
        pki.clientCert,
        '--key',
        pki.clientKey,
        '--ca',
        pki.ca,
      ],
      { cwd },
    );
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('[shout] HELLO, TLS!');
    const viaEnv = await runWave(['list', 'runs', '--json'], {
      cwd,
      env: { WAVE_SERVER: url, WAVE_CERT: pki.clientCert, WAVE_KEY: pki.clientKey, WAVE_CA: pki.ca },
    });
    expect(JSON.parse(viaEnv.stdout).runs[0].trigger).toEqual({ source: 'cli', actor: 'alice' });
    const noCert = await runWave(['list', 'runs', '--server', url, '--ca', pki.ca], { cwd });
    expect(noCert.code).toBe(3);
  });
});
