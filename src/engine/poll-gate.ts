import { setTimeout as sleep } from 'node:timers/promises';
import type { StepSpec } from '../pipeline/model.js';
import type { RunContext } from './context.js';
import { git } from './contracts/git.js';
import { runProcessGroup } from './process-group.js';
import { forgeOf } from './template-values.js';
import { which } from './which.js';

/** GOWAVE.md §8: poll gates ask every 30 s and give up after 60 min unless told otherwise. */
export const POLL_INTERVAL_MS = 30_000;
export const POLL_TIMEOUT_MS = 60 * 60_000;
/** One forge CLI call may take this long before it counts as a failed poll. */
const CALL_TIMEOUT_MS = 60_000;
const FAILED_CONCLUSIONS = new Set(['failure', 'cancelled', 'timed_out', 'action_required']);

export type PollVerdict = { kind: 'passed'; detail: string } | { kind: 'failed'; detail: string };

/**
 * A pr_merge or ci_pass gate's poll loop: wait `interval`, ask the forge's CLI (gh, glab, tea…), repeat
 * until the pull request is merged (or closed: failed) or the latest CI run completed (failed
 * for failure, cancelled, timed_out, action_required). CLI or JSON errors are logged as the
 * step's output and polling goes on. Resolves null when `signal` ends it first.
 */
export async function pollGate(
  ctx: RunContext,
  step: StepSpec,
  signal: AbortSignal,
): Promise<PollVerdict | null> {
  const gate = step.gate!;
  const interval = gate.intervalMs ?? POLL_INTERVAL_MS;
  const repo = gate.repo ?? (await originRepo(ctx.project.root));
  const branch = gate.type === 'ci_pass' ? (gate.branch ?? (await currentBranch(ctx.project.root))) : null;
  const repoArgs = repo ? ['--repo', repo] : [];
  // The forge's own CLI (GOWAVE §8); a local or unknown forge falls back to gh and `pr`.
  const forge = forgeOf(ctx);
  const cli = forge.cli_tool || 'gh';
  const prCommand = forge.pr_command || 'pr';
  const args =
    gate.type === 'pr_merge'
      ? [prCommand, 'view', String(gate.prNumber), ...repoArgs, '--json', 'merged,state']
      : [
          'run',
          'list',
          ...(branch ? ['--branch', branch] : []),
          ...repoArgs,
          '--limit',
          '5',
          '--json',
          'status,conclusion',
        ];
  const say = (content: string) => ctx.recorder.activity({ step: step.id, stream: 'stderr', content });
  for (;;) {
    try {
      await sleep(interval, undefined, { signal });
    } catch {
      return null;
    }
    const answer = await callForge(ctx, cli, args, signal);
    if (signal.aborted) return null;
    if ('error' in answer) {
      say(`${gate.type} gate: ${cli} ${args.join(' ')}: ${answer.error}; polling again`);
      continue;
    }
    const verdict =
      gate.type === 'pr_merge' ? prVerdict(answer.json, gate.prNumber) : ciVerdict(answer.json, branch);
    if (verdict) return verdict;
  }
}

function prVerdict(json: unknown, pr: number | undefined): PollVerdict | null {
  const o = (typeof json === 'object' && json !== null ? json : {}) as Record<string, unknown>;
  if (o.merged === true) return { kind: 'passed', detail: `pull request #${pr} was merged` };
  if (typeof o.state === 'string' && o.state.toLowerCase() === 'closed')
    return { kind: 'failed', detail: `pull request #${pr} was closed without merging` };
  return null;
}

function ciVerdict(json: unknown, branch: string | null): PollVerdict | null {
  const latest = Array.isArray(json) ? (json[0] as Record<string, unknown> | undefined) : undefined;
  if (latest?.status !== 'completed') return null;
  const conclusion = String(latest.conclusion ?? '');
  const where = branch ? ` on ${branch}` : '';
  return FAILED_CONCLUSIONS.has(conclusion)
    ? { kind: 'failed', detail: `the latest CI run${where} ended "${conclusion}"` }
    : { kind: 'passed', detail: `the latest CI run${where} ended "${conclusion}"` };
}

async function callForge(
  ctx: RunContext,
  cli: string,
  args: string[],
  signal: AbortSignal,
): Promise<{ json: unknown } | { error: string }> {
  const bin = which(cli, process.env.PATH);
  if (!bin) return { error: `${cli} is not on PATH` };
  const out: string[] = [];
  const err: string[] = [];
  const result = await runProcessGroup({
    command: bin,
    args,
    cwd: ctx.project.root,
    env: process.env,
    signal,
    timeoutMs: CALL_TIMEOUT_MS,
    graceMs: ctx.project.config.runtime.process_grace_ms,
    onLine: (stream, line) => (stream === 'stdout' ? out : err).push(line),
  });
  if (result.spawnError) return { error: result.spawnError.message };
  if (result.exitCode !== 0)
    return { error: `exited with code ${result.exitCode}: ${err.at(-1) ?? ''}`.trim() };
  try {
    return { json: JSON.parse(out.join('\n')) };
  } catch {
    return { error: `answered something that is not JSON: ${out.join(' ').slice(0, 200)}` };
  }
}

/** `owner/repo` of the `origin` remote (else the first remote), or null. */
export async function originRepo(root: string): Promise<string | null> {
  let url = await git(['remote', 'get-url', 'origin'], root);
  if (!url.ok) {
    const remotes = await git(['remote'], root);
    const first = remotes.ok ? remotes.stdout.split('\n')[0]?.trim() : '';
    if (!first) return null;
    url = await git(['remote', 'get-url', first], root);
    if (!url.ok) return null;
  }
  const m = /[:/]([^/:]+\/[^/]+?)(?:\.git)?\/?$/.exec(url.stdout.trim());
  return m?.[1] ?? null;
}

async function currentBranch(root: string): Promise<string | null> {
  const r = await git(['rev-parse', '--abbrev-ref', 'HEAD'], root);
  return r.ok && r.stdout.trim() && r.stdout.trim() !== 'HEAD' ? r.stdout.trim() : null;
}
