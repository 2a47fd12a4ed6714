import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadProject } from '../../src/config/load-project.js';
import { WaveError } from '../../src/errors.js';
import { silentLogger } from '../../src/logger.js';
import { createContext, type WaveContext } from '../../src/service/context.js';
import { tempProject, yaml } from '../helpers/tmp.js';

const QUICK = yaml`
  kind: WavePipeline
  steps:
    - id: only
      type: command
      script: echo quick done
`;

const contexts: WaveContext[] = [];
afterEach(async () => {
  for (const ctx of contexts.splice(0)) await ctx.close();
});

async function context(): Promise<WaveContext> {
  const root = tempProject({ '.wave/pipelines/quick.yaml': QUICK });
  const ctx = await createContext(loadProject({ cwd: root, env: {} }), silentLogger);
  contexts.push(ctx);
  return ctx;
}

const trigger = { source: 'cli' as const, actor: 'tester' };

/** A run created here and marked running, as if `owner` executed it. */
async function runningRun(ctx: WaveContext, owner: string, leaseMs: number): Promise<string> {
  const { run } = await ctx.runs.submit({ pipeline: 'quick', input: null, trigger, mode: 'local' });
  await ctx.store.claimRun(run.id, owner, leaseMs);
  await ctx.store.append(run.id, [
    { type: 'run_started', run_id: run.id, pipeline: 'quick', resumed: false },
  ]);
  return run.id;
}

describe('RunService', () => {
  it('submit wakes the scheduler for a new server run only (not a local one, not a repeat)', async () => {
    const ctx = await context();
    const wake = vi.spyOn(ctx.scheduler, 'wake');
    const server = { pipeline: 'quick', input: null, trigger, mode: 'server' as const, idempotencyKey: 'k1' };
    await ctx.runs.submit(server);
    expect(wake).toHaveBeenCalledTimes(1);
    const again = await ctx.runs.submit(server);
    expect(again.created).toBe(false);
    await ctx.runs.submit({ pipeline: 'quick', input: null, trigger, mode: 'local' });
    expect(wake).toHaveBeenCalledTimes(1);
  });

  it('cancel aborts a run this process executes at once, recording who asked', async () => {
    const ctx = await context();
    const id = await runningRun(ctx, ctx.owner, 60_000);
    const tracked = ctx.supervisor.track(id);
    const { requested } = await ctx.runs.cancel(id, 'alice');
    expect(requested).toBe(true);
    // No wait for the supervisor's next look at the store: the abort is part of the call.
    expect(tracked.signal.aborted).toBe(true);
    expect(tracked.cancelledBy()).toBe('alice');
    ctx.supervisor.untrack(id);
  });

  it('cancelAndWait cancels a run whose owner is gone, and says so', async () => {
    const ctx = await context();
    const id = await runningRun(ctx, 'some-other-host:4242:dead', -60_000);
    expect(await ctx.runs.cancelAndWait(id, 'alice', 5000)).toEqual({ kind: 'orphan' });
    const run = await ctx.runs.requireRun(id);
    expect(run.status).toBe('cancelled');
    const events = await ctx.store.readEvents({ runId: id, afterSeq: 0, limit: 100 });
    const cancelled = events.map((e) => JSON.parse(e.json)).find((e) => e.type === 'run_cancelled');
    expect(cancelled?.by).toBe('alice');
  });

  it('cancelAndWait on a parent whose owner is gone cancels its unfinished children too', async () => {
    const ctx = await context();
    const owner = 'some-other-host:4242:dead';
    const parent = await runningRun(ctx, owner, -60_000);
    const spec = await ctx.runs.spec(parent);
    const child = async (index: number) => {
      const { run } = await ctx.store.createRun({
        id: `${parent}-child-${index}`,
        pipeline: 'quick',
        input: null,
        labels: {},
        trigger: { source: 'pipeline', actor: parent },
        mode: 'local',
        options: {},
        spec,
        claim: { owner, leaseMs: -60_000 },
        parent: { runId: parent, step: 'only', index },
      });
      return run.id;
    };
    const done = await child(0);
    await ctx.store.append(done, [
      { type: 'run_started', run_id: done, pipeline: 'quick', resumed: false },
      { type: 'run_completed', run_id: done, status: 'completed', duration_ms: 1 },
    ]);
    const running = await child(1);
    await ctx.store.append(running, [
      { type: 'run_started', run_id: running, pipeline: 'quick', resumed: false },
    ]);
    expect(await ctx.runs.cancelAndWait(parent, 'alice', 5000)).toEqual({ kind: 'orphan' });
    expect((await ctx.runs.requireRun(parent)).status).toBe('cancelled');
    expect((await ctx.runs.requireRun(running)).status).toBe('cancelled');
    expect((await ctx.runs.requireRun(done)).status).toBe('completed');
  });

  it('resume refuses a child run: its parent resumes it', async () => {
    const ctx = await context();
    const parent = await runningRun(ctx, 'some-other-host:4242:dead', -60_000);
    const { run } = await ctx.store.createRun({
      id: `${parent}-child`,
      pipeline: 'quick',
      input: null,
      labels: {},
      trigger: { source: 'pipeline', actor: parent },
      mode: 'local',
      options: {},
      spec: await ctx.runs.spec(parent),
      parent: { runId: parent, step: 'only', index: 0 },
    });
    await expect(ctx.runs.resume(run.id)).rejects.toMatchObject({
      code: 'invalid_usage',
      message: expect.stringContaining(`child run of ${parent}`),
    });
  });

  it('cancelAndWait on a queued run cancels it at once; a second time is run_finished', async () => {
    const ctx = await context();
    const { run } = await ctx.runs.submit({ pipeline: 'quick', input: null, trigger, mode: 'local' });
    expect(await ctx.runs.cancelAndWait(run.id, 'alice', 5000)).toEqual({ kind: 'queued' });
    await expect(ctx.runs.cancelAndWait(run.id, 'alice', 5000)).rejects.toMatchObject({
      code: 'run_finished',
    });
  });

  it('resume takes over a dead owner’s run, and refuses a live owner’s or a finished one', async () => {
    const ctx = await context();
    const alive = await runningRun(ctx, 'some-other-host:4242:alive', 60_000);
    await expect(ctx.runs.resume(alive)).rejects.toThrow(/being run by another live process/);
    const dead = await runningRun(ctx, 'some-other-host:4242:dead', -60_000);
    expect((await ctx.runs.resume(dead)).owner).toBe(ctx.owner);
    const { run } = await ctx.runs.submit({ pipeline: 'quick', input: null, trigger, mode: 'local' });
    await ctx.runs.cancel(run.id, null);
    const finished = await ctx.runs.resume(run.id).catch((e: unknown) => e);
    expect(finished).toBeInstanceOf(WaveError);
    expect((finished as WaveError).code).toBe('run_finished');
  });

  it('logs: an unknown step is step_not_found with a suggestion; an unknown run run_not_found', async () => {
    const ctx = await context();
    const id = await runningRun(ctx, ctx.owner, 60_000);
    await ctx.store.append(id, [
      { type: 'step_started', run_id: id, step: 'only', kind: 'command', persona: null, attempt: 1 },
    ]);
    await expect(ctx.runs.logs({ runId: id, step: 'onyl', format: 'text' })).rejects.toMatchObject({
      code: 'step_not_found',
      message: expect.stringContaining('did you mean "only"'),
    });
    await expect(ctx.runs.logs({ runId: 'nope', format: 'text' })).rejects.toMatchObject({
      code: 'run_not_found',
    });
  });
});
