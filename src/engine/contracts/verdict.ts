/**
 * Reading a reviewer's reply (GOWAVE.md §7): the verdict JSON of agent_review and the
 * criteria results of llm_judge, found in whatever text the agent printed around them.
 */

/** How much of an unreadable reply a failure quotes. */
const QUOTE_CHARS = 300;

export interface ReviewVerdict {
  verdict: 'pass' | 'fail' | 'warn';
  issues: { severity: string; description: string }[];
  summary: string;
  confidence: number;
}

export interface JudgeResult {
  criterion: string;
  pass: boolean;
  reasoning: string;
}

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The reply, shortened to quote in a failure message. */
export function quoteReply(text: string): string {
  const flat = text.trim().replace(/\s+/g, ' ');
  if (flat === '') return '(an empty reply)';
  return JSON.stringify(flat.length > QUOTE_CHARS ? `${flat.slice(0, QUOTE_CHARS)}…` : flat);
}

function tryParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Between the first `{` and the last `}`, code fences removed. */
function braced(text: string): unknown {
  const unfenced = text.replace(/```[a-zA-Z]*\n?/g, '');
  const first = unfenced.indexOf('{');
  const last = unfenced.lastIndexOf('}');
  return first >= 0 && last > first ? tryParse(unfenced.slice(first, last + 1)) : undefined;
}

/**
 * The object with `key` in the reply: the whole text as JSON, then the braced part, then the
 * last JSON line that has it (unwrapping a Claude `{"type":"result","result":"…"}` envelope).
 */
export function findReplyObject(text: string, key: string): Json | null {
  for (const candidate of [tryParse(text.trim()), braced(text)]) {
    if (isObj(candidate) && key in candidate) return candidate;
  }
  const lines = text.split('\n').reverse();
  for (const line of lines) {
    let value = tryParse(line.trim());
    if (isObj(value) && value.type === 'result' && typeof value.result === 'string') {
      const inner = tryParse(value.result.trim()) ?? braced(value.result);
      value = inner;
    }
    if (isObj(value) && key in value) return value;
  }
  return null;
}

/** agent_review's verdict, or why the reply is not one. */
export function parseReviewVerdict(text: string): ReviewVerdict | { problem: string } {
  const obj = findReplyObject(text, 'verdict');
  if (!obj) return { problem: `the reviewer's reply has no verdict JSON: ${quoteReply(text)}` };
  const verdict = obj.verdict;
  if (verdict !== 'pass' && verdict !== 'fail' && verdict !== 'warn') {
    return {
      problem: `the reviewer's verdict ${JSON.stringify(verdict)} is not pass, fail or warn: ${quoteReply(text)}`,
    };
  }
  const confidence = obj.confidence === undefined ? 0 : obj.confidence;
  if (typeof confidence !== 'number' || confidence < 0 || confidence > 1) {
    return { problem: `the reviewer's confidence ${JSON.stringify(confidence)} is not between 0 and 1` };
  }
  if (obj.issues !== undefined && !Array.isArray(obj.issues))
    return { problem: `the reviewer's "issues" is not an array: ${quoteReply(text)}` };
  const issues = (Array.isArray(obj.issues) ? obj.issues : []).filter(isObj).map((i) => ({
    severity: typeof i.severity === 'string' ? i.severity : 'info',
    description: typeof i.description === 'string' ? i.description : JSON.stringify(i),
  }));
  return { verdict, issues, confidence, summary: typeof obj.summary === 'string' ? obj.summary : '' };
}

/** llm_judge's per-criterion results, or why the reply has none. */
export function parseJudgeResults(text: string): JudgeResult[] | { problem: string } {
  const obj = findReplyObject(text, 'criteria_results');
  if (!obj || !Array.isArray(obj.criteria_results))
    return { problem: `the judge's reply has no criteria_results JSON: ${quoteReply(text)}` };
  const results = obj.criteria_results.filter(isObj).map((r) => ({
    criterion: typeof r.criterion === 'string' ? r.criterion : '',
    pass: r.pass === true,
    reasoning: typeof r.reasoning === 'string' ? r.reasoning : '',
  }));
  if (results.length === 0) return { problem: `the judge returned no criteria results: ${quoteReply(text)}` };
  return results;
}
