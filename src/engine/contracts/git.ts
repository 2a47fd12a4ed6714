import { execFile } from 'node:child_process';

/** How long one git command of a diff contract may take (GOWAVE.md §7: 30 s). */
const GIT_TIMEOUT_MS = 30_000;
const MAX_OUTPUT_BYTES = 64 * 1024 * 1024;

export type GitResult = { ok: true; stdout: string } | { ok: false; error: string };

/** Runs `git args...` in `cwd`; never throws. A cancelled run's signal stops it. */
export function git(args: string[], cwd: string, signal?: AbortSignal): Promise<GitResult> {
  return new Promise((resolve) => {
    execFile(
      'git',
      args,
      {
        cwd,
        timeout: GIT_TIMEOUT_MS,
        maxBuffer: MAX_OUTPUT_BYTES,
        encoding: 'utf8',
        ...(signal ? { signal } : {}),
      },
      (err, stdout, stderr) => {
        if (err) resolve({ ok: false, error: (stderr || err.message).trim() });
        else resolve({ ok: true, stdout });
      },
    );
  });
}

/** Whether `pattern` (a glob with `*`, `**`, `?`) matches `path` whole. */
export function globMatch(pattern: string, path: string): boolean {
  return globToRegExp(pattern).test(path);
}

const cache = new Map<string, RegExp>();

function globToRegExp(pattern: string): RegExp {
  let re = cache.get(pattern);
  if (re) return re;
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '*' && pattern[i + 1] === '*') {
      // `**/` matches any number of directories, a trailing `**` anything.
      if (pattern[i + 2] === '/') {
        out += '(?:.*/)?';
        i += 2;
      } else {
        out += '.*';
        i += 1;
      }
    } else if (ch === '*') out += '[^/]*';
    else if (ch === '?') out += '[^/]';
    else out += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  re = new RegExp(`^${out}$`);
  cache.set(pattern, re);
  return re;
}

/** Matched against the full path, then the basename (GOWAVE.md §7: test and source patterns). */
export function matchesPathOrBase(pattern: string, path: string): boolean {
  const base = path.slice(path.lastIndexOf('/') + 1);
  return globMatch(pattern, path) || globMatch(pattern, base);
}
