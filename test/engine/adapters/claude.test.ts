import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { claudeAdapter } from '../../../src/engine/adapters/claude.js';
import type { ActivityStream, AdapterRequest } from '../../../src/engine/adapters/types.js';
import { tempDir } from '../../helpers/tmp.js';

const FAKE_BIN = fileURLToPath(new URL('../../fixtures/bin', import.meta.url));

interface Harness {
  req: AdapterRequest;
  activities: [ActivityStream, string][];
  /** The fake's {argv, cwd, stdin, pid} records, one per run. */
  records: () => { argv: string[]; cwd: string; stdin: string; pid: number }[];
  /** Processes still alive that were started for this request. */
  leftovers: () => number[];
}

/** A request running the fake claude (first on PATH) in a fresh workspace. */
function harness(scenario: string, over: Partial<AdapterRequest> = {}): Harness {
  const cwd = realpathSync(tempDir('wave-claude-'));
  const recordFile = join(tempDir('wave-claude-record-'), 'record.jsonl');
  const token = randomUUID();
  const activities: [ActivityStream, string][] = [];
  const req: AdapterRequest = {
    name: 'claude',
    config: { binary: 'claude' },
    prompt: 'Summarise the repository.\nKeep it short.',
    systemPrompt: '',
    model: null,
    permissions: { allowed_tools: [], deny: [] },
    cwd,
    env: {
      ...process.env,
      PATH: `${FAKE_BIN}${delimiter}${process.env.PATH ?? ''}`,
      FAKE_CLAUDE_SCENARIO: scenario,
      FAKE_CLAUDE_RECORD: recordFile,
      WAVE_ADAPTER_TEST_TOKEN: token,
    },
    timeoutMs: 60_000,
    graceMs: 1000,
    signal: new AbortController().signal,
    outputs: [],
    contracts: [],
    resolvePath: (p) => p,
    onActivity: (stream, content) => {
      activities.push([stream, content]);
    },
    ...over,
  };
  return {
    req,
    activities,
    records: () =>
      existsSync(recordFile)
        ? readFileSync(recordFile, 'utf8')
            .trim()
            .split('\n')
            .map((l) => JSON.parse(l))
        : [],
    leftovers: () => processesWithEnv(`WAVE_ADAPTER_TEST_TOKEN=${token}`),
  };
}

/** Live pids whose environment holds `entry` (Linux /proc; elsewhere nothing can be checked). */
function processesWithEnv(entry: string): number[] {
  if (!existsSync('/proc/self/environ')) return [];
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readFileSync(`/proc/${name}/environ`, 'utf8').split('\0').includes(entry)) pids.push(Number(name));
    } catch {
      // gone, or not ours
    }
  }
  return pids;
}

describe('claude adapter: command line', () => {
  it('runs claude -p with stream-json and gives the prompt on stdin', async () => {
    const h = harness('success');
    const result = await claudeAdapter.run(h.req);
    expect(result.ok).toBe(true);
    expect(h.records()).toEqual([
      {
        argv: ['-p', '--output-format', 'stream-json', '--verbose'],
        cwd: h.req.cwd,
        stdin: 'Summarise the repository.\nKeep it short.',
        pid: expect.any(Number),
      },
    ]);
  });

  it('adds model, system prompt, tool permissions and the configured args', async () => {
    const h = harness('success', {
      model: 'claude-opus-4-1-20250805',
      systemPrompt: 'You are a planner.\nBe brief.',
      permissions: { allowed_tools: ['Read', 'Write(.wave/output/*)'], deny: ['Bash(rm *)', 'WebFetch'] },
      config: { binary: 'claude', args: ['--max-turns', '5'] },
    });
    await claudeAdapter.run(h.req);
    expect(h.records()[0]?.argv).toEqual([
      '-p',
      '--output-format',
      'stream-json',
      '--verbose',
      '--model',
      'claude-opus-4-1-20250805',
      '--append-system-prompt',
      'You are a planner.\nBe brief.',
      '--allowedTools',
      'Read,Write(.wave/output/*)',
      '--disallowedTools',
      'Bash(rm *),WebFetch',
      '--max-turns',
      '5',
    ]);
  });

  it('fails with adapter_missing, naming the binary and --mock, when it is not installed', async () => {
    const h = harness('success', { config: { binary: 'claude-not-installed' } });
    h.req.env.PATH = tempDir('wave-empty-path-');
    const result = await claudeAdapter.run(h.req);
    expect(result.ok).toBe(false);
    expect(result.error?.code).toBe('adapter_missing');
    expect(result.error?.message).toContain('"claude-not-installed"');
    expect(result.error?.message).toContain('--mock');
    expect(h.records()).toEqual([]);
  });
});

describe('claude adapter: stream', () => {
  it('turns a successful session into activity and usage', async () => {
    const h = harness('success');
    const result = await claudeAdapter.run(h.req);
    expect(result).toMatchObject({
      ok: true,
      error: null,
      usage: { tokens_in: 4 + 2183 + 12904, tokens_out: 28, cost_usd: 0.01288245 },
    });
    expect(h.activities).toEqual([
      ['agent', 'session started (model claude-sonnet-4-5-20250929)'],
      ['agent', "I'll summarise the repository."],
      ['agent', 'It is a small pipeline runner.'],
    ]);
    expect(result.outputTail).toContain('It is a small pipeline runner.');
  });

  it('reports each tool use with its target and lets the agent write files', async () => {
    const h = harness('tool-use');
    const result = await claudeAdapter.run(h.req);
    expect(result.ok).toBe(true);
    expect(result.usage).toEqual({ tokens_in: 26 + 4074 + 70161, tokens_out: 423, cost_usd: 0.1845321 });
    expect(h.activities).toEqual([
      ['agent', 'session started (model claude-opus-4-1-20250805)'],
      ['agent', 'Let me look at the project first.'],
      ['tool', 'Read /workspace/package.json'],
      ['tool', 'Grep TODO'],
      ['tool', 'Bash npm test -- --reporter=dot'],
      ['agent', 'Tests pass. Writing the plan now.'],
      ['tool', 'Write .wave/output/plan.json'],
      ['agent', 'The plan is in .wave/output/plan.json.'],
    ]);
    const plan = JSON.parse(readFileSync(join(h.req.cwd, '.wave/output/plan.json'), 'utf8'));
    expect(plan.summary).toBe('Fix the TODO');
  });

  it('fails with agent_error on an error result, even though the agent then exits non-zero', async () => {
    const h = harness('error-result');
    const result = await claudeAdapter.run(h.req);
    expect(result.ok).toBe(false);
    expect(result.error?.code).toBe('agent_error');
    expect(result.error?.message).toContain('error_during_execution');
    expect(result.error?.message).toContain('Internal server error');
    expect(result.usage).toEqual({ tokens_in: 8 + 1800 + 9000, tokens_out: 61, cost_usd: 0.0231 });
    expect(h.activities).toContainEqual(['tool', 'Bash ./scripts/migrate.sh']);
  });

  it('fails with agent_error when the agent ran out of turns', async () => {
    const h = harness('max-turns');
    const result = await claudeAdapter.run(h.req);
    expect(result.ok).toBe(false);
    expect(result.error?.code).toBe('agent_error');
    expect(result.error?.message).toContain('error_max_turns');
    expect(result.usage?.cost_usd).toBe(0.2517);
  });

  it('fails with agent_exit when the stream stops before the result', async () => {
    const h = harness('truncated');
    const result = await claudeAdapter.run(h.req);
    expect(result.ok).toBe(false);
    expect(result.error?.code).toBe('agent_exit');
    expect(result.error?.message).toBe(
      'agent "claude" exited with code 1 before its result: Error: socket hang up',
    );
    expect(h.activities).toEqual([
      ['agent', 'session started (model claude-sonnet-4-5-20250929)'],
      ['agent', 'Starting on the refactor.'],
      ['stderr', 'node:internal/process/promises:391'],
      ['stderr', 'Error: socket hang up'],
    ]);
    // No result line: the tokens of the messages seen, with an unknown (0) cost.
    expect(result.usage).toEqual({ tokens_in: 6004, tokens_out: 7, cost_usd: 0 });
    expect(result.outputTail).toContain('socket hang up');
  });

  it('passes a line that is not JSON through as stdout activity', async () => {
    const h = harness('garbage');
    const result = await claudeAdapter.run(h.req);
    expect(result.ok).toBe(true);
    expect(h.activities).toEqual([
      ['agent', 'session started (model claude-haiku-4-5-20251001)'],
      ['stdout', 'Warning: a debugger is attached to this process'],
      ['agent', 'Done.'],
    ]);
  });
});

describe('claude adapter: stopping', () => {
  it('times out, and the agent process is gone afterwards', async () => {
    const h = harness('hang', { timeoutMs: 500, graceMs: 200 });
    const result = await claudeAdapter.run(h.req);
    expect(result.ok).toBe(false);
    expect(result.error?.code).toBe('timeout');
    expect(h.leftovers()).toEqual([]);
  });

  it('is cancelled through its AbortSignal', async () => {
    const controller = new AbortController();
    const h = harness('hang', { signal: controller.signal });
    h.req.onActivity = (stream, content) => {
      h.activities.push([stream, content]);
      controller.abort();
    };
    const result = await claudeAdapter.run(h.req);
    expect(result.ok).toBe(false);
    expect(result.error?.code).toBe('cancelled');
    expect(h.activities[0]).toEqual(['agent', 'session started (model claude-sonnet-4-5-20250929)']);
    expect(h.leftovers()).toEqual([]);
  });

  it('does not start when already cancelled', async () => {
    const controller = new AbortController();
    controller.abort();
    const h = harness('success', { signal: controller.signal });
    const result = await claudeAdapter.run(h.req);
    expect(result.error?.code).toBe('cancelled');
    expect(h.records()).toEqual([]);
  });
});
