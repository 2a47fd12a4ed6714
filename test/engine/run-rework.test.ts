import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  expectWellFormed,
  harness,
  ofType,
  PATH_WITH_FAKE_CLAUDE,
  stepEvents,
  stepOf,
} from '../helpers/engine-harness.js';
import { yaml } from '../helpers/tmp.js';

/** A step's events without its output lines, as [type, attempt, will_retry?]. */
const story = (events: Parameters<typeof stepEvents>[0], step: string) =>
  stepEvents(events, step)
    .filter((e) => e.type !== 'stream_activity' && e.type !== 'artifact_written')
    .map((e) => [
      e.type,
      'attempt' in e ? e.attempt : null,
      ...(e.type === 'step_failed' ? [e.will_retry] : []),
    ]);

describe('step-level rework (retry.on_failure: rework)', () => {
  it('runs the rework step once the retries are used up; its outputs count as the failed step’s', async () => {
    const h = await harness({
      '.wave/pipelines/r.yaml': yaml`
        kind: WavePipeline
        steps:
          - id: build
            type: command
            script: 'echo "broken build"; exit 1'
            output_artifacts: [{ name: result, path: out/result.txt }]
            retry: { max_attempts: 2, base_delay: 1ms, on_failure: rework, rework_step: fix }
          - id: fix
            rework_only: true
            type: command
            script: 'mkdir -p out && echo repaired > out/result.txt'
            output_artifacts: [{ name: result, path: out/result.txt }]
          - id: after
            dependencies: [build]
            type: command
            script: 'cat .wave/artifacts/result'
            memory: { inject_artifacts: [{ step: build, artifact: result }] }
      `,
    });
    const f = await h.run('r');
    expectWellFormed(f);
    expect(f.result).toEqual({ status: 'completed', error: null });
    expect(story(f.events, 'build')).toEqual([
      ['step_started', 1],
      ['step_failed', 1, true],
      ['step_retrying', 2],
      ['step_started', 2],
      ['step_failed', 2, true],
      ['step_retrying', 2],
      ['step_completed', 2],
    ]);
    const rework = ofType(f.events, 'step_retrying').at(-1)!;
    expect(rework.reason).toMatch(/^rework: step "fix" runs to repair it/);
    expect(story(f.events, 'fix')).toEqual([
      ['step_started', 1],
      ['step_completed', 1],
    ]);
    // The rework runs after the last failure and before the repaired step completes.
    const order = f.events
      .filter((e) => e.type === 'step_started' || e.type === 'step_completed')
      .map((e) => `${e.type}:${'step' in e ? e.step : ''}`);
    expect(order.indexOf('step_started:fix')).toBeLessThan(order.indexOf('step_completed:build'));
    expect(stepOf(f.detail, 'build')).toMatchObject({ status: 'completed' });
    expect(stepOf(f.detail, 'build').artifacts.map((a) => a.name)).toEqual(['result']);
    expect(stepOf(f.detail, 'fix')).toMatchObject({ status: 'completed' });
    const afterOut = ofType(f.events, 'stream_activity').filter((e) => e.step === 'after');
    expect(afterOut.map((e) => e.content)).toEqual(['repaired']);
  });

  it('fails the step and the run with code rework_failed when the rework step fails too', async () => {
    const h = await harness({
      '.wave/pipelines/r.yaml': yaml`
        kind: WavePipeline
        steps:
          - id: build
            type: command
            script: 'exit 1'
            retry: { on_failure: rework, rework_step: fix }
          - id: fix
            rework_only: true
            type: command
            script: 'echo "cannot fix" >&2; exit 4'
            retry: { max_attempts: 3 }
          - id: after
            dependencies: [build]
            type: command
            script: 'true'
      `,
    });
    const f = await h.run('r');
    expectWellFormed(f);
    expect(f.result.status).toBe('failed');
    expect(f.result.error).toMatchObject({ code: 'rework_failed', step: 'build' });
    expect(f.result.error?.message).toContain('rework step "fix" failed');
    expect(f.result.error?.message).toContain('cannot fix');
    // The rework step's own retry policy does not apply: it runs once.
    expect(story(f.events, 'fix')).toEqual([
      ['step_started', 1],
      ['step_failed', 1, false],
    ]);
    expect(stepOf(f.detail, 'build')).toMatchObject({ status: 'failed', error: { code: 'rework_failed' } });
    expect(stepOf(f.detail, 'after')).toMatchObject({ status: 'skipped' });
  });

  it('treats retry.on_failure: warn as fail, as the Go Wave does', async () => {
    const h = await harness({
      '.wave/pipelines/w.yaml': yaml`
        kind: WavePipeline
        steps:
          - { id: a, type: command, script: 'exit 1', retry: { on_failure: warn } }
          - { id: b, dependencies: [a], type: command, script: 'true' }
      `,
    });
    const f = await h.run('w');
    expect(f.result.error).toMatchObject({ code: 'exit_code', step: 'a' });
    expect(stepOf(f.detail, 'b')).toMatchObject({ status: 'skipped' });
  });

  it('skips a rework step nobody needed, so the completed run has nothing pending', async () => {
    const h = await harness({
      '.wave/pipelines/r.yaml': yaml`
        kind: WavePipeline
        steps:
          - id: build
            type: command
            script: 'true'
            retry: { on_failure: rework, rework_step: fix }
          - id: fix
            rework_only: true
            type: command
            script: 'echo should not run'
      `,
    });
    const f = await h.run('r');
    expectWellFormed(f);
    expect(f.result.status).toBe('completed');
    expect(story(f.events, 'fix')).toEqual([['step_skipped', null]]);
    expect(stepOf(f.detail, 'fix')).toMatchObject({ status: 'skipped' });
  });

  it('gives a prompt rework step the REWORK CONTEXT of the failed step', async () => {
    const h = await harness({
      'wave.yaml': yaml`
        kind: WaveManifest
        adapters:
          claude: { binary: claude, output_format: stream-json, env: { PATH: ${JSON.stringify(PATH_WITH_FAKE_CLAUDE)} } }
      `,
      '.wave/personas/fixer.md': '# Fixer\n',
      '.wave/pipelines/r.yaml': yaml`
        kind: WavePipeline
        steps:
          - id: build
            type: command
            script: 'echo "compiler says no"; exit 2'
            retry: { on_failure: rework, rework_step: fix }
          - id: fix
            rework_only: true
            persona: fixer
            exec: { type: prompt, source: "Fix the build." }
      `,
    });
    const record = h.path('claude-calls.jsonl');
    const f = await h.run('r', { env: { FAKE_CLAUDE_RECORD: record } });
    expectWellFormed(f);
    expect(f.result.status).toBe('completed');
    const stdin = JSON.parse(readFileSync(record, 'utf8').trim().split('\n')[0]!).stdin as string;
    expect(stdin).toContain('Fix the build.');
    expect(stdin).toContain('## REWORK CONTEXT');
    expect(stdin).toContain('rework step for failed step "build"');
    expect(stdin).toContain('compiler says no');
  });
});

describe('rework after a restart', () => {
  it('runs the interrupted rework again, not the failed step', async () => {
    const h = await harness({
      '.wave/pipelines/r.yaml': yaml`
        kind: WavePipeline
        steps:
          - id: build
            type: command
            script: 'echo build >> "$WAVE_PROJECT_ROOT/build.log"; exit 1'
            retry: { on_failure: rework, rework_step: fix }
          - id: fix
            rework_only: true
            type: command
            script: 'echo fix >> "$WAVE_PROJECT_ROOT/fix.log"'
      `,
    });
    // What a process that died while "fix" was repairing "build" left behind.
    const { run } = await h.ctx.runs.submit({
      pipeline: 'r',
      input: null,
      trigger: { source: 'cli', actor: 'tester' },
      mode: 'local',
    });
    await h.ctx.store.claimRun(run.id, 'some-other-host:4242:deadbeef', -60_000);
    const id = run.id;
    await h.ctx.store.append(id, [
      { type: 'run_started', run_id: id, pipeline: 'r', resumed: false },
      { type: 'step_started', run_id: id, step: 'build', kind: 'command', persona: null, attempt: 1 },
      {
        type: 'step_failed',
        run_id: id,
        step: 'build',
        error: { code: 'exit_code', message: 'exited with code 1' },
        attempt: 1,
        will_retry: true,
      },
      { type: 'step_retrying', run_id: id, step: 'build', attempt: 1, delay_ms: 0, reason: 'rework: …' },
      { type: 'step_started', run_id: id, step: 'fix', kind: 'command', persona: null, attempt: 1 },
    ]);
    const f = await h.resume(id);
    expectWellFormed(f);
    expect(f.result.status).toBe('completed');
    expect(h.read('fix.log')).toBe('fix\n');
    expect(() => h.read('build.log')).toThrow();
    expect(stepOf(f.detail, 'build')).toMatchObject({ status: 'completed' });
  });
});

describe('contract-level rework (contract on_failure: rework)', () => {
  const pipeline = (fixScript: string, maxRetries = '') => yaml`
    kind: WavePipeline
    steps:
      - id: impl
        type: command
        script: 'echo implementing'
        handover:
          contracts:
            - type: test_suite
              command: 'test -f "$WAVE_PROJECT_ROOT/fixed" || { echo "not fixed yet"; exit 1; }'
              on_failure: rework
              rework_step: fix
              ${maxRetries}
            - { type: test_suite, command: 'true' }
      - id: fix
        rework_only: true
        type: command
        script: '${fixScript}'
  `;

  it('runs the rework step, then checks every contract again, and the step passes', async () => {
    const h = await harness({ '.wave/pipelines/c.yaml': pipeline('touch "$WAVE_PROJECT_ROOT/fixed"') });
    const f = await h.run('c');
    expectWellFormed(f);
    expect(f.result.status).toBe('completed');
    const contracts = stepEvents(f.events, 'impl')
      .filter((e) => e.type === 'contract_passed' || e.type === 'contract_failed')
      .map((e) => [e.type, e.type === 'contract_failed' ? e.on_failure : null]);
    expect(contracts).toEqual([
      ['contract_failed', 'rework'],
      ['contract_passed', null],
      ['contract_passed', null],
    ]);
    expect(story(f.events, 'fix')).toEqual([
      ['step_started', 1],
      ['step_completed', 1],
    ]);
    expect(stepOf(f.detail, 'impl')).toMatchObject({ status: 'completed', attempts: 1 });
    // The Go Wave's feedback file is left in the step's workspace.
    const feedback = h.path(
      '.wave/workspaces',
      f.run.id,
      'impl',
      '.agents/artifacts/review_feedback_impl.json',
    );
    expect(JSON.parse(readFileSync(feedback, 'utf8'))).toMatchObject({ contract_type: 'test_suite' });
  });

  it('gives up after max_retries rework rounds', async () => {
    const h = await harness({ '.wave/pipelines/c.yaml': pipeline('echo trying', 'max_retries: 2') });
    const f = await h.run('c');
    expectWellFormed(f);
    expect(f.result.error).toMatchObject({ code: 'contract_failed', step: 'impl' });
    expect(f.result.error?.message).toContain('contract validation failed after 2 rework attempts');
    expect(story(f.events, 'fix')).toEqual([
      ['step_started', 1],
      ['step_completed', 1],
      ['step_started', 2],
      ['step_completed', 2],
    ]);
    expect(ofType(f.events, 'contract_failed')).toHaveLength(3);
  });

  it('fails like `fail` when no rework step is configured', async () => {
    const h = await harness({
      '.wave/pipelines/c.yaml': yaml`
        kind: WavePipeline
        steps:
          - id: impl
            type: command
            script: 'true'
            handover:
              contract: { type: test_suite, command: 'exit 1', on_failure: rework }
      `,
    });
    const f = await h.run('c');
    expect(f.result.error).toMatchObject({ code: 'contract_failed' });
    expect(f.result.error?.message).toContain('no rework_step is configured');
  });
});

describe('contract rework that stops improving', () => {
  it('ends with "rework stalled" when the judge’s score does not rise over the window', async () => {
    const h = await harness({
      '.wave/personas/writer.md': '# Writer\n',
      '.wave/pipelines/s.yaml': yaml`
        kind: WavePipeline
        steps:
          - id: write
            persona: writer
            exec: { type: prompt, source: "Write." }
            output_artifacts: [{ name: doc, path: doc.md }]
            handover:
              contract:
                type: llm_judge
                criteria: ["mock-verdict: fail"]
                on_failure: rework
                rework_step: polish
                max_retries: 5
                convergence_window: 2
          - id: polish
            rework_only: true
            type: command
            script: 'echo polishing'
      `,
    });
    const f = await h.run('s', { mock: true });
    expectWellFormed(f);
    expect(f.result.error).toMatchObject({ code: 'contract_failed', step: 'write' });
    expect(f.result.error?.message).toContain(
      'rework stalled: the score improved by 0 points over the last 2 rounds',
    );
    // Round 1 failed and reworked; round 2 failed with no gain: no third rework.
    expect(story(f.events, 'polish')).toEqual([
      ['step_started', 1],
      ['step_completed', 1],
    ]);
  });
});

describe('contract on_failure: rejected', () => {
  it('fails the run with code rejected at once: no retry, even for an optional step', async () => {
    const h = await harness({
      '.wave/pipelines/j.yaml': yaml`
        kind: WavePipeline
        steps:
          - id: assess
            type: command
            optional: true
            script: 'echo "{\"implementable\": false}" > verdict.json'
            retry: { max_attempts: 3, base_delay: 1ms }
            handover:
              contract:
                type: json_schema
                source: verdict.json
                schema: { type: object, properties: { implementable: { const: true } } }
                on_failure: rejected
          - id: implement
            dependencies: [assess]
            type: command
            script: 'true'
      `,
    });
    const f = await h.run('j');
    expectWellFormed(f);
    expect(f.result.status).toBe('failed');
    expect(f.result.error).toMatchObject({ code: 'rejected', step: 'assess' });
    expect(ofType(f.events, 'step_started').filter((e) => e.step === 'assess')).toHaveLength(1);
    expect(ofType(f.events, 'contract_failed')[0]).toMatchObject({ on_failure: 'rejected' });
    expect(stepOf(f.detail, 'assess')).toMatchObject({ status: 'failed', error: { code: 'rejected' } });
    expect(stepOf(f.detail, 'implement')).toMatchObject({ status: 'skipped' });
    expect(f.detail.error).toMatchObject({ code: 'rejected', step: 'assess' });
  });
});
