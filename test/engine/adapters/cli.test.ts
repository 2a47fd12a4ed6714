import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cliAdapter } from '../../../src/engine/adapters/cli.js';
import type { ActivityStream, AdapterRequest } from '../../../src/engine/adapters/types.js';
import { tempDir } from '../../helpers/tmp.js';

/** A request running `binary ...args` (found on the normal PATH) in a fresh workspace. */
function request(binary: string, args: string[], over: Partial<AdapterRequest> = {}) {
  const activities: [ActivityStream, string][] = [];
  const token = randomUUID();
  const req: AdapterRequest = {
    name: 'agent',
    config: { binary, args, output_format: 'text' },
    prompt: 'Fix the bug.',
    systemPrompt: 'You are careful.',
    model: null,
    permissions: { allowed_tools: [], deny: [] },
    cwd: tempDir('wave-cli-'),
    env: { ...process.env, WAVE_ADAPTER_TEST_TOKEN: token },
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
  return { req, activities, leftovers: () => processesWithEnv(`WAVE_ADAPTER_TEST_TOKEN=${token}`) };
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

describe('cli adapter', () => {
  it('gives the persona prompt and the prompt on stdin; stdout lines are agent activity', async () => {
    const { req, activities } = request('cat', []);
    const result = await cliAdapter.run(req);
    expect(result).toEqual({
      ok: true,
      error: null,
      usage: null,
      outputTail: 'You are careful.\n\n---\n\nFix the bug.\n',
      text: 'You are careful.\n\n---\n\nFix the bug.',
    });
    expect(activities).toEqual([
      ['agent', 'You are careful.'],
      ['agent', '---'],
      ['agent', 'Fix the bug.'],
    ]);
  });

  it('gives the prompt as the last argument with prompt_via: argument', async () => {
    const { req, activities } = request('sh', [], { systemPrompt: '' });
    // $1 is the prompt; `cat` shows that stdin is empty.
    req.config = {
      binary: 'sh',
      args: ['-c', 'echo "arg: $1"; cat; echo "in $(pwd -P)" >&2', 'agent'],
      prompt_via: 'argument',
    };
    const result = await cliAdapter.run(req);
    expect(result.ok).toBe(true);
    expect(activities).toEqual([
      ['agent', 'arg: Fix the bug.'],
      ['stderr', `in ${realpathSync(req.cwd)}`],
    ]);
  });

  it('fails with agent_exit, the exit code and the last stderr line on a non-zero exit', async () => {
    const { req } = request('sh', ['-c', 'echo partial work; echo "fatal: no credentials" >&2; exit 3']);
    const result = await cliAdapter.run(req);
    expect(result.ok).toBe(false);
    expect(result.error).toEqual({
      code: 'agent_exit',
      message: 'agent "sh" exited with code 3: fatal: no credentials',
    });
    expect(result.outputTail).toContain('partial work');
  });

  it('fails with adapter_missing when the binary is not installed', async () => {
    const { req } = request('no-such-agent-cli', []);
    req.env.PATH = tempDir('wave-empty-path-');
    const result = await cliAdapter.run(req);
    expect(result.error?.code).toBe('adapter_missing');
    expect(result.error?.message).toContain('"no-such-agent-cli"');
    expect(result.error?.message).toContain('--mock');
  });

  it('times out and stops the whole process group', async () => {
    const { req, leftovers } = request('sh', ['-c', 'sleep 600 & sleep 600; wait'], {
      timeoutMs: 300,
      graceMs: 200,
    });
    const result = await cliAdapter.run(req);
    expect(result.error?.code).toBe('timeout');
    expect(leftovers()).toEqual([]);
  });

  it('is cancelled through its AbortSignal', async () => {
    const controller = new AbortController();
    const { req, leftovers } = request('sh', ['-c', 'echo ready; sleep 600'], { signal: controller.signal });
    req.onActivity = () => controller.abort();
    const result = await cliAdapter.run(req);
    expect(result.error?.code).toBe('cancelled');
    expect(leftovers()).toEqual([]);
  });
});
