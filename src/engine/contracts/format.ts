import { basename } from 'node:path';
import { readSourceText } from './source-file.js';
import type { ContractChecker } from './types.js';

type Json = Record<string, unknown>;
type Kind = 'issue' | 'pr' | 'implementation' | 'analysis' | 'generic';

/**
 * The words by which an agent's output admits it is not finished (GOWAVE.md §7 format): the
 * contract refuses output that contains them. Issue bodies are checked for the first three only,
 * case-sensitively, as the Go Wave does; titles and generic objects for all, in any case.
 */
const UNFINISHED_WORDS = ['TODO', 'TBD', 'FIXME', 'XXX'];
const UNFINISHED_TEXT = new RegExp(`\\b(${UNFINISHED_WORDS.join('|')})\\b|\\[placeholder\\]`, 'i');
const UNFINISHED_BODY = new RegExp(`\\b(${UNFINISHED_WORDS.slice(0, 3).join('|')})\\b`);

/** Which rules apply, from the schema file's name (GOWAVE.md §7 format). */
export function formatKind(schemaPath: string | undefined): Kind {
  const name = basename(schemaPath ?? '').replace(/\.schema\.json$/, '');
  if (name === 'github-issue-analysis') return 'issue';
  if (name === 'github-pr-draft' || name === 'github-pr-info') return 'pr';
  if (name === 'implementation-results') return 'implementation';
  if (name === 'analysis' || name === 'findings') return 'analysis';
  if (name.includes('issue')) return 'issue';
  if (name.includes('pr')) return 'pr';
  if (name.includes('implementation')) return 'implementation';
  return 'generic';
}

const str = (v: unknown) => (typeof v === 'string' ? v : '');

function issueRules(o: Json): string[] {
  const out: string[] = [];
  const title = str(o.title);
  if (title.length < 10 || title.length > 200)
    out.push(`title must be 10–200 characters (is ${title.length})`);
  if (UNFINISHED_TEXT.test(title)) out.push('title contains placeholder text');
  const body = str(o.body);
  if (body.length < 50) out.push(`body must be at least 50 characters (is ${body.length})`);
  if (!/^##\s*Description/im.test(body)) out.push('body lacks a "## Description" section');
  if (!/^##\s*Acceptance Criteria/im.test(body)) out.push('body lacks a "## Acceptance Criteria" section');
  if (UNFINISHED_BODY.test(body)) out.push('body contains TODO, TBD or FIXME');
  if ('labels' in o && (!Array.isArray(o.labels) || o.labels.length === 0)) out.push('labels is empty');
  return out;
}

function prRules(o: Json): string[] {
  const out: string[] = [];
  const title = str(o.title);
  if (title.length < 10 || title.length > 72) out.push(`title must be 10–72 characters (is ${title.length})`);
  if (!/^[a-z]+(\([^)]+\))?!?: \S/.test(title))
    out.push('title is not a conventional commit ("type(scope): text")');
  const body = str(o.body);
  if (body.length < 100) out.push(`body must be at least 100 characters (is ${body.length})`);
  for (const section of ['Summary', 'Changes', 'Testing'])
    if (!new RegExp(`^#+\\s*${section}`, 'im').test(body)) out.push(`body lacks a "${section}" section`);
  if (!/Related to #\d+/i.test(body)) out.push('body lacks a "Related to #N" reference');
  if (/\b(close[sd]?|fix(e[sd])?|resolve[sd]?) #\d+/i.test(body))
    out.push('body uses a closing keyword (closes/fixes/resolves #N)');
  if (!/- \[[ xX]\]/.test(body)) out.push('body lacks a checklist ("- [ ] ...")');
  if ('head' in o && ['main', 'master'].includes(str(o.head))) out.push(`head must not be ${str(o.head)}`);
  if ('base' in o && str(o.base) === '') out.push('base is empty');
  return out;
}

function implementationRules(o: Json): string[] {
  const out: string[] = [];
  if (!Array.isArray(o.files_changed) || o.files_changed.length === 0)
    out.push('files_changed must be a non-empty array');
  if (o.tests_passed === false) out.push('tests_passed is false');
  if (o.builds_successfully === false) out.push('builds_successfully is false');
  if (str(o.implementation_notes).length < 20)
    out.push('implementation_notes must be at least 20 characters');
  return out;
}

function analysisRules(o: Json): string[] {
  const trivial = (v: unknown) =>
    v === undefined ||
    v === null ||
    (typeof v === 'string' && v.trim().length < 10) ||
    (Array.isArray(v) && v.length === 0);
  return ['findings', 'recommendations', 'analysis', 'summary'].some((k) => !trivial(o[k]))
    ? []
    : ['one of findings, recommendations, analysis or summary must be present and not trivial'];
}

function genericRules(o: Json): string[] {
  if (Object.keys(o).length === 0) return ['the object is empty'];
  const found: string[] = [];
  const walk = (v: unknown, path: string) => {
    if (typeof v === 'string' && UNFINISHED_TEXT.test(v))
      found.push(`${path || '(root)'} contains placeholder text`);
    else if (Array.isArray(v)) {
      for (const [i, x] of v.entries()) walk(x, `${path}[${i}]`);
    } else if (typeof v === 'object' && v !== null)
      for (const [k, x] of Object.entries(v)) walk(x, path ? `${path}.${k}` : k);
  };
  walk(o, '');
  return found;
}

const RULES: Record<Kind, (o: Json) => string[]> = {
  issue: issueRules,
  pr: prRules,
  implementation: implementationRules,
  analysis: analysisRules,
  generic: genericRules,
};

/** `format`: `source` is a JSON object that follows the rules its schema's name selects. */
export const formatContract: ContractChecker = async (contract, ctx) => {
  const source = contract.source;
  if (!source) return { ok: false, errors: ['the format contract has no source'] };
  const read = await readSourceText(source, ctx.workspace);
  if ('error' in read) return { ok: false, errors: [read.error] };
  let value: unknown;
  try {
    value = JSON.parse(read.text);
  } catch (err) {
    return { ok: false, errors: [`${source} is not valid JSON (${(err as Error).message})`] };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { ok: false, errors: [`${source} is not a JSON object`] };
  const kind = formatKind(contract.schemaPath);
  const problems = RULES[kind](value as Json);
  return { ok: problems.length === 0, errors: problems.map((p) => `${source} (${kind} format): ${p}`) };
};
