import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Logger } from '../../src/logger.js';
import { NarrativeWriter } from '../../src/runs/narratives.js';
import { CLAUDE_SCENARIOS, harness, PATH_WITH_FAKE_CLAUDE } from '../helpers/engine-harness.js';
import { eventually } from '../helpers/eventually.js';
import { yaml } from '../helpers/tmp.js';

const PIPELINE = yaml`
  kind: WavePipeline
  steps:
    - id: build
      exec: { type: command, source: "true" }
`;

/** wave.yaml with retrospective.persona `scribe` on the fake claude playing `scenario`. */
const manifest = (scenario: string) => yaml`
  kind: WaveManifest
  adapters:
    claude:
      binary: claude
      output_format: stream-json
      env: ${JSON.stringify({ PATH: PATH_WITH_FAKE_CLAUDE, FAKE_CLAUDE_SCENARIO: scenario })}
  personas:
    scribe: { adapter: claude }
  retrospective: { persona: scribe }
`;

const SUCCESS = readFileSync(join(CLAUDE_SCENARIOS, 'success.jsonl'), 'utf8');
const REPLY = "I'll summarise the repository.\n\nIt is a small pipeline runner.";

describe('retrospective.persona: a narrative written after the run ends', () => {
  it('comes after the terminal event, which it does not wait for (fake claude)', async () => {
    // The agent takes its time: the run has ended and is read back before the narrative exists.
    const h = await harness((root) => ({
      'wave.yaml': manifest(join(root, 'slow.jsonl')),
      'slow.jsonl': `{"__sleep": 4000}\n${SUCCESS}`,
      '.wave/pipelines/p.yaml': PIPELINE,
    }));
    const f = await h.run('p');
    expect(f.result.status).toBe('completed');
    expect(f.events.at(-1)?.type).toBe('run_completed');
    expect((await h.ctx.insights.retrospective(f.run.id)).narrative).toBeNull();

    const narrative = await eventually(
      async () => (await h.ctx.insights.retrospective(f.run.id)).narrative,
      30_000,
      'the narrative',
    );
    expect(narrative).toBe(REPLY);
    // Nothing was added to the run's events by writing it.
    expect((await h.events(f.run.id)).at(-1)?.type).toBe('run_completed');
  });

  it('is written by the mock adapter under --mock', async () => {
    const h = await harness({ 'wave.yaml': manifest('unused'), '.wave/pipelines/p.yaml': PIPELINE });
    const f = await h.run('p', { mock: true });
    await h.ctx.narratives.settled();
    const retro = await h.ctx.insights.retrospective(f.run.id);
    expect(retro.narrative).toMatch(
      new RegExp(`^Mock retrospective: Run ${f.run.id} of pipeline "p" has ended`),
    );
  });

  it('leaves the narrative null and logs when the persona fails', async () => {
    const h = await harness({
      'wave.yaml': manifest(join(CLAUDE_SCENARIOS, 'error-result.jsonl')),
      '.wave/pipelines/p.yaml': PIPELINE,
    });
    const f = await h.run('p');
    expect(f.result.status).toBe('completed');
    await h.ctx.narratives.settled();
    expect((await h.ctx.insights.retrospective(f.run.id)).narrative).toBeNull();

    // The same again with a logger to read: the failure is a warning, and nothing throws.
    const warnings: unknown[] = [];
    const logger = { warn: (obj: unknown, msg: string) => warnings.push({ obj, msg }) } as unknown as Logger;
    const writer = new NarrativeWriter({ store: h.ctx.store, project: h.project, logger });
    writer.start(f.run.id, false);
    await writer.settled();
    expect(warnings).toEqual([
      {
        obj: expect.objectContaining({ run: f.run.id, persona: 'scribe', err: expect.any(String) }),
        msg: 'the retrospective narrative was not written',
      },
    ]);
    expect((await h.ctx.insights.retrospective(f.run.id)).narrative).toBeNull();
  });
});
