import { createHash } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { eventually } from '../../helpers/eventually.js';
import { git, gitEditProject } from '../../helpers/git-project.js';
import { api, startTestServer } from '../../helpers/server.js';
import { createRun, expectError, serverProject, waitForStatus } from '../support.js';

describe('GET /api/runs/:id/diff', () => {
  it('one commit per worktree step on wave/<run-id>; the diff, ?step= and ?stat=true, kept after the worktree and branch are gone', async () => {
    const root = gitEditProject(serverProject());
    const server = await startTestServer({}, { root });
    const run = await createRun(server, 'edit');
    await waitForStatus(server, run.id, ['completed']);

    const log = git(root, 'log', '--format=%s', `main..wave/${run.id}`).trim().split('\n');
    expect(log).toEqual([`wave: ${run.id} second`, `wave: ${run.id} first`]);
    // The worktree is removed just after the run's last event; from then on the kept diff answers.
    const worktree = join(root, '.wave/workspaces', run.id, 'worktree');
    await eventually(
      () => !existsSync(worktree) && !git(root, 'worktree', 'list').includes(worktree),
      20_000,
      'the worktree to be removed',
    );
    git(root, 'branch', '-D', `wave/${run.id}`);

    const all = await api<string>(server, 'GET', `/api/runs/${run.id}/diff`);
    expect(all.status).toBe(200);
    expect(all.headers.get('content-type')).toMatch(/^text\/x-diff/);
    expect(all.body).toContain('diff --git a/README.md b/README.md');
    expect(all.body).toContain('-old line\n+new line\n');
    expect(all.body).toContain('+++ b/new.txt\n@@ -0,0 +1,3 @@\n+a\n+b\n+c\n');
    expect(all.body).toContain('deleted file mode');

    const stat = await api(server, 'GET', `/api/runs/${run.id}/diff?stat=true`);
    expect(stat.status).toBe(200);
    expect(stat.headers.get('content-type')).toMatch(/^application\/json/);
    expect(stat.body).toEqual({
      files: [
        { path: 'README.md', added: 1, removed: 1, status: 'modified' },
        { path: 'new.txt', added: 3, removed: 0, status: 'added' },
        { path: 'old.txt', added: 0, removed: 2, status: 'deleted' },
      ],
      added: 4,
      removed: 3,
    });

    const first = await api(server, 'GET', `/api/runs/${run.id}/diff?step=first&stat=true`);
    expect(first.body).toEqual({
      files: [
        { path: 'README.md', added: 1, removed: 1, status: 'modified' },
        { path: 'new.txt', added: 2, removed: 0, status: 'added' },
      ],
      added: 3,
      removed: 1,
    });
    const second = await api<string>(server, 'GET', `/api/runs/${run.id}/diff?step=second`);
    expect(second.status).toBe(200);
    expect(second.body).toContain('+++ b/new.txt\n@@ -1,2 +1,3 @@\n a\n b\n+c\n');
    expect(second.body).not.toContain('README.md');
  });

  it('the ended run keeps its diff as the run artifact _run/diff: listed, downloadable, and what the route serves', async () => {
    const root = gitEditProject(serverProject());
    const server = await startTestServer({}, { root });
    const run = await createRun(server, 'edit');
    await waitForStatus(server, run.id, ['completed']);
    const diff = (await api<string>(server, 'GET', `/api/runs/${run.id}/diff`)).body;

    const detail = await api<{ artifacts: { name: string; size: number; sha256: string }[] }>(
      server,
      'GET',
      `/api/runs/${run.id}`,
    );
    expect(detail.body.artifacts).toEqual([
      {
        name: 'diff',
        size: Buffer.byteLength(diff),
        sha256: createHash('sha256').update(diff).digest('hex'),
      },
    ]);
    const download = await api<string>(server, 'GET', `/api/runs/${run.id}/artifacts/_run/diff`);
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(download.body).toBe(diff);

    // The working diff files are gone: the route answers from the recorded artifact alone.
    rmSync(join(root, '.wave/artifacts', run.id, '.changes', 'run.diff'));
    const kept = await api<string>(server, 'GET', `/api/runs/${run.id}/diff`);
    expect(kept.status).toBe(200);
    expect(kept.body).toBe(diff);
  });

  it('404 no_changes for a run without a worktree step, or whose worktree step changed nothing', async () => {
    const root = gitEditProject(serverProject());
    const server = await startTestServer({}, { root });
    const plain = await createRun(server, 'logs');
    const untouched = await createRun(server, 'untouched');
    await waitForStatus(server, plain.id, ['completed']);
    await waitForStatus(server, untouched.id, ['completed']);
    expectError(await api(server, 'GET', `/api/runs/${plain.id}/diff`), 404, 'no_changes');
    expectError(await api(server, 'GET', `/api/runs/${plain.id}/diff?stat=true`), 404, 'no_changes');
    expectError(await api(server, 'GET', `/api/runs/${untouched.id}/diff`), 404, 'no_changes');
    expectError(await api(server, 'GET', `/api/runs/${untouched.id}/diff?step=look`), 404, 'no_changes');
    expect(git(root, 'log', '--format=%s', `main..wave/${untouched.id}`).trim()).toBe('');
    for (const id of [plain.id, untouched.id]) {
      const detail = await api<{ artifacts: unknown[] }>(server, 'GET', `/api/runs/${id}`);
      expect(detail.body.artifacts).toEqual([]);
    }
  });

  it('404 run_not_found and step_not_found; 400 for a stat that is not a boolean', async () => {
    const root = gitEditProject(serverProject());
    const server = await startTestServer({}, { root });
    const run = await createRun(server, 'edit');
    await waitForStatus(server, run.id, ['completed']);
    expectError(await api(server, 'GET', '/api/runs/nope/diff'), 404, 'run_not_found');
    const missing = expectError(
      await api(server, 'GET', `/api/runs/${run.id}/diff?step=frist`),
      404,
      'step_not_found',
    );
    expect(missing.message).toContain('first');
    expectError(await api(server, 'GET', `/api/runs/${run.id}/diff?stat=yes`), 400, 'invalid_request');
  });
});
