/** One file of a unified diff, as `?stat=true` and `wave diff --stat` report it. */
export interface FileStat {
  path: string;
  added: number;
  removed: number;
  status: 'added' | 'modified' | 'deleted' | 'renamed';
}

export interface DiffStat {
  files: FileStat[];
  added: number;
  removed: number;
}

/**
 * Counts a `git diff` output's lines per file. Read from the diff text itself so that the kept
 * `diff` artifact answers alone once the worktree (and maybe the branch) is gone.
 */
export function diffStat(diff: string): DiffStat {
  const files: FileStat[] = [];
  let file: FileStat | null = null;
  let inHunk = false;
  for (const line of diff.split('\n')) {
    if (line.startsWith('diff --git ')) {
      file = { path: pathOfHeader(line), added: 0, removed: 0, status: 'modified' };
      files.push(file);
      inHunk = false;
      continue;
    }
    if (!file) continue;
    if (line.startsWith('@@')) {
      inHunk = true;
    } else if (inHunk) {
      if (line.startsWith('+')) file.added++;
      else if (line.startsWith('-')) file.removed++;
    } else if (line.startsWith('new file mode')) {
      file.status = 'added';
    } else if (line.startsWith('deleted file mode')) {
      file.status = 'deleted';
    } else if (line.startsWith('rename to ')) {
      file.status = 'renamed';
      file.path = line.slice('rename to '.length);
    } else if (line.startsWith('+++ ') && line !== '+++ /dev/null') {
      file.path = line.slice(line.startsWith('+++ b/') ? 6 : 4);
    }
  }
  return {
    files,
    added: files.reduce((n, f) => n + f.added, 0),
    removed: files.reduce((n, f) => n + f.removed, 0),
  };
}

/** `diff --git a/x b/x`: the b side (the a side for a deletion is the same path). */
function pathOfHeader(line: string): string {
  const rest = line.slice('diff --git '.length);
  const b = rest.lastIndexOf(' b/');
  return b >= 0 ? rest.slice(b + 3) : rest;
}
