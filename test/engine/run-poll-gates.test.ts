import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectWellFormed, type Harness, harness, ofType, stepOf } from '../helpers/engine-harness.js';
import { eventually } from '../helpers/eventually.js';
import { yaml } from '../helpers/tmp.js';

/**
 * A fake `gh` in <root>/fakebin: call n prints answers[n-1] (the last one once they run out);
 * an answer starting with "!" is an error (printed to stderr, exit 1); "sleep" sleeps long.
 * Every call's arguments are appended to <root>/fakebin/calls.log.
 */
function fakeGh(
  h: Harness,
  answers: string[],
  cli = 'gh',
): { env: Record<string, string>; calls: () => string[] } {
  const dir = h.path('fakebin');
  mkdirSync(dir, { recursive: true });
  answers.forEach((a, i) => {
    writeFileSync(join(dir, `answer.${i + 1}`), a);
  });
  writeFileSync(
    join(dir, cli),
    [
      '#!/usr/bin/env bash',
      'd=$(dirname "$0")',
      'echo "$*" >> "$d/calls.log"',
      'n=$(wc -l < "$d/calls.log")',
      `[ "$n" -gt ${answers.length} ] && n=${answers.length}`,
      'a=$(cat "$d/answer.$n")',
      'case "$a" in',
      '  sleep) exec sleep 60 ;;',
      '  !*) echo "${a#!}" >&2; exit 1 ;;',
      '  *) echo "$a" ;;',
      'esac',
    ].join('\n'),
  );
  chmodSync(join(dir, cli), 0o755);
  return {
    env: { PATH: `${dir}${delimiter}${process.env.PATH ?? ''}` },
    calls: () => {
      try {
        return readFileSync(join(dir, 'calls.log'), 'utf8').trim().split('\n');
      } catch {
        return [];
      }
    },
  };
}

const gatePipeline = (gate: string) => yaml`
  kind: WavePipeline
  steps:
    - id: wait
      gate: ${gate}
    - id: after
      dependencies: [wait]
      type: command
      script: 'echo after the gate'
`;

const OPEN = '{"merged": false, "state": "OPEN"}';

describe('timer gates', () => {
  it('wait for their timeout, then let the run go on', async () => {
    const h = await harness({ '.wave/pipelines/t.yaml': gatePipeline('{ type: timer, timeout: 300ms }') });
    const f = await h.run('t');
    expectWellFormed(f);
    expect(f.result.status).toBe('completed');
    const waiting = ofType(f.events, 'gate_waiting')[0]!;
    expect(waiting).toMatchObject({ step: 'wait', default: 'approve' });
    expect(Date.parse(waiting.timeout_at!) - Date.parse(waiting.ts)).toBeGreaterThanOrEqual(290);
    const answered = ofType(f.events, 'gate_answered')[0]!;
    expect(answered).toMatchObject({ choice: 'approve', timed_out: true });
    // Not before its time.
    expect(Date.parse(answered.ts)).toBeGreaterThanOrEqual(Date.parse(waiting.timeout_at!) - 5);
    expect(ofType(f.events, 'run_waiting')).toHaveLength(1);
    expect(f.detail.gates?.[0]).toMatchObject({ step: 'wait', status: 'timed_out' });
    expect(stepOf(f.detail, 'after')).toMatchObject({ status: 'completed' });
  });

  it('are not answered by --auto-approve (it answers people’s questions), but `auto: true` passes at once', async () => {
    const h = await harness({
      '.wave/pipelines/a.yaml': gatePipeline('{ type: timer, timeout: 1h, auto: true }'),
    });
    const f = await h.run('a', { gates: { autoApprove: true } });
    expectWellFormed(f);
    expect(f.result.status).toBe('completed');
    expect(ofType(f.events, 'gate_answered')[0]).toMatchObject({ choice: 'approve', timed_out: false });
  });
});

describe('approval gates with auto: true', () => {
  it('take their default choice at once, with nobody to ask', async () => {
    const h = await harness({
      '.wave/pipelines/a.yaml': gatePipeline(
        '{ auto: true, choices: [{ key: no, label: No, target: _fail }, { key: yes, label: Yes }], default: yes }',
      ),
    });
    const f = await h.run('a');
    expectWellFormed(f);
    expect(f.result.status).toBe('completed');
    expect(ofType(f.events, 'gate_answered')[0]).toMatchObject({ choice: 'yes', timed_out: false });
  });
});

describe('pr_merge gates', () => {
  it('poll `gh pr view` until the pull request is merged', async () => {
    const h = await harness({
      '.wave/pipelines/p.yaml': gatePipeline(
        '{ type: pr_merge, pr_number: 12, repo: acme/widgets, interval: 20ms }',
      ),
    });
    const gh = fakeGh(h, ['!HTTP 502', OPEN, OPEN, '{"merged": true, "state": "MERGED"}']);
    const f = await h.run('p', { env: gh.env });
    expectWellFormed(f);
    expect(f.result.status).toBe('completed');
    expect(gh.calls()).toHaveLength(4);
    expect(gh.calls()[0]).toBe('pr view 12 --repo acme/widgets --json merged,state');
    expect(ofType(f.events, 'gate_answered')[0]).toMatchObject({
      choice: 'approve',
      by: 'pr_merge',
      text: 'pull request #12 was merged',
    });
    // A failing call is reported and polling goes on.
    const notes = ofType(f.events, 'stream_activity').filter((e) => e.step === 'wait');
    expect(notes.map((e) => e.content).join('\n')).toContain('HTTP 502; polling again');
  });

  it("use the forge's own CLI: glab and `mr` on GitLab", async () => {
    const h = await harness({
      'wave.yaml': 'kind: WaveManifest\nmetadata: { name: engine-test, forge: gitlab }\n',
      '.wave/pipelines/p.yaml': gatePipeline(
        '{ type: pr_merge, pr_number: 12, repo: acme/widgets, interval: 20ms }',
      ),
    });
    const glab = fakeGh(h, ['{"merged": true, "state": "MERGED"}'], 'glab');
    const f = await h.run('p', { env: glab.env });
    expect(f.result.status).toBe('completed');
    expect(glab.calls()).toEqual(['mr view 12 --repo acme/widgets --json merged,state']);
  });

  it('fail the gate, and the run, when the pull request is closed without merging', async () => {
    const h = await harness({
      '.wave/pipelines/p.yaml': gatePipeline('{ type: pr_merge, pr_number: 7, interval: 20ms }'),
    });
    const gh = fakeGh(h, [OPEN, '{"merged": false, "state": "CLOSED"}']);
    const f = await h.run('p', { env: gh.env });
    expectWellFormed(f);
    expect(f.result.error).toMatchObject({ code: 'gate_failed', step: 'wait' });
    expect(f.result.error?.message).toContain('pull request #7 was closed without merging');
    expect(stepOf(f.detail, 'after')).toMatchObject({ status: 'skipped' });
    // No remote in this project: no --repo.
    expect(gh.calls()[0]).toBe('pr view 7 --json merged,state');
  });

  it('fail with gate_timeout when nothing is decided in time', async () => {
    const h = await harness({
      '.wave/pipelines/p.yaml': gatePipeline(
        '{ type: pr_merge, pr_number: 3, interval: 20ms, timeout: 400ms }',
      ),
    });
    const gh = fakeGh(h, [OPEN]);
    const f = await h.run('p', { env: gh.env });
    expectWellFormed(f);
    expect(f.result.error).toMatchObject({ code: 'gate_timeout', step: 'wait' });
    expect(f.result.error?.message).toContain('pull request #3');
    expect(gh.calls().length).toBeGreaterThanOrEqual(1);
  });
});

describe('ci_pass gates', () => {
  it('poll `gh run list` until the latest run completed successfully', async () => {
    const h = await harness({
      '.wave/pipelines/c.yaml': gatePipeline('{ type: ci_pass, branch: feature-x, interval: 20ms }'),
    });
    const gh = fakeGh(h, [
      '[]',
      '[{"status": "in_progress", "conclusion": ""}]',
      '[{"status": "completed", "conclusion": "success"}, {"status": "completed", "conclusion": "failure"}]',
    ]);
    const f = await h.run('c', { env: gh.env });
    expectWellFormed(f);
    expect(f.result.status).toBe('completed');
    expect(gh.calls()).toHaveLength(3);
    expect(gh.calls()[0]).toBe('run list --branch feature-x --limit 5 --json status,conclusion');
  });

  it('fail the gate when the latest CI run failed', async () => {
    const h = await harness({
      '.wave/pipelines/c.yaml': gatePipeline('{ type: ci_pass, branch: main, interval: 20ms }'),
    });
    const gh = fakeGh(h, ['[{"status": "queued"}]', '[{"status": "completed", "conclusion": "failure"}]']);
    const f = await h.run('c', { env: gh.env });
    expectWellFormed(f);
    expect(f.result.error).toMatchObject({ code: 'gate_failed', step: 'wait' });
    expect(f.result.error?.message).toContain('the latest CI run on main ended "failure"');
    expect(f.detail.gates?.[0]).toMatchObject({
      status: 'answered',
      answer: { choice: 'reject', by: 'ci_pass' },
    });
  });

  it('stop polling, with no process left, when the run is cancelled', async () => {
    const h = await harness({
      '.wave/pipelines/c.yaml': gatePipeline('{ type: ci_pass, branch: main, interval: 10ms }'),
    });
    const gh = fakeGh(h, ['sleep']);
    const started = await h.start('c', { env: gh.env });
    await h.waitForEvent(started.run.id, 'gate_waiting');
    await eventually(() => gh.calls().length > 0, 20_000, 'gh to be called');
    h.ctx.supervisor.cancel(started.run.id, 'tester');
    const f = await started.done;
    expect(f.result.status).toBe('cancelled');
    expect(f.detail.gates?.[0]).toMatchObject({ status: 'cancelled' });
    // The harness fails the test if the sleeping gh outlived the run.
  });
});

describe('poll gates after a restart', () => {
  /** What a process that died while `wait` was waiting left behind. */
  async function leftWaiting(
    h: Harness,
    pipeline: string,
    gate: { default: string | null; timeoutAt: string },
  ) {
    const { run } = await h.ctx.runs.submit({
      pipeline,
      input: null,
      trigger: { source: 'cli', actor: 'tester' },
      mode: 'local',
    });
    await h.ctx.store.claimRun(run.id, 'some-other-host:4242:deadbeef', -60_000);
    await h.ctx.store.append(run.id, [
      { type: 'run_started', run_id: run.id, pipeline, resumed: false },
      { type: 'step_started', run_id: run.id, step: 'wait', kind: 'gate', persona: null, attempt: 1 },
      {
        type: 'gate_waiting',
        run_id: run.id,
        step: 'wait',
        prompt: 'waiting',
        choices: [
          { key: 'approve', label: 'Approve', target: null },
          { key: 'reject', label: 'Reject', target: '_fail' },
        ],
        freeform: false,
        default: gate.default,
        timeout_at: gate.timeoutAt,
      },
    ]);
    return run.id;
  }

  it('a timer keeps its deadline: it does not start over', async () => {
    const h = await harness({ '.wave/pipelines/t.yaml': gatePipeline('{ type: timer, timeout: 1h }') });
    const id = await leftWaiting(h, 't', {
      default: 'approve',
      timeoutAt: new Date(Date.now() + 200).toISOString(),
    });
    const f = await h.resume(id);
    expectWellFormed(f);
    expect(f.result.status).toBe('completed');
    expect(ofType(f.events, 'gate_answered')[0]).toMatchObject({ choice: 'approve', timed_out: true });
  });

  it('pr_merge polls again and passes once merged', async () => {
    const h = await harness({
      '.wave/pipelines/p.yaml': gatePipeline('{ type: pr_merge, pr_number: 5, interval: 20ms }'),
    });
    const gh = fakeGh(h, ['{"merged": true, "state": "MERGED"}']);
    const id = await leftWaiting(h, 'p', {
      default: null,
      timeoutAt: new Date(Date.now() + 3_600_000).toISOString(),
    });
    const f = await h.resume(id, { env: gh.env });
    expectWellFormed(f);
    expect(f.result.status).toBe('completed');
    expect(gh.calls()).toEqual(['pr view 5 --json merged,state']);
  });
});
