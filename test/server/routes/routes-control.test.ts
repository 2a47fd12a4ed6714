import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isAlive } from '../../helpers/cli.js';
import { eventually } from '../../helpers/eventually.js';
import { api, startTestServer, type TestServer } from '../../helpers/server.js';
import {
  createRun,
  expectError,
  getRun,
  type RunBody,
  serverProject,
  storedEvents,
  waitForGate,
  waitForStatus,
} from '../support.js';

interface GateBody {
  step: string;
  status: string;
  prompt: string;
  choices: { key: string; label: string; target: string | null }[];
  freeform: boolean;
  default: string | null;
  timeout_at: string | null;
  answer: { choice: string; text: string | null; by: string | null; at: string } | null;
}

const GATE_FIELDS = ['answer', 'choices', 'default', 'freeform', 'prompt', 'status', 'step', 'timeout_at'];

/** The pid the sleeper's step wrote for its backgrounded `sleep 300`. */
async function grandchildPid(server: TestServer, runId: string): Promise<number> {
  return eventually(
    () => {
      try {
        const pid = Number(readFileSync(join(server.root, `grandchild-${runId}.pid`), 'utf8').trim());
        return pid > 0 ? pid : null;
      } catch {
        return null;
      }
    },
    20_000,
    'the grandchild pid',
  );
}

describe('POST /api/runs/:id/cancel', () => {
  it('a queued run is cancelled at once (202); then 409 run_finished', async () => {
    const server = await startTestServer(serverProject());
    await server.ctx.scheduler.stop();
    const run = await createRun(server, 'quick');
    const res = await api<RunBody>(server, 'POST', `/api/runs/${run.id}/cancel`);
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({
      id: run.id,
      status: 'cancelled',
      cancel_requested: true,
      queue_position: null,
    });
    expect(res.body.finished_at).toBeTypeOf('string');
    const events = await storedEvents(server, run.id);
    expect(events.map((e) => e.type)).toEqual(['run_queued', 'run_cancelled']);
    expect(events[1]).toMatchObject({ status: 'cancelled', by: 'local' });

    const again = expectError(await api(server, 'POST', `/api/runs/${run.id}/cancel`), 409, 'run_finished');
    expect(again.details).toMatchObject({ status: 'cancelled' });
  });

  it('a running run: 202 with cancel_requested, then cancelled with its process group dead', async () => {
    const server = await startTestServer(serverProject());
    const run = await createRun(server, 'sleeper');
    const pid = await grandchildPid(server, run.id);
    expect(isAlive(pid)).toBe(true);
    await waitForStatus(server, run.id, ['running']);

    const res = await api<RunBody>(server, 'POST', `/api/runs/${run.id}/cancel`);
    expect(res.status).toBe(202);
    expect(res.body.cancel_requested).toBe(true);
    expect(['running', 'cancelled']).toContain(res.body.status);
    // Repeating is harmless while it stops.
    const repeat = await api<RunBody>(server, 'POST', `/api/runs/${run.id}/cancel`);
    expect([202, 409]).toContain(repeat.status);

    const ended = await waitForStatus(server, run.id, ['cancelled', 'failed', 'completed']);
    expect(ended.status).toBe('cancelled');
    await eventually(() => !isAlive(pid), 15_000, `grandchild ${pid} to die`);
    const detail = await getRun<{ steps: { id: string; status: string }[] }>(server, run.id);
    expect(detail.steps).toEqual([expect.objectContaining({ id: 'long', status: 'cancelled' })]);
    const events = await storedEvents(server, run.id);
    expect(events.at(-1)).toMatchObject({ type: 'run_cancelled', status: 'cancelled', by: 'local' });
    expect(events.filter((e) => e.type === 'run_cancelled')).toHaveLength(1);

    expectError(await api(server, 'POST', `/api/runs/${run.id}/cancel`), 409, 'run_finished');
  });

  it('a repeated cancel of a running run is 202 and harmless', async () => {
    const server = await startTestServer(serverProject());
    const run = await createRun(server, 'sleeper');
    const pid = await grandchildPid(server, run.id);
    const results = await Promise.all(
      Array.from({ length: 5 }, () => api<RunBody>(server, 'POST', `/api/runs/${run.id}/cancel`)),
    );
    // Each is 202 unless the run already ended by the time it was handled.
    for (const r of results) {
      if (r.status === 409) expectError(r, 409, 'run_finished');
      else expect(r.status).toBe(202);
    }
    expect(results[0]!.status).toBe(202);
    await waitForStatus(server, run.id, ['cancelled']);
    await eventually(() => !isAlive(pid), 15_000, `grandchild ${pid} to die`);
    expect((await storedEvents(server, run.id)).filter((e) => e.type === 'run_cancelled')).toHaveLength(1);
  });

  it('repeating the cancel while the run stops is 202 each time; SIGKILL follows the grace period', async () => {
    // The step ignores SIGTERM (so does its grandchild): the run keeps running for the grace.
    const server = await startTestServer(
      serverProject({
        'wave.yaml': 'apiVersion: v1\nkind: WaveManifest\nserver: { cancel_grace: 3s }\n',
        '.wave/pipelines/stubborn.yaml': [
          'kind: WavePipeline',
          'steps:',
          '  - id: long',
          '    type: command',
          '    workspace: { type: project }',
          '    script: |',
          "      trap '' TERM",
          '      sleep 300 &',
          '      echo $! > grandchild-$WAVE_RUN_ID.pid',
          '      wait',
          '',
        ].join('\n'),
      }),
    );
    const run = await createRun(server, 'stubborn');
    const pid = await grandchildPid(server, run.id);
    await waitForStatus(server, run.id, ['running']);
    for (let i = 0; i < 3; i++) {
      const res = await api<RunBody>(server, 'POST', `/api/runs/${run.id}/cancel`);
      expect(res.status).toBe(202);
      expect(res.body).toMatchObject({ status: 'running', cancel_requested: true });
    }
    expect(isAlive(pid)).toBe(true);
    const ended = await waitForStatus(server, run.id, ['cancelled', 'failed', 'completed'], 20_000);
    expect(ended.status).toBe('cancelled');
    await eventually(() => !isAlive(pid), 10_000, `grandchild ${pid} to be killed`);
    const events = await storedEvents(server, run.id);
    expect(events.filter((e) => e.type === 'run_cancelled')).toHaveLength(1);
    expectError(await api(server, 'POST', `/api/runs/${run.id}/cancel`), 409, 'run_finished');
  });

  it('a waiting run is cancelled too', async () => {
    const server = await startTestServer(serverProject());
    const run = await createRun(server, 'gated');
    await waitForStatus(server, run.id, ['waiting']);
    const res = await api<RunBody>(server, 'POST', `/api/runs/${run.id}/cancel`);
    expect(res.status).toBe(202);
    expect(res.body.cancel_requested).toBe(true);
    await waitForStatus(server, run.id, ['cancelled']);
    expectError(
      await api(server, 'POST', `/api/runs/${run.id}/gate/ask`, { choice: 'yes' }),
      409,
      'gate_not_waiting',
    );
  });

  it('404 run_not_found for an unknown run', async () => {
    const server = await startTestServer(serverProject());
    expectError(await api(server, 'POST', '/api/runs/nope/cancel'), 404, 'run_not_found');
    // A JSON body is accepted (and ignored), an empty one too.
    expectError(await api(server, 'POST', '/api/runs/nope/cancel', {}), 404, 'run_not_found');
    expectError(
      await api(server, 'POST', '/api/runs/nope/cancel', '', { 'content-type': 'application/json' }),
      404,
      'run_not_found',
    );
  });
});

describe('POST /api/runs/:id/gate/:step', () => {
  it('200 Gate with the answer; the run goes on with it', async () => {
    const server = await startTestServer(serverProject());
    const run = await createRun(server, 'gated');
    await waitForGate(server, run.id, 'ask');
    const res = await api<GateBody>(server, 'POST', `/api/runs/${run.id}/gate/ask`, {
      choice: 'yes',
      text: 'ship it',
    });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(GATE_FIELDS);
    expect(res.body).toMatchObject({
      step: 'ask',
      status: 'answered',
      prompt: 'Ship it?',
      freeform: true,
      default: null,
      timeout_at: null,
      answer: { choice: 'yes', text: 'ship it', by: 'local', at: expect.any(String) },
    });
    await waitForStatus(server, run.id, ['completed']);
    const logs = await api<string>(server, 'GET', `/api/runs/${run.id}/logs?step=ship`);
    expect(logs.body).toContain('shipping with yes');
  });

  it('{approved: true} takes the first choice that does not fail, {approved: false} the first that does', async () => {
    const server = await startTestServer(serverProject());
    const yes = await createRun(server, 'gated');
    const no = await createRun(server, 'gated');
    await waitForGate(server, yes.id, 'ask');
    await waitForGate(server, no.id, 'ask');
    const approved = await api<GateBody>(server, 'POST', `/api/runs/${yes.id}/gate/ask`, { approved: true });
    expect(approved.status).toBe(200);
    expect(approved.body.answer).toMatchObject({ choice: 'yes', text: null, by: 'local' });
    const rejected = await api<GateBody>(server, 'POST', `/api/runs/${no.id}/gate/ask`, { approved: false });
    expect(rejected.status).toBe(200);
    expect(rejected.body.answer).toMatchObject({ choice: 'no' });
    expect((await waitForStatus(server, yes.id, ['completed', 'failed'])).status).toBe('completed');
    const failed = await waitForStatus(server, no.id, ['completed', 'failed']);
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatchObject({ code: 'gate_rejected', step: 'ask' });
  });

  it('400 invalid_choice for an unknown key, and for text on a gate without freeform', async () => {
    const server = await startTestServer(serverProject());
    const gated = await createRun(server, 'gated');
    const strict = await createRun(server, 'strict');
    await waitForGate(server, gated.id, 'ask');
    await waitForGate(server, strict.id, 'ask');
    const unknown = expectError(
      await api(server, 'POST', `/api/runs/${gated.id}/gate/ask`, { choice: 'maybe' }),
      400,
      'invalid_choice',
    );
    expect(unknown.details).toMatchObject({ choices: ['yes', 'no'] });
    expectError(
      await api(server, 'POST', `/api/runs/${strict.id}/gate/ask`, { choice: 'red', text: 'why not' }),
      400,
      'invalid_choice',
    );
    // {approved: false} on a gate with no failing choice has nothing to pick.
    expectError(
      await api(server, 'POST', `/api/runs/${strict.id}/gate/ask`, { approved: false }),
      400,
      'invalid_choice',
    );
    // Still waiting: the bad answers changed nothing.
    const ok = await api<GateBody>(server, 'POST', `/api/runs/${strict.id}/gate/ask`, { choice: 'green' });
    expect(ok.status).toBe(200);
    expect(ok.body.answer).toMatchObject({ choice: 'green', text: null });
  });

  it('400 invalid_request for a body that fails the schema', async () => {
    const server = await startTestServer(serverProject());
    const run = await createRun(server, 'gated');
    await waitForGate(server, run.id, 'ask');
    for (const body of [
      {},
      { choice: 'yes', approved: true },
      { choice: 7 },
      { approved: 'yes' },
      { choice: 'yes', extra: 1 },
      { choice: '' },
      [],
    ]) {
      const error = expectError(
        await api(server, 'POST', `/api/runs/${run.id}/gate/ask`, body),
        400,
        'invalid_request',
      );
      expect(Array.isArray(error.details.issues), JSON.stringify(body)).toBe(true);
    }
    expectError(
      await api(server, 'POST', `/api/runs/${run.id}/gate/ask`, '{"choice":'),
      400,
      'invalid_request',
    );
    expectError(
      await api(server, 'POST', `/api/runs/${run.id}/gate/ask`, 'choice=yes', {
        'content-type': 'text/plain',
      }),
      415,
      'unsupported_media_type',
    );
    expect((await server.ctx.store.listGates(run.id))[0]!.status).toBe('waiting');
  });

  it('404 step_not_found for a step that is not a gate; run_not_found for an unknown run', async () => {
    const server = await startTestServer(serverProject());
    const run = await createRun(server, 'gated');
    await waitForGate(server, run.id, 'ask');
    expectError(
      await api(server, 'POST', `/api/runs/${run.id}/gate/build`, { choice: 'yes' }),
      404,
      'step_not_found',
    );
    expectError(
      await api(server, 'POST', `/api/runs/${run.id}/gate/nope`, { choice: 'yes' }),
      404,
      'step_not_found',
    );
    expectError(
      await api(server, 'POST', '/api/runs/nope/gate/ask', { choice: 'yes' }),
      404,
      'run_not_found',
    );
  });

  it('409 gate_not_waiting for a gate not yet reached, and for one already decided', async () => {
    const server = await startTestServer(serverProject());
    const run = await createRun(server, 'twogates');
    await waitForGate(server, run.id, 'first');
    const early = expectError(
      await api(server, 'POST', `/api/runs/${run.id}/gate/second`, { choice: 'go' }),
      409,
      'gate_not_waiting',
    );
    expect(early.message).toContain('not been reached');
    expect((await api(server, 'POST', `/api/runs/${run.id}/gate/first`, { choice: 'go' })).status).toBe(200);
    const decided = expectError(
      await api(server, 'POST', `/api/runs/${run.id}/gate/first`, { choice: 'go' }),
      409,
      'gate_not_waiting',
    );
    expect(decided.details).toMatchObject({ status: 'answered', answer: { choice: 'go', by: 'local' } });
    // Still not reached while the step before it runs.
    await waitForStatus(server, run.id, ['running']);
    expectError(
      await api(server, 'POST', `/api/runs/${run.id}/gate/second`, { approved: true }),
      409,
      'gate_not_waiting',
    );
  });

  it('of 20 concurrent answers exactly one wins; the others are 409 gate_not_waiting', async () => {
    const keys = Array.from({ length: 20 }, (_, i) => `c${i}`);
    const many = [
      'kind: WavePipeline',
      'steps:',
      '  - id: pick',
      '    gate:',
      '      prompt: "Pick"',
      '      freeform: true',
      '      choices:',
      ...keys.map((k) => `        - { key: ${k}, label: "Choice ${k}" }`),
      '',
    ].join('\n');
    const server = await startTestServer(serverProject({ '.wave/pipelines/many.yaml': many }));
    const run = await createRun(server, 'many');
    await waitForGate(server, run.id, 'pick');
    const results = await Promise.all(
      keys.map((k) =>
        api<GateBody>(server, 'POST', `/api/runs/${run.id}/gate/pick`, { choice: k, text: `from ${k}` }),
      ),
    );
    const winners = results.filter((r) => r.status === 200);
    expect(winners).toHaveLength(1);
    const losers = results.filter((r) => r.status !== 200);
    expect(losers).toHaveLength(19);
    for (const r of losers) expectError(r, 409, 'gate_not_waiting');
    const winner = winners[0]!.body.answer!;
    expect(winner.text).toBe(`from ${winner.choice}`);
    const stored = (await server.ctx.store.listGates(run.id))[0]!;
    expect(stored.answer).toMatchObject({ choice: winner.choice, text: winner.text });
    const answered = (await storedEvents(server, run.id)).filter((e) => e.type === 'gate_answered');
    expect(answered).toHaveLength(1);
    expect(answered[0]).toMatchObject({ choice: winner.choice, timed_out: false });
    await waitForStatus(server, run.id, ['completed']);
  });
});

describe('gate timeouts over HTTP', () => {
  it('a gate with timeout and default is decided by the timeout, and the run goes on', async () => {
    const server = await startTestServer(serverProject());
    const run = await createRun(server, 'timed');
    await waitForGate(server, run.id, 'ask');
    const waiting = await getRun<{ gates: GateBody[] }>(server, run.id);
    expect(waiting.gates[0]).toMatchObject({ status: 'waiting', default: 'go', answer: null });
    expect(Date.parse(waiting.gates[0]!.timeout_at!)).toBeGreaterThan(Date.now() - 5_000);

    const done = await waitForStatus(server, run.id, ['completed', 'failed', 'cancelled']);
    expect(done.status).toBe('completed');
    const detail = await getRun<{ gates: GateBody[]; steps: { id: string; status: string }[] }>(
      server,
      run.id,
    );
    expect(detail.gates[0]).toMatchObject({
      step: 'ask',
      status: 'timed_out',
      answer: { choice: 'go', text: null, by: null },
    });
    expect(detail.steps.map((s) => [s.id, s.status])).toEqual([
      ['ask', 'completed'],
      ['after', 'completed'],
    ]);
    const logs = await api<string>(server, 'GET', `/api/runs/${run.id}/logs`);
    expect(logs.body).toContain('went on with go');
    const answered = (await storedEvents(server, run.id)).filter((e) => e.type === 'gate_answered');
    expect(answered).toEqual([expect.objectContaining({ choice: 'go', by: null, timed_out: true })]);
    // Too late to answer now.
    expectError(
      await api(server, 'POST', `/api/runs/${run.id}/gate/ask`, { choice: 'stop' }),
      409,
      'gate_not_waiting',
    );
  });

  it('a gate that times out without a default fails the run with gate_timeout', async () => {
    const server = await startTestServer(
      serverProject({
        '.wave/pipelines/nodefault.yaml': [
          'kind: WavePipeline',
          'steps:',
          '  - id: ask',
          '    gate:',
          '      prompt: "Proceed?"',
          '      choices: [ { key: go, label: Go } ]',
          '      timeout: 1s',
          '  - { id: after, dependencies: [ask], type: command, script: echo never }',
          '',
        ].join('\n'),
      }),
    );
    const run = await createRun(server, 'nodefault');
    const ended = await waitForStatus(server, run.id, ['completed', 'failed', 'cancelled']);
    expect(ended.status).toBe('failed');
    expect(ended.error).toMatchObject({ code: 'gate_timeout', step: 'ask' });
    const detail = await getRun<{ gates: GateBody[]; steps: { id: string; status: string }[] }>(
      server,
      run.id,
    );
    expect(detail.gates[0]).toMatchObject({ status: 'timed_out', answer: null });
    expect(detail.steps.map((s) => [s.id, s.status])).toEqual([
      ['ask', 'failed'],
      ['after', 'skipped'],
    ]);
    expectError(
      await api(server, 'POST', `/api/runs/${run.id}/gate/ask`, { choice: 'go' }),
      409,
      'gate_not_waiting',
    );
  });
});
