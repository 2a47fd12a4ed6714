import { describe, expect, it } from 'vitest';
import { expectWellFormed, harness, isAlive, stepOf } from '../helpers/engine-harness.js';
import { yaml } from '../helpers/tmp.js';

// Steps whose processes leave the step's process group (PIPELINES.md "A step's processes never
// outlive it"). The harness fails a test when any process a run started is still alive after it.

const GRACE_MS = 1000;
const MANIFEST = 'kind: WaveManifest\nruntime: { timeouts: { process_grace_seconds: 1 } }\n';
/** A process in its own session holding the step's stdout, its pid in the project root. */
const ESCAPE = `setsid bash -c 'echo $$ > "$WAVE_PROJECT_ROOT/escaped.pid"; exec sleep 1000' & while [ ! -s "$WAVE_PROJECT_ROOT/escaped.pid" ]; do sleep 0.01; done`;

const escapedPid = (read: (...parts: string[]) => string) => Number(read('escaped.pid').trim());

describe('a step whose processes left its process group', () => {
  it('ends when its script exits, with the straggler killed, long before timeout_minutes', async () => {
    const h = await harness({
      'wave.yaml': MANIFEST,
      '.wave/pipelines/escape.yaml': yaml`
        kind: WavePipeline
        steps:
          - id: leave
            type: command
            timeout_minutes: 1
            script: |
              ${ESCAPE}
              echo leaving
          - id: after
            type: command
            dependencies: [leave]
            script: echo after
      `,
    });
    const t0 = performance.now();
    const f = await h.run('escape');
    // Ended by the exit, not by the minute-long timeout.
    expect(performance.now() - t0).toBeLessThan(30_000);
    expectWellFormed(f);
    expect(f.result.status).toBe('completed');
    expect(f.detail.steps?.map((s) => s.status)).toEqual(['completed', 'completed']);
    expect(isAlive(escapedPid(h.read))).toBe(false);
  });

  it('timeout_minutes ends it, straggler included, within timeout + grace + 2 s', async () => {
    const h = await harness({
      'wave.yaml': MANIFEST,
      '.wave/pipelines/escape.yaml': yaml`
        kind: WavePipeline
        steps:
          - id: stuck
            type: command
            timeout_minutes: 0.02
            script: |
              ${ESCAPE}
              sleep 1000
      `,
    });
    const t0 = performance.now();
    const f = await h.run('escape');
    const took = performance.now() - t0;
    expectWellFormed(f);
    expect(f.result.status).toBe('failed');
    expect(stepOf(f.detail, 'stuck')).toMatchObject({ status: 'failed', error: { code: 'timeout' } });
    expect(took).toBeLessThan(1200 + GRACE_MS + 2000 + 1000); // + 1 s for the run's own setup
    expect(isAlive(escapedPid(h.read))).toBe(false);
  });

  it('a test_suite contract whose command leaves a setsid child passes and does not hang', async () => {
    const h = await harness({
      'wave.yaml': MANIFEST,
      '.wave/pipelines/escape.yaml': yaml`
        kind: WavePipeline
        steps:
          - id: checked
            type: command
            script: echo built
            handover:
              contract:
                type: test_suite
                command: |
                  ${ESCAPE}
                  echo checked
      `,
    });
    const f = await h.run('escape');
    expectWellFormed(f);
    expect(f.result.status).toBe('completed');
    expect(isAlive(escapedPid(h.read))).toBe(false);
  });
});
