import { describe, expect, it } from 'vitest';
import type { WaveEvent } from '../../src/events/catalogue.js';
import { eventually } from '../helpers/eventually.js';
import { api, startTestServer } from '../helpers/server.js';
import { yaml } from '../helpers/tmp.js';
import { createRun, getRun, storedEvents, waitForStatus } from './support.js';

// adapters.<name>.max_concurrent under `wave serve`: prompt steps of all runs share the cap,
// wait in the order they became ready, and a cancelled waiter gives its place up at once.

const files = (maxConcurrent: number, release: string) => ({
  'wave.yaml': yaml`
    apiVersion: v1
    kind: WaveManifest
    metadata: { name: limits }
    adapters:
      mock: { max_concurrent: ${maxConcurrent} }
    personas:
      thinker: { adapter: mock }
  `,
  // The prompt step holds its place until its contract's command ends.
  '.wave/pipelines/think.yaml': yaml`
    kind: WavePipeline
    metadata: { name: think }
    steps:
      - id: think
        persona: thinker
        exec: { type: prompt, source: "think" }
        handover:
          contract: { type: test_suite, command: '${release}' }
  `,
});

const ENDED = ['completed', 'failed', 'cancelled'];

/** The most prompt steps running at once, replaying the events in commit order. */
function mostAtOnce(events: WaveEvent[]): number {
  let running = 0;
  let most = 0;
  for (const e of events) {
    if (e.type === 'step_started' && e.kind === 'prompt') most = Math.max(most, ++running);
    if ((e.type === 'step_completed' || e.type === 'step_failed') && e.step === 'think') running--;
  }
  return most;
}

describe('per-adapter limits under wave serve', () => {
  it('max_concurrent 2 on the mock adapter: 6 runs never have more than 2 prompt steps at once, and start in readiness order', async () => {
    const server = await startTestServer(files(2, 'sleep 0.3'), { flags: { maxConcurrent: 6 } });
    const runs = [];
    for (let i = 0; i < 6; i++) runs.push(await createRun(server, 'think'));
    for (const run of runs)
      expect((await waitForStatus(server, run.id, ENDED, 60_000)).status).toBe('completed');

    const events = await storedEvents(server);
    expect(mostAtOnce(events)).toBe(2);
    const throttled = events.filter((e) => e.type === 'step_throttled');
    // Six runs at once and two places: at least four waited, each told its place in line.
    expect(new Set(throttled.map((e) => e.run_id)).size).toBeGreaterThanOrEqual(4);
    expect(throttled.every((e) => e.adapter === 'mock' && e.step === 'think' && e.position >= 1)).toBe(true);
    // Ready = the step's first step_throttled, or its step_started when it did not wait.
    const readyOrder: string[] = [];
    for (const e of events)
      if ((e.type === 'step_throttled' || e.type === 'step_started') && !readyOrder.includes(e.run_id))
        readyOrder.push(e.run_id);
    const startOrder = events.filter((e) => e.type === 'step_started').map((e) => e.run_id);
    expect(startOrder).toEqual(readyOrder);
    // A waiting step stays pending; every throttled run's positions only go down.
    for (const run of runs) {
      const positions = throttled
        .filter((e) => e.run_id === run.id)
        .map((e) => (e as { position: number }).position);
      expect(positions).toEqual([...positions].sort((a, b) => b - a));
    }
  });

  it('cancelling a run whose step waits for the adapter releases its place at once', async () => {
    // The first run holds the one place until the test writes `release`.
    const server = await startTestServer(
      files(1, 'while [ ! -f "$WAVE_PROJECT_ROOT/release" ]; do sleep 0.05; done'),
      {
        flags: { maxConcurrent: 4 },
      },
    );
    const holder = await createRun(server, 'think');
    await eventually(
      async () => (await storedEvents(server, holder.id)).some((e) => e.type === 'step_started'),
      20_000,
      'the first step running',
    );
    const waiter = await createRun(server, 'think');
    const third = await createRun(server, 'think');
    await eventually(
      async () =>
        (await storedEvents(server, third.id)).some((e) => e.type === 'step_throttled' && e.position === 2),
      20_000,
      'the third run second in line',
    );
    const metrics = await api<string>(server, 'GET', '/metrics');
    expect(metrics.body).toMatch(/wave_adapter_running\{adapter="mock",instance="[^"]+"\} 1/);
    expect(metrics.body).toMatch(/wave_adapter_waiting\{adapter="mock",instance="[^"]+"\} 2/);

    expect((await api(server, 'POST', `/api/runs/${waiter.id}/cancel`)).status).toBe(202);
    expect((await waitForStatus(server, waiter.id, ENDED)).status).toBe('cancelled');
    // The third run moved up to first in line without waiting for the holder to finish.
    await eventually(
      async () =>
        (await storedEvents(server, third.id)).some((e) => e.type === 'step_throttled' && e.position === 1),
      20_000,
      'the third run first in line',
    );
    expect((await getRun(server, holder.id)).status).toBe('running');
    const cancelledSteps = (await storedEvents(server, waiter.id)).filter((e) => e.type === 'step_started');
    expect(cancelledSteps).toEqual([]);

    const { writeFileSync } = await import('node:fs');
    writeFileSync(`${server.root}/release`, '');
    expect((await waitForStatus(server, holder.id, ENDED, 30_000)).status).toBe('completed');
    expect((await waitForStatus(server, third.id, ENDED, 30_000)).status).toBe('completed');
    const after = await api<string>(server, 'GET', '/metrics');
    expect(after.body).toMatch(/wave_adapter_running\{adapter="mock",instance="[^"]+"\} 0/);
    expect(after.body).toMatch(/wave_adapter_waiting\{adapter="mock",instance="[^"]+"\} 0/);
  });
});
