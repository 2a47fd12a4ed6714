import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  expectWellFormed,
  harness,
  ofType,
  PATH_WITH_FAKE_CLAUDE,
  stepOf,
} from '../helpers/engine-harness.js';
import { yaml } from '../helpers/tmp.js';

// A provider refusing for load (claude's "overloaded"/429, or an adapter's retry_on_exit codes)
// is waited out with backoff and costs no attempt; other failures still do.

const files = (adapter: string) => ({
  'wave.yaml': yaml`
    kind: WaveManifest
    adapters:
      ${adapter}
    personas:
      writer: { adapter: agent }
  `,
  '.wave/pipelines/p.yaml': yaml`
    kind: WavePipeline
    steps:
      - id: think
        persona: writer
        exec: { type: prompt, source: "think" }
        retry: { max_attempts: 3, base_delay: 10ms }
  `,
});

const env = (h: { path(p: string): string }, sequence: string) => ({
  FAKE_CLAUDE_SEQUENCE: sequence,
  FAKE_CLAUDE_SEQUENCE_STATE: h.path('calls'),
});

describe('rate-limited adapters', () => {
  it('a fake claude that answers "overloaded" twice then succeeds costs one attempt', async () => {
    const h = await harness(
      files(
        `agent: { binary: claude, output_format: stream-json, env: { PATH: ${JSON.stringify(PATH_WITH_FAKE_CLAUDE)} } }`,
      ),
    );
    const f = await h.run('p', { env: env(h, 'overloaded,overloaded,success') });
    expectWellFormed(f);
    expect(f.result.status).toBe('completed');
    expect(readFileSync(h.path('calls'), 'utf8')).toBe('3');
    expect(stepOf(f.detail, 'think')).toMatchObject({ status: 'completed', attempts: 1 });
    expect(ofType(f.events, 'step_started').map((e) => e.attempt)).toEqual([1]);
    expect(ofType(f.events, 'step_failed')).toEqual([]);
    const waits = ofType(f.events, 'step_retrying');
    expect(waits.map((e) => e.attempt)).toEqual([1, 1]);
    // Backoff: each wait longer than the one before.
    expect(waits[1]!.delay_ms).toBeGreaterThan(waits[0]!.delay_ms);
    expect(waits.every((e) => e.reason.startsWith('rate limited, not counted as an attempt: '))).toBe(true);
    expect(waits[0]!.reason).toContain('Overloaded');
    expect(ofType(f.events, 'step_completed')[0]).toMatchObject({ step: 'think', attempt: 1 });
  });

  it('an exit code in retry_on_exit is waited out; an error result still counts as an attempt', async () => {
    const h = await harness(
      files(
        `agent: { binary: claude, output_format: stream-json, retry_on_exit: [75], env: { PATH: ${JSON.stringify(PATH_WITH_FAKE_CLAUDE)} } }`,
      ),
    );
    const f = await h.run('p', { env: env(h, 'exit-75,error-result,success') });
    expectWellFormed(f);
    expect(f.result.status).toBe('completed');
    expect(ofType(f.events, 'step_started').map((e) => e.attempt)).toEqual([1, 2]);
    expect(ofType(f.events, 'step_failed').map((e) => [e.attempt, e.error.code])).toEqual([
      [1, 'agent_error'],
    ]);
    const waits = ofType(f.events, 'step_retrying');
    expect(waits[0]).toMatchObject({ attempt: 1 });
    expect(waits[0]!.reason).toContain('adapters.agent.retry_on_exit');
    expect(stepOf(f.detail, 'think')).toMatchObject({ status: 'completed', attempts: 2 });
  });
});
