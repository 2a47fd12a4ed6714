import { describe, expect, it } from 'vitest';
import { priceOf, priceUsage } from '../../src/engine/pricing.js';
import { expectWellFormed, harness, PATH_WITH_FAKE_CLAUDE, stepOf } from '../helpers/engine-harness.js';
import { yaml } from '../helpers/tmp.js';

const MANIFEST = yaml`
  kind: WaveManifest
  adapters:
    claude:
      binary: claude
      output_format: stream-json
      env: ${JSON.stringify({ PATH: PATH_WITH_FAKE_CLAUDE })}
  personas:
    writer: { adapter: claude, model: claude-sonnet-4-5 }
  pricing:
    sonnet: { input_per_mtok: 3, output_per_mtok: 15 }
    claude-sonnet-4-5: { input_per_mtok: 4, output_per_mtok: 20 }
`;

const PIPELINE = yaml`
  kind: WavePipeline
  steps:
    - id: think
      persona: writer
      exec: { type: prompt, source: "Summarise" }
`;

/** A stream-json result that reports tokens and no cost (as some adapters do). */
const TOKENS_ONLY = [
  { type: 'system', subtype: 'init', session_id: 's' },
  {
    type: 'result',
    subtype: 'success',
    is_error: false,
    result: 'done',
    usage: { input_tokens: 1000, output_tokens: 2000 },
  },
]
  .map((l) => JSON.stringify(l))
  .join('\n');

describe('pricing: cost_usd from tokens when the adapter reports tokens only', () => {
  it("prices a step's tokens with the model's price (exact id before a family)", async () => {
    const h = await harness({
      'wave.yaml': MANIFEST,
      '.wave/pipelines/p.yaml': PIPELINE,
      'tokens-only.jsonl': `${TOKENS_ONLY}\n`,
    });
    const f = await h.run('p', { env: { FAKE_CLAUDE_SCENARIO: h.path('tokens-only.jsonl') } });
    expectWellFormed(f);
    expect(f.result.status).toBe('completed');
    // 1000 in at $4/Mtok + 2000 out at $20/Mtok.
    expect(stepOf(f.detail, 'think').usage).toEqual({
      tokens_in: 1000,
      tokens_out: 2000,
      cost_usd: (1000 * 4 + 2000 * 20) / 1_000_000,
    });
  });

  it('keeps a cost the adapter reported; a family key prices a longer id; no price leaves 0', async () => {
    const pricing = { sonnet: { input_per_mtok: 3, output_per_mtok: 15 } };
    expect(priceUsage({ tokens_in: 10, tokens_out: 10, cost_usd: 0.5 }, 'claude-sonnet-4', pricing)).toEqual({
      tokens_in: 10,
      tokens_out: 10,
      cost_usd: 0.5,
    });
    expect(
      priceUsage({ tokens_in: 1_000_000, tokens_out: 0, cost_usd: 0 }, 'claude-Sonnet-4', pricing),
    ).toEqual({ tokens_in: 1_000_000, tokens_out: 0, cost_usd: 3 });
    expect(priceUsage({ tokens_in: 5, tokens_out: 5, cost_usd: 0 }, 'opus', pricing)?.cost_usd).toBe(0);
    expect(priceUsage({ tokens_in: 5, tokens_out: 5, cost_usd: 0 }, null, pricing)?.cost_usd).toBe(0);
    expect(priceUsage(null, 'sonnet', pricing)).toBeNull();
    expect(priceOf('sonnet', pricing)).toEqual(pricing.sonnet);
  });
});
