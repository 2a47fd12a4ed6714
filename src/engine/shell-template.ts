/**
 * Templates in bash scripts (command steps, test_suite commands). A value is never spliced into
 * the script as text: each `{{ name }}` becomes a reference to an environment variable holding
 * the value, written for the quoting context it stands in, so the value is data wherever it is:
 *   bare `{{ x }}` → `"${V}"`, inside "…" → `${V}`, inside '…' → `'"${V}"'`, inside $'…' →
 *   `'"${V}"$'`, in an unquoted heredoc → `${V}`, in a comment → nothing.
 * (Plain shell-quoting is not enough: `echo "{{ input }}"` with `'$(touch x)'` runs the command.)
 * A quoted heredoc expands nothing, so there the value goes in as text, unless a line of it would
 * end the heredoc.
 */

/** The same `{{ name }}` syntax as pipeline/templates.ts. */
const TEMPLATE = /\{\{\s*([^{}]*?)\s*\}\}/g;
const MARK = '\u0000';

/** The environment variable that carries template value `name` (unique, deterministic). */
export function templateVar(name: string): string {
  return `WAVE_TPL_${name.replace(/[^A-Za-z0-9]/g, (c) => `_${c.charCodeAt(0).toString(16)}_`)}`;
}

/** The variables a rendered script refers to: one per template value. */
export function templateEnv(values: Readonly<Record<string, string>>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(values)) env[templateVar(name)] = value;
  return env;
}

export class ShellTemplateError extends Error {
  readonly code = 'template_error';
}

type Context =
  | { kind: 'plain' | 'dquote' | 'squote' | 'ansi' | 'comment' | 'heredoc' }
  | { kind: 'qheredoc'; delimiter: string; strip: boolean };

/**
 * Renders `text` for bash. Names for which `raw` holds go in as written (project commands in
 * contracts); names without a value render empty.
 */
export function renderShellTemplate(
  text: string,
  values: Readonly<Record<string, string>>,
  opts: { raw?: (name: string) => boolean } = {},
): string {
  const names: string[] = [];
  const skeleton = text.replace(TEMPLATE, (_m, name: string) => {
    names.push(name);
    return MARK;
  });
  if (names.length === 0) return text;
  const contexts = scan(skeleton);
  let k = 0;
  return skeleton.replace(/\u0000/g, () => {
    const name = names[k]!;
    const context = contexts[k++] ?? { kind: 'plain' };
    const value = values[name];
    if (value !== undefined && opts.raw?.(name)) return value;
    return reference(name, value, context);
  });
}

function reference(name: string, value: string | undefined, context: Context): string {
  const v = value === undefined ? null : `\${${templateVar(name)}}`;
  switch (context.kind) {
    case 'plain':
      return v === null ? "''" : `"${v}"`;
    case 'dquote':
    case 'heredoc':
      return v ?? '';
    case 'squote':
      return v === null ? '' : `'"${v}"'`;
    case 'ansi':
      return v === null ? '' : `'"${v}"$'`;
    case 'comment':
      return '';
    case 'qheredoc': {
      const text = value ?? '';
      const ends = text
        .split('\n')
        .some((line) => (context.strip ? line.replace(/^\t+/, '') : line) === context.delimiter);
      if (ends) {
        throw new ShellTemplateError(
          `the value of {{ ${name} }} contains a line "${context.delimiter}" that would end the heredoc it is in`,
        );
      }
      return text;
    }
  }
}

type Frame =
  /** `arith`: inside `$(( ))`, where `<<` is a shift, not a heredoc. */
  | { kind: 'plain'; close: ')' | '`' | '}' | null; depth: number; arith?: boolean }
  | { kind: 'dquote' | 'squote' | 'ansi' | 'comment' }
  | { kind: 'heredoc'; quoted: boolean; delimiter: string; strip: boolean };

type Heredoc = { quoted: boolean; delimiter: string; strip: boolean };

const WORD_START_BEFORE = new Set([' ', '\t', '\n', ';', '&', '|', '(', ')', '<', '>']);
const WORD_END = /[\s;&|<>()]/;

/** The quoting context of each MARK in `s`, in order: a small bash lexer, enough for templates. */
function scan(s: string): Context[] {
  const out: Context[] = [];
  const stack: Frame[] = [{ kind: 'plain', close: null, depth: 0 }];
  const queue: Heredoc[] = [];
  let lineStart = false;
  let i = 0;
  while (i < s.length) {
    const top = stack[stack.length - 1]!;
    const c = s[i]!;
    const n = s[i + 1];
    if (top.kind === 'heredoc') {
      if (lineStart) {
        lineStart = false;
        const end = s.indexOf('\n', i);
        const line = s.slice(i, end === -1 ? s.length : end);
        if ((top.strip ? line.replace(/^\t+/, '') : line) === top.delimiter) {
          stack.pop();
          // The newline after the delimiter belongs to the enclosing frame (next heredoc, ...).
          i = end === -1 ? s.length : end;
          continue;
        }
      }
      if (c === MARK)
        out.push(
          top.quoted ? { kind: 'qheredoc', delimiter: top.delimiter, strip: top.strip } : { kind: 'heredoc' },
        );
      else if (c === '\\' && !top.quoted) i++;
      else if (c === '\n') lineStart = true;
      i++;
      continue;
    }
    switch (top.kind) {
      case 'squote':
        if (c === MARK) out.push({ kind: 'squote' });
        else if (c === "'") stack.pop();
        i++;
        continue;
      case 'ansi':
        if (c === MARK) out.push({ kind: 'ansi' });
        else if (c === '\\') i++;
        else if (c === "'") stack.pop();
        i++;
        continue;
      case 'comment':
        if (c === MARK) out.push({ kind: 'comment' });
        if (c === '\n') {
          stack.pop();
          continue;
        }
        i++;
        continue;
      case 'dquote':
        if (c === MARK) out.push({ kind: 'dquote' });
        else if (c === '\\') i++;
        else if (c === '"') stack.pop();
        else if (c === '$' && n === '(') {
          stack.push({ kind: 'plain', close: ')', depth: 0 });
          i++;
        } else if (c === '$' && n === '{') {
          stack.push({ kind: 'plain', close: '}', depth: 0 });
          i++;
        } else if (c === '`') stack.push({ kind: 'plain', close: '`', depth: 0 });
        i++;
        continue;
      case 'plain':
        break;
    }
    // plain
    if (c === MARK) out.push({ kind: 'plain' });
    else if (c === '\\') i++;
    else if (c === "'") stack.push({ kind: 'squote' });
    else if (c === '"') stack.push({ kind: 'dquote' });
    else if (c === '$' && n === "'") {
      stack.push({ kind: 'ansi' });
      i++;
    } else if (c === '$' && n === '(') {
      stack.push({ kind: 'plain', close: ')', depth: 0, arith: s[i + 2] === '(' || top.arith === true });
      i++;
    } else if (c === '$' && n === '{') {
      stack.push({ kind: 'plain', close: '}', depth: 0 });
      i++;
    } else if (c === '`') {
      if (top.close === '`') stack.pop();
      else stack.push({ kind: 'plain', close: '`', depth: 0 });
    } else if (c === '(' && top.close === ')') top.depth++;
    else if (c === ')' && top.close === ')') {
      if (top.depth > 0) top.depth--;
      else stack.pop();
    } else if (c === '}' && top.close === '}') stack.pop();
    else if (c === '#' && top.close !== '}' && (i === 0 || WORD_START_BEFORE.has(s[i - 1]!)))
      stack.push({ kind: 'comment' });
    else if (c === '<' && n === '<' && !top.arith) {
      if (s[i + 2] === '<') i += 2;
      else i = readHeredocOperator(s, i + 2, queue) - 1;
    } else if (c === '\n' && queue.length) {
      stack.push({ kind: 'heredoc', ...queue.shift()! });
      lineStart = true;
    }
    i++;
  }
  return out;
}

/** Reads `[-] WORD` after `<<`; queues the heredoc; returns the index after the word. */
function readHeredocOperator(s: string, from: number, queue: Heredoc[]): number {
  let j = from;
  const strip = s[j] === '-';
  if (strip) j++;
  while (s[j] === ' ' || s[j] === '\t') j++;
  let word = '';
  let quoted = false;
  while (j < s.length && !WORD_END.test(s[j]!)) {
    const c = s[j]!;
    if (c === "'" || c === '"') {
      quoted = true;
      const close = s.indexOf(c, j + 1);
      const end = close === -1 ? s.length : close;
      word += s.slice(j + 1, end);
      j = end + 1;
      continue;
    }
    if (c === '\\') {
      quoted = true;
      word += s[j + 1] ?? '';
      j += 2;
      continue;
    }
    word += c;
    j++;
  }
  if (word) queue.push({ quoted, delimiter: word, strip });
  return j;
}
