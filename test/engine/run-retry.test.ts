import { existsSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { expectWellFormed, harness, ofType, stepEvents, stepOf } from '../helpers/engine-harness.js';
import { yaml } from '../helpers/tmp.js';

/** Bash: bumps a counter file named after the step; exits 1 until the count reaches `okAt`. */
const failUntil = (okAt: number) =>
  `c="$WAVE_PROJECT_ROOT/$WAVE_STEP_ID.count"; n=$(($(cat "$c" 2>/dev/null || echo 0) + 1)); echo $n > "$c"; echo "attempt $WAVE_ATTEMPT"; [ "$n" -ge ${okAt} ] || { echo "not yet ($n)" >&2; exit 1; }`;

describe('retries', () => {
  it('run a failing step again until it succeeds, announcing each retry', async () => {
    const h = await harness({
      '.wave/pipelines/r.yaml': yaml`
        kind: WavePipeline
        steps:
          - id: flaky
            type: command
            script: '${failUntil(3)}'
            retry: { max_attempts: 3, backoff: fixed, base_delay: 5ms }
          - id: next
            dependencies: [flaky]
            type: command
            script: 'true'
      `,
    });
    const f = await h.run('r');
    expectWellFormed(f);
    expect(f.result).toEqual({ status: 'completed', error: null });
    const events = stepEvents(f.events, 'flaky').filter((e) => e.type !== 'stream_activity');
    expect(events.map((e) => [e.type, 'attempt' in e ? e.attempt : null])).toEqual([
      ['step_started', 1],
      ['step_failed', 1],
      ['step_retrying', 2],
      ['step_started', 2],
      ['step_failed', 2],
      ['step_retrying', 3],
      ['step_started', 3],
      ['step_completed', 3],
    ]);
    for (const failed of ofType(f.events, 'step_failed')) {
      expect(failed).toMatchObject({ will_retry: true, error: { code: 'exit_code' } });
      expect(failed.error.message).toContain('exited with code 1');
    }
    for (const retry of ofType(f.events, 'step_retrying')) {
      expect(retry.delay_ms).toBe(5);
      expect(retry.reason).toContain('exited with code 1: not yet');
    }
    const out = ofType(f.events, 'stream_activity').filter((e) => e.stream === 'stdout');
    expect(out.map((e) => e.content)).toEqual(['attempt 1', 'attempt 2', 'attempt 3']);
    expect(stepOf(f.detail, 'flaky')).toMatchObject({ status: 'completed', attempts: 3, error: null });
    expect(h.read('flaky.count').trim()).toBe('3');
  });

  it('give up after max_attempts and fail the run with the last error', async () => {
    const h = await harness({
      '.wave/pipelines/r.yaml': yaml`
        kind: WavePipeline
        steps:
          - id: hopeless
            type: command
            script: '${failUntil(99)}'
            retry: { max_attempts: 2, base_delay: 1ms }
      `,
    });
    const f = await h.run('r');
    expectWellFormed(f);
    expect(f.result.error).toMatchObject({ code: 'exit_code', step: 'hopeless' });
    expect(f.result.error?.message).toContain('not yet (2)');
    expect(ofType(f.events, 'step_failed').map((e) => [e.attempt, e.will_retry])).toEqual([
      [1, true],
      [2, false],
    ]);
    expect(stepOf(f.detail, 'hopeless')).toMatchObject({ status: 'failed', attempts: 2 });
  });

  it('wait as the backoff policy says: fixed, linear, exponential, capped by max_delay', async () => {
    const step = (id: string, retry: string) =>
      `  - id: ${id}\n    optional: true\n    type: command\n    script: 'exit 1'\n    retry: ${retry}\n`;
    const h = await harness({
      '.wave/pipelines/b.yaml': `kind: WavePipeline\nsteps:\n${[
        step('fixed', '{ max_attempts: 4, backoff: fixed, base_delay: 5ms }'),
        step('linear', '{ max_attempts: 4, backoff: linear, base_delay: 5ms }'),
        step('exponential', '{ max_attempts: 4, backoff: exponential, base_delay: 5ms }'),
        step('capped', '{ max_attempts: 4, backoff: exponential, base_delay: 10ms, max_delay: 25ms }'),
        step('seconds', '{ max_attempts: 2, backoff: fixed, base_delay: 0.05 }'),
      ].join('')}`,
    });
    const f = await h.run('b');
    expectWellFormed(f);
    expect(f.result.status).toBe('completed');
    const delays = (id: string) =>
      ofType(f.events, 'step_retrying')
        .filter((e) => e.step === id)
        .map((e) => e.delay_ms);
    expect(delays('fixed')).toEqual([5, 5, 5]);
    expect(delays('linear')).toEqual([5, 10, 15]);
    expect(delays('exponential')).toEqual([5, 10, 20]);
    expect(delays('capped')).toEqual([10, 20, 25]);
    expect(delays('seconds')).toEqual([50]);
  });

  it('a named policy sets attempts and delays, and the delay is really waited', async () => {
    const h = await harness({
      '.wave/pipelines/p.yaml': yaml`
        kind: WavePipeline
        steps:
          - id: agg
            type: command
            script: '${failUntil(2)}'
            retry: { policy: aggressive }
      `,
    });
    const f = await h.run('p');
    expectWellFormed(f);
    expect(f.result.status).toBe('completed');
    const retry = ofType(f.events, 'step_retrying')[0]!;
    expect(retry.delay_ms).toBe(200);
    const second = ofType(f.events, 'step_started').find((e) => e.attempt === 2)!;
    // Timers count from the event loop's cached clock, which may lag the event's timestamp a
    // little on a busy machine: a lower bound with some slack, far above "no wait at all".
    expect(Date.parse(second.ts) - Date.parse(retry.ts)).toBeGreaterThanOrEqual(150);
  });
});

describe('failures and how far they reach', () => {
  it('an optional step may fail: the run goes on and its dependents still run', async () => {
    const h = await harness({
      '.wave/pipelines/o.yaml': yaml`
        kind: WavePipeline
        steps:
          - { id: maybe, optional: true, type: command, script: 'exit 4' }
          - { id: after, dependencies: [maybe], type: command, script: 'touch "$WAVE_PROJECT_ROOT/after-ran"' }
      `,
    });
    const f = await h.run('o');
    expectWellFormed(f);
    expect(f.result).toEqual({ status: 'completed', error: null });
    expect(f.detail.error).toBeNull();
    expect(stepOf(f.detail, 'maybe')).toMatchObject({ status: 'failed', error: { code: 'exit_code' } });
    expect(stepOf(f.detail, 'after').status).toBe('completed');
    expect(h.read('after-ran')).toBe('');
  });

  it('retry.on_failure continue goes on like optional; skip skips the step and its dependents', async () => {
    const h = await harness({
      '.wave/pipelines/o.yaml': yaml`
        kind: WavePipeline
        steps:
          - { id: cont, type: command, script: 'exit 1', retry: { max_attempts: 2, base_delay: 1ms, on_failure: continue } }
          - { id: after-cont, dependencies: [cont], type: command, script: 'true' }
          - { id: skipper, type: command, script: 'echo bad >&2; exit 2', retry: { on_failure: skip } }
          - { id: after-skip, dependencies: [skipper], type: command, script: 'true' }
      `,
    });
    const f = await h.run('o');
    expectWellFormed(f);
    expect(f.result).toEqual({ status: 'completed', error: null });
    expect(f.detail.steps?.map((s) => [s.id, s.status, s.attempts])).toEqual([
      ['cont', 'failed', 2],
      ['after-cont', 'completed', 1],
      ['skipper', 'skipped', 1],
      ['after-skip', 'skipped', 0],
    ]);
    const reasons = Object.fromEntries(ofType(f.events, 'step_skipped').map((e) => [e.step, e.reason]));
    expect(reasons.skipper).toBe(
      'failed after 1 attempt (retry.on_failure: skip): the command exited with code 2: bad',
    );
    expect(reasons['after-skip']).toBe('dependency "skipper" was skipped');
  });

  it('a failed step fails the run: dependents skipped naming their dependency, pending steps naming the step', async () => {
    const h = await harness({
      'marks/.keep': '',
      '.wave/pipelines/f.yaml': yaml`
        kind: WavePipeline
        steps:
          - { id: broken, type: command, script: 'exit 5' }
          - { id: child, dependencies: [broken], type: command, script: 'touch "$WAVE_PROJECT_ROOT/marks/child"' }
          - { id: grandchild, dependencies: [child], type: command, script: 'touch "$WAVE_PROJECT_ROOT/marks/grandchild"' }
          - id: long
            type: command
            script: 'for i in $(seq 1 400); do [ -e "$WAVE_PROJECT_ROOT/marks/release" ] && exit 0; sleep 0.05; done; exit 1'
          - { id: after-long, dependencies: [long], type: command, script: 'touch "$WAVE_PROJECT_ROOT/marks/after-long"' }
      `,
    });
    const { run, done } = await h.start('f');
    await h.waitForEvent(run.id, 'step_failed', (e) => e.step === 'broken');
    writeFileSync(h.path('marks/release'), '');
    const f = await done;
    expectWellFormed(f);
    expect(f.result.status).toBe('failed');
    expect(f.result.error).toMatchObject({ code: 'exit_code', step: 'broken' });
    expect(ofType(f.events, 'run_failed')[0]?.error.step).toBe('broken');
    // The step that was running when the run failed finished; nothing new started after.
    expect(f.detail.steps?.map((s) => [s.id, s.status])).toEqual([
      ['broken', 'failed'],
      ['child', 'skipped'],
      ['grandchild', 'skipped'],
      ['long', 'completed'],
      ['after-long', 'skipped'],
    ]);
    const reasons = Object.fromEntries(ofType(f.events, 'step_skipped').map((e) => [e.step, e.reason]));
    expect(reasons).toEqual({
      child: 'dependency "broken" failed',
      grandchild: 'dependency "child" was skipped',
      'after-long': 'the run failed at step "broken"',
    });
    for (const m of ['child', 'grandchild', 'after-long'])
      expect(existsSync(h.path('marks', m)), m).toBe(false);
  });
});
