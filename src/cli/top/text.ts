/**
 * Plain-text cells for a fixed-width screen: columns counted as a terminal draws them (wide
 * East Asian characters and emoji take two, combining marks none), so a cut line never wraps.
 */

function charWidth(code: number): number {
  if (code < 0x300) return 1;
  if (
    (code >= 0x300 && code <= 0x36f) ||
    (code >= 0x200b && code <= 0x200f) ||
    (code >= 0xfe00 && code <= 0xfe0f)
  )
    return 0;
  if (
    (code >= 0x1100 && code <= 0x115f) ||
    (code >= 0x2e80 && code <= 0xa4cf) ||
    (code >= 0xac00 && code <= 0xd7a3) ||
    (code >= 0xf900 && code <= 0xfaff) ||
    (code >= 0xfe30 && code <= 0xfe4f) ||
    (code >= 0xff00 && code <= 0xff60) ||
    (code >= 0xffe0 && code <= 0xffe6) ||
    (code >= 0x1f300 && code <= 0x1faff) ||
    (code >= 0x20000 && code <= 0x3fffd)
  )
    return 2;
  return 1;
}

export function textWidth(s: string): number {
  let w = 0;
  for (const ch of s) w += charWidth(ch.codePointAt(0)!);
  return w;
}

/** At most `width` columns; a cut ends in `…`. */
export function truncate(s: string, width: number): string {
  if (width <= 0) return '';
  if (textWidth(s) <= width) return s;
  let out = '';
  let w = 0;
  for (const ch of s) {
    const cw = charWidth(ch.codePointAt(0)!);
    if (w + cw > width - 1) break;
    out += ch;
    w += cw;
  }
  return `${out}…`;
}

/** Exactly `width` columns: cut, or padded with spaces. */
export function cell(s: string, width: number): string {
  const cut = truncate(s, width);
  return cut + ' '.repeat(Math.max(0, width - textWidth(cut)));
}

/** Exactly `width` columns keeping the end (a run id's unique tail) when it must be cut. */
export function cellTail(s: string, width: number): string {
  if (textWidth(s) <= width) return cell(s, width);
  if (width <= 1) return cell('…', width);
  const chars = [...s];
  let out = '';
  while (chars.length && textWidth(out) + textWidth(chars[chars.length - 1]!) <= width - 1)
    out = chars.pop()! + out;
  return cell(`…${out}`, width);
}

/**
 * Output of a step as one safe line: terminal escape sequences and control characters would
 * move the cursor or change colours in the middle of the dashboard.
 */
export function printable(s: string): string {
  return s
    .replace(/\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|\u001b./g, '')
    .replace(/\t/g, '  ')
    .replace(/[\u0000-\u001f\u007f-\u009f]/g, '');
}
