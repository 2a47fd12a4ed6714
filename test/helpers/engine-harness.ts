import { randomUUID } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, expect } from 'vitest';
import { loadProject, type Project } from '../../src/config/load-project.js';
import type { GatePolicy } from '../../src/engine/context.js';
import type { RunResult } from '../../src/engine/engine.js';
import { removeTree } from '../../src/engine/fs-utils.js';
import type { EventOf, EventType, WaveEvent } from '../../src/events/catalogue.js';
import { silentLogger } from '../../src/logger.js';
import { executeClaimedRun } from '../../src/runs/executor.js';
import { claimRun } from '../../src/scheduler/leases.js';
import { createContext, type WaveContext } from '../../src/service/context.js';
import type { RunView } from '../../src/service/views.js';
import type { RunRecord } from '../../src/store/store.js';
import { eventually } from './eventually.js';

/** The fake `claude` (test/fixtures/bin/claude) and its scenarios. */
export const FAKE_BIN = fileURLToPath(new URL('../fixtures/bin', import.meta.url));
export const FAKE_CLAUDE = join(FAKE_BIN, 'claude');
export const CLAUDE_SCENARIOS = fileURLToPath(new URL('../fixtures/claude', import.meta.url));
/** PATH with the fake claude first. */
export const PATH_WITH_FAKE_CLAUDE = `${FAKE_BIN}${delimiter}${process.env.PATH ?? ''}`;

/** Every process a harness run starts carries this variable, so leaks can be found in /proc. */
const TOKEN_VAR = 'WAVE_ENGINE_HARNESS_TOKEN';

export interface RunOptions {
  input?: string | null;
  /** Gate policy; default: no presets, no auto-approve, actor "tester", unanswered "fail". */
  gates?: Partial<GatePolicy>;
  mock?: boolean;
  /**
   * Variables set in process.env while the run executes (undefined removes one): steps get
   * process.env (stepEnv) and `requires.tools` looks at its PATH. Restored when the run ends.
   */
  env?: Record<string, string | undefined>;
}

export interface FinishedRun {
  run: RunRecord;
  result: RunResult;
  /** Every event of the run, as stored, in seq order. */
  events: WaveEvent[];
  detail: RunView;
}

export interface StartedRun {
  run: RunRecord;
  done: Promise<FinishedRun>;
}

export interface Harness {
  root: string;
  project: Project;
  ctx: WaveContext;
  /** Creates a local run claimed by this process (what `wave run` does). */
  create(pipeline: string, opts?: RunOptions): Promise<RunRecord>;
  /** Executes a claimed run to its end and collects its events and detail. */
  execute(run: RunRecord, opts?: RunOptions): Promise<FinishedRun>;
  /** create + execute. */
  run(pipeline: string, opts?: RunOptions): Promise<FinishedRun>;
  /** create, then execute in the background; `done` settles when the run ended. */
  start(pipeline: string, opts?: RunOptions): Promise<StartedRun>;
  /** Claims an orphaned run (dead owner) and executes it, as `wave resume` does. */
  resume(runId: string, opts?: RunOptions): Promise<FinishedRun>;
  events(runId: string): Promise<WaveEvent[]>;
  /** Resolves with the first stored event of the run matching `pred`; fails after the deadline. */
  waitForEvent<T extends EventType>(
    runId: string,
    type: T,
    pred?: (e: EventOf<T>) => boolean,
    timeoutMs?: number,
  ): Promise<EventOf<T>>;
  /** A second process's view of the same project and database ("another client"). */
  client(): Promise<WaveContext>;
  /** A path under the project root. */
  path(...parts: string[]): string;
  read(...parts: string[]): string;
}

interface Open {
  dirs: string[];
  contexts: WaveContext[];
  running: Map<string, Promise<unknown>>;
  tokens: string[];
}

const open: Open = { dirs: [], contexts: [], running: new Map(), tokens: [] };

afterEach(async () => {
  // Runs a failed test left behind are cancelled first, so nothing holds the database.
  for (const ctx of open.contexts)
    for (const id of open.running.keys()) ctx.supervisor.cancel(id, 'teardown');
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.allSettled(open.running.values()),
    new Promise((resolve) => {
      timer = setTimeout(resolve, 15_000);
    }),
  ]);
  clearTimeout(timer);
  open.running.clear();
  for (const ctx of open.contexts.splice(0).reverse()) await ctx.close();
  const left = () => open.tokens.flatMap(processesWithEnv);
  await eventually(() => left().length === 0, 5000, 'the processes of the runs to exit').catch(
    () => undefined,
  );
  const pids = left();
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  open.tokens = [];
  for (const dir of open.dirs.splice(0).reverse()) removeTree(dir);
  expect(pids, 'processes started by the run outlived it').toEqual([]);
});

const DEFAULT_MANIFEST = 'apiVersion: v1\nkind: WaveManifest\nmetadata: { name: engine-test }\n';

/**
 * A project in a temp directory with `files` (path → content, or a function of the project root
 * giving them; wave.yaml gets a minimal default), loaded through loadProject and opened through
 * createContext (a real SQLite file under .wave/). Everything it opens is closed and removed
 * after the test.
 */
export async function harness(
  files: Record<string, string> | ((root: string) => Record<string, string>),
): Promise<Harness> {
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'wave-engine-')));
  open.dirs.push(root);
  const all = { 'wave.yaml': DEFAULT_MANIFEST, ...(typeof files === 'function' ? files(root) : files) };
  for (const [p, content] of Object.entries(all)) {
    const full = join(root, p);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, content);
  }
  const project = loadProject({ cwd: root, env: process.env });
  const ctx = await createContext(project, silentLogger);
  open.contexts.push(ctx);
  const token = randomUUID();
  open.tokens.push(token);

  const policy = (opts: RunOptions): GatePolicy => ({
    presets: {},
    autoApprove: false,
    actor: 'tester',
    unanswered: 'fail',
    ...opts.gates,
  });

  const events = async (runId: string): Promise<WaveEvent[]> => {
    const rows = await ctx.store.readEvents({ runId, afterSeq: 0, limit: 1_000_000 });
    return rows.map((r) => JSON.parse(r.json) as WaveEvent);
  };

  const create = async (pipeline: string, opts: RunOptions = {}): Promise<RunRecord> => {
    const { run } = await ctx.runs.submit({
      pipeline,
      input: opts.input ?? null,
      trigger: { source: 'cli', actor: 'tester' },
      mode: 'local',
      options: { mock: opts.mock ?? false },
      runHere: true,
    });
    return run;
  };

  const execute = async (run: RunRecord, opts: RunOptions = {}): Promise<FinishedRun> => {
    const restore = patchEnv({ ...opts.env, [TOKEN_VAR]: token });
    const p = (async () => {
      try {
        return await executeClaimedRun(ctx, run, {
          gates: policy(opts),
          ...(opts.mock !== undefined ? { mock: opts.mock } : {}),
        });
      } finally {
        restore();
      }
    })();
    open.running.set(run.id, p);
    const result = await p.finally(() => open.running.delete(run.id));
    return { run, result, events: await events(run.id), detail: await ctx.runs.detail(run.id) };
  };

  const h: Harness = {
    root,
    project,
    ctx,
    create,
    execute,
    run: async (pipeline, opts = {}) => execute(await create(pipeline, opts), opts),
    start: async (pipeline, opts = {}) => {
      const run = await create(pipeline, opts);
      const done = execute(run, opts);
      // The test awaits `done` when it wants the outcome; a rejection must not go unhandled first.
      done.catch(() => undefined);
      return { run, done };
    },
    resume: async (runId, opts = {}) => {
      const run = await claimRun(ctx.store, runId, ctx.owner);
      if (!run) throw new Error(`run ${runId} could not be claimed`);
      return execute(run, opts);
    },
    events,
    waitForEvent: async (runId, type, pred, timeoutMs = 20_000) => {
      const match = async () =>
        (await events(runId)).find(
          (e): e is EventOf<typeof type> => e.type === type && (!pred || pred(e as EventOf<typeof type>)),
        );
      try {
        return await eventually(match, timeoutMs, `${type} of run ${runId}`);
      } catch {
        const seen = (await events(runId)).map((e) => e.type).join(', ');
        throw new Error(`no ${type} event for run ${runId} within ${timeoutMs} ms (saw: ${seen})`);
      }
    },
    client: async () => {
      const other = await createContext(loadProject({ cwd: root, env: process.env }), silentLogger);
      open.contexts.push(other);
      return other;
    },
    path: (...parts) => join(root, ...parts),
    read: (...parts) => readFileSync(join(root, ...parts), 'utf8'),
  };
  return h;
}

/** Sets variables in process.env; the returned function puts the previous values back. */
function patchEnv(vars: Record<string, string | undefined>): () => void {
  const before = new Map<string, string | undefined>();
  for (const [k, v] of Object.entries(vars)) {
    before.set(k, process.env[k]);
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  return () => {
    for (const [k, v] of before) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
}

/** Whether a process exists and is not a zombie (Linux: /proc; elsewhere kill -0). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    // No /proc/<pid>/stat: on Linux the process is gone; elsewhere kill -0 is all we know.
    return !existsSync('/proc/self');
  }
}

/** Live pids whose environment holds TOKEN_VAR=token (Linux /proc; elsewhere none). */
function processesWithEnv(token: string): number[] {
  if (!existsSync('/proc/self/environ')) return [];
  const entry = `${TOKEN_VAR}=${token}`;
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${name}/environ`, 'utf8').split('\0').includes(entry) && isAlive(Number(name)))
        pids.push(Number(name));
    } catch {
      // gone, or not ours
    }
  }
  return pids;
}

/** The events of one type, narrowed. */
export function ofType<T extends EventType>(events: readonly WaveEvent[], type: T): EventOf<T>[] {
  return events.filter((e): e is EventOf<T> => e.type === type);
}

/** The events of one step (optionally of one type), in order. */
export function stepEvents(events: readonly WaveEvent[], step: string): WaveEvent[] {
  return events.filter((e) => 'step' in e && e.step === step);
}

/** A step's view in the run detail; fails the test when there is none. */
export function stepOf(detail: RunView, id: string): NonNullable<RunView['steps']>[number] {
  const step = detail.steps?.find((s) => s.id === id);
  if (!step) throw new Error(`run ${detail.id} has no step "${id}"`);
  return step;
}

/** Checks the invariants every finished run has: one terminal event, last, matching the status. */
export function expectWellFormed(f: FinishedRun): void {
  const terminal = f.events.filter((e) => ['run_completed', 'run_failed', 'run_cancelled'].includes(e.type));
  expect(terminal).toHaveLength(1);
  expect(f.events.at(-1)?.type).toBe(terminal[0]?.type);
  expect(f.detail.status).toBe(f.result.status);
  const seqs = f.events.map((e) => e.seq);
  expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
}
