/** A key press as the dashboard understands it. */
export type Key =
  | { name: 'up' | 'down' | 'pageup' | 'pagedown' | 'home' | 'end' }
  | { name: 'enter' | 'escape' | 'backspace' | 'tab' | 'ctrl-c' }
  | { name: 'char'; char: string };

const SEQUENCES: Record<string, Key> = {
  '\u001b[A': { name: 'up' },
  '\u001bOA': { name: 'up' },
  '\u001b[B': { name: 'down' },
  '\u001bOB': { name: 'down' },
  '\u001b[5~': { name: 'pageup' },
  '\u001b[6~': { name: 'pagedown' },
  '\u001b[H': { name: 'home' },
  '\u001b[1~': { name: 'home' },
  '\u001b[F': { name: 'end' },
  '\u001b[4~': { name: 'end' },
};

/**
 * The keys in one chunk of raw terminal input. A lone ESC is Escape; an escape sequence not
 * known here (function keys, mouse) is dropped whole rather than read as letters.
 */
export function parseKeys(input: string): Key[] {
  const keys: Key[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i]!;
    if (c === '\u001b') {
      const seq = /^\u001b(?:\[[0-9;]*[A-Za-z~]|O[A-Za-z])/.exec(input.slice(i));
      if (seq) {
        const key = SEQUENCES[seq[0]];
        if (key) keys.push(key);
        i += seq[0].length;
      } else {
        keys.push({ name: 'escape' });
        i++;
      }
      continue;
    }
    i++;
    if (c === '\r' || c === '\n') keys.push({ name: 'enter' });
    else if (c === '\u0003') keys.push({ name: 'ctrl-c' });
    else if (c === '\u007f' || c === '\b') keys.push({ name: 'backspace' });
    else if (c === '\t') keys.push({ name: 'tab' });
    else if (c >= ' ') {
      // A character outside the BMP arrives as two UTF-16 units: keep them together.
      const code = input.codePointAt(i - 1)!;
      const char = String.fromCodePoint(code);
      i += char.length - 1;
      keys.push({ name: 'char', char });
    }
  }
  return keys;
}
