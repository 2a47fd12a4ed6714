import { nonEmptyFileContract } from './non-empty-file.js';
import { readSourceText } from './source-file.js';
import type { ContractChecker } from './types.js';

const ATX_HEADING = /^ {0,3}#{1,6}(?:[ \t]+(.*))?$/;
const FENCE = /^ {0,3}(`{3,}|~{3,})(.*)$/;

/**
 * `markdown_spec`: `contract.source` (relative to the workspace; checkContract fills it in
 * from the first output artifact) has an ATX heading for every entry of `requiredSections`,
 * outside fenced code blocks. Without required sections the file must only be non-empty.
 */
export const markdownSpecContract: ContractChecker = async (contract, ctx) => {
  const source = contract.source;
  if (!source) return { ok: false, errors: ['the markdown_spec contract has no source'] };
  if (contract.requiredSections.length === 0) return nonEmptyFileContract(contract, ctx);

  const read = await readSourceText(source, ctx.workspace);
  if ('error' in read) return { ok: false, errors: [read.error] };
  const present = new Set(headings(read.text));
  const missing = contract.requiredSections.filter((s) => !present.has(normalizeHeading(s)));
  return {
    ok: missing.length === 0,
    errors: missing.map((s) => {
      const text = s.trim().replace(/^#+\s*/, '');
      return `${source} is missing the section "${text}"; add a heading line such as "## ${text}"`;
    }),
  };
};

/** The normalised text of every ATX heading outside fenced code blocks. */
function headings(markdown: string): string[] {
  const found: string[] = [];
  let fence: { char: string; length: number } | null = null;
  for (const line of markdown.split(/\r\n|\r|\n/)) {
    const f = FENCE.exec(line);
    if (fence) {
      // A fence closes with the same character, at least as long, and nothing after it.
      if (f?.[1] && f[1][0] === fence.char && f[1].length >= fence.length && !f[2]?.trim()) fence = null;
      continue;
    }
    // A backtick fence's info string cannot contain a backtick (CommonMark).
    if (f?.[1] && !(f[1][0] === '`' && f[2]?.includes('`'))) {
      fence = { char: f[1][0]!, length: f[1].length };
      continue;
    }
    if (ATX_HEADING.test(line)) found.push(normalizeHeading(line));
  }
  return found;
}

/** `## Summary ##` and `summary` compare equal: #'s, outer and repeated whitespace and case ignored. */
function normalizeHeading(text: string): string {
  return text
    .trim()
    .replace(/^#+/, '')
    .replace(/(?:^|[ \t])#+$/, '')
    .trim()
    .replace(/\s+/g, ' ')
    .toLowerCase();
}
