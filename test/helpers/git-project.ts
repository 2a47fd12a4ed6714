import { execFileSync } from 'node:child_process';
import { tempProject, yaml } from './tmp.js';

/** git with a fixed identity, so the project's own commits work on any machine. */
export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-C', cwd, ...args], {
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@example.com',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@example.com',
    },
  });
}

/**
 * A git project (one commit on main) whose `edit` pipeline has two worktree command steps:
 * `first` rewrites a line of README.md and adds new.txt (2 lines); `second` deletes old.txt
 * and adds a line to new.txt. `untouched` has a worktree step that changes nothing.
 */
export function gitEditProject(extra: Record<string, string> = {}): string {
  const root = tempProject({
    ...extra,
    '.gitignore': '.wave/\n',
    'README.md': '# title\nold line\n',
    'old.txt': 'gone 1\ngone 2\n',
    '.wave/pipelines/edit.yaml': yaml`
      kind: WavePipeline
      steps:
        - id: first
          workspace: { type: worktree }
          type: command
          script: |
            printf '# title\\nnew line\\n' > README.md
            printf 'a\\nb\\n' > new.txt
        - id: second
          dependencies: [first]
          workspace: { type: worktree }
          type: command
          script: |
            rm old.txt
            echo c >> new.txt
    `,
    '.wave/pipelines/untouched.yaml': yaml`
      kind: WavePipeline
      steps:
        - { id: look, workspace: { type: worktree }, type: command, script: 'cat README.md' }
    `,
  });
  git(root, 'init', '-q', '-b', 'main');
  git(root, 'add', '.gitignore', 'README.md', 'old.txt');
  git(root, 'commit', '-q', '-m', 'initial');
  return root;
}
