/**
 * A small bash lexer, enough to tell where each template marker (MARK) of a script
 * stands: its quoting context, and whether bash evaluates it as arithmetic. Arithmetic runs
 * code hidden in a value even when the value is quoted (`x[$(touch /tmp/p)]` as an array
 * subscript), so no quoting makes a value safe there.
 */

/** What replaces each `{{ name }}` in the text given to scanTemplateContexts. */
export const MARK = '\u0000';

export type Context = (
  | { kind: 'plain' | 'dquote' | 'squote' | 'ansi' | 'comment' | 'heredoc' }
  | { kind: 'qheredoc'; delimiter: string; strip: boolean }
) & {
  /** The arithmetic context the marker is in (`$(( ))`, `let`, …), if any. */
  arith?: string;
};

interface CondWord {
  text: string;
  marks: number[];
}

type Frame =
  | {
      kind: 'plain';
      close: ')' | '`' | '}' | ']' | null;
      depth: number;
      /** Inside arithmetic, where `<<` is a shift, not a heredoc. */
      arith?: boolean;
      /** This frame is an arithmetic context of that name. */
      context?: string;
      /** The rest of the current simple command is arithmetic (`let`). */
      rest?: string;
      /** Inside `[[ ]]`: its words so far, to find the operands of -eq, -gt, … */
      cond?: { words: CondWord[]; current: CondWord | null };
      /** In `${…}`: where the parameter's name ends (a `:` there starts an arithmetic offset). */
      nameEnd?: number;
    }
  | { kind: 'dquote' | 'squote' | 'ansi' | 'comment' }
  | { kind: 'heredoc'; quoted: boolean; delimiter: string; strip: boolean };

type PlainFrame = Extract<Frame, { kind: 'plain' }>;
type Heredoc = { quoted: boolean; delimiter: string; strip: boolean };

const WORD_START_BEFORE = new Set([' ', '\t', '\n', ';', '&', '|', '(', ')', '<', '>']);
const WORD_END = /[\s;&|<>()]/;
/** Characters after which a new command starts. */
const COMMAND_BEFORE = new Set(['\n', ';', '&', '|', '(', ')', '{', '!']);
const COMMAND_KEYWORDS = new Set(['then', 'do', 'else', 'elif', 'if', 'while', 'until', 'time', 'for', '!']);
/** `[[ a OP b ]]` operators whose operands bash evaluates as arithmetic. */
const ARITH_TESTS = new Set(['-eq', '-ne', '-lt', '-le', '-gt', '-ge']);
const COND_TEST = '[[ … -gt … ]]';

/** The context of each MARK in `s`, in order. */
export function scanTemplateContexts(s: string): Context[] {
  const out: Context[] = [];
  const stack: Frame[] = [{ kind: 'plain', close: null, depth: 0 }];
  const queue: Heredoc[] = [];
  let lineStart = false;
  let i = 0;

  const mark = (context: Context): void => {
    const arith = arithmeticOf(stack);
    out.push(arith ? { ...context, arith } : context);
    for (const f of stack) if (f.kind === 'plain' && f.cond) currentWord(f.cond).marks.push(out.length - 1);
  };
  /** `$(`, `$((`, `${`, `$[` at i: pushes the frame and returns the index of its last character. */
  const openDollar = (top: PlainFrame | null): number | null => {
    const n = s[i + 1];
    if (n === '(') {
      const arith = s[i + 2] === '(';
      stack.push({
        kind: 'plain',
        close: ')',
        depth: 0,
        arith: arith || top?.arith === true,
        ...(arith ? { context: '$(( ))' } : {}),
      });
      return i + 1;
    }
    if (n === '{') {
      stack.push({ kind: 'plain', close: '}', depth: 0, nameEnd: parameterNameEnd(s, i + 2) });
      return i + 1;
    }
    if (n === '[') {
      stack.push({ kind: 'plain', close: ']', depth: 0, arith: true, context: '$[ ]' });
      return i + 1;
    }
    return null;
  };

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
        mark(
          top.quoted ? { kind: 'qheredoc', delimiter: top.delimiter, strip: top.strip } : { kind: 'heredoc' },
        );
      else if (c === '\\' && !top.quoted) i++;
      // An unquoted heredoc expands `$(( ))`, `${…}` and `$( )` as "…" does.
      else if (c === '$' && !top.quoted) i = openDollar(null) ?? i;
      else if (c === '\n') lineStart = true;
      i++;
      continue;
    }
    switch (top.kind) {
      case 'squote':
        if (c === MARK) mark({ kind: 'squote' });
        else if (c === "'") stack.pop();
        i++;
        continue;
      case 'ansi':
        if (c === MARK) mark({ kind: 'ansi' });
        else if (c === '\\') i++;
        else if (c === "'") stack.pop();
        i++;
        continue;
      case 'comment':
        if (c === MARK) mark({ kind: 'comment' });
        if (c === '\n') {
          stack.pop();
          continue;
        }
        i++;
        continue;
      case 'dquote':
        if (c === MARK) mark({ kind: 'dquote' });
        else if (c === '\\') i++;
        else if (c === '"') stack.pop();
        else if (c === '$') i = openDollar(null) ?? i;
        else if (c === '`') stack.push({ kind: 'plain', close: '`', depth: 0 });
        i++;
        continue;
      case 'plain':
        break;
    }

    // plain
    if (top.cond) {
      // Words of `[[ ]]`: blanks end one; `]]` as a word of its own ends the test.
      if (c === ' ' || c === '\t' || c === '\n') endWord(top.cond);
      else if (c === ']' && n === ']' && top.cond.current === null) {
        flagArithmeticOperands(top.cond, out);
        delete top.cond;
        i += 2;
        continue;
      } else currentWord(top.cond).text += c;
    }
    if (top.rest && (c === ';' || c === '&' || c === '|' || c === '\n')) delete top.rest;

    if (c === MARK) mark({ kind: 'plain' });
    else if (c === '\\') i++;
    else if (c === "'") stack.push({ kind: 'squote' });
    else if (c === '"') stack.push({ kind: 'dquote' });
    else if (c === '$' && n === "'") {
      stack.push({ kind: 'ansi' });
      i++;
    } else if (c === '$' && (n === '(' || n === '{' || n === '[')) i = openDollar(top)!;
    else if (c === ':' && top.close === '}' && top.nameEnd === i && !'-=+?'.includes(n ?? '-'))
      top.context = '${name:offset:length}';
    else if (c === '(' && n === '(' && atCommandStart(s, i)) {
      // `(( ))` and `for (( ))`; the second `(` counts as depth, so `))` closes it.
      stack.push({ kind: 'plain', close: ')', depth: 0, arith: true, context: '(( ))' });
    } else if (c === '[' && n === '[' && /\s/.test(s[i + 2] ?? '') && atCommandStart(s, i)) {
      top.cond = { words: [], current: null };
      i++;
    } else if (c === 'l' && s.startsWith('let', i) && /[ \t]/.test(s[i + 3] ?? '') && atCommandStart(s, i)) {
      top.rest = 'let';
      i += 2;
    } else if (c === '[' && top.close === ']') top.depth++;
    else if (c === '[' && followsName(s, i)) {
      stack.push({ kind: 'plain', close: ']', depth: 0, arith: true, context: 'array subscript' });
    } else if (c === ']' && top.close === ']') {
      if (top.depth > 0) top.depth--;
      else stack.pop();
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

/** The outermost arithmetic context on the stack: inside it, everything is evaluated. */
function arithmeticOf(stack: readonly Frame[]): string | undefined {
  for (const f of stack) {
    if (f.kind !== 'plain') continue;
    const context = f.context ?? f.rest;
    if (context) return context;
  }
  return undefined;
}

function currentWord(cond: NonNullable<PlainFrame['cond']>): CondWord {
  cond.current ??= { text: '', marks: [] };
  return cond.current;
}

function endWord(cond: NonNullable<PlainFrame['cond']>): void {
  if (cond.current) cond.words.push(cond.current);
  cond.current = null;
}

/** At the end of `[[ ]]`: the words on either side of -eq, -gt, … are arithmetic. */
function flagArithmeticOperands(cond: NonNullable<PlainFrame['cond']>, out: Context[]): void {
  endWord(cond);
  cond.words.forEach((word, k) => {
    if (!ARITH_TESTS.has(word.text)) return;
    for (const side of [cond.words[k - 1], cond.words[k + 1]]) {
      for (const m of side?.marks ?? []) out[m] = { ...out[m]!, arith: out[m]!.arith ?? COND_TEST };
    }
  });
}

/** Whether a command starts at i: after a separator, or after a keyword such as `then`. */
function atCommandStart(s: string, i: number): boolean {
  let j = i - 1;
  while (j >= 0 && (s[j] === ' ' || s[j] === '\t')) j--;
  if (j < 0 || COMMAND_BEFORE.has(s[j]!)) return true;
  let k = j;
  while (k >= 0 && /[a-z!]/.test(s[k]!)) k--;
  return COMMAND_KEYWORDS.has(s.slice(k + 1, j + 1)) && (k < 0 || /[\s;&|(]/.test(s[k]!));
}

/** Whether the `[` at i ends a variable name (`arr[`): a subscript, not a glob. */
function followsName(s: string, i: number): boolean {
  let k = i - 1;
  while (k >= 0 && /[A-Za-z0-9_]/.test(s[k]!)) k--;
  return k < i - 1 && /[A-Za-z_]/.test(s[k + 1]!);
}

/** Where the parameter name of `${` ends (`${#arr[…]}`, `${x:…}`, `${1}`, `${@:…}`). */
function parameterNameEnd(s: string, from: number): number {
  let j = from;
  if (s[j] === '#' || s[j] === '!') j++;
  if (/[A-Za-z_]/.test(s[j] ?? '')) {
    while (/[A-Za-z0-9_]/.test(s[j] ?? '')) j++;
    return j;
  }
  if (/[0-9@*#?$!-]/.test(s[j] ?? '')) return j + 1;
  return j;
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
