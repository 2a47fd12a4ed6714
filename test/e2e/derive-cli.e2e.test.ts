import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EventSchema, type WaveEvent } from '../../src/events/catalogue.js';
import { runWave } from '../helpers/cli.js';
import { DIAMOND } from '../helpers/diamond.js';
import { api, startTestServer } from '../helpers/server.js';
import { tempProject } from '../helpers/tmp.js';
import { waitForStatus } from '../server/support.js';

const files = { '.wave/pipelines/diamond.yaml': DIAMOND };

function ranLog(cwd: string): string[] {
  return readFileSync(join(cwd, 'ran.log'), 'utf8').trim().split('\n').filter(Boolean).sort();
}

function events(stdout: string): WaveEvent[] {
  return stdout
    .trimEnd()
    .split('\n')
    .map((l) => EventSchema.parse(JSON.parse(l)));
}

describe('wave retry / wave fork (local)', () => {
  it('retry prints the new id, runs only what did not complete; fork reruns from a step; errors exit 2', async () => {
    const cwd = tempProject(files);
    const first = await runWave(['run', 'diamond', '--json'], { cwd, timeoutMs: 60_000 });
    expect(first.code, first.stderr).toBe(1);
    const sourceId = events(first.stdout)[0]!.run_id;
    expect(ranLog(cwd)).toEqual(['a', 'b', 'c']);

    writeFileSync(join(cwd, 'fixed'), '');
    writeFileSync(join(cwd, 'ran.log'), '');
    const retry = await runWave(['retry', sourceId], { cwd, timeoutMs: 60_000 });
    expect(retry.code, retry.stderr).toBe(0);
    const retryId = retry.stdout.split('\n')[0]!;
    expect(retryId).toMatch(/^diamond-/);
    expect(retryId).not.toBe(sourceId);
    expect(retry.stdout).toMatch(new RegExp(`^run ${retryId} completed`, 'm'));
    expect(ranLog(cwd)).toEqual(['c', 'd']);

    writeFileSync(join(cwd, 'ran.log'), '');
    const fork = await runWave(['fork', retryId, '--from-step', 'd', '--json'], { cwd, timeoutMs: 60_000 });
    expect(fork.code, fork.stderr).toBe(0);
    const forkEvents = events(fork.stdout);
    const forkId = fork.stderr.trim();
    expect(forkEvents[0]!.run_id).toBe(forkId);
    expect(
      forkEvents
        .filter((e) => e.type === 'step_completed' && e.reused)
        .map((e) => (e as { step: string }).step)
        .sort(),
    ).toEqual(['a', 'b', 'c']);
    expect(ranLog(cwd)).toEqual(['d']);

    const nothing = await runWave(['retry', forkId], { cwd });
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toMatch(/nothing to retry/);
    const badStep = await runWave(['fork', forkId, '--from-step', 'nope'], { cwd });
    expect(badStep.code).toBe(2);
    expect(badStep.stderr).toMatch(/no step "nope"/);
  }, 180_000);
});

describe('wave retry / wave fork --server', () => {
  it('--detach prints the new run id; the server runs it', async () => {
    const server = await startTestServer(files);
    const created = await api<{ id: string }>(server, 'POST', '/api/runs', { pipeline: 'diamond' });
    await waitForStatus(server, created.body.id, ['failed'], 60_000);
    writeFileSync(join(server.root, 'fixed'), '');
    const r = await runWave(['retry', created.body.id, '--server', server.url, '--detach'], {
      cwd: server.root,
    });
    expect(r.code, r.stderr).toBe(0);
    const id = r.stdout.trim();
    const done = await waitForStatus(server, id, ['completed', 'failed'], 60_000);
    expect(done).toMatchObject({ status: 'completed', origin: { kind: 'retry', run_id: created.body.id } });

    const f = await runWave(['fork', id, '--from-step', 'c', '--server', server.url], { cwd: server.root });
    expect(f.code, f.stderr).toBe(0);
    const forkId = f.stdout.split('\n')[0]!;
    expect(forkId).toMatch(/^diamond-/);
    expect(f.stdout).toMatch(/completed/);
  }, 180_000);
});
