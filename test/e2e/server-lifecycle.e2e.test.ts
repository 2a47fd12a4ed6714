import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { version } from '../../src/version.js';
import { makePki } from '../helpers/auth.js';
import { isAlive, runWave, startWave } from '../helpers/cli.js';
import { eventually } from '../helpers/eventually.js';
import { deadPid, startStubbornServer } from '../helpers/fake-server.js';
import { killAll, processesWithEnv } from '../helpers/proc-env.js';
import { tempProject, writeTree } from '../helpers/tmp.js';

/**
 * `wave server …` with real processes. The servers it starts are detached (not children of this
 * worker, so the leak check cannot see them): every process is marked through its environment
 * and whatever is left is killed after each test.
 */
const MARK = 'WAVE_LIFECYCLE_TEST';
const mark = randomUUID();
const env = { [MARK]: mark };
const children: ChildProcess[] = [];
const listeners: Server[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
  for (const l of listeners.splice(0)) await new Promise((r) => l.close(r));
  killAll(processesWithEnv(MARK, mark));
});

const wave = (root: string, args: string[], extra: Record<string, string> = {}) =>
  runWave(args, { cwd: root, env: { ...env, ...extra }, timeoutMs: 90_000 });
const files = (root: string) => ({
  pid: join(root, '.wave/server.pid'),
  url: join(root, '.wave/server.url'),
  log: join(root, '.wave/server.log'),
});
const pidIn = (root: string) => Number(readFileSync(files(root).pid, 'utf8'));
const sessionOf = (pid: number) => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[3]);
};

type Status = {
  running: boolean;
  pid: number | null;
  url: string | null;
  version: string | null;
  uptime_s: number | null;
  runs: { queued: number; running: number; waiting: number } | null;
};

describe('wave server start/status/stop', () => {
  it('round trip: detached start once healthy, idempotent start, status, stop, idempotent stop', async () => {
    const root = tempProject({});
    const before = await wave(root, ['server', 'status', '--json']);
    expect(before.code).toBe(1);
    expect(JSON.parse(before.stdout)).toEqual({
      running: false,
      pid: null,
      url: null,
      version: null,
      uptime_s: null,
      runs: null,
    });

    const started = await wave(root, ['server', 'start', '--port', '0']);
    expect(started.code, started.stderr).toBe(0);
    const url = started.stdout.trim();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    // It answered before start returned.
    expect((await fetch(`${url}/api/health`)).status).toBe(200);
    const pid = pidIn(root);
    expect(isAlive(pid)).toBe(true);
    // Its own session: a terminal's hang-up or Ctrl-C does not reach it.
    expect(sessionOf(pid)).not.toBe(sessionOf(process.pid));

    const status = await wave(root, ['server', 'status', '--json']);
    expect(status.code).toBe(0);
    const s = JSON.parse(status.stdout) as Status;
    expect(s).toMatchObject({ running: true, pid, url, version: version() });
    expect(s.uptime_s).toBeGreaterThanOrEqual(0);
    expect(s.runs).toEqual({ queued: 0, running: 0, waiting: 0 });
    const text = await wave(root, ['server', 'status']);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`pid      ${pid}`);
    expect(text.stdout).toContain(url);
    expect(text.stdout).toContain('0 queued, 0 running, 0 waiting');

    const again = await wave(root, ['server', 'start', '--port', '0']);
    expect(again.code).toBe(0);
    expect(again.stdout.trim()).toBe(url);
    expect(again.stderr).toContain(`already running (pid ${pid})`);
    expect(pidIn(root)).toBe(pid);

    const stopped = await wave(root, ['server', 'stop']);
    expect(stopped.code).toBe(0);
    expect(stopped.stdout).toContain(`(pid ${pid}) stopped`);
    expect(isAlive(pid)).toBe(false);
    expect(existsSync(files(root).pid)).toBe(false);
    expect(existsSync(files(root).url)).toBe(false);
    await expect(fetch(`${url}/api/health`)).rejects.toThrow();
    // Nothing left: the supervisor has gone too, after the log's last line, a clean shutdown.
    expect(processesWithEnv(MARK, mark)).toEqual([]);
    expect(readFileSync(files(root).log, 'utf8')).toContain('exited with code 0');
    expect(readFileSync(files(root).log, 'utf8')).toContain('shutting down');

    const twice = await wave(root, ['server', 'stop']);
    expect(twice.code).toBe(0);
    expect(twice.stdout).toContain('not running');
    const after = await wave(root, ['server', 'status']);
    expect(after.code).toBe(1);
    expect(after.stdout).toContain('not running');
  });

  it('two starts at once: one server, both print its URL', async () => {
    const root = tempProject({});
    const [a, b] = await Promise.all([
      wave(root, ['server', 'start', '--port', '0']),
      wave(root, ['server', 'start', '--port', '0']),
    ]);
    expect([a.code, b.code]).toEqual([0, 0]);
    expect(a.stdout).toBe(b.stdout);
    expect([a.stderr, b.stderr].filter((e) => e.includes('already running'))).toHaveLength(1);
    // One supervisor and one server: nothing else of this test is left running.
    expect(processesWithEnv(MARK, mark)).toHaveLength(2);
    expect(existsSync(files(root).pid.replace('server.pid', 'server.start.lock'))).toBe(false);
    expect((await wave(root, ['server', 'stop'])).code).toBe(0);
  });

  it('a configuration error: exit 1 with the log tail naming it, nothing left running', async () => {
    const root = tempProject({ 'wave.yaml': 'server:\n  max_concurrent: -3\n' });
    const r = await wave(root, ['server', 'start', '--port', '0']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('did not start');
    expect(r.stderr).toContain(files(root).log);
    expect(r.stderr).toContain('server.max_concurrent');
    expect(r.stdout).toBe('');
    expect(existsSync(files(root).pid)).toBe(false);
    await eventually(() => processesWithEnv(MARK, mark).length === 0, 20_000, 'the supervisor to exit');
  });

  it('a port in use: exit 1 with the log tail saying so', async () => {
    const root = tempProject({});
    const taken = createServer();
    listeners.push(taken);
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    const port = (taken.address() as { port: number }).port;
    const r = await wave(root, ['server', 'start', '--port', String(port)]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('the address is in use');
    expect(existsSync(files(root).pid)).toBe(false);
    await eventually(() => processesWithEnv(MARK, mark).length === 0, 20_000, 'the supervisor to exit');
  });

  it('a stale PID file (its pid gone, or now an unrelated process) is replaced; the process is left alone', async () => {
    const root = tempProject({ '.wave/server.pid': `${await deadPid()}\n` });
    const first = await wave(root, ['server', 'start', '--port', '0']);
    expect(first.code, first.stderr).toBe(0);
    const firstPid = pidIn(root);
    expect(isAlive(firstPid)).toBe(true);
    expect((await wave(root, ['server', 'stop'])).code).toBe(0);

    const sleeper = spawn('sleep', ['1000'], { cwd: root, stdio: 'ignore' });
    children.push(sleeper);
    writeTree(root, { '.wave/server.pid': `${sleeper.pid}\n` });
    expect((await wave(root, ['server', 'status'])).code).toBe(1);
    const second = await wave(root, ['server', 'start', '--port', '0']);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toContain('started');
    expect(pidIn(root)).not.toBe(sleeper.pid);
    expect(isAlive(sleeper.pid!)).toBe(true);
    // stop stops the server, not the process the stale file named.
    expect((await wave(root, ['server', 'stop'])).code).toBe(0);
    expect(isAlive(sleeper.pid!)).toBe(true);
  });

  it('stop: a server that ignores SIGTERM is SIGKILLed after --timeout', async () => {
    const root = tempProject({});
    const stubborn = await startStubbornServer(root, ['serve', '-C', root], { cwd: root, env });
    children.push(stubborn);
    writeTree(root, { '.wave/server.pid': `${stubborn.pid}\n` });
    const killed = new Promise<NodeJS.Signals | null>((r) => stubborn.on('exit', (_c, sig) => r(sig)));
    const began = Date.now();
    const r = await wave(root, ['server', 'stop', '--timeout', '1s']);
    expect(r.code).toBe(0);
    expect(Date.now() - began).toBeGreaterThanOrEqual(1000);
    expect(r.stdout).toContain(`(pid ${stubborn.pid}) killed`);
    expect(await killed).toBe('SIGKILL');
    expect(existsSync(files(root).pid)).toBe(false);

    const bad = await wave(root, ['server', 'stop', '--timeout', 'soon']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--timeout');
  });
});

describe('wave server start over HTTPS', () => {
  it('checks health trusting WAVE_CA; without it, gives up after the wait naming why and stops the server', async () => {
    const pki = makePki();
    try {
      const root = tempProject({
        'wave.yaml': `server:\n  tls: { enabled: true, cert: ${pki.serverCert}, key: ${pki.serverKey} }\n`,
      });
      const failed = await wave(root, ['server', 'start', '--port', '0'], { WAVE_SERVER_START_WAIT: '3s' });
      expect(failed.code).toBe(1);
      expect(failed.stderr).toMatch(
        /did not answer within 3s \(cannot reach .*: [A-Z_]+\), so it was stopped/,
      );
      await eventually(() => processesWithEnv(MARK, mark).length === 0, 20_000, 'the server to be stopped');
      expect(existsSync(files(root).pid)).toBe(false);

      const started = await wave(root, ['server', 'start', '--port', '0'], { WAVE_CA: pki.ca });
      expect(started.code, started.stderr).toBe(0);
      const url = started.stdout.trim();
      expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const status = await wave(root, ['server', 'status', '--json'], { WAVE_CA: pki.ca });
      expect(JSON.parse(status.stdout)).toMatchObject({ running: true, url, version: version() });
      // Running, but its health cannot be checked without trusting its certificate: said so.
      const untrusted = await wave(root, ['server', 'status', '--json']);
      expect(untrusted.code).toBe(0);
      expect(JSON.parse(untrusted.stdout)).toMatchObject({ running: true, url, version: null });
      expect(untrusted.stderr).toContain('does not answer its health check');
      expect((await wave(root, ['server', 'stop'])).code).toBe(0);
    } finally {
      rmSync(pki.dir, { recursive: true, force: true });
    }
  });
});

describe('wave server logs', () => {
  it('rotates the log past its limit keeping 5; logs -n spans rotated files; --follow follows rotations', async () => {
    const root = tempProject({});
    const limit = 3000;
    const small = { WAVE_SERVER_LOG_MAX_BYTES: String(limit) };
    const started = await wave(root, ['server', 'start', '--port', '0'], small);
    expect(started.code, started.stderr).toBe(0);
    const url = started.stdout.trim();

    const follower = startWave(['server', 'logs', '--follow', '-n', '1'], { cwd: root, env });
    children.push(follower.child);
    // The tail is printed just before following starts, in the same turn of its event loop.
    await follower.waitFor(/\n/);
    const marks = Array.from({ length: 150 }, (_, i) => `m${String(i).padStart(3, '0')}`);
    // Each request is one line of the server's log.
    for (const m of marks) expect((await fetch(`${url}/api/health?mark=${m}`)).status).toBe(200);

    await follower.waitFor(/mark=m149/, 30_000);
    const followed = follower
      .stdout()
      .match(/mark=m\d{3}/g)!
      .map((m) => m.slice(5));
    expect(followed).toEqual(marks);
    follower.child.kill('SIGTERM');
    expect((await follower.exited).code).toBe(0);

    const log = files(root).log;
    for (let i = 1; i <= 5; i++) expect(existsSync(`${log}.${i}`)).toBe(true);
    expect(existsSync(`${log}.6`)).toBe(false);
    for (const f of [log, ...[1, 2, 3, 4, 5].map((i) => `${log}.${i}`)]) {
      expect(statSync(f).size).toBeLessThanOrEqual(limit + 500);
      // Whole lines only: every line of the server is a JSON object.
      for (const line of readFileSync(f, 'utf8').split('\n').filter(Boolean))
        if (!line.startsWith('[')) expect(() => JSON.parse(line)).not.toThrow();
    }

    const last5 = await wave(root, ['server', 'logs', '-n', '5']);
    expect(last5.code).toBe(0);
    const lines = last5.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[4]).toContain('mark=m149');
    const last40 = await wave(root, ['server', 'logs', '-n', '40']);
    const spanned = last40.stdout.match(/mark=m\d{3}/g)!;
    expect(spanned).toHaveLength(40);
    expect(spanned.at(-1)).toBe('mark=m149');
    expect(readFileSync(log, 'utf8').split('\n').filter(Boolean).length).toBeLessThan(40);

    expect((await wave(root, ['server', 'stop'])).code).toBe(0);
  });
});
