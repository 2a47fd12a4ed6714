import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compositionFiles } from '../../helpers/composition-fixtures.js';
import { DIAMOND } from '../../helpers/diamond.js';
import { api, startTestServer, type TestServer } from '../../helpers/server.js';
import { yaml } from '../../helpers/tmp.js';
import { createRun, expectError, getRun, type RunBody, storedEvents, waitForStatus } from '../support.js';

const SLOW = yaml`
  kind: WavePipeline
  steps:
    - id: wait
      type: command
      workspace: { type: project }
      script: for i in $(seq 1 1200); do [ -f release ] && break; sleep 0.05; done
`;

function ranLog(server: TestServer): string[] {
  return readFileSync(join(server.root, 'ran.log'), 'utf8').trim().split('\n');
}

async function failedDiamond(server: TestServer): Promise<RunBody> {
  const run = await createRun(server, 'diamond');
  const done = await waitForStatus(server, run.id, ['failed', 'completed'], 60_000);
  expect(done.status).toBe('failed');
  expect(ranLog(server).sort()).toEqual(['a', 'b', 'c']);
  return done;
}

function project(): Record<string, string> {
  return { '.wave/pipelines/diamond.yaml': DIAMOND, '.wave/pipelines/slow.yaml': SLOW };
}

describe('POST /api/runs/:id/retry', () => {
  it('reuses the completed branch and runs only what did not complete', async () => {
    const server = await startTestServer(project());
    const source = await failedDiamond(server);
    writeFileSync(join(server.root, 'fixed'), '');
    writeFileSync(join(server.root, 'ran.log'), '');

    const res = await api<RunBody>(server, 'POST', `/api/runs/${source.id}/retry`);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.headers.get('location')).toBe(`/api/runs/${res.body.id}`);
    expect(res.body.origin).toEqual({ kind: 'retry', run_id: source.id, step: null });
    const retry = await waitForStatus(server, res.body.id, ['failed', 'completed'], 60_000);
    expect(retry.status).toBe('completed');
    // a and b were not run again: only c and d wrote their marks.
    expect(ranLog(server).sort()).toEqual(['c', 'd']);
    // d read a's artifact, reused from the source run.
    expect(JSON.parse(readFileSync(join(server.root, 'd-saw.json'), 'utf8'))).toEqual({ n: 1 });

    const events = await storedEvents(server, retry.id);
    const reused = events.filter((e) => e.type === 'step_completed' && 'reused' in e && e.reused);
    expect(reused.map((e) => (e as { step: string }).step).sort()).toEqual(['a', 'b']);
    const started = events.filter((e) => e.type === 'step_started').map((e) => (e as { step: string }).step);
    expect(started.sort()).toEqual(['c', 'd']);
    const detail = await getRun<{ steps: { id: string; status: string; artifacts: { name: string }[] }[] }>(
      server,
      retry.id,
    );
    expect(detail.steps.map((s) => [s.id, s.status])).toEqual([
      ['a', 'completed'],
      ['b', 'completed'],
      ['c', 'completed'],
      ['d', 'completed'],
    ]);
    expect(detail.steps[0]!.artifacts.map((a) => a.name)).toEqual(['data']);
    // The kept copy belongs to the new run.
    const art = await api(server, 'GET', `/api/runs/${retry.id}/artifacts/a/data`);
    expect(art.status).toBe(200);

    // The source lists its retries (the run page links both ways).
    const derived = await api<{ runs: RunBody[] }>(server, 'GET', `/api/runs?origin=${source.id}`);
    expect(derived.body.runs.map((r) => r.id)).toEqual([retry.id]);

    // A completed run has nothing to retry.
    expectError(await api(server, 'POST', `/api/runs/${retry.id}/retry`), 409, 'nothing_to_retry');
  }, 120_000);

  it('is refused while the source is active (409 run_not_finished), and 404 for an unknown run', async () => {
    const server = await startTestServer(project());
    const run = await createRun(server, 'slow');
    await waitForStatus(server, run.id, ['running']);
    const err = expectError(await api(server, 'POST', `/api/runs/${run.id}/retry`), 409, 'run_not_finished');
    expect(err.details).toMatchObject({ status: 'running' });
    expectError(
      await api(server, 'POST', `/api/runs/${run.id}/fork`, { from_step: 'wait' }),
      409,
      'run_not_finished',
    );
    writeFileSync(join(server.root, 'release'), '');
    await waitForStatus(server, run.id, ['completed'], 60_000);
    expectError(await api(server, 'POST', '/api/runs/nope-1/retry'), 404, 'run_not_found');
  }, 120_000);
});

describe('POST /api/runs/:id/fork', () => {
  it('runs from_step and its downstream again, reusing the rest', async () => {
    const server = await startTestServer(project());
    writeFileSync(join(server.root, 'fixed'), '');
    const first = await createRun(server, 'diamond');
    expect((await waitForStatus(server, first.id, ['failed', 'completed'], 60_000)).status).toBe('completed');
    writeFileSync(join(server.root, 'ran.log'), '');

    const res = await api<RunBody>(server, 'POST', `/api/runs/${first.id}/fork`, {
      from_step: 'c',
      input: 'again',
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.origin).toEqual({ kind: 'fork', run_id: first.id, step: 'c' });
    expect(res.body.input).toBe('again');
    const fork = await waitForStatus(server, res.body.id, ['failed', 'completed'], 60_000);
    expect(fork.status).toBe('completed');
    // b is not downstream of c: reused. c and d ran again.
    expect(ranLog(server).sort()).toEqual(['c', 'd']);
    const events = await storedEvents(server, fork.id);
    const reused = events
      .filter((e) => e.type === 'step_completed' && 'reused' in e && e.reused)
      .map((e) => (e as { step: string }).step);
    expect(reused.sort()).toEqual(['a', 'b']);
  }, 120_000);

  it('step_not_found for an unknown step; step_not_completed naming a step it would reuse', async () => {
    const server = await startTestServer(project());
    const source = await failedDiamond(server);
    const unknown = expectError(
      await api(server, 'POST', `/api/runs/${source.id}/fork`, { from_step: 'nope' }),
      404,
      'step_not_found',
    );
    expect(unknown.details).toMatchObject({ step: 'nope' });
    // Forking from d would reuse c, which failed.
    const notDone = expectError(
      await api(server, 'POST', `/api/runs/${source.id}/fork`, { from_step: 'd' }),
      409,
      'step_not_completed',
    );
    expect(notDone.details).toEqual({ step: 'c' });
    expect(notDone.message).toContain('"c"');
    expectError(await api(server, 'POST', `/api/runs/${source.id}/fork`, {}), 400, 'invalid_request');
    // From b: a is reused, c is not downstream of b and failed.
    expectError(
      await api(server, 'POST', `/api/runs/${source.id}/fork`, { from_step: 'b' }),
      409,
      'step_not_completed',
    );
    // From a everything runs again: allowed.
    const all = await api<RunBody>(server, 'POST', `/api/runs/${source.id}/fork`, { from_step: 'a' });
    expect(all.status).toBe(201);
    await waitForStatus(server, all.body.id, ['failed', 'completed'], 60_000);
  }, 120_000);
});

describe('retry of a run with a composition step', () => {
  it('a reused iterate keeps its children and their results; no child runs again', async () => {
    const server = await startTestServer(
      compositionFiles({
        '.wave/pipelines/fanretry.yaml': yaml`
          kind: WavePipeline
          steps:
            - id: each
              pipeline: echo-child
              input: "{{ item.name }}"
              iterate: { over: '[{"name":"a"},{"name":"b"}]', mode: parallel, max_concurrent: 2 }
            - id: check
              dependencies: [each]
              type: command
              workspace: { type: project }
              memory: { inject_artifacts: [{ step: each, artifact: collected-output, as: all.json }] }
              script: |
                test -f fixed
                cat {{ artifacts.all.json }} > saw.json
        `,
      }),
    );
    const source = await createRun(server, 'fanretry');
    await waitForStatus(server, source.id, ['failed'], 60_000);
    const children = await api<{ runs: RunBody[] }>(server, 'GET', `/api/runs?parent=${source.id}`);
    expect(children.body.runs).toHaveLength(2);

    writeFileSync(join(server.root, 'fixed'), '');
    const res = await api<RunBody>(server, 'POST', `/api/runs/${source.id}/retry`);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const retry = await waitForStatus(server, res.body.id, ['failed', 'completed'], 60_000);
    expect(retry.status, JSON.stringify(await getRun(server, retry.id))).toBe('completed');
    // No child run was started again.
    const all = await api<{ runs: RunBody[] }>(server, 'GET', '/api/runs?include_children=true&limit=200');
    expect(all.body.runs.filter((r) => r.pipeline === 'echo-child')).toHaveLength(2);
    // The downstream step read the children's results through the reused step.
    const saw = readFileSync(join(server.root, 'saw.json'), 'utf8');
    expect((JSON.parse(saw) as { input: string }[]).map((r) => r.input).sort()).toEqual(['a', 'b']);

    // The reused step lists the children it ran in the source, as the source's step does; so
    // does a fork of the retry, two runs away from them.
    const childrenOf = async (runId: string) =>
      (await getRun<{ steps: { id: string; children: string[] }[] }>(server, runId)).steps.find(
        (s) => s.id === 'each',
      )?.children;
    const sourceChildren = await childrenOf(source.id);
    expect([...(sourceChildren ?? [])].sort()).toEqual(children.body.runs.map((r) => r.id).sort());
    expect(await childrenOf(retry.id)).toEqual(sourceChildren);
    const fork = await api<RunBody>(server, 'POST', `/api/runs/${retry.id}/fork`, { from_step: 'check' });
    expect(fork.status, JSON.stringify(fork.body)).toBe(201);
    await waitForStatus(server, fork.body.id, ['failed', 'completed'], 60_000);
    expect(await childrenOf(fork.body.id)).toEqual(sourceChildren);
  }, 120_000);
});
