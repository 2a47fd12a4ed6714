import { forgeValues } from '../config/forge.js';
import type { RunError } from '../events/catalogue.js';
import type { StepSpec } from '../pipeline/model.js';
import { renderTemplate } from '../pipeline/templates.js';
import { neverStarted } from '../store/records.js';
import type { GateRecord, StepRecord } from '../store/store.js';
import { commitStepChanges, keepRunDiff } from './changes.js';
import type { RunContext } from './context.js';
import { runStep, type StepResult } from './step-runner.js';
import { forgeOf } from './template-values.js';
import { which } from './which.js';
import { removeWorktree, worktreeDir } from './workspace.js';

export interface RunResult {
  /** `interrupted`: halted for a shutdown; no terminal event was written. */
  status: 'completed' | 'failed' | 'cancelled' | 'interrupted';
  error: RunError | null;
}

type Live = 'pending' | 'running' | 'done';

/**
 * Runs a pipeline run to its end: walks the step DAG, starting each step when its
 * dependencies completed, up to runtime.max_concurrent_workers at once (gates do not count).
 * A failed step stops new starts and skips its dependents; optional steps let the run go on.
 * Works the same for a fresh run and a resumed one: completed steps are never run again.
 */
export async function executeRun(ctx: RunContext): Promise<RunResult> {
  const { run, spec, recorder } = ctx;
  // Read side by side (on PostgreSQL each is a round trip before the run starts), unless there
  // is nothing to read.
  const [stepRows, gateRows] = neverStarted(run)
    ? [[], []]
    : await Promise.all([ctx.store.listSteps(run.id), ctx.store.listGates(run.id)]);
  const records = new Map(stepRows.map((r) => [r.id, r]));
  const gates = new Map(gateRows.map((g) => [g.step, g]));
  const byId = new Map(spec.steps.map((s) => [s.id, s]));
  const outcome = new Map<string, StepResult>();
  const live = new Map<string, Live>();
  for (const step of spec.steps) {
    const status = records.get(step.id)?.status ?? 'pending';
    if (status === 'completed') outcome.set(step.id, { status: 'completed' });
    else if (status === 'skipped') outcome.set(step.id, { status: 'skipped', reason: 'skipped before' });
    else if (status === 'failed') {
      const r = records.get(step.id)!;
      outcome.set(step.id, {
        status: 'failed',
        error: r.error ?? { code: 'failed', message: 'failed' },
        runGoesOn: step.optional || step.retry.onFailure === 'continue',
      });
    }
    // A rework_only step runs only as another step's rework, never by the DAG.
    live.set(step.id, outcome.has(step.id) || step.reworkOnly ? 'done' : 'pending');
  }

  const depState = (step: StepSpec): 'ready' | 'blocked' | { skip: string } => {
    for (const dep of step.dependencies) {
      const o = outcome.get(dep);
      if (!o) return 'blocked';
      if (o.status === 'completed') continue;
      if (o.status === 'failed' && o.runGoesOn) continue;
      if (o.status === 'skipped') return { skip: `dependency "${dep}" was skipped` };
      return { skip: `dependency "${dep}" ${o.status === 'cancelled' ? 'was cancelled' : 'failed'}` };
    }
    return 'ready';
  };

  // Committed with the first step's start (or whatever comes first): nothing waits for it alone.
  recorder.soon({ type: 'run_started', run_id: run.id, pipeline: spec.name, resumed: ctx.resumed });
  const startedAt = Date.parse(run.startedAt ?? new Date().toISOString());
  const duration = () => Math.max(0, Date.now() - startedAt);

  try {
    // Go Wave: `{{ forge.cli_tool }}` names the project's forge CLI.
    const forge = forgeValues(forgeOf(ctx));
    const missing = spec.requiresTools
      .map((t) => renderTemplate(t, forge))
      .filter((t) => t !== '' && which(t, process.env.PATH) === null);
    if (missing.length) {
      const error: RunError = {
        code: 'missing_tool',
        message: `required tool${missing.length > 1 ? 's' : ''} not found on PATH: ${missing.join(', ')} (requires.tools)`,
        step: null,
      };
      return failRun(error, 'required tools are missing');
    }

    let fatal: { step: string; error: { code: string; message: string } } | null = null;
    const inflight = new Map<string, Promise<void>>();
    const blockedGates = new Set<string>();
    let announced = '';
    let slotHeld = ctx.holdsSlot ?? true;
    let wake: () => void = () => {};
    const gateStop = new AbortController();
    const stopGates = () => gateStop.abort();
    ctx.signal.addEventListener('abort', stopGates, { once: true });
    const stepCtx = { ...ctx, signal: AbortSignal.any([ctx.signal, gateStop.signal]) };

    const start = (step: StepSpec) => {
      live.set(step.id, 'running');
      const onBlocked = () => {
        blockedGates.add(step.id);
        wake();
      };
      const signalCtx = step.kind === 'gate' ? stepCtx : ctx;
      const p = runStepAndCommit(signalCtx, step, records.get(step.id), gates.get(step.id), onBlocked).then(
        (result) => {
          outcome.set(step.id, result);
          live.set(step.id, 'done');
          blockedGates.delete(step.id);
          inflight.delete(step.id);
          if (result.status === 'failed' && !result.runGoesOn && !fatal) {
            fatal = { step: step.id, error: result.error };
            gateStop.abort();
          }
        },
        (err: unknown) => {
          // An unexpected error (the store failing, a bug) must still end the step and the run.
          const message = err instanceof Error ? err.message : String(err);
          ctx.logger.error({ err, step: step.id }, 'step crashed');
          outcome.set(step.id, {
            status: 'failed',
            error: { code: 'internal_error', message },
            runGoesOn: false,
          });
          live.set(step.id, 'done');
          inflight.delete(step.id);
          fatal ??= { step: step.id, error: { code: 'internal_error', message } };
          gateStop.abort();
        },
      );
      inflight.set(step.id, p);
    };

    for (;;) {
      if (!ctx.signal.aborted && !fatal) {
        let running = [...inflight.keys()].filter((id) => byId.get(id)!.kind !== 'gate').length;
        for (const step of spec.steps) {
          if (live.get(step.id) !== 'pending') continue;
          const state = depState(step);
          if (state === 'blocked') continue;
          if (state !== 'ready') {
            live.set(step.id, 'done');
            outcome.set(step.id, { status: 'skipped', reason: state.skip });
            await recorder.emit({ type: 'step_skipped', run_id: run.id, step: step.id, reason: state.skip });
            continue;
          }
          if (step.kind !== 'gate') {
            if (running >= ctx.project.config.runtime.max_concurrent_workers) continue;
            if (!slotHeld && ctx.slots) {
              await ctx.slots.acquire(run.id, ctx.signal).catch(() => undefined);
              if (ctx.signal.aborted) break;
            }
            slotHeld = true;
            announced = '';
            running++;
          }
          start(step);
        }
        // A skip can make further steps decidable: go round again before waiting.
        if (
          spec.steps.some(
            (s) =>
              live.get(s.id) === 'pending' &&
              depState(s) !== 'blocked' &&
              !(s.kind !== 'gate' && running >= ctx.project.config.runtime.max_concurrent_workers),
          )
        )
          continue;
        const nonGateRunning = running;
        if (nonGateRunning === 0 && blockedGates.size > 0) {
          const waitingSteps = [...blockedGates].sort();
          const key = waitingSteps.join(',');
          if (key !== announced) {
            await recorder.emit({ type: 'run_waiting', run_id: run.id, steps: waitingSteps });
            announced = key;
            if (slotHeld && ctx.slots) {
              ctx.slots.release(run.id);
              slotHeld = false;
            }
          }
        }
      }
      if (inflight.size === 0) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
        for (const p of inflight.values()) void p.then(resolve);
      });
    }
    ctx.signal.removeEventListener('abort', stopGates);

    if (ctx.signal.aborted && ctx.halted()) return { status: 'interrupted', error: null };
    if (ctx.signal.aborted) {
      await keepDiff();
      await recorder.emit({
        type: 'run_cancelled',
        run_id: run.id,
        status: 'cancelled',
        duration_ms: duration(),
        by: ctx.cancelledBy(),
      });
      return { status: 'cancelled', error: null };
    }
    const failure = fatal as { step: string; error: { code: string; message: string } } | null;
    if (failure) {
      return failRun({ ...failure.error, step: failure.step }, `the run failed at step "${failure.step}"`);
    }
    await skipUnusedReworkSteps();
    await keepDiff();
    await recorder.emit({
      type: 'run_completed',
      run_id: run.id,
      status: 'completed',
      duration_ms: duration(),
    });
    return { status: 'completed', error: null };
  } finally {
    await recorder.flush().catch((err) => ctx.logger.error({ err }, 'could not write the last output lines'));
    // A halted run resumes later in the same worktree, uncommitted work included.
    if (!ctx.halted() && spec.steps.some((s) => s.workspace.type === 'worktree')) await removeWorktree(ctx);
  }

  async function failRun(error: RunError, skipReason: string): Promise<RunResult> {
    await skipPending(skipReason);
    await skipUnusedReworkSteps();
    await keepDiff();
    await recorder.emit({
      type: 'run_failed',
      run_id: run.id,
      status: 'failed',
      duration_ms: duration(),
      error,
    });
    return { status: 'failed', error };
  }

  /** Before the run's last event, so whoever sees the run end finds its diff artifact. */
  async function keepDiff(): Promise<void> {
    if (!spec.steps.some((s) => s.workspace.type === 'worktree')) return;
    await keepRunDiff(ctx).catch((err: unknown) => ctx.logger.warn({ err }, 'could not keep the run diff'));
  }

  /** Rework steps nobody needed end `skipped`, so a completed run has no step left pending. */
  async function skipUnusedReworkSteps(): Promise<void> {
    if (!spec.steps.some((s) => s.reworkOnly)) return;
    const now = new Map((await ctx.store.listSteps(run.id)).map((r) => [r.id, r.status]));
    const drafts = spec.steps
      .filter((s) => s.reworkOnly && (now.get(s.id) ?? 'pending') === 'pending')
      .map((s) => ({
        type: 'step_skipped' as const,
        run_id: run.id,
        step: s.id,
        reason: 'rework step: not needed',
      }));
    if (drafts.length) await recorder.emit(drafts);
  }

  async function skipPending(reason: string): Promise<void> {
    // Steps never started, and gates that were waiting when the run failed. A step whose
    // dependency failed says so; the others say where the run failed.
    const drafts = [];
    for (const s of spec.steps) {
      const o = outcome.get(s.id);
      if ((o && o.status !== 'cancelled') || s.reworkOnly) continue;
      const deps = depState(s);
      const why = typeof deps === 'object' ? deps.skip : reason;
      outcome.set(s.id, { status: 'skipped', reason: why });
      drafts.push({ type: 'step_skipped' as const, run_id: run.id, step: s.id, reason: why });
    }
    if (drafts.length) await recorder.emit(drafts);
  }
}

/** A worktree step's changes are committed before the step counts as done, so a gate after it sees them. */
async function runStepAndCommit(
  ctx: RunContext,
  step: StepSpec,
  record: StepRecord | undefined,
  gate: GateRecord | undefined,
  onGateBlocked: () => void,
): Promise<StepResult> {
  const result = await runStep(ctx, step, record, gate, onGateBlocked);
  // A halted run resumes in the same worktree with the step's work still uncommitted.
  if (step.workspace.type === 'worktree' && result.status !== 'skipped' && !ctx.halted()) {
    await commitStepChanges(ctx, step, worktreeDir(ctx)).catch((err: unknown) =>
      ctx.logger.warn({ err, step: step.id }, 'could not commit the step changes'),
    );
  }
  return result;
}
