import type { DiffStat } from '../../util/diff-stat.js';
import type { Styles } from './format.js';

/** A unified diff, coloured as git colours it: headers bold, hunks cyan, + green, - red. */
export function renderDiff(diff: string, s: Styles): string {
  let inHunk = false;
  return diff
    .split('\n')
    .map((line) => {
      if (line.startsWith('diff --git ')) {
        inHunk = false;
        return s.bold(line);
      }
      if (line.startsWith('@@')) {
        inHunk = true;
        return s.cyan(line);
      }
      if (!inHunk) return s.bold(line);
      if (line.startsWith('+')) return s.green(line);
      if (line.startsWith('-')) return s.red(line);
      return line;
    })
    .join('\n');
}

const STATUS_MARK: Record<DiffStat['files'][number]['status'], string> = {
  added: 'A',
  modified: 'M',
  deleted: 'D',
  renamed: 'R',
};

/** `M path  +3 -1` per file, then the totals. */
export function renderDiffStat(stat: DiffStat, s: Styles): string {
  const width = Math.max(...stat.files.map((f) => f.path.length), 0);
  const lines = stat.files.map(
    (f) =>
      `${STATUS_MARK[f.status]} ${f.path.padEnd(width)}  ${s.green(`+${f.added}`)} ${s.red(`-${f.removed}`)}`,
  );
  const n = stat.files.length;
  lines.push(
    `${n} file${n === 1 ? '' : 's'} changed, ${s.green(`+${stat.added}`)} ${s.red(`-${stat.removed}`)}`,
  );
  return `${lines.join('\n')}\n`;
}
