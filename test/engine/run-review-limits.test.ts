import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { WaveEvent } from '../../src/events/catalogue.js';
import {
  expectWellFormed,
  harness,
  ofType,
  PATH_WITH_FAKE_CLAUDE,
  stepOf,
} from '../helpers/engine-harness.js';
import { yaml } from '../helpers/tmp.js';

// Review contracts' agents (agent_review, llm_judge) hit the same provider as prompt steps, so
// they go through the adapter's limits: its line (step_throttled) and its rate-limit retry.

const reviewed = (id: string) => yaml`
  - id: ${id}
    persona: writer
    exec: { type: prompt, source: "Write the report." }
    output_artifacts: [{ name: report, path: out/report.md, type: markdown }]
    handover:
      contract: { type: agent_review, persona: reviewer, criteria_path: .wave/contracts/ok.md, on_failure: fail }
`;

/**
 * A fake claude reply that serves as the step's agent (it writes the report) and as the
 * reviewer (its result is a passing verdict), after `sleepMs`.
 */
function slowVerdict(root: string, sleepMs: number): string {
  const file = join(root, `verdict-${sleepMs}.jsonl`);
  const lines = [
    { __write: { path: 'out/report.md', content: '# Report\n' } },
    { __sleep: sleepMs },
    {
      type: 'result',
      subtype: 'success',
      is_error: false,
      result: '```json\n{"verdict": "pass", "issues": [], "confidence": 0.9, "summary": "fine"}\n```',
      usage: {},
    },
  ];
  writeFileSync(file, lines.map((l) => JSON.stringify(l)).join('\n'));
  return file;
}

describe('review agents and adapter limits', () => {
  it('a review queues for its adapter like a step; a prompt step reviewed on its own adapter uses its place', async () => {
    const h = await harness({
      'wave.yaml': yaml`
        kind: WaveManifest
        adapters:
          agent: { binary: claude, output_format: stream-json, max_concurrent: 1, env: { PATH: ${JSON.stringify(PATH_WITH_FAKE_CLAUDE)} } }
        personas:
          writer: { adapter: agent }
          reviewer: { adapter: agent }
      `,
      '.wave/contracts/ok.md': '# Criteria\n- Is correct\n',
      // "write" holds the one place on agent for its whole attempt (1.5 s agent, then its own
      // review in that place); "build" is a command step whose review needs a place too.
      '.wave/pipelines/two.yaml': `kind: WavePipeline\nsteps:\n${reviewed('write')}${yaml`
        - id: build
          type: command
          script: "mkdir -p out && echo '# Report' > out/report.md"
          output_artifacts: [{ name: report, path: out/report.md, type: markdown }]
          handover:
            contract: { type: agent_review, persona: reviewer, criteria_path: .wave/contracts/ok.md, on_failure: fail }
      `}`,
    });
    const f = await h.run('two', { env: { FAKE_CLAUDE_SCENARIO: slowVerdict(h.root, 1500) } });
    expectWellFormed(f);
    expect(f.result.status).toBe('completed');
    expect(
      ofType(f.events, 'contract_passed')
        .map((e) => e.step)
        .sort(),
    ).toEqual(['build', 'write']);
    const at = (p: (e: WaveEvent) => boolean) => f.events.findIndex(p);
    const buildStarted = at((e) => e.type === 'step_started' && e.step === 'build');
    const throttled = ofType(f.events, 'step_throttled');
    // Only build's review waited, after build had started, and ran once write had ended.
    expect(throttled.map((e) => [e.step, e.adapter, e.position])).toEqual([['build', 'agent', 1]]);
    expect(at((e) => e.type === 'step_throttled')).toBeGreaterThan(buildStarted);
    expect(at((e) => e.type === 'contract_passed' && e.step === 'build')).toBeGreaterThan(
      at((e) => e.type === 'step_completed' && e.step === 'write'),
    );
  });

  it('a review agent refused for load is waited out and costs no attempt', async () => {
    const h = await harness({
      'wave.yaml': yaml`
        kind: WaveManifest
        adapters:
          agent: { binary: claude, output_format: stream-json, env: { PATH: ${JSON.stringify(PATH_WITH_FAKE_CLAUDE)} } }
        personas:
          reviewer: { adapter: agent }
      `,
      '.wave/contracts/ok.md': '# Criteria\n- Is correct\n',
      '.wave/pipelines/c.yaml': yaml`
        kind: WavePipeline
        steps:
          - id: build
            type: command
            script: "mkdir -p out && echo '# Report' > out/report.md"
            output_artifacts: [{ name: report, path: out/report.md, type: markdown }]
            retry: { max_attempts: 2, base_delay: 10ms }
            handover:
              contract: { type: agent_review, persona: reviewer, criteria_path: .wave/contracts/ok.md, on_failure: fail }
      `,
    });
    const verdict = slowVerdict(h.root, 0);
    const f = await h.run('c', {
      env: { FAKE_CLAUDE_SEQUENCE: `overloaded,${verdict}`, FAKE_CLAUDE_SEQUENCE_STATE: h.path('calls') },
    });
    expectWellFormed(f);
    expect(f.result.status).toBe('completed');
    expect(readFileSync(h.path('calls'), 'utf8')).toBe('2');
    const waits = ofType(f.events, 'step_retrying');
    expect(waits.map((e) => [e.step, e.attempt])).toEqual([['build', 1]]);
    expect(waits[0]!.reason).toMatch(/^rate limited, not counted as an attempt: .*Overloaded/);
    expect(ofType(f.events, 'step_started').map((e) => e.attempt)).toEqual([1]);
    expect(ofType(f.events, 'contract_passed').map((e) => e.contract)).toEqual(['agent_review']);
    expect(stepOf(f.detail, 'build')).toMatchObject({ status: 'completed', attempts: 1 });
    expect((f.events as WaveEvent[]).some((e) => e.type === 'contract_failed')).toBe(false);
  });
});
