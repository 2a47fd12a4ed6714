import { readFile } from 'node:fs/promises';
import type { ReviewContextSpec } from '../../pipeline/model-rework.js';
import { git } from './git.js';
import type { ContractChecker, ContractContext } from './types.js';
import { parseReviewVerdict } from './verdict.js';

/** GOWAVE.md §7: a review waits 120 s by default. */
const REVIEW_TIMEOUT_MS = 120_000;
const DIFF_BASES = ['origin/main', 'origin/master', 'main', 'master'];

const OUTPUT_FORMAT = `## Required Output Format

Reply with a single JSON object matching this schema, and nothing else:

{"verdict": "pass|fail|warn", "issues": [{"severity": "critical|major|minor|info", "description": "..."}], "suggestions": ["..."], "confidence": 0.0, "summary": "one sentence"}

Rules: "verdict" is exactly pass, fail or warn; "issues" is an array; "confidence" is a number from 0 to 1; return only the JSON.`;

/**
 * `agent_review`: a reviewer persona (through its adapter, in the step's workspace) reads the
 * criteria file and the context (the git diff, artifacts) and answers with a verdict; `pass`
 * and `warn` pass, `fail` fails. A reply without a readable verdict fails, quoting it.
 */
export const agentReviewContract: ContractChecker = async (contract, ctx) => {
  if (!contract.criteriaPath)
    return { ok: false, errors: ['the agent_review contract needs criteria_path (a Markdown file)'] };
  if (contract.criteriaPath.split(/[\\/]/).includes('..'))
    return { ok: false, errors: [`criteria_path ${contract.criteriaPath} may not contain ".."`] };
  if (!ctx.agent) return { ok: false, errors: ['agent_review needs an agent, and none is available here'] };
  let criteria: string;
  try {
    criteria = await readFile(ctx.resolvePath(contract.criteriaPath), 'utf8');
  } catch (err) {
    return {
      ok: false,
      errors: [`the review criteria ${contract.criteriaPath} could not be read: ${(err as Error).message}`],
    };
  }
  const context = await Promise.all((contract.context ?? []).map((c) => contextSection(c, ctx)));
  const prompt = [
    '## Review Criteria',
    '',
    criteria.trim(),
    '',
    '## Context',
    '',
    context.length ? context.join('\n\n') : '(none given: read the files in your working directory)',
    '',
    OUTPUT_FORMAT,
  ].join('\n');
  const reply = await ctx.agent({
    purpose: 'agent_review',
    persona: contract.persona ?? null,
    systemPrompt: null,
    prompt,
    model: contract.model ?? null,
    timeoutMs: contract.timeoutMs || REVIEW_TIMEOUT_MS,
  });
  if (!reply.ok) return { ok: false, errors: [`the review agent failed: ${reply.error}`] };
  // The Go Wave only warns about a review over its budget.
  if (contract.tokenBudget && reply.tokens !== null && reply.tokens > contract.tokenBudget)
    ctx.onLine(
      'stderr',
      `agent_review used ${reply.tokens} tokens, over its token_budget of ${contract.tokenBudget}`,
    );
  const verdict = parseReviewVerdict(reply.text);
  if ('problem' in verdict) return { ok: false, errors: [verdict.problem] };
  if (verdict.verdict !== 'fail') return { ok: true, errors: [] };
  return {
    ok: false,
    errors: [
      `agent review verdict: fail — ${verdict.summary || 'no summary'}`,
      ...verdict.issues.map((i) => `[${i.severity}] ${i.description}`),
    ],
  };
};

function truncate(text: string, max: number): string {
  if (Buffer.byteLength(text) <= max) return text;
  return `${Buffer.from(text).subarray(0, max).toString('utf8')}\n[truncated at ${max} bytes]`;
}

async function contextSection(c: ReviewContextSpec, ctx: ContractContext): Promise<string> {
  if (c.source === 'git_diff') {
    const base = c.diffBase ?? (await firstRef(ctx.workspace, ctx.signal));
    const diff = await git(base ? ['diff', `${base}..HEAD`] : ['diff', 'HEAD'], ctx.workspace, ctx.signal);
    const body = diff.ok ? diff.stdout || '(no changes)' : `(git diff failed: ${diff.error})`;
    return `### Git diff${base ? ` (${base}..HEAD)` : ''}\n\n\`\`\`diff\n${truncate(body, c.maxSize)}\n\`\`\``;
  }
  const name = c.artifact ?? '';
  const path = ctx.artifactPath ? await ctx.artifactPath(name) : null;
  if (!path) return `### Artifact ${name}\n\n(warning: no artifact named "${name}" exists yet)`;
  try {
    return `### Artifact ${name}\n\n${truncate(await readFile(path, 'utf8'), c.maxSize)}`;
  } catch (err) {
    return `### Artifact ${name}\n\n(warning: could not read it: ${(err as Error).message})`;
  }
}

async function firstRef(cwd: string, signal: AbortSignal): Promise<string | null> {
  for (const ref of DIFF_BASES)
    if ((await git(['rev-parse', '--verify', '--quiet', ref], cwd, signal)).ok) return ref;
  return null;
}
