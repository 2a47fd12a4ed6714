import { expect } from 'vitest';
import type { WaveEvent } from '../../src/events/catalogue.js';
import { eventually } from '../helpers/eventually.js';
import { api, type TestServer } from '../helpers/server.js';
import { yaml } from '../helpers/tmp.js';

/** The documented error body (API.md "Errors"). */
export interface ErrorBodyT {
  error: { code: string; message: string; details: Record<string, unknown> };
}

/** A run as the API returns it (only what the tests read). */
export interface RunBody {
  id: string;
  pipeline: string;
  status: string;
  queue_position: number | null;
  cancel_requested: boolean;
  created_at: string;
  [key: string]: unknown;
}

/** Asserts the one error shape, its status and code; returns the error for further checks. */
export function expectError(
  res: { status: number; body: unknown; headers: Headers },
  status: number,
  code: string,
): ErrorBodyT['error'] {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.headers.get('content-type') ?? '').toMatch(/^application\/json/);
  assertErrorShape(res.body);
  const error = (res.body as ErrorBodyT).error;
  expect(error.code).toBe(code);
  return error;
}

/** Exactly `{error: {code, message, details}}`: strings and an object, nothing else. */
export function assertErrorShape(body: unknown): void {
  expect(body).toBeTypeOf('object');
  expect(body).not.toBeNull();
  expect(Object.keys(body as object)).toEqual(['error']);
  const error = (body as ErrorBodyT).error;
  expect(Object.keys(error).sort()).toEqual(['code', 'details', 'message']);
  expect(error.code).toBeTypeOf('string');
  expect(error.code).toMatch(/^[a-z_]+$/);
  expect(error.message).toBeTypeOf('string');
  expect(error.message.length).toBeGreaterThan(0);
  expect(error.details).toBeTypeOf('object');
  expect(error.details).not.toBeNull();
  expect(Array.isArray(error.details)).toBe(false);
}

export async function createRun(
  server: TestServer,
  pipeline: string,
  extra: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<RunBody> {
  const res = await api<RunBody>(server, 'POST', '/api/runs', { pipeline, ...extra }, headers);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

export async function getRun<T = RunBody>(server: TestServer, id: string): Promise<T> {
  const res = await api<T>(server, 'GET', `/api/runs/${encodeURIComponent(id)}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}

/** Waits (with a deadline) until the run has one of `statuses`; returns it. */
export async function waitForStatus(
  server: TestServer,
  id: string,
  statuses: string[],
  timeoutMs = 20_000,
): Promise<RunBody> {
  return eventually(
    async () => {
      const run = await getRun(server, id);
      return statuses.includes(run.status) ? run : null;
    },
    timeoutMs,
    `run ${id} to be ${statuses.join('|')}`,
  );
}

/** Waits until a gate of the run is waiting. */
export async function waitForGate(server: TestServer, id: string, step: string): Promise<void> {
  await eventually(
    async () => {
      const gates = await server.ctx.store.listGates(id);
      return gates.some((g) => g.step === step && g.status === 'waiting');
    },
    20_000,
    `gate ${step} of ${id} to wait`,
  );
}

/** Every stored event (of one run, or all), in seq order. */
export async function storedEvents(server: TestServer, runId?: string): Promise<WaveEvent[]> {
  const out: WaveEvent[] = [];
  for (let after = 0; ; ) {
    const rows = await server.ctx.store.readEvents({
      afterSeq: after,
      limit: 5000,
      ...(runId ? { runId } : {}),
    });
    if (rows.length === 0) return out;
    after = rows[rows.length - 1]!.seq;
    for (const row of rows) out.push(JSON.parse(row.json) as WaveEvent);
  }
}

/** Pipelines of the server tests, written into the temp project's `.wave/pipelines/`. */
export const SERVER_PIPELINES = {
  quick: yaml`
    kind: WavePipeline
    metadata: { description: "one quick step" }
    steps:
      - id: only
        type: command
        script: echo quick done
  `,
  needs: yaml`
    kind: WavePipeline
    input: { source: cli, type: string, required: true, example: "a branch name" }
    steps:
      - id: echo
        type: command
        script: echo {{ input }}
  `,
  gated: yaml`
    kind: WavePipeline
    steps:
      - id: build
        type: command
        script: echo built
      - id: ask
        dependencies: [build]
        gate:
          prompt: "Ship it?"
          choices: [ { key: yes, label: Ship }, { key: no, label: Stop, target: _fail } ]
          freeform: true
      - id: ship
        dependencies: [ask]
        type: command
        script: echo "shipping with {{ gate.ask.choice }}"
  `,
  strict: yaml`
    kind: WavePipeline
    steps:
      - id: ask
        gate:
          prompt: "Pick one"
          choices: [ { key: red, label: Red }, { key: green, label: Green }, { key: blue, label: Blue } ]
      - id: after
        dependencies: [ask]
        type: command
        script: echo after
  `,
  // The second gate is only reached after the first and a slow step.
  twogates: yaml`
    kind: WavePipeline
    steps:
      - id: first
        gate:
          prompt: "First?"
          choices: [ { key: go, label: Go } ]
      - id: wait
        dependencies: [first]
        type: command
        script: sleep 30
      - id: second
        dependencies: [wait]
        gate:
          prompt: "Second?"
          choices: [ { key: go, label: Go } ]
  `,
  timed: yaml`
    kind: WavePipeline
    steps:
      - id: ask
        gate:
          prompt: "Proceed?"
          choices: [ { key: go, label: Go }, { key: stop, label: Stop, target: _fail } ]
          default: go
          timeout: 1s
      - id: after
        dependencies: [ask]
        type: command
        script: echo "went on with {{ gate.ask.choice }}"
  `,
  // Records a grandchild pid, then waits on it: cancel must kill the whole process group.
  sleeper: yaml`
    kind: WavePipeline
    steps:
      - id: long
        type: command
        workspace: { type: project }
        script: |
          sleep 300 &
          echo $! > grandchild-$WAVE_RUN_ID.pid
          echo long started
          wait
  `,
  logs: yaml`
    kind: WavePipeline
    steps:
      - id: one
        type: command
        script: |
          echo one-a
          echo one-b
      - id: two
        dependencies: [one]
        type: command
        script: |
          echo two-a
          echo two-err >&2
  `,
  arts: yaml`
    kind: WavePipeline
    steps:
      - id: make
        type: command
        script: |
          printf '{"ok":true}' > out.json
          printf '# Title\\n' > notes.md
          printf 'plain text' > note.txt
          printf '\\000\\001\\002' > blob.bin
        output_artifacts:
          - { name: data, path: out.json, type: json }
          - { name: notes, path: notes.md, type: markdown }
          - { name: note.txt, path: note.txt, type: text }
          - { name: blob, path: blob.bin, type: binary }
      - id: other
        dependencies: [make]
        type: command
        script: echo other
  `,
} as const;

/** Project files with the server pipelines, plus `extra`. */
export function serverProject(extra: Record<string, string> = {}): Record<string, string> {
  const files: Record<string, string> = {};
  for (const [name, text] of Object.entries(SERVER_PIPELINES)) files[`.wave/pipelines/${name}.yaml`] = text;
  return { ...files, ...extra };
}
