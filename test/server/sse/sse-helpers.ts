import { request as httpRequest, type IncomingMessage } from 'node:http';
import { expect } from 'vitest';
import { eventually } from '../../helpers/eventually.js';
import { api, openSse, type SseConnection, type SseEvent, type TestServer } from '../../helpers/server.js';
import { yaml } from '../../helpers/tmp.js';

/** Output lines of the `flood` pipeline. */
export const FLOOD_LINES = 8000;

/** Pipelines whose events the SSE tests watch: each emits many events over time. */
export const SSE_PIPELINES = {
  // About 120 output lines spread over a few seconds: many small commits.
  ticker: yaml`
    kind: WavePipeline
    steps:
      - id: count
        type: command
        script: for i in $(seq 1 120); do echo "tick $i"; sleep 0.01; done
      - id: done
        type: command
        dependencies: [count]
        script: echo counted
  `,
  // Output, then a gate the test answers over HTTP, then more output: the test sets the pace.
  paced: yaml`
    kind: WavePipeline
    steps:
      - { id: a, type: command, script: "for i in 1 2 3 4 5; do echo a-$i; done" }
      - { id: gate1, dependencies: [a], gate: { prompt: "one?" } }
      - { id: b, type: command, dependencies: [gate1], script: "for i in 1 2 3 4 5; do echo b-$i; done" }
      - { id: gate2, dependencies: [b], gate: { prompt: "two?" } }
      - { id: c, type: command, dependencies: [gate2], script: "for i in 1 2 3 4 5; do echo c-$i; done" }
      - { id: gate3, dependencies: [c], gate: { prompt: "three?" } }
      - { id: d, type: command, dependencies: [gate3], script: "for i in 1 2 3 4 5; do echo d-$i; done" }
  `,
  // Waits for the test, then writes 8,000 lines of 8 KB as fast as it can: 64 MB, more than a
  // stalled reader's socket buffers can ever hold (tcp_rmem max + tcp_wmem max, 36 MB here).
  flood: yaml`
    kind: WavePipeline
    steps:
      - { id: go, gate: { prompt: "flood?" } }
      - id: lines
        type: command
        dependencies: [go]
        script: awk 'BEGIN { s = sprintf("%8000s", ""); gsub(/ /, "x", s); for (i = 1; i <= ${FLOOD_LINES}; i++) print i " " s }'
  `,
  quick: yaml`
    kind: WavePipeline
    steps:
      - { id: hello, type: command, script: "echo hello; echo world" }
  `,
  // A gate nobody answers: a run that stays open and silent.
  idle: yaml`
    kind: WavePipeline
    steps:
      - { id: wait, gate: { prompt: "never answered" } }
  `,
} as const;

export function sseProject(): Record<string, string> {
  const files: Record<string, string> = {};
  for (const [name, text] of Object.entries(SSE_PIPELINES)) files[`.wave/pipelines/${name}.yaml`] = text;
  return files;
}

export async function startRun(server: TestServer, pipeline: keyof typeof SSE_PIPELINES): Promise<string> {
  const res = await api<{ id: string }>(server, 'POST', '/api/runs', { pipeline });
  expect(res.status).toBe(201);
  return res.body.id;
}

const ENDED = new Set(['completed', 'failed', 'cancelled']);

export async function waitForRunEnd(server: TestServer, runId: string, timeoutMs = 60_000): Promise<string> {
  return eventually(
    async () => {
      const run = await server.ctx.store.getRun(runId);
      return run && ENDED.has(run.status) ? run.status : null;
    },
    timeoutMs,
    `run ${runId} to end`,
  );
}

/** Waits until a gate of the run is waiting (in the store). */
export async function waitForGate(server: TestServer, runId: string, step: string): Promise<void> {
  await eventually(
    async () => {
      const gates = await server.ctx.store.listGates(runId);
      return gates.some((g) => g.step === step && g.status === 'waiting');
    },
    20_000,
    `gate ${step} to wait`,
  );
}

/** Waits until a gate of the run is waiting, then answers it. */
export async function answerGate(server: TestServer, runId: string, step: string): Promise<void> {
  await waitForGate(server, runId, step);
  const res = await api(server, 'POST', `/api/runs/${runId}/gate/${step}`, { approved: true });
  expect(res.status).toBe(200);
}

export interface StoredSummary {
  seq: number;
  type: string;
  runId: string;
}

/** The events the store holds (this run's, or everyone's), after `afterSeq`, in seq order. */
export async function storedEvents(
  server: TestServer,
  runId?: string,
  afterSeq = 0,
): Promise<StoredSummary[]> {
  const rows = await server.ctx.store.readEvents({
    afterSeq,
    limit: 1_000_000,
    ...(runId !== undefined ? { runId } : {}),
  });
  return rows.map((r) => ({ seq: r.seq, type: r.type, runId: r.runId }));
}

export function seqs(events: readonly SseEvent[]): number[] {
  return events.map((e) => Number(e.id));
}

export interface RawResponse {
  status: number;
  headers: IncomingMessage['headers'];
  body: string;
}

/** The whole response, byte for byte, for a stream that ends by itself (or a JSON error). */
export function readRaw(
  server: { url: string },
  path: string,
  headers: Record<string, string> = {},
  timeoutMs = 20_000,
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      `${server.url}${path}`,
      { headers: { accept: 'text/event-stream', ...headers } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.on('error', reject);
      },
    );
    const deadline = setTimeout(
      () => req.destroy(new Error(`${path} did not end within ${timeoutMs} ms`)),
      timeoutMs,
    );
    req.on('close', () => clearTimeout(deadline));
    req.on('error', reject);
    req.end();
  });
}

/** A client the test can stall and resume: the shared SSE client of test/helpers/server.ts. */
export type ControlledSse = SseConnection;

export function openControlledSse(
  server: { url: string },
  path: string,
  headers: Record<string, string> = {},
): Promise<ControlledSse> {
  return openSse(server, path, headers);
}
