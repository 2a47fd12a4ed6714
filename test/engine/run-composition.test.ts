import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compositionFiles } from '../helpers/composition-fixtures.js';
import { expectWellFormed, harness, ofType, stepOf } from '../helpers/engine-harness.js';

describe('sub-pipeline steps', () => {
  it('runs the child as a run of its own, linked to its step, and registers its outputs under the step', async () => {
    const h = await harness(compositionFiles());
    const f = await h.run('sub', { input: 'world' });
    expectWellFormed(f);
    expect(f.result).toEqual({ status: 'completed', error: null });
    const sub = stepOf(f.detail, 'sub');
    expect(sub).toMatchObject({ kind: 'pipeline', status: 'completed' });
    expect(sub.children).toHaveLength(1);
    const childId = sub.children[0]!;
    const child = await h.ctx.runs.detail(childId);
    expect(child).toMatchObject({
      pipeline: 'echo-child',
      status: 'completed',
      input: 'hello world',
      parent: { run_id: f.run.id, step: 'sub' },
      trigger: { source: 'pipeline', actor: f.run.id },
    });
    expect(f.detail.child_count).toBe(1);
    // Its artifact under its own name and under the pipeline_outputs alias.
    // …and, extracted, as <child pipeline>.<name>.
    expect(sub.artifacts.map((a) => a.name).sort()).toEqual(['answer', 'echo-child.result', 'result']);
    const seen = JSON.parse(
      readFileSync((await h.ctx.runs.artifact(f.run.id, 'after', 'seen')).path, 'utf8'),
    );
    // config.env reached the child as {{ env.profile }}; the dependency's artifact was given to it.
    expect(seen).toEqual({ input: 'hello world', profile: 'core', given: 'from-parent' });
    const started = ofType(f.events, 'child_run_started');
    const finished = ofType(f.events, 'child_run_finished');
    expect(started).toMatchObject([{ step: 'sub', child_run_id: childId, pipeline: 'echo-child' }]);
    expect(finished).toMatchObject([{ step: 'sub', child_run_id: childId, status: 'completed' }]);
  });

  it("the composition step's adapter runs every prompt step of the child", async () => {
    const h = await harness(compositionFiles({ '.wave/personas/asker.md': 'You answer.\n' }));
    // On its persona's adapter (claude, not on PATH here) the child's prompt step cannot run.
    const direct = await h.run('asks', { input: 'q', env: { PATH: '/usr/bin:/bin' } });
    expect(direct.result).toMatchObject({
      status: 'failed',
      error: { message: expect.stringContaining('claude') },
    });
    const f = await h.run('adapted', { input: 'q', env: { PATH: '/usr/bin:/bin' } });
    expect(f.result.status).toBe('completed');
    const child = await h.ctx.runs.detail(stepOf(f.detail, 'run').children[0]!);
    expect(stepOf(child, 'ask')).toMatchObject({ status: 'completed', persona: 'asker' });
  });

  it('a branch runs the matching case, skips on `skip`, and falls back to `_default`', async () => {
    const h = await harness(compositionFiles());
    const echo = await h.run('pick', { input: 'echo' });
    expect(echo.result.status).toBe('completed');
    expect(stepOf(echo.detail, 'choose').children).toHaveLength(1);
    const none = await h.run('pick', { input: 'none' });
    expect(none.result.status).toBe('completed');
    expect(stepOf(none.detail, 'choose').children).toEqual([]);
    const other = await h.run('pick', { input: 'something else' });
    expect(other.result.status).toBe('failed');
    expect(other.result.error?.message).toContain('missing-pipeline');
  });
});

describe('iterate and aggregate', () => {
  it('runs one child per item, collects their outputs in item order, and aggregates them', async () => {
    const h = await harness(compositionFiles());
    const f = await h.run('fanout');
    expectWellFormed(f);
    expect(f.result.status).toBe('completed');
    const each = stepOf(f.detail, 'each');
    expect(each.children).toHaveLength(5);
    const inputs = await Promise.all(each.children.map(async (id) => (await h.ctx.runs.detail(id)).input));
    expect(inputs).toEqual(['a-0', 'b-1', 'c-2', 'd-3', 'e-4']);
    const collected = JSON.parse(
      readFileSync((await h.ctx.runs.artifact(f.run.id, 'each', 'collected-output')).path, 'utf8'),
    );
    expect(collected.map((c: { input: string }) => c.input)).toEqual(['a-0', 'b-1', 'c-2', 'd-3', 'e-4']);
    expect(JSON.parse(h.read('.wave/output/each-collected.json'))).toEqual(collected);
    const merged = JSON.parse(h.read('.wave/output/merged.json'));
    expect(merged).toEqual([...collected, { name: 'extra' }]);
    expect(stepOf(f.detail, 'merge').artifacts.map((a) => a.name)).toEqual(['merged']);
  });

  it('on_failure: continue lets the other items finish; the failed one is null and the step completes', async () => {
    const h = await harness(compositionFiles());
    const f = await h.run('partial');
    expect(f.result.status).toBe('completed');
    const each = stepOf(f.detail, 'each');
    const statuses = await Promise.all(each.children.map(async (id) => (await h.ctx.runs.detail(id)).status));
    expect(statuses).toEqual(['completed', 'failed', 'completed']);
    const collected = JSON.parse(
      readFileSync((await h.ctx.runs.artifact(f.run.id, 'each', 'collected-output')).path, 'utf8'),
    );
    expect(collected.map((c: { input: string } | null) => c?.input ?? null)).toEqual(['one', null, 'three']);
    expect(stepOf(f.detail, 'after').status).toBe('completed');
  });

  it('a failing child fails its step and the run; later items do not start', async () => {
    const h = await harness(compositionFiles());
    const f = await h.run('failing');
    expectWellFormed(f);
    expect(f.result.status).toBe('failed');
    expect(f.result.error).toMatchObject({ code: 'child_failed', step: 'each' });
    const each = stepOf(f.detail, 'each');
    expect(each.status).toBe('failed');
    expect(each.children).toHaveLength(1);
    expect((await h.ctx.runs.detail(each.children[0]!)).status).toBe('failed');
    expect(stepOf(f.detail, 'after').status).toBe('skipped');
  });
});

describe('rejected, carried up', () => {
  it('a child rejected by its contract ends the parent failed with code rejected, even when optional', async () => {
    const h = await harness(
      compositionFiles({
        '.wave/pipelines/rejecting.yaml': `kind: WavePipeline
steps:
  - id: judge
    type: command
    script: "true"
    handover:
      contract: { type: non_empty_file, source: verdict.txt, on_failure: rejected }
`,
        '.wave/pipelines/parent-of-rejected.yaml': `kind: WavePipeline
steps:
  - id: review
    pipeline: rejecting
    optional: true
  - id: after
    dependencies: [review]
    type: command
    script: "true"
`,
      }),
    );
    const f = await h.run('parent-of-rejected');
    expectWellFormed(f);
    expect(f.result.status).toBe('failed');
    expect(f.result.error).toMatchObject({ code: 'rejected', step: 'review' });
    const review = stepOf(f.detail, 'review');
    const child = await h.ctx.runs.detail(review.children[0]!);
    expect(child).toMatchObject({ status: 'failed', error: { code: 'rejected', step: 'judge' } });
    expect(stepOf(f.detail, 'after').status).toBe('skipped');
  });
});

describe('loop', () => {
  it('runs every inner step each pass in dependency order, with {{ iteration }}, up to max_iterations', async () => {
    const h = await harness(compositionFiles());
    const f = await h.run('again');
    expectWellFormed(f);
    expect(f.result.status).toBe('completed');
    // An inner step injects an outer step's artifact too.
    expect(h.read('passes.log')).toBe('pass 0 ["x","y"]\npass 1 ["x","y"]\npass 2 ["x","y"]\n');
    const cycle = stepOf(f.detail, 'cycle');
    expect(cycle.children).toHaveLength(3);
    // Each pass is a child run; its iterate's children are the pass's.
    const pass = await h.ctx.runs.detail(cycle.children[2]!);
    expect(stepOf(pass, 'fan').children).toHaveLength(2);
    expect(cycle.artifacts.map((a) => a.name).sort()).toEqual(['collected-output', 'got']);
  });
});

describe('loop ends', () => {
  it('a sub-pipeline whose config.stop_condition matches ends the loop ({{ sub_pipeline_stop }})', async () => {
    const h = await harness(compositionFiles());
    const f = await h.run('stopper');
    expect(f.result.status).toBe('completed');
    const passes = stepOf(f.detail, 'cycle').children;
    expect(passes).toHaveLength(2);
    const last = await h.ctx.runs.detail(passes[1]!);
    expect(stepOf(last, 'run').artifacts.map((a) => a.name)).toContain('sub_pipeline_stop');
  });

  it("a parent's config.max_cycles limits a child loop that sets no max_iterations", async () => {
    const h = await harness(compositionFiles());
    const f = await h.run('cycles');
    expect(f.result.status).toBe('completed');
    expect(h.read('ticks.log')).toBe('tick 0\ntick 1\n');
  });
});

describe('limits', () => {
  it('nesting deeper than 10 levels fails the run (dynamic); a pipeline that runs itself is a validation error', async () => {
    const h = await harness(
      compositionFiles({
        '.wave/pipelines/self.yaml': 'kind: WavePipeline\nsteps:\n  - id: me\n    pipeline: self\n',
      }),
    );
    const f = await h.run('deep');
    expect(f.result.status).toBe('failed');
    expect(f.result.error?.message).toContain('nest at most 10 levels');
    // Ten levels of children, each failing because the one below it did.
    expect(f.detail.child_count).toBe(1);
    const chain: string[] = [];
    for (let id = f.run.id; ; ) {
      const d = await h.ctx.runs.detail(id);
      const next = stepOf(d, 'again').children[0];
      if (!next) break;
      chain.push(next);
      id = next;
    }
    expect(chain).toHaveLength(10);
    const invalid = await h.create('self').catch((e: unknown) => e);
    expect(invalid).toMatchObject({
      code: 'invalid_pipeline',
      diagnostics: [{ path: 'steps[0].pipeline', message: expect.stringContaining('runs itself') }],
    });
  });

  it('config.timeout limits each child: one over it is cancelled and fails the step with code timeout', async () => {
    const h = await harness(compositionFiles());
    const f = await h.run('limited');
    expect(f.result.status).toBe('failed');
    expect(f.result.error).toMatchObject({ code: 'timeout', step: 'each' });
    const statuses = await Promise.all(
      stepOf(f.detail, 'each').children.map(async (id) => (await h.ctx.runs.detail(id)).status),
    );
    expect(statuses).toEqual(['completed', 'cancelled']);
  });

  it('timeout_minutes stops the children; with optional: true the run goes on', async () => {
    const h = await harness(compositionFiles());
    const f = await h.run('late');
    expectWellFormed(f);
    expect(f.result.status).toBe('completed');
    const late = stepOf(f.detail, 'late');
    expect(late).toMatchObject({ status: 'failed', error: { code: 'timeout' } });
    expect((await h.ctx.runs.detail(late.children[0]!)).status).toBe('cancelled');
    expect(h.read('next.log')).toBe('next\n');
  });
});
