/** How a line of a unified diff is coloured. */
export type DiffLineKind = 'meta' | 'hunk' | 'add' | 'del' | 'context';

export interface DiffFile {
  path: string;
  lines: { kind: DiffLineKind; text: string }[];
}

/**
 * Splits a `git diff` into its files and tags each line for colouring: a tokenizer for the one
 * syntax the Changes view shows (file headers, hunk headers, added, removed, context lines).
 */
export function diffFiles(diff: string): DiffFile[] {
  const files: DiffFile[] = [];
  let file: DiffFile | null = null;
  let inHunk = false;
  for (const text of diff.replace(/\n$/, '').split('\n')) {
    if (text.startsWith('diff --git ')) {
      const b = text.lastIndexOf(' b/');
      file = { path: b >= 0 ? text.slice(b + 3) : text.slice(11), lines: [] };
      files.push(file);
      inHunk = false;
    }
    if (!file) continue;
    if (text.startsWith('rename to ')) file.path = text.slice('rename to '.length);
    let kind: DiffLineKind = 'meta';
    if (text.startsWith('@@')) {
      inHunk = true;
      kind = 'hunk';
    } else if (inHunk && text.startsWith('+')) kind = 'add';
    else if (inHunk && text.startsWith('-')) kind = 'del';
    else if (inHunk && !text.startsWith('diff --git ')) kind = 'context';
    file.lines.push({ kind, text });
  }
  return files;
}
