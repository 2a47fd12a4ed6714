import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { mockAdapter } from '../../../src/engine/adapters/mock.js';
import type { ActivityStream, AdapterRequest } from '../../../src/engine/adapters/types.js';
import { compileJsonSchema, formatAjvErrors } from '../../../src/pipeline/json-schema.js';
import type { ArtifactSpec, ContractSpec } from '../../../src/pipeline/model.js';
import { tempDir } from '../../helpers/tmp.js';

const PLAN_SCHEMA = fileURLToPath(new URL('../../../config/contracts/plan.schema.json', import.meta.url));

const artifact = (
  name: string,
  path: string,
  type: ArtifactSpec['type'],
  source: ArtifactSpec['source'] = 'file',
) => ({
  name,
  path,
  type,
  source,
  required: true,
});

const contract = (c: Partial<ContractSpec> & Pick<ContractSpec, 'type'>): ContractSpec => ({
  requiredSections: [],
  onFailure: 'fail',
  ...c,
});

/** A request for the mock in a fresh workspace, with the plan schema in a fake project. */
function request(outputs: ArtifactSpec[], contracts: ContractSpec[], signal = new AbortController().signal) {
  const project = tempDir('wave-mock-project-');
  mkdirSync(join(project, '.wave/contracts'), { recursive: true });
  copyFileSync(PLAN_SCHEMA, join(project, '.wave/contracts/plan.schema.json'));
  const activities: [ActivityStream, string][] = [];
  const req: AdapterRequest = {
    name: 'mock',
    config: { binary: 'mock' },
    prompt: 'Plan the work.',
    systemPrompt: 'You plan.',
    model: null,
    permissions: { allowed_tools: [], deny: [] },
    cwd: tempDir('wave-mock-'),
    // Nothing is spawned: an empty PATH proves it needs nothing installed.
    env: { PATH: '' },
    timeoutMs: 60_000,
    graceMs: 1000,
    signal,
    outputs,
    contracts,
    resolvePath: (p) => join(project, p),
    onActivity: (stream, content) => {
      activities.push([stream, content]);
    },
  };
  return { req, activities, read: (p: string) => readFileSync(join(req.cwd, p), 'utf8') };
}

function expectValid(schema: Record<string, unknown>, text: string): void {
  const validate = compileJsonSchema(schema);
  validate(JSON.parse(text));
  expect(formatAjvErrors(validate.errors)).toEqual([]);
}

describe('mock adapter', () => {
  it('writes outputs that satisfy their contracts and reports what it does', async () => {
    const inline = {
      type: 'object',
      required: ['verdict', 'at'],
      properties: { verdict: { enum: ['approve', 'reject'] }, at: { type: 'string', format: 'date-time' } },
    };
    const { req, activities, read } = request(
      [
        artifact('plan', '.wave/output/plan.json', 'json'),
        artifact('review', 'out/review.md', 'markdown'),
        artifact('notes', 'notes.txt', 'text'),
        artifact('data', 'data.json', 'json'),
        artifact('log', 'log.txt', 'text', 'stdout'),
      ],
      [
        contract({ type: 'json_schema', schemaPath: '.wave/contracts/plan.schema.json' }),
        contract({
          type: 'markdown_spec',
          source: 'out/review.md',
          requiredSections: ['Summary', 'Findings', '## Verdict'],
        }),
        contract({ type: 'json_schema', source: 'extra/verdict.json', schema: inline }),
        contract({ type: 'test_suite', command: 'npm test' }),
      ],
    );
    const result = await mockAdapter.run(req);
    expect(result).toMatchObject({
      ok: true,
      error: null,
      usage: { tokens_in: 0, tokens_out: 0, cost_usd: 0 },
    });

    expectValid(JSON.parse(readFileSync(PLAN_SCHEMA, 'utf8')), read('.wave/output/plan.json'));
    expectValid(inline, read('extra/verdict.json'));
    const review = read('out/review.md');
    expect(review).toMatch(/^# review\n/);
    for (const heading of ['## Summary', '## Findings', '## Verdict']) {
      expect(review.split('\n')).toContain(heading);
    }
    expect(read('notes.txt').trim()).not.toBe('');
    expect(JSON.parse(read('data.json'))).toBeTypeOf('object');
    expect(existsSync(join(req.cwd, 'log.txt'))).toBe(false);

    expect(activities[0]).toEqual(['agent', 'mock agent: received prompt (14 chars)']);
    expect(activities.at(-1)).toEqual(['agent', 'mock agent: done']);
    expect(activities.filter(([stream]) => stream === 'tool')).toEqual([
      ['tool', 'Write .wave/output/plan.json'],
      ['tool', 'Write out/review.md'],
      ['tool', 'Write notes.txt'],
      ['tool', 'Write data.json'],
      ['tool', 'Write extra/verdict.json'],
    ]);
    expect(activities).toContainEqual(['agent', 'mock agent: writing out/review.md']);
  });

  it('writes a contract source that no output declares', async () => {
    const { req, read } = request(
      [],
      [
        contract({ type: 'non_empty_file', source: 'reports/summary.txt' }),
        contract({ type: 'markdown_spec', source: 'docs/design.md', requiredSections: ['Goals'] }),
      ],
    );
    expect((await mockAdapter.run(req)).ok).toBe(true);
    expect(read('reports/summary.txt').trim()).not.toBe('');
    expect(read('docs/design.md')).toContain('\n## Goals\n');
  });

  it('falls back to a placeholder when the schema file cannot be read', async () => {
    const { req, read } = request(
      [artifact('out', 'out.json', 'json')],
      [contract({ type: 'json_schema', schemaPath: '.wave/contracts/missing.schema.json' })],
    );
    expect((await mockAdapter.run(req)).ok).toBe(true);
    expect(JSON.parse(read('out.json'))).toBeTypeOf('object');
  });

  it('is cancelled when its signal is aborted, writing nothing', async () => {
    const controller = new AbortController();
    controller.abort();
    const { req } = request([artifact('plan', 'plan.json', 'json')], [], controller.signal);
    const result = await mockAdapter.run(req);
    expect(result.ok).toBe(false);
    expect(result.error?.code).toBe('cancelled');
    expect(existsSync(join(req.cwd, 'plan.json'))).toBe(false);
  });

  it('takes adapters.mock.think_time to answer, and stops thinking when cancelled', async () => {
    const timed = request([artifact('plan', 'plan.md', 'markdown')], []);
    timed.req.config = { binary: 'mock', think_time: '300ms' };
    const started = Date.now();
    const result = await mockAdapter.run(timed.req);
    expect(result.ok).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);

    const controller = new AbortController();
    const cancelled = request([artifact('plan', 'plan.md', 'markdown')], [], controller.signal);
    cancelled.req.config = { binary: 'mock', think_time: '1h' };
    const pending = mockAdapter.run(cancelled.req);
    setTimeout(() => controller.abort(), 50);
    const outcome = await pending;
    expect(outcome.error?.code).toBe('cancelled');
    expect(existsSync(join(cancelled.req.cwd, 'plan.md'))).toBe(false);
  });
});
