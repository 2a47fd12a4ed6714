import type { Usage } from '../../engine/adapters/types.js';
import { WaveError } from '../../errors.js';
import type { RunStatus, WaveEvent } from '../../events/catalogue.js';
import type { StepRecord, Store } from '../../store/store.js';
import { addUsage, emptyUsage } from './figures.js';

/** API.md "Insights and retrospectives": GET /api/runs/:id/retrospective. */
export interface Retrospective {
  run_id: string;
  status: RunStatus;
  duration_ms: number | null;
  queue_wait_ms: number | null;
  gate_wait_ms: number;
  critical_path: string[];
  slowest_steps: { step: string; duration_ms: number }[];
  retries: { step: string; attempts: number; reasons: string[] }[];
  contract_failures: { step: string; contract: string; errors: string[] }[];
  usage: { total: Usage; by_step: Record<string, Usage>; by_persona: Record<string, Usage> };
  narrative: string | null;
}

const FINISHED: readonly RunStatus[] = ['completed', 'failed', 'cancelled'];
const TYPES = [
  'run_queued',
  'run_started',
  'run_completed',
  'run_failed',
  'run_cancelled',
  'step_started',
  'step_completed',
  'step_failed',
  'step_retrying',
  'contract_failed',
  'gate_waiting',
  'gate_answered',
];
const SLOWEST = 5;
const PAGE = 5000;

/** A finished run's retrospective, computed from its events (usage from its steps' records). */
export async function computeRetrospective(
  store: Store,
  runId: string,
  narrative: string | null = null,
): Promise<Retrospective> {
  const run = await store.getRun(runId);
  if (!run) throw new WaveError('run_not_found', `no run with id "${runId}"`);
  if (!FINISHED.includes(run.status)) {
    throw new WaveError(
      'run_not_finished',
      `run "${runId}" is ${run.status}: a retrospective needs a finished run`,
    );
  }
  const [events, steps] = await Promise.all([readAll(store, runId), store.listSteps(runId)]);
  const ms = (e: WaveEvent) => Date.parse(e.ts);
  const queued = events.find((e) => e.type === 'run_queued');
  const started = events.find((e) => e.type === 'run_started');
  const terminal = events.findLast((e) => FINISHED.includes(e.type.slice(4) as RunStatus));

  let gateWait = 0;
  const gateOpen = new Map<string, number>();
  const stepOpen = new Map<string, number>();
  const stepTime = new Map<string, number>();
  const retries = new Map<string, { step: string; attempts: number; reasons: string[] }>();
  const contractFailures: Retrospective['contract_failures'] = [];
  for (const e of events) {
    if (e.type === 'gate_waiting') gateOpen.set(e.step, ms(e));
    else if (e.type === 'gate_answered') gateWait += closeGate(gateOpen, e.step, ms(e));
    else if (e.type === 'step_started') stepOpen.set(e.step, ms(e));
    else if (e.type === 'step_completed' || e.type === 'step_failed') {
      // Every attempt counts: a step retried three times cost the run all three.
      const start = stepOpen.get(e.step);
      stepOpen.delete(e.step);
      const d = start !== undefined ? ms(e) - start : e.type === 'step_completed' ? e.duration_ms : 0;
      stepTime.set(e.step, (stepTime.get(e.step) ?? 0) + d);
    } else if (e.type === 'step_retrying') {
      const r = retries.get(e.step) ?? { step: e.step, attempts: 1, reasons: [] };
      // step_retrying names the attempt about to start.
      r.attempts = Math.max(r.attempts, e.attempt);
      r.reasons.push(e.reason);
      retries.set(e.step, r);
    } else if (e.type === 'contract_failed') {
      contractFailures.push({ step: e.step, contract: e.contract, errors: e.errors });
    }
  }
  // A gate still open when the run ended waited until the end.
  if (terminal) for (const step of [...gateOpen.keys()]) gateWait += closeGate(gateOpen, step, ms(terminal));

  return {
    run_id: run.id,
    status: run.status,
    duration_ms:
      run.startedAt && run.finishedAt ? Date.parse(run.finishedAt) - Date.parse(run.startedAt) : null,
    queue_wait_ms: queued && started ? ms(started) - ms(queued) : null,
    gate_wait_ms: gateWait,
    critical_path: criticalPath(steps),
    slowest_steps: [...stepTime]
      .filter(([, d]) => d > 0)
      .sort((a, b) => b[1] - a[1])
      .slice(0, SLOWEST)
      .map(([step, duration_ms]) => ({ step, duration_ms })),
    retries: [...retries.values()],
    contract_failures: contractFailures,
    usage: usageOf(steps),
    narrative,
  };
}

function closeGate(open: Map<string, number>, step: string, at: number): number {
  const since = open.get(step);
  open.delete(step);
  return since === undefined ? 0 : Math.max(0, at - since);
}

/**
 * The chain of steps that decided when the run ended: from the step that finished last, back
 * through the dependency that finished last each time (the one it actually waited for).
 */
export function criticalPath(steps: StepRecord[]): string[] {
  const byId = new Map(steps.map((s) => [s.id, s]));
  const end = (s: StepRecord | undefined) => (s?.finishedAt ? Date.parse(s.finishedAt) : -1);
  let current = steps.reduce<StepRecord | undefined>((a, s) => (end(s) > end(a) ? s : a), undefined);
  const path: string[] = [];
  while (current && end(current) >= 0 && !path.includes(current.id)) {
    path.push(current.id);
    current = current.dependencies
      .map((d) => byId.get(d))
      .reduce<StepRecord | undefined>((a, s) => (end(s) > end(a) ? s : a), undefined);
  }
  return path.reverse();
}

function usageOf(steps: StepRecord[]): Retrospective['usage'] {
  const total = emptyUsage();
  const byStep: Record<string, Usage> = {};
  const byPersona: Record<string, Usage> = {};
  for (const s of steps) {
    if (!s.usage) continue;
    addUsage(total, s.usage);
    byStep[s.id] = addUsage(emptyUsage(), s.usage);
    if (s.persona) byPersona[s.persona] = addUsage(byPersona[s.persona] ?? emptyUsage(), s.usage);
  }
  return { total, by_step: byStep, by_persona: byPersona };
}

async function readAll(store: Store, runId: string): Promise<WaveEvent[]> {
  const out: WaveEvent[] = [];
  let after = 0;
  for (;;) {
    const page = await store.readEvents({ runId, afterSeq: after, types: TYPES, limit: PAGE });
    for (const e of page) out.push(JSON.parse(e.json) as WaveEvent);
    if (page.length < PAGE) return out;
    after = page[page.length - 1]?.seq ?? after;
  }
}
