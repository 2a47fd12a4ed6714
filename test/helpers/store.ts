import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import type { EventDraft, WaveEvent } from '../../src/events/catalogue.js';
import type { PipelineSpec, StepKind, StepSpec } from '../../src/pipeline/model.js';
import { SqliteStore, type SqliteStoreOptions } from '../../src/store/sqlite/sqlite-store.js';
import type { NewRun, Store } from '../../src/store/store.js';
import { tempDir } from './tmp.js';

const open: SqliteStore[] = [];

// Registered after tmp.ts's hook: hooks run last-in first-out, so stores close before their
// folders are removed.
afterEach(async () => {
  for (const store of open.splice(0).reverse()) await store.close();
});

/** A fake clock for `SqliteStoreOptions.now`: it moves only when told. */
export class TestClock {
  constructor(public ms = Date.parse('2026-11-21T10:00:00.000Z')) {}
  readonly now = (): Date => new Date(this.ms);
  iso(offsetMs = 0): string {
    return new Date(this.ms + offsetMs).toISOString();
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}

/** A store on a fresh SQLite file in a temp dir (closed after the test); `path` opens another. */
export function openStore(opts: Partial<SqliteStoreOptions> = {}): SqliteStore {
  const store = new SqliteStore({
    path: opts.path ?? join(tempDir('wave-store-'), 'state.db'),
    origin: opts.origin ?? 'test-origin',
    ...(opts.onCommit ? { onCommit: opts.onCommit } : {}),
    ...(opts.now ? { now: opts.now } : {}),
  });
  open.push(store);
  return store;
}

/** A step with every field at its default: only what the store cares about is given. */
export function stepSpec(id: string, kind: StepKind = 'command', dependencies: string[] = []): StepSpec {
  return {
    id,
    kind,
    description: '',
    dependencies,
    persona: kind === 'prompt' ? 'navigator' : null,
    adapter: null,
    model: null,
    command: kind === 'command' ? 'true' : null,
    prompt: kind === 'prompt' ? { source: 'do it' } : null,
    workspace: { type: 'fresh', mount: [], branch: null, base: null },
    outputs: [],
    injects: [],
    contracts: [],
    retry: { maxAttempts: 1, backoff: 'fixed', baseDelayMs: 0, maxDelayMs: 0, onFailure: 'fail' },
    gate:
      kind === 'gate'
        ? {
            prompt: 'Ship it?',
            choices: [
              { key: 'approve', label: 'Approve', target: null },
              { key: 'reject', label: 'Reject', target: '_fail' },
            ],
            freeform: true,
            default: null,
            timeoutMs: null,
          }
        : null,
    outcomes: [],
    timeoutMs: null,
    optional: false,
  };
}

export function pipelineSpec(name: string, steps: StepSpec[]): PipelineSpec {
  return {
    name,
    description: '',
    file: `.wave/pipelines/${name}.yaml`,
    disabled: false,
    release: false,
    category: null,
    input: null,
    requiresTools: [],
    outputs: {},
    steps,
  };
}

/** Steps `build` → `review` (a gate) → `ship`. */
export const SHIP_SPEC = pipelineSpec('ship', [
  stepSpec('build'),
  stepSpec('review', 'gate', ['build']),
  stepSpec('ship', 'command', ['review']),
]);

let counter = 0;

/** A NewRun with a unique id; anything can be overridden. */
export function newRun(overrides: Partial<NewRun> = {}): NewRun {
  counter += 1;
  const spec = overrides.spec ?? SHIP_SPEC;
  return {
    id: `${spec.name}-run-${counter}`,
    pipeline: spec.name,
    input: null,
    labels: {},
    trigger: { source: 'api', actor: 'alice' },
    mode: 'server',
    options: {},
    spec,
    ...overrides,
  };
}

/** Drafts for the engine's usual sequence, so tests read like the runs they describe. */
export const draft = {
  runStarted: (runId: string, resumed = false): EventDraft => ({
    type: 'run_started',
    run_id: runId,
    pipeline: 'ship',
    resumed,
  }),
  stepStarted: (runId: string, step: string, attempt = 1, ts?: string): EventDraft => ({
    type: 'step_started',
    run_id: runId,
    step,
    kind: 'command',
    persona: null,
    attempt,
    ...(ts ? { ts } : {}),
  }),
  stepCompleted: (runId: string, step: string, durationMs: number, attempt = 1, ts?: string): EventDraft => ({
    type: 'step_completed',
    run_id: runId,
    step,
    status: 'success',
    duration_ms: durationMs,
    attempt,
    ...(ts ? { ts } : {}),
  }),
  stepFailed: (
    runId: string,
    step: string,
    opts: { code?: string; willRetry?: boolean; attempt?: number; ts?: string } = {},
  ): EventDraft => ({
    type: 'step_failed',
    run_id: runId,
    step,
    error: { code: opts.code ?? 'exit_code', message: 'the command exited with code 1' },
    attempt: opts.attempt ?? 1,
    will_retry: opts.willRetry ?? false,
    ...(opts.ts ? { ts: opts.ts } : {}),
  }),
  gateWaiting: (runId: string, step: string): EventDraft => ({
    type: 'gate_waiting',
    run_id: runId,
    step,
    prompt: 'Ship it?',
    choices: [
      { key: 'approve', label: 'Approve', target: null },
      { key: 'reject', label: 'Reject', target: '_fail' },
    ],
    freeform: true,
    default: null,
    timeout_at: null,
  }),
  line: (runId: string, step: string, content: string): EventDraft => ({
    type: 'stream_activity',
    run_id: runId,
    step,
    stream: 'stdout',
    content,
  }),
  runCompleted: (runId: string): EventDraft => ({
    type: 'run_completed',
    run_id: runId,
    status: 'completed',
    duration_ms: 1,
  }),
  runCancelled: (runId: string, by: string | null): EventDraft => ({
    type: 'run_cancelled',
    run_id: runId,
    status: 'cancelled',
    duration_ms: 1,
    by,
  }),
};

/** Creates a run and takes it to a waiting gate `review` (build completed). */
export async function runAtGate(store: Store, overrides: Partial<NewRun> = {}): Promise<string> {
  const { run } = await store.createRun(newRun(overrides));
  await store.append(run.id, [
    draft.runStarted(run.id),
    draft.stepStarted(run.id, 'build'),
    draft.stepCompleted(run.id, 'build', 5),
    draft.gateWaiting(run.id, 'review'),
    { type: 'run_waiting', run_id: run.id, steps: ['review'] },
  ]);
  return run.id;
}

/** The events of one run, parsed, in seq order. */
export async function eventsOf(store: Store, runId: string): Promise<WaveEvent[]> {
  const rows = await store.readEvents({ runId, afterSeq: 0, limit: 1_000_000 });
  return rows.map((r) => JSON.parse(r.json) as WaveEvent);
}

/** The pid of a process that has exited and been reaped: a kill -9'd owner, as far as liveness goes. */
export async function exitedPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
  await new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  return child.pid!;
}
