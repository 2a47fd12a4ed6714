import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { WaveEvent } from '../../src/events/catalogue.js';
import { expectWellFormed, harness, ofType, stepOf } from '../helpers/engine-harness.js';
import { yaml } from '../helpers/tmp.js';

/** Bash: waits (at most ~20 s) until `file` exists, else fails the step naming it. */
const awaitFile = (file: string) =>
  `for i in $(seq 1 400); do [ -e "${file}" ] && break; sleep 0.05; done; [ -e "${file}" ] || { echo "waited in vain for ${file}" >&2; exit 1; }`;

/** The most steps the events show between step_started and step_completed/failed at once. */
function maxConcurrent(events: readonly WaveEvent[]): number {
  let running = 0;
  let max = 0;
  for (const e of events) {
    if (e.type === 'step_started') running++;
    if (e.type === 'step_completed' || e.type === 'step_failed') running--;
    max = Math.max(max, running);
  }
  return max;
}

describe('the DAG walk', () => {
  it('runs independent steps at once and starts a dependent only after all its dependencies', async () => {
    const h = await harness({
      '.wave/pipelines/dag.yaml': yaml`
        kind: WavePipeline
        steps:
          - id: a
            type: command
            script: |
              touch "$WAVE_PROJECT_ROOT/marks/a.start"
              ${awaitFile('$WAVE_PROJECT_ROOT/marks/b.start')}
          - id: b
            type: command
            script: |
              touch "$WAVE_PROJECT_ROOT/marks/b.start"
              ${awaitFile('$WAVE_PROJECT_ROOT/marks/a.start')}
              ${awaitFile('$WAVE_PROJECT_ROOT/marks/release-b')}
          - id: c
            dependencies: [a, b]
            type: command
            script: |
              test -e "$WAVE_PROJECT_ROOT/marks/release-b"
              touch "$WAVE_PROJECT_ROOT/marks/c.ran"
      `,
      'marks/.keep': '',
    });
    const { run, done } = await h.start('dag');
    // a completes only once b has started: both ran at the same time.
    await h.waitForEvent(run.id, 'step_completed', (e) => e.step === 'a');
    // b is held back by the test, so c must not start although a is done.
    const before = await h.events(run.id);
    expect(before.some((e) => e.type === 'step_started' && e.step === 'c')).toBe(false);
    expect(existsSync(h.path('marks/c.ran'))).toBe(false);
    writeFileSync(h.path('marks/release-b'), '');
    const f = await done;
    expectWellFormed(f);
    expect(f.result).toEqual({ status: 'completed', error: null });
    const seqOf = (type: string, step: string) =>
      f.events.find((e) => e.type === type && 'step' in e && e.step === step)!.seq;
    expect(seqOf('step_started', 'c')).toBeGreaterThan(seqOf('step_completed', 'a'));
    expect(seqOf('step_started', 'c')).toBeGreaterThan(seqOf('step_completed', 'b'));
    expect(seqOf('step_started', 'b')).toBeLessThan(seqOf('step_completed', 'a'));
    expect(f.detail.steps?.map((s) => [s.id, s.status, s.attempts])).toEqual([
      ['a', 'completed', 1],
      ['b', 'completed', 1],
      ['c', 'completed', 1],
    ]);
    expect(stepOf(f.detail, 'c').dependencies).toEqual(['a', 'b']);
    expect(f.events[0]?.type).toBe('run_queued');
    expect(ofType(f.events, 'run_started')).toEqual([
      expect.objectContaining({ pipeline: 'dag', resumed: false }),
    ]);
    expect(f.detail.started_at).not.toBeNull();
    expect(f.detail.finished_at).not.toBeNull();
  });

  it('never runs more steps at once than runtime.max_concurrent_workers', async () => {
    // Each step registers as running, then waits until a second step runs beside it (or all
    // four have started), recording the most it saw running: the cap is reached but not passed.
    const body = `
      d="$WAVE_PROJECT_ROOT/cap"
      mkdir -p "$d/running" "$d/started" "$d/max"
      touch "$d/running/$WAVE_STEP_ID" "$d/started/$WAVE_STEP_ID"
      max=0
      for i in $(seq 1 400); do
        r=$(ls "$d/running" | wc -l); s=$(ls "$d/started" | wc -l)
        if [ "$r" -gt "$max" ]; then max=$r; fi
        if [ "$r" -ge 2 ] || [ "$s" -ge 4 ]; then break; fi
        sleep 0.05
      done
      echo "$max" > "$d/max/$WAVE_STEP_ID"
      rm "$d/running/$WAVE_STEP_ID"`;
    const step = (id: string) =>
      `  - id: ${id}\n    type: command\n    script: |\n${body
        .split('\n')
        .filter((l) => l.trim())
        .map((l) => `      ${l.trim()}`)
        .join('\n')}\n`;
    const h = await harness({
      'wave.yaml': 'kind: WaveManifest\nruntime: { max_concurrent_workers: 2 }\n',
      '.wave/pipelines/cap.yaml': `kind: WavePipeline\nsteps:\n${['s1', 's2', 's3', 's4'].map(step).join('')}`,
    });
    const f = await h.run('cap');
    expectWellFormed(f);
    expect(f.result.status).toBe('completed');
    expect(maxConcurrent(f.events)).toBe(2);
    const dir = h.path('cap/max');
    const seen = readdirSync(dir).map((n) => Number(readFileSync(join(dir, n), 'utf8').trim()));
    expect(seen).toHaveLength(4);
    expect(Math.max(...seen)).toBe(2);
  });

  it('with a cap of 1 runs steps one after the other', async () => {
    const h = await harness({
      'wave.yaml': 'kind: WaveManifest\nruntime: { max_concurrent_workers: 1 }\n',
      '.wave/pipelines/serial.yaml': yaml`
        kind: WavePipeline
        steps:
          - { id: x, type: command, script: 'echo x >> "$WAVE_PROJECT_ROOT/order"' }
          - { id: y, type: command, script: 'echo y >> "$WAVE_PROJECT_ROOT/order"' }
          - { id: z, type: command, script: 'echo z >> "$WAVE_PROJECT_ROOT/order"' }
      `,
    });
    mkdirSync(h.path('unused'), { recursive: true });
    const f = await h.run('serial');
    expect(f.result.status).toBe('completed');
    expect(maxConcurrent(f.events)).toBe(1);
    expect(h.read('order').trim().split('\n').sort()).toEqual(['x', 'y', 'z']);
  });

  it('does not count waiting gates against the cap', async () => {
    const h = await harness({
      'wave.yaml': 'kind: WaveManifest\nruntime: { max_concurrent_workers: 1 }\n',
      '.wave/pipelines/g.yaml': yaml`
        kind: WavePipeline
        steps:
          - { id: g, gate: { prompt: "ok?" } }
          - { id: work, type: command, script: 'true' }
          - { id: more, dependencies: [work], type: command, script: 'true' }
      `,
    });
    const { run, done } = await h.start('g', { gates: { unanswered: 'wait' } });
    await h.waitForEvent(run.id, 'step_completed', (e) => e.step === 'more');
    await h.waitForEvent(run.id, 'run_waiting');
    await h.ctx.runs.answerGate(run.id, 'g', { choice: 'approve' }, 'me');
    const f = await done;
    expectWellFormed(f);
    expect(f.result.status).toBe('completed');
    const types = f.events.map((e) => `${e.type}:${'step' in e ? e.step : ''}`);
    expect(types.indexOf('step_completed:more')).toBeLessThan(types.indexOf('gate_answered:g'));
  });
});
