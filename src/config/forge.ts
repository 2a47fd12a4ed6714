import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/**
 * `{{ forge.* }}` (GOWAVE.md §10): the forge a project lives on, from wave.yaml
 * `metadata.forge`, else from the host of its `origin` remote (else the first remote). No
 * network probing: a host that is not recognised by name is `unknown`. Unlike the Go Wave,
 * `metadata.forge` wins even without a remote (the Go Wave says `local` then), so a project that
 * names its forge gets that forge's personas and CLI wherever it is checked out.
 */
export interface ForgeInfo {
  type: string;
  host: string;
  owner: string;
  repo: string;
  cli_tool: string;
  prefix: string;
  pr_term: string;
  pr_command: string;
}

export const FORGE_FIELDS = [
  'type',
  'host',
  'owner',
  'repo',
  'cli_tool',
  'prefix',
  'pr_term',
  'pr_command',
] as const;

type Meta = Pick<ForgeInfo, 'cli_tool' | 'prefix' | 'pr_term' | 'pr_command'>;
const PR: Omit<Meta, 'cli_tool' | 'prefix'> = { pr_term: 'Pull Request', pr_command: 'pr' };
const META: Record<string, Meta> = {
  github: { cli_tool: 'gh', prefix: 'gh', ...PR },
  gitlab: { cli_tool: 'glab', prefix: 'gl', pr_term: 'Merge Request', pr_command: 'mr' },
  bitbucket: { cli_tool: 'bb', prefix: 'bb', ...PR },
  gitea: { cli_tool: 'tea', prefix: 'gt', ...PR },
  forgejo: { cli_tool: 'tea', prefix: 'gt', ...PR },
  codeberg: { cli_tool: 'tea', prefix: 'gt', ...PR },
  local: { cli_tool: '', prefix: 'local', pr_term: '', pr_command: '' },
};
const NONE: Meta = { cli_tool: '', prefix: '', pr_term: '', pr_command: '' };

/** host, owner and repo of a git URL (ssh://, scp-like git@host:o/r, https://); null if none. */
export function parseRemoteUrl(url: string): { host: string; owner: string; repo: string } | null {
  const u = url.trim();
  let host: string;
  let path: string;
  const scheme = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/]*@)?([^/:]+)(?::\d+)?\/(.*)$/i.exec(u);
  const scp = /^(?:[^@/]+@)?([^/:]+):(?!\/)(.*)$/.exec(u);
  if (scheme) [, host = '', path = ''] = scheme;
  else if (scp) [, host = '', path = ''] = scp;
  else return null;
  if (!host) return null;
  const parts = path
    .replace(/\/+$/, '')
    .replace(/\.git$/, '')
    .split('/')
    .filter(Boolean);
  const repo = parts.pop() ?? '';
  return { host: host.toLowerCase(), owner: parts.join('/'), repo };
}

/** The forge type of a host, by name only. */
export function classifyHost(host: string, env: Readonly<Record<string, string | undefined>>): string {
  const listed = (name: string) =>
    (env[name] ?? '')
      .split(',')
      .map((h) => h.trim().toLowerCase())
      .includes(host);
  if (listed('WAVE_GITEA_HOSTS')) return 'gitea';
  if (listed('WAVE_FORGEJO_HOSTS')) return 'forgejo';
  if (host === 'github.com' || host.endsWith('.github.com')) return 'github';
  if (host === 'gitlab.com') return 'gitlab';
  if (host === 'bitbucket.org') return 'bitbucket';
  if (host.includes('gitea')) return 'gitea';
  if (host.includes('forgejo')) return 'forgejo';
  if (host === 'codeberg.org') return 'codeberg';
  return 'unknown';
}

export function detectForge(
  root: string,
  override: string | null,
  env: Readonly<Record<string, string | undefined>>,
): ForgeInfo {
  const forced = override?.trim().toLowerCase() || null;
  if (forced === 'local' || forced === 'none')
    return { type: 'local', host: '', owner: '', repo: '', ...META.local! };
  const url = remoteUrl(root);
  const parsed = url === null ? null : parseRemoteUrl(url);
  const where = parsed ?? { host: '', owner: '', repo: '' };
  const type = forced ?? (url === null ? 'local' : parsed ? classifyHost(parsed.host, env) : 'unknown');
  return { type, ...where, ...(META[type] ?? NONE) };
}

/** `forge.<field>` template values. */
export function forgeValues(info: ForgeInfo): Record<string, string> {
  return Object.fromEntries(FORGE_FIELDS.map((f) => [`forge.${f}`, info[f]]));
}

/**
 * The origin remote's URL, else the first remote's, read from the repository's config file (no
 * git process: this runs whenever a project loads). null: not a repository, or no remote.
 */
function remoteUrl(root: string): string | null {
  const config = gitConfigFile(resolve(root));
  if (!config) return null;
  let text: string;
  try {
    text = readFileSync(config, 'utf8');
  } catch {
    return null;
  }
  const urls = new Map<string, string>();
  let remote: string | null = null;
  for (const line of text.split('\n')) {
    const section = /^\s*\[\s*remote\s+"([^"]+)"\s*\]/.exec(line);
    if (section) {
      remote = section[1]!;
      continue;
    }
    if (/^\s*\[/.test(line)) {
      remote = null;
      continue;
    }
    const url = /^\s*url\s*=\s*(.+?)\s*$/.exec(line);
    if (remote && url && !urls.has(remote)) urls.set(remote, url[1]!.replace(/^"(.*)"$/, '$1'));
  }
  return urls.get('origin') ?? urls.values().next().value ?? null;
}

/**
 * The branch checked out in the repository `dir` is in (`.git/HEAD`, no git process); '' when
 * detached or not a repository. Go Wave's `{{ branch_name }}`.
 */
export function currentBranch(dir: string): string {
  const gitDir = findGitDir(resolve(dir));
  if (!gitDir) return '';
  try {
    const head = readFileSync(join(gitDir.own, 'HEAD'), 'utf8');
    return /^ref:\s*refs\/heads\/(.+?)\s*$/m.exec(head)?.[1] ?? '';
  } catch {
    return '';
  }
}

/** `.git/config` of the repository `dir` is in (a worktree's `.git` file leads to the common dir). */
function gitConfigFile(dir: string): string | null {
  const gitDir = findGitDir(dir);
  if (!gitDir) return null;
  const config = join(gitDir.common, 'config');
  return existsSync(config) ? config : null;
}

/** The git folder of the repository `dir` is in: its own (HEAD) and the common one (config). */
function findGitDir(dir: string): { own: string; common: string } | null {
  for (let d = dir; ; d = dirname(d)) {
    const dotGit = join(d, '.git');
    if (existsSync(dotGit)) {
      if (!statSync(dotGit).isFile()) return { own: dotGit, common: dotGit };
      const m = /^gitdir:\s*(.+)$/m.exec(readFileSync(dotGit, 'utf8'));
      if (!m) return null;
      const own = resolve(d, m[1]!.trim());
      const commonFile = join(own, 'commondir');
      const common = existsSync(commonFile) ? resolve(own, readFileSync(commonFile, 'utf8').trim()) : own;
      return { own, common };
    }
    if (dirname(d) === d) return null;
  }
}
