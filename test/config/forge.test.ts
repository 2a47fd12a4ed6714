import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  classifyHost,
  currentBranch,
  detectForge,
  forgeValues,
  parseRemoteUrl,
} from '../../src/config/forge.js';
import { tempDir } from '../helpers/tmp.js';

/** A repository folder with these remotes in .git/config (no git process needed). */
function repo(remotes: Record<string, string>): string {
  const root = tempDir();
  mkdirSync(join(root, '.git'));
  const text = Object.entries(remotes)
    .map(
      ([name, url]) => `[remote "${name}"]\n\turl = ${url}\n\tfetch = +refs/heads/*:refs/remotes/${name}/*\n`,
    )
    .join('');
  writeFileSync(
    join(root, '.git', 'config'),
    `[core]\n\tbare = false\n${text}[branch "main"]\n\tremote = origin\n`,
  );
  return root;
}

describe('forge detection (GOWAVE §10)', () => {
  it('parses ssh://, scp-like and https remote URLs', () => {
    expect(parseRemoteUrl('git@github.com:re-cinq/wave.git')).toEqual({
      host: 'github.com',
      owner: 're-cinq',
      repo: 'wave',
    });
    expect(parseRemoteUrl('ssh://git@gitlab.example.org:2222/group/sub/proj.git')).toEqual({
      host: 'gitlab.example.org',
      owner: 'group/sub',
      repo: 'proj',
    });
    expect(parseRemoteUrl('https://user@Bitbucket.org/team/repo')).toEqual({
      host: 'bitbucket.org',
      owner: 'team',
      repo: 'repo',
    });
    expect(parseRemoteUrl('/srv/git/repo.git')).toBeNull();
  });

  it('classifies hosts by name only, with WAVE_GITEA_HOSTS and WAVE_FORGEJO_HOSTS', () => {
    expect(classifyHost('github.com', {})).toBe('github');
    expect(classifyHost('api.github.com', {})).toBe('github');
    expect(classifyHost('gitlab.com', {})).toBe('gitlab');
    expect(classifyHost('bitbucket.org', {})).toBe('bitbucket');
    expect(classifyHost('gitea.internal', {})).toBe('gitea');
    expect(classifyHost('my-forgejo.net', {})).toBe('forgejo');
    expect(classifyHost('codeberg.org', {})).toBe('codeberg');
    expect(classifyHost('git.corp', {})).toBe('unknown');
    expect(classifyHost('git.corp', { WAVE_FORGEJO_HOSTS: 'x.org, git.corp' })).toBe('forgejo');
  });

  it('reads the origin remote, else the first one, and fills the per-type values', () => {
    expect(
      detectForge(
        repo({ upstream: 'https://gitlab.com/a/b.git', origin: 'git@github.com:o/r.git' }),
        null,
        {},
      ),
    ).toEqual({
      type: 'github',
      host: 'github.com',
      owner: 'o',
      repo: 'r',
      cli_tool: 'gh',
      prefix: 'gh',
      pr_term: 'Pull Request',
      pr_command: 'pr',
    });
    expect(
      forgeValues(detectForge(repo({ upstream: 'https://gitlab.com/a/b.git' }), null, {})),
    ).toMatchObject({
      'forge.type': 'gitlab',
      'forge.cli_tool': 'glab',
      'forge.prefix': 'gl',
      'forge.pr_term': 'Merge Request',
      'forge.pr_command': 'mr',
      'forge.owner': 'a',
    });
    expect(detectForge(repo({ origin: 'https://git.corp/a/b' }), null, {})).toMatchObject({
      type: 'unknown',
      cli_tool: '',
      host: 'git.corp',
    });
  });

  it('is local without a repository or remote, and metadata.forge wins otherwise', () => {
    expect(detectForge(tempDir(), null, {})).toMatchObject({ type: 'local', prefix: 'local', cli_tool: '' });
    expect(detectForge(repo({}), null, {})).toMatchObject({ type: 'local' });
    expect(detectForge(tempDir(), 'GitHub', {})).toMatchObject({ type: 'github', cli_tool: 'gh', host: '' });
    expect(detectForge(repo({ origin: 'git@github.com:o/r.git' }), 'gitea', {})).toMatchObject({
      type: 'gitea',
      cli_tool: 'tea',
      prefix: 'gt',
      owner: 'o',
    });
    expect(detectForge(repo({ origin: 'git@github.com:o/r.git' }), 'none', {})).toMatchObject({
      type: 'local',
      owner: '',
    });
  });

  it('reads the checked-out branch from HEAD, in a repository or a worktree of one', () => {
    const root = repo({});
    writeFileSync(join(root, '.git', 'HEAD'), 'ref: refs/heads/123-fix-login\n');
    expect(currentBranch(root)).toBe('123-fix-login');
    mkdirSync(join(root, 'sub'));
    expect(currentBranch(join(root, 'sub'))).toBe('123-fix-login');
    writeFileSync(join(root, '.git', 'HEAD'), 'a94a8fe5ccb19ba61c4c0873d391e987982fbbd3\n');
    expect(currentBranch(root)).toBe('');
    expect(currentBranch(tempDir())).toBe('');

    const wt = tempDir();
    const own = join(root, '.git', 'worktrees', 'wt');
    mkdirSync(own, { recursive: true });
    writeFileSync(join(own, 'HEAD'), 'ref: refs/heads/wave/run-1\n');
    writeFileSync(join(own, 'commondir'), '../..\n');
    writeFileSync(join(wt, '.git'), `gitdir: ${own}\n`);
    expect(currentBranch(wt)).toBe('wave/run-1');
    writeFileSync(join(root, '.git', 'config'), '[remote "origin"]\n\turl = git@gitlab.com:g/p.git\n');
    expect(detectForge(wt, null, {})).toMatchObject({ type: 'gitlab', owner: 'g', repo: 'p' });
  });
});
