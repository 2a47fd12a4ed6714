/**
 * The mock adapter's answer to a review contract (agent_review, llm_judge): a passing verdict
 * in the JSON the contract reads. A test asks for a failure with a marker anywhere in the
 * review's prompt (the criteria file, or a criterion): `mock-verdict: fail` gives a failing
 * verdict (every criterion failed), `mock-verdict: unparseable` a reply that is not JSON.
 */
export function mockVerdict(purpose: 'agent_review' | 'llm_judge', prompt: string): string {
  const marker = /mock-verdict:\s*(fail|unparseable)/.exec(prompt)?.[1];
  if (marker === 'unparseable') return 'The mock reviewer has no opinion today.';
  const pass = marker !== 'fail';
  if (purpose === 'agent_review') {
    return JSON.stringify({
      verdict: pass ? 'pass' : 'fail',
      issues: pass ? [] : [{ severity: 'major', description: 'the mock reviewer was told to fail' }],
      suggestions: [],
      confidence: 1,
      summary: pass ? 'mock review: looks good' : 'mock review: failed on request',
    });
  }
  const criteria = [...(prompt.split('--- Content to evaluate ---')[0] ?? '').matchAll(/^\d+\. (.*)$/gm)].map(
    (m) => m[1]!,
  );
  const results = criteria.map((criterion) => ({
    criterion,
    pass,
    reasoning: pass ? 'mock judge: met' : 'mock judge: failed on request',
  }));
  return JSON.stringify({
    criteria_results: results,
    overall_pass: pass,
    score: pass ? 1 : 0,
    summary: 'mock judge',
  });
}
