import type { ContractSpec } from '../../pipeline/model.js';
import { readSourceText } from './source-file.js';
import type { ContractChecker } from './types.js';
import { parseJudgeResults } from './verdict.js';

/** GOWAVE.md §7: the content judged is cut at 50,000 bytes; the judge has 60 s. */
const CONTENT_MAX_BYTES = 50_000;
const JUDGE_TIMEOUT_MS = 60_000;

const SYSTEM_PROMPT = `You are an objective code quality judge. Evaluate the content against each criterion independently. Return ONLY this JSON, with no other text:
{"criteria_results": [{"criterion": "...", "pass": true, "reasoning": "..."}], "overall_pass": true, "score": 0.0, "summary": "..."}`;

/** Cut on a UTF-8 character boundary. */
function cut(text: string, maxBytes: number): string {
  const buf = Buffer.from(text);
  if (buf.length <= maxBytes) return text;
  let end = maxBytes;
  while (end > 0 && (buf[end]! & 0xc0) === 0x80) end--;
  return buf.subarray(0, end).toString('utf8');
}

/**
 * `llm_judge`: the step's adapter judges `source` against each criterion; the score is the
 * share of criteria passed (recomputed here, whatever the model says) and must reach
 * `threshold` (unset or 0: all). A reply without readable results fails, quoting it.
 */
export const llmJudgeContract: ContractChecker = async (contract, ctx) => {
  const criteria = contract.criteria ?? [];
  if (criteria.length === 0) return { ok: false, errors: ['the llm_judge contract needs criteria (a list)'] };
  if (!contract.source) return { ok: false, errors: ['the llm_judge contract has no source'] };
  if (!ctx.agent) return { ok: false, errors: ['llm_judge needs an agent, and none is available here'] };
  const read = await readSourceText(contract.source, ctx.workspace);
  if ('error' in read) return { ok: false, errors: [read.error] };
  const prompt = [
    'Criteria:',
    ...criteria.map((c, i) => `${i + 1}. ${c}`),
    '',
    '--- Content to evaluate ---',
    cut(read.text, CONTENT_MAX_BYTES),
  ].join('\n');
  const reply = await ctx.agent({
    purpose: 'llm_judge',
    persona: null,
    systemPrompt: SYSTEM_PROMPT,
    prompt,
    model: contract.model ?? 'cheapest',
    timeoutMs: contract.timeoutMs || JUDGE_TIMEOUT_MS,
  });
  if (!reply.ok) return { ok: false, errors: [`the judge agent failed: ${reply.error}`] };
  const results = parseJudgeResults(reply.text);
  if ('problem' in results) return { ok: false, errors: [results.problem] };
  const threshold = contract.threshold && contract.threshold > 0 ? contract.threshold : 1;
  const score = results.filter((r) => r.pass).length / results.length;
  if (score >= threshold) return { ok: true, errors: [] };
  return {
    ok: false,
    errors: [
      `Score: ${Math.round(score * 100)}% (threshold: ${Math.round(threshold * 100)}%)`,
      ...results.map(
        (r) => `${r.pass ? 'PASS' : 'FAIL'} ${r.criterion}${r.reasoning ? ` — ${r.reasoning}` : ''}`,
      ),
    ],
  };
};

/**
 * What a step whose one contract is an llm_judge is told about it (GOWAVE.md §7): the criteria
 * and the share it must meet. '' for other steps.
 */
export function judgeGuidance(contracts: readonly ContractSpec[]): string {
  const judge = contracts.length === 1 && contracts[0]!.type === 'llm_judge' ? contracts[0]! : null;
  if (!judge?.criteria?.length) return '';
  const threshold = judge.threshold && judge.threshold > 0 ? judge.threshold : 1;
  return [
    '',
    '',
    '## Quality criteria',
    '',
    `Your output will be judged against these criteria; at least ${Math.round(threshold * 100)}% must be met:`,
    ...judge.criteria.map((c, i) => `${i + 1}. ${c}`),
  ].join('\n');
}
