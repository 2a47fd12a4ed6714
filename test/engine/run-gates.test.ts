import { existsSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { expectWellFormed, harness, ofType, stepOf } from '../helpers/engine-harness.js';
import { yaml } from '../helpers/tmp.js';

const GATES = yaml`
  kind: WavePipeline
  steps:
    - id: g1
      gate:
        prompt: "Ship {{ input }}?"
        choices: [{ key: r, label: Reject, target: _fail }, { key: a, label: A }, { key: b, label: B }]
        default: b
        freeform: true
    - id: g2
      dependencies: [g1]
      gate:
        choices: [{ key: x, label: X, target: _fail }, { key: y, label: Y }, { key: z, label: Z }]
    - id: use
      dependencies: [g2]
      type: command
      script: |
        printf '%s|%s|%s|%s' {{ gate.g1.choice }} {{ gate.g1.text }} {{ gate.g2.choice }} {{ gate.g2.text }} > "$WAVE_PROJECT_ROOT/answers"
`;

describe('gates', () => {
  it('auto-approve takes the default, else the first choice that does not fail', async () => {
    const h = await harness({ '.wave/pipelines/g.yaml': GATES });
    const f = await h.run('g', { input: 'v2', gates: { autoApprove: true, actor: 'ci-bot' } });
    expectWellFormed(f);
    expect(f.result).toEqual({ status: 'completed', error: null });
    expect(h.read('answers')).toBe('b||y|');
    expect(ofType(f.events, 'gate_waiting')[0]).toMatchObject({
      step: 'g1',
      prompt: 'Ship v2?',
      default: 'b',
      freeform: true,
      timeout_at: null,
    });
    expect(ofType(f.events, 'gate_answered').map((e) => [e.step, e.choice, e.by, e.timed_out])).toEqual([
      ['g1', 'b', 'ci-bot', false],
      ['g2', 'y', 'ci-bot', false],
    ]);
    expect(f.detail.gates?.map((g) => [g.step, g.status, g.answer?.choice])).toEqual([
      ['g1', 'answered', 'b'],
      ['g2', 'answered', 'y'],
    ]);
    expect(stepOf(f.detail, 'g1')).toMatchObject({ kind: 'gate', status: 'completed' });
  });

  it('preset answers and their text reach later steps as data', async () => {
    const h = await harness({ '.wave/pipelines/g.yaml': GATES });
    const text = `looks good; touch ${'$'}(touch ${'PWN'}) '"`;
    const f = await h.run('g', {
      gates: {
        presets: {
          g1: { choice: 'a', text: text.replace('PWN', h.path('pwned')) },
          g2: { choice: 'z', text: null },
        },
      },
    });
    expectWellFormed(f);
    expect(f.result.status).toBe('completed');
    expect(h.read('answers')).toBe(`a|${text.replace('PWN', h.path('pwned'))}|z|`);
    expect(existsSync(h.path('pwned'))).toBe(false);
    expect(f.detail.gates?.[0]?.answer).toMatchObject({ choice: 'a', by: 'tester' });
  });

  it('with nobody to ask, fail at once naming --auto-approve and --gate', async () => {
    const h = await harness({ '.wave/pipelines/g.yaml': GATES });
    const started = Date.now();
    const f = await h.run('g', { gates: { unanswered: 'fail' } });
    expectWellFormed(f);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(f.result.error).toMatchObject({ code: 'gate_unanswered', step: 'g1' });
    expect(f.result.error?.message).toContain('--auto-approve');
    expect(f.result.error?.message).toContain('--gate g1=<r|a|b>');
    expect(stepOf(f.detail, 'g2').status).toBe('skipped');
    expect(stepOf(f.detail, 'use').status).toBe('skipped');
  });

  it('a choice with target _fail fails the gate step and the run, skipping dependents', async () => {
    const h = await harness({ '.wave/pipelines/g.yaml': GATES });
    const f = await h.run('g', { gates: { presets: { g1: { choice: 'r', text: 'no way' } } } });
    expectWellFormed(f);
    expect(f.result.error).toMatchObject({ code: 'gate_rejected', step: 'g1' });
    expect(f.result.error?.message).toContain('"r" (Reject) by tester');
    expect(stepOf(f.detail, 'g1')).toMatchObject({ status: 'failed', error: { code: 'gate_rejected' } });
    expect(stepOf(f.detail, 'g2').status).toBe('skipped');
    expect(stepOf(f.detail, 'use').status).toBe('skipped');
    expect(existsSync(h.path('answers'))).toBe(false);
  });

  it('waits for an answer from another client; the run is waiting only while nothing else runs', async () => {
    const h = await harness({
      'marks/.keep': '',
      '.wave/pipelines/w.yaml': yaml`
        kind: WavePipeline
        steps:
          - id: work
            type: command
            script: 'for i in $(seq 1 400); do [ -e "$WAVE_PROJECT_ROOT/marks/go" ] && exit 0; sleep 0.05; done; exit 1'
          - id: approve
            gate: { prompt: "Go on?", freeform: true }
          - id: after
            dependencies: [work, approve]
            type: command
            script: echo {{ gate.approve.choice }} {{ gate.approve.text }} > "$WAVE_PROJECT_ROOT/after.out"
      `,
    });
    const { run, done } = await h.start('w', { gates: { unanswered: 'wait' } });
    await h.waitForEvent(run.id, 'gate_waiting', (e) => e.step === 'approve');
    // A command step still runs: the run is running, not waiting.
    expect((await h.ctx.runs.detail(run.id)).status).toBe('running');
    expect((await h.events(run.id)).some((e) => e.type === 'run_waiting')).toBe(false);
    writeFileSync(h.path('marks/go'), '');
    const waiting = await h.waitForEvent(run.id, 'run_waiting');
    expect(waiting.steps).toEqual(['approve']);
    const view = await h.ctx.runs.detail(run.id);
    expect(view.status).toBe('waiting');
    expect(stepOf(view, 'approve').status).toBe('waiting');
    expect(stepOf(view, 'after').status).toBe('pending');
    expect(view.gates?.[0]).toMatchObject({ step: 'approve', status: 'waiting', answer: null });

    const other = await h.client();
    const answered = await other.runs.answerGate(
      run.id,
      'approve',
      { approved: true, text: 'ship it' },
      'alice',
    );
    expect(answered).toMatchObject({
      step: 'approve',
      status: 'answered',
      answer: { choice: 'approve', text: 'ship it', by: 'alice' },
    });
    await expect(other.runs.answerGate(run.id, 'approve', { approved: false }, 'bob')).rejects.toMatchObject({
      code: 'gate_not_waiting',
    });
    const f = await done;
    expectWellFormed(f);
    expect(f.result).toEqual({ status: 'completed', error: null });
    expect(h.read('after.out')).toBe('approve ship it\n');
    expect(f.detail.gates?.[0]).toMatchObject({
      status: 'answered',
      answer: { choice: 'approve', text: 'ship it', by: 'alice' },
    });
    // Back to running once answered: a step_started after run_waiting moved it on.
    const types = f.events.map((e) => e.type);
    expect(types.indexOf('gate_answered')).toBeGreaterThan(types.indexOf('run_waiting'));
  });

  it('a timeout takes the default choice (timed_out); without a default the gate step fails', async () => {
    const h = await harness({
      '.wave/pipelines/t.yaml': yaml`
        kind: WavePipeline
        steps:
          - id: slow-ok
            gate: { choices: [{ key: go, label: Go }, { key: stop, label: Stop, target: _fail }], default: go, timeout: 150ms }
          - { id: after, dependencies: [slow-ok], type: command, script: 'echo {{ gate.slow-ok.choice }} > "$WAVE_PROJECT_ROOT/choice"' }
      `,
      '.wave/pipelines/n.yaml': yaml`
        kind: WavePipeline
        steps:
          - id: nodefault
            gate: { timeout: 150ms }
          - { id: after, dependencies: [nodefault], type: command, script: 'true' }
      `,
    });
    const f = await h.run('t', { gates: { unanswered: 'wait' } });
    expectWellFormed(f);
    expect(f.result).toEqual({ status: 'completed', error: null });
    expect(h.read('choice')).toBe('go\n');
    const answered = ofType(f.events, 'gate_answered');
    expect(answered).toEqual([
      expect.objectContaining({ step: 'slow-ok', choice: 'go', by: null, timed_out: true }),
    ]);
    const waiting = ofType(f.events, 'gate_waiting')[0]!;
    // Not answered before the timeout (give or take the event loop's cached clock).
    expect(Date.parse(answered[0]!.ts)).toBeGreaterThanOrEqual(Date.parse(waiting.timeout_at!) - 50);
    expect(f.detail.gates?.[0]).toMatchObject({ status: 'timed_out', answer: { choice: 'go', by: null } });

    const n = await h.run('n', { gates: { unanswered: 'wait' } });
    expectWellFormed(n);
    expect(n.result.error).toMatchObject({ code: 'gate_timeout', step: 'nodefault' });
    expect(n.detail.gates?.[0]).toMatchObject({ status: 'timed_out', answer: null });
    expect(stepOf(n.detail, 'after').status).toBe('skipped');
    expect(ofType(n.events, 'gate_answered')).toEqual([]);
  });
});
