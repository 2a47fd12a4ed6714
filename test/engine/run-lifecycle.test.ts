import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { EventDraft } from '../../src/events/catalogue.js';
import { expectWellFormed, harness, isAlive, ofType, stepOf } from '../helpers/engine-harness.js';
import { eventually } from '../helpers/eventually.js';
import { yaml } from '../helpers/tmp.js';

const FAST_KILL = 'kind: WaveManifest\nruntime: { timeouts: { process_grace_seconds: 1 } }\n';

const LONG = yaml`
  kind: WavePipeline
  steps:
    - id: long
      type: command
      script: |
        sleep 300 &
        echo $! > "$WAVE_PROJECT_ROOT/grandchild.pid"
        wait
    - { id: after, dependencies: [long], type: command, script: 'touch "$WAVE_PROJECT_ROOT/after-ran"' }
`;

describe('requires.tools', () => {
  it('a missing tool fails the run at once, naming it', async () => {
    const h = await harness({
      '.wave/pipelines/t.yaml': yaml`
        kind: WavePipeline
        requires: { tools: [bash, wave-no-such-tool-4711] }
        steps:
          - { id: s, type: command, script: 'touch "$WAVE_PROJECT_ROOT/ran"' }
      `,
    });
    const f = await h.run('t');
    expectWellFormed(f);
    expect(f.result.error).toMatchObject({ code: 'missing_tool', step: null });
    expect(f.result.error?.message).toContain('wave-no-such-tool-4711');
    expect(f.result.error?.message).not.toContain('bash');
    expect(ofType(f.events, 'step_started')).toEqual([]);
    expect(stepOf(f.detail, 's').status).toBe('skipped');
    expect(existsSync(h.path('ran'))).toBe(false);
  });

  it('tools are looked up on the PATH of the run', async () => {
    const h = await harness({
      '.wave/pipelines/t.yaml': yaml`
        kind: WavePipeline
        requires: { tools: [my-tool] }
        steps:
          - { id: s, type: command, script: 'my-tool > "$WAVE_PROJECT_ROOT/out"' }
      `,
    });
    mkdirSync(h.path('tools'));
    writeFileSync(h.path('tools/my-tool'), '#!/bin/sh\necho from my-tool\n');
    chmodSync(h.path('tools/my-tool'), 0o755);
    const f = await h.run('t', { env: { PATH: `${h.path('tools')}:${process.env.PATH}` } });
    expect(f.result).toEqual({ status: 'completed', error: null });
    expect(h.read('out')).toBe('from my-tool\n');
  });
});

describe('cancellation', () => {
  it('in this process: kills the step process group and ends the run cancelled by who asked', async () => {
    const h = await harness({ 'wave.yaml': FAST_KILL, '.wave/pipelines/c.yaml': LONG });
    const { run, done } = await h.start('c');
    await eventually(
      () => existsSync(h.path('grandchild.pid')) && h.read('grandchild.pid').trim() !== '',
      20_000,
      'the grandchild to write its pid',
    );
    const pid = Number(h.read('grandchild.pid').trim());
    expect(isAlive(pid)).toBe(true);
    expect(h.ctx.supervisor.cancel(run.id, 'me')).toBe(true);
    const f = await done;
    expectWellFormed(f);
    expect(f.result).toEqual({ status: 'cancelled', error: null });
    expect(ofType(f.events, 'run_cancelled')).toEqual([
      expect.objectContaining({ status: 'cancelled', by: 'me' }),
    ]);
    expect(f.detail.status).toBe('cancelled');
    expect(f.detail.steps?.map((s) => [s.id, s.status])).toEqual([
      ['long', 'cancelled'],
      ['after', 'cancelled'],
    ]);
    await eventually(() => !isAlive(pid), 5000, `process ${pid} to exit`);
    expect(existsSync(h.path('after-ran'))).toBe(false);
  });

  it('from another client through the store, also while a gate waits', async () => {
    const h = await harness({
      'wave.yaml': FAST_KILL,
      '.wave/pipelines/c.yaml': `${LONG}  - { id: gate, gate: { prompt: "ok?" } }\n`,
    });
    const { run, done } = await h.start('c', { gates: { unanswered: 'wait' } });
    await h.waitForEvent(run.id, 'gate_waiting');
    await eventually(
      () => existsSync(h.path('grandchild.pid')) && h.read('grandchild.pid').trim() !== '',
      20_000,
      'the grandchild to write its pid',
    );
    const pid = Number(h.read('grandchild.pid').trim());
    const other = await h.client();
    const asked = await other.runs.cancel(run.id, 'bob');
    expect(asked.requested).toBe(true);
    const f = await done;
    expectWellFormed(f);
    expect(f.result.status).toBe('cancelled');
    expect(ofType(f.events, 'run_cancelled')[0]?.by).toBe('bob');
    expect(f.detail.cancel_requested).toBe(true);
    expect(stepOf(f.detail, 'gate').status).toBe('cancelled');
    await eventually(() => !isAlive(pid), 5000, `process ${pid} to exit`);
    await expect(other.runs.cancel(run.id, 'bob')).rejects.toMatchObject({ code: 'run_finished' });
  });
});

describe('cancellation during a retry delay', () => {
  it('does not wait the delay out', async () => {
    const h = await harness({
      '.wave/pipelines/c.yaml': yaml`
        kind: WavePipeline
        steps:
          - { id: s, type: command, script: 'exit 1', retry: { max_attempts: 2, base_delay: 10m } }
      `,
    });
    const { run, done } = await h.start('c');
    await h.waitForEvent(run.id, 'step_retrying');
    const asked = Date.now();
    h.ctx.supervisor.cancel(run.id, 'me');
    const f = await done;
    expect(Date.now() - asked).toBeLessThan(10_000);
    expectWellFormed(f);
    expect(f.result.status).toBe('cancelled');
    expect(stepOf(f.detail, 's')).toMatchObject({ status: 'cancelled', attempts: 1 });
    expect(ofType(f.events, 'step_started')).toHaveLength(1);
  });
});

describe('resume after a crash', () => {
  it('keeps completed steps and restarts the running one with its attempt number', async () => {
    const h = await harness({
      '.wave/pipelines/res.yaml': yaml`
        kind: WavePipeline
        steps:
          - id: one
            type: command
            script: echo once >> "$WAVE_PROJECT_ROOT/one.log"
          - id: two
            dependencies: [one]
            type: command
            retry: { max_attempts: 3, base_delay: 1ms }
            script: echo "attempt $WAVE_ATTEMPT" >> "$WAVE_PROJECT_ROOT/two.log"
          - id: three
            dependencies: [two]
            type: command
            script: echo three >> "$WAVE_PROJECT_ROOT/three.log"
      `,
    });
    // What a process that died during step two's second attempt left behind.
    const { run } = await h.ctx.runs.submit({
      pipeline: 'res',
      input: null,
      trigger: { source: 'cli', actor: 'tester' },
      mode: 'local',
    });
    // Held by another process (what its claim left in the store).
    await h.ctx.store.claimRun(run.id, 'some-other-host:4242:deadbeef', -60_000);
    const id = run.id;
    const write = (drafts: EventDraft[]) => h.ctx.store.append(id, drafts);
    await write([{ type: 'run_started', run_id: id, pipeline: 'res', resumed: false }]);
    await write([
      { type: 'step_started', run_id: id, step: 'one', kind: 'command', persona: null, attempt: 1 },
    ]);
    writeFileSync(h.path('one.log'), 'once\n');
    await write([
      { type: 'step_completed', run_id: id, step: 'one', status: 'success', duration_ms: 3, attempt: 1 },
    ]);
    await write([
      { type: 'step_started', run_id: id, step: 'two', kind: 'command', persona: null, attempt: 1 },
    ]);
    await write([
      {
        type: 'step_failed',
        run_id: id,
        step: 'two',
        error: { code: 'exit_code', message: 'the command exited with code 1' },
        attempt: 1,
        will_retry: true,
      },
      { type: 'step_retrying', run_id: id, step: 'two', attempt: 2, delay_ms: 1, reason: 'exit 1' },
      { type: 'step_started', run_id: id, step: 'two', kind: 'command', persona: null, attempt: 2 },
    ]);
    const before = await h.ctx.runs.detail(id);
    expect(before.status).toBe('running');
    expect(stepOf(before, 'two')).toMatchObject({ status: 'running', attempts: 2 });

    const f = await h.resume(id);
    expectWellFormed(f);
    expect(f.result).toEqual({ status: 'completed', error: null });
    expect(h.read('one.log')).toBe('once\n');
    expect(h.read('two.log')).toBe('attempt 2\n');
    expect(h.read('three.log')).toBe('three\n');
    expect(ofType(f.events, 'run_started').map((e) => e.resumed)).toEqual([false, true]);
    const restarted = ofType(f.events, 'step_started').slice(3);
    expect(restarted.map((e) => [e.step, e.attempt])).toEqual([
      ['two', 2],
      ['three', 1],
    ]);
    expect(f.detail.steps?.map((s) => [s.id, s.status, s.attempts])).toEqual([
      ['one', 'completed', 1],
      ['two', 'completed', 2],
      ['three', 'completed', 1],
    ]);
    const after = await h.ctx.store.getRun(id);
    expect(after?.owner).toBeNull();
  });

  it('a run owned by a live process cannot be taken over', async () => {
    const h = await harness({
      '.wave/pipelines/res.yaml':
        'kind: WavePipeline\nsteps:\n  - { id: one, type: command, script: "true" }\n',
    });
    const { run } = await h.ctx.runs.submit({
      pipeline: 'res',
      input: null,
      trigger: { source: 'cli', actor: 'tester' },
      mode: 'local',
    });
    // Held by another process (what its claim left in the store).
    await h.ctx.store.claimRun(run.id, 'some-other-host:4242:alive', 60_000);
    await expect(h.resume(run.id)).rejects.toThrow('could not be claimed');
    expect((await h.ctx.runs.detail(run.id)).status).toBe('queued');
  });

  it('during a retry delay: the next attempt runs', async () => {
    const h = await harness({
      '.wave/pipelines/res.yaml': yaml`
        kind: WavePipeline
        steps:
          - id: two
            type: command
            retry: { max_attempts: 3, base_delay: 1ms }
            script: echo "attempt $WAVE_ATTEMPT" >> "$WAVE_PROJECT_ROOT/two.log"
      `,
    });
    const { run } = await h.ctx.runs.submit({
      pipeline: 'res',
      input: null,
      trigger: { source: 'cli', actor: 'tester' },
      mode: 'local',
    });
    // Held by another process (what its claim left in the store).
    await h.ctx.store.claimRun(run.id, 'some-other-host:4242:deadbeef', -60_000);
    const id = run.id;
    await h.ctx.store.append(id, [
      { type: 'run_started', run_id: id, pipeline: 'res', resumed: false },
      { type: 'step_started', run_id: id, step: 'two', kind: 'command', persona: null, attempt: 1 },
      {
        type: 'step_failed',
        run_id: id,
        step: 'two',
        error: { code: 'exit_code', message: 'the command exited with code 1' },
        attempt: 1,
        will_retry: true,
      },
      { type: 'step_retrying', run_id: id, step: 'two', attempt: 2, delay_ms: 1, reason: 'exit 1' },
    ]);
    const f = await h.resume(id);
    expectWellFormed(f);
    expect(f.result.status).toBe('completed');
    expect(h.read('two.log')).toBe('attempt 2\n');
    expect(stepOf(f.detail, 'two')).toMatchObject({ status: 'completed', attempts: 2 });
  });

  it('at a waiting gate: the gate is not announced again and an answer moves the run on', async () => {
    const h = await harness({
      '.wave/pipelines/res.yaml': yaml`
        kind: WavePipeline
        steps:
          - { id: g, gate: { prompt: "go?" } }
          - { id: after, dependencies: [g], type: command, script: 'echo {{ gate.g.choice }} > "$WAVE_PROJECT_ROOT/after.out"' }
      `,
    });
    const { run } = await h.ctx.runs.submit({
      pipeline: 'res',
      input: null,
      trigger: { source: 'cli', actor: 'tester' },
      mode: 'local',
    });
    // Held by another process (what its claim left in the store).
    await h.ctx.store.claimRun(run.id, 'some-other-host:4242:deadbeef', -60_000);
    const id = run.id;
    await h.ctx.store.append(id, [
      { type: 'run_started', run_id: id, pipeline: 'res', resumed: false },
      { type: 'step_started', run_id: id, step: 'g', kind: 'gate', persona: null, attempt: 1 },
      {
        type: 'gate_waiting',
        run_id: id,
        step: 'g',
        prompt: 'go?',
        choices: [
          { key: 'approve', label: 'Approve', target: null },
          { key: 'reject', label: 'Reject', target: '_fail' },
        ],
        freeform: false,
        default: null,
        timeout_at: null,
      },
      { type: 'run_waiting', run_id: id, steps: ['g'] },
    ]);
    expect((await h.ctx.runs.detail(id)).status).toBe('waiting');
    const f = await h.resume(id, { gates: { autoApprove: true } });
    expectWellFormed(f);
    expect(f.result.status).toBe('completed');
    expect(ofType(f.events, 'gate_waiting')).toHaveLength(1);
    expect(ofType(f.events, 'gate_answered')).toEqual([
      expect.objectContaining({ choice: 'approve', by: 'tester' }),
    ]);
    expect(h.read('after.out')).toBe('approve\n');
  });
});
