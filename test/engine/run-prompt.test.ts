import { chmodSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CLAUDE_SCENARIOS,
  expectWellFormed,
  FAKE_CLAUDE,
  type Harness,
  harness,
  ofType,
  PATH_WITH_FAKE_CLAUDE,
  stepOf,
} from '../helpers/engine-harness.js';
import { yaml } from '../helpers/tmp.js';

interface Invocation {
  argv: string[];
  cwd: string;
  stdin: string;
}

/** wave.yaml with the claude adapter finding the fake claude through the adapter's env. */
function manifest(
  adapterEnv: Record<string, string> = { PATH: PATH_WITH_FAKE_CLAUDE },
  binary = 'claude',
): string {
  return yaml`
    kind: WaveManifest
    adapters:
      claude:
        binary: ${JSON.stringify(binary)}
        output_format: stream-json
        default_model: sonnet
        tier_models: { cheapest: tiny-model, balanced: mid-model, strongest: big-model }
        env: ${JSON.stringify(adapterEnv)}
    personas:
      writer:
        adapter: claude
        system_prompt_file: .wave/personas/writer.md
        model: persona-model
        permissions: { allowed_tools: [Read, Write], deny: ["Bash(rm *)"] }
  `;
}

const PERSONA = 'You are the writer persona. Write plans.';

function files(pipeline: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    'wave.yaml': manifest(),
    '.wave/personas/writer.md': `${PERSONA}\n`,
    '.wave/personas/base-protocol.md': 'BASE PROTOCOL: always be brief.\n',
    '.wave/pipelines/p.yaml': pipeline,
    ...extra,
  };
}

function invocations(h: Harness): Invocation[] {
  const file = h.path('claude-record.jsonl');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Invocation);
}

const argAfter = (argv: string[], flag: string) => argv[argv.indexOf(flag) + 1];

const onePrompt = (extra = '') => yaml`
  kind: WavePipeline
  steps:
    - id: think
      persona: writer
      exec: { type: prompt, source: "Summarise: {{ input }}" }
${extra}`;

describe('prompt steps through the claude adapter', () => {
  it('run the agent with the persona prompt and model, and keep its usage', async () => {
    const h = await harness(files(onePrompt()));
    const f = await h.run('p', {
      input: 'the repo',
      env: { FAKE_CLAUDE_SCENARIO: 'success', FAKE_CLAUDE_RECORD: h.path('claude-record.jsonl') },
    });
    expectWellFormed(f);
    expect(f.result).toEqual({ status: 'completed', error: null });
    const step = stepOf(f.detail, 'think');
    expect(step).toMatchObject({ kind: 'prompt', persona: 'writer', status: 'completed', attempts: 1 });
    expect(step.usage).toEqual({ tokens_in: 4 + 2183 + 12904, tokens_out: 28, cost_usd: 0.01288245 });
    const agent = ofType(f.events, 'stream_activity').filter(
      (e) => e.step === 'think' && e.stream === 'agent',
    );
    expect(agent.map((e) => e.content)).toEqual(
      expect.arrayContaining(["I'll summarise the repository.", 'It is a small pipeline runner.']),
    );
    const calls = invocations(h);
    expect(calls).toHaveLength(1);
    const { argv, stdin, cwd } = calls[0]!;
    expect(argv.slice(0, 4)).toEqual(['-p', '--output-format', 'stream-json', '--verbose']);
    expect(argAfter(argv, '--model')).toBe('persona-model');
    const system = argAfter(argv, '--append-system-prompt');
    expect(system).toContain(PERSONA);
    expect(system?.indexOf('BASE PROTOCOL')).toBeLessThan(system?.indexOf(PERSONA) ?? -1);
    expect(argAfter(argv, '--allowedTools')).toBe('Read,Write');
    expect(argAfter(argv, '--disallowedTools')).toBe('Bash(rm *)');
    expect(stdin).toBe('Summarise: the repo');
    expect(cwd).toBe(h.path('.wave/workspaces', f.run.id, 'think'));
  });

  it('report tool use as `tool` activity and collect what the agent wrote', async () => {
    const h = await harness(
      files(
        onePrompt(`      output_artifacts: [{ name: plan, path: .wave/output/plan.json, type: json }]
      handover:
        contract:
          type: json_schema
          schema: { type: object, required: [summary, tasks], properties: { summary: { type: string } } }`),
      ),
    );
    const f = await h.run('p', { env: { FAKE_CLAUDE_SCENARIO: 'tool-use' } });
    expectWellFormed(f);
    expect(f.result.status).toBe('completed');
    const tools = ofType(f.events, 'stream_activity')
      .filter((e) => e.stream === 'tool')
      .map((e) => e.content);
    expect(tools).toEqual([
      'Read /workspace/package.json',
      'Grep TODO',
      'Bash npm test -- --reporter=dot',
      'Write .wave/output/plan.json',
    ]);
    expect(ofType(f.events, 'contract_passed')).toEqual([
      expect.objectContaining({ step: 'think', contract: 'json_schema' }),
    ]);
    expect(stepOf(f.detail, 'think').artifacts.map((a) => a.name)).toEqual(['plan']);
    expect(stepOf(f.detail, 'think').usage).toEqual({
      tokens_in: 26 + 4074 + 70161,
      tokens_out: 423,
      cost_usd: 0.1845321,
    });
  });

  it('fail with agent_error on an error result, keeping the usage of the failed attempt', async () => {
    const h = await harness(files(onePrompt()));
    const f = await h.run('p', { env: { FAKE_CLAUDE_SCENARIO: 'error-result' } });
    expectWellFormed(f);
    expect(f.result.status).toBe('failed');
    expect(f.result.error).toMatchObject({ code: 'agent_error', step: 'think' });
    expect(f.result.error?.message).toContain('error_during_execution');
    expect(stepOf(f.detail, 'think')).toMatchObject({
      status: 'failed',
      error: { code: 'agent_error' },
      usage: { tokens_in: 8 + 1800 + 9000, tokens_out: 61, cost_usd: 0.0231 },
    });
  });

  it('fail with agent_exit when the stream ends without a result', async () => {
    const h = await harness(files(onePrompt()));
    const f = await h.run('p', { env: { FAKE_CLAUDE_SCENARIO: 'truncated' } });
    expectWellFormed(f);
    expect(f.result.error).toMatchObject({ code: 'agent_exit', step: 'think' });
    expect(f.result.error?.message).toContain('socket hang up');
    const stderr = ofType(f.events, 'stream_activity').filter((e) => e.stream === 'stderr');
    expect(stderr.map((e) => e.content)).toContain('Error: socket hang up');
  });

  it('map a tier model through the adapter tier_models, and a step model over the persona', async () => {
    const h = await harness(
      files(yaml`
        kind: WavePipeline
        steps:
          - id: tier
            persona: writer
            model: strongest
            exec: { type: prompt, source: "one" }
          - id: literal
            dependencies: [tier]
            persona: writer
            model: exact-model-id
            exec: { type: prompt, source: "two" }
      `),
    );
    const f = await h.run('p', { env: { FAKE_CLAUDE_RECORD: h.path('claude-record.jsonl') } });
    expect(f.result.status).toBe('completed');
    const calls = invocations(h);
    expect(calls.map((c) => [c.stdin, argAfter(c.argv, '--model')])).toEqual([
      ['one', 'big-model'],
      ['two', 'exact-model-id'],
    ]);
  });

  it('with mock run every prompt step without any agent binary', async () => {
    const h = await harness({
      ...files(
        onePrompt(`      output_artifacts: [{ name: plan, path: out/plan.json, type: json }]
      handover:
        contract:
          type: json_schema
          schema: { type: object, required: [summary], properties: { summary: { type: string } } }`),
      ),
      'wave.yaml': manifest({ PATH: '/nonexistent-bin' }),
    });
    const f = await h.run('p', { mock: true, env: { PATH: '/nonexistent-bin' } });
    expectWellFormed(f);
    expect(f.result).toEqual({ status: 'completed', error: null });
    const plan = JSON.parse(readFileSync(h.path('.wave/artifacts', f.run.id, 'think', 'plan'), 'utf8')) as {
      summary: unknown;
    };
    expect(typeof plan.summary).toBe('string');
    expect(ofType(f.events, 'stream_activity').some((e) => e.content.startsWith('mock agent'))).toBe(true);
    expect(ofType(f.events, 'contract_passed')).toHaveLength(1);
    expect(existsSync(h.path('claude-record.jsonl'))).toBe(false);
  });

  it('fail at once, without retries, when the adapter binary is missing, naming it and --mock', async () => {
    const h = await harness({
      ...files(onePrompt('      retry: { max_attempts: 3, base_delay: 1ms }')),
      'wave.yaml': manifest({ PATH: '/nonexistent-bin' }),
    });
    const f = await h.run('p');
    expectWellFormed(f);
    expect(f.result.error).toMatchObject({ code: 'adapter_missing', step: 'think' });
    expect(f.result.error?.message).toContain('"claude"');
    expect(f.result.error?.message).toContain('--mock');
    expect(ofType(f.events, 'step_retrying')).toEqual([]);
    expect(ofType(f.events, 'step_failed')).toEqual([
      expect.objectContaining({ attempt: 1, will_retry: false }),
    ]);
    expect(stepOf(f.detail, 'think').attempts).toBe(1);
  });

  it('tell a retried agent what failed: the contract errors reach the second prompt', async () => {
    // A claude that plays a bad plan on attempt 1 and a good one after.
    const h = await harness((root) => ({
      ...files(
        onePrompt(`      output_artifacts: [{ name: plan, path: output/plan.json, type: json }]
      retry: { max_attempts: 2, backoff: fixed, base_delay: 1ms }
      handover:
        contract:
          type: json_schema
          schema: { type: object, required: [summary], properties: { summary: { type: string } } }`),
      ),
      'wave.yaml': manifest({ PATH: PATH_WITH_FAKE_CLAUDE }, join(root, 'bin', 'claude')),
      'bin/claude': `#!/bin/sh\nif [ "$WAVE_ATTEMPT" = 1 ]; then s=plan-invalid; else s=plan-valid; fi\nFAKE_CLAUDE_SCENARIO="${CLAUDE_SCENARIOS}/$s.jsonl" exec "${FAKE_CLAUDE}" "$@"\n`,
    }));
    chmodSync(h.path('bin', 'claude'), 0o755);
    const f = await h.run('p', { input: 'x', env: { FAKE_CLAUDE_RECORD: h.path('claude-record.jsonl') } });
    expectWellFormed(f);
    expect(f.result).toEqual({ status: 'completed', error: null });
    const failed = ofType(f.events, 'contract_failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ step: 'think', contract: 'json_schema', on_failure: 'fail' });
    const error = failed[0]!.errors[0]!;
    expect(error).toContain('/summary must be string');
    const calls = invocations(h);
    expect(calls).toHaveLength(2);
    expect(calls[0]!.stdin).toBe('Summarise: x');
    expect(calls[1]!.stdin.startsWith('Summarise: x\n\n---\n')).toBe(true);
    expect(calls[1]!.stdin).toContain('Your previous attempt (attempt 1) failed:');
    expect(calls[1]!.stdin).toContain(error);
    expect(calls[1]!.stdin).toContain('Writing the plan.');
    expect(stepOf(f.detail, 'think')).toMatchObject({ status: 'completed', attempts: 2 });
    // Usage adds up over the attempts.
    expect(stepOf(f.detail, 'think').usage).toMatchObject({ tokens_in: 30, tokens_out: 12 });
    expect(stepOf(f.detail, 'think').usage?.cost_usd).toBeCloseTo(0.003, 10);
  });

  it('stop a hanging agent at timeout_minutes (timeout), its processes gone', async () => {
    const h = await harness({
      ...files(onePrompt('      timeout_minutes: 0.003')),
      'wave.yaml': manifest().replace(
        'kind: WaveManifest',
        'kind: WaveManifest\nruntime: { timeouts: { process_grace_seconds: 1 } }',
      ),
    });
    const f = await h.run('p', {
      env: { FAKE_CLAUDE_SCENARIO: 'hang', FAKE_CLAUDE_RECORD: h.path('claude-record.jsonl') },
    });
    expectWellFormed(f);
    expect(f.result.error).toMatchObject({ code: 'timeout', step: 'think' });
    // The harness checks after each test that no process of the run is left.
  });
});
