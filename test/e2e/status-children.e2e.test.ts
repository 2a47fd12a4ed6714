import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runWave } from '../helpers/cli.js';
import { seedFamily } from '../helpers/lineage-seed.js';
import { startTestServer } from '../helpers/server.js';
import { openStore } from '../helpers/store.js';
import { tempProject } from '../helpers/tmp.js';
import { projectFiles } from './projects.js';

describe('wave status of a run with child runs', { timeout: 60_000 }, () => {
  it('lists the children indented under their step, with item index, pipeline and status', async () => {
    const cwd = tempProject(projectFiles());
    const store = openStore({ path: join(cwd, '.wave', 'state.db') });
    const { parent, children } = await seedFamily(store);
    await store.close();

    const r = await runWave(['status', parent], { cwd });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    const each = lines.findIndex((l) => /^each\s+iterate\s+running/.test(l));
    expect(each).toBeGreaterThan(0);
    expect(lines[each + 1]).toMatch(
      new RegExp(`^  ↳ \\[0\\] ${children[0]}\\s+run\\s+completed\\s.*pipeline review$`),
    );
    expect(lines[each + 2]).toMatch(
      new RegExp(`^  ↳ \\[1\\] ${children[1]}\\s+run\\s+failed\\s.*pipeline review: step work failed$`),
    );
    expect(lines[each + 3]).toMatch(new RegExp(`^  ↳ \\[2\\] ${children[2]}\\s+run\\s+running\\s`));
    // The step before has no children: the next line is the next step.
    expect(lines[each - 1]).toMatch(/^prepare\s+command\s+completed/);

    const json = JSON.parse((await runWave(['status', parent, '--json'], { cwd })).stdout);
    const step = json.steps.find((s: { id: string }) => s.id === 'each');
    expect(step.children).toEqual(children);
    expect(step.child_runs).toMatchObject([
      { id: children[0], index: 0, pipeline: 'review', status: 'completed' },
      { id: children[1], index: 1, pipeline: 'review', status: 'failed', error: 'step work failed' },
      { id: children[2], index: 2, pipeline: 'review', status: 'running', duration_ms: null },
    ]);
    expect(json.steps.find((s: { id: string }) => s.id === 'prepare').child_runs).toEqual([]);
    expect(json.child_count).toBe(3);

    // A child names its parent and step.
    const child = await runWave(['status', children[1]], { cwd });
    expect(child.stdout).toMatch(new RegExp(`^parent\\s+${parent} \\(step each\\)$`, 'm'));
    expect(child.stdout).toMatch(/^trigger\s+pipeline by /m);
  });

  it('shows the same through --server', async () => {
    const server = await startTestServer(projectFiles());
    const { parent, children } = await seedFamily(server.ctx.store);
    const r = await runWave(['status', parent, '--server', server.url], { cwd: server.root });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^  ↳ \\[1\\] ${children[1]}\\s+run\\s+failed`, 'm'));
    expect(r.stdout).toMatch(new RegExp(`^  ↳ \\[2\\] ${children[2]}\\s+run\\s+running`, 'm'));
    const json = JSON.parse(
      (await runWave(['status', parent, '--json', '--server', server.url], { cwd: server.root })).stdout,
    );
    expect(json.steps[1].child_runs.map((c: { status: string }) => c.status)).toEqual([
      'completed',
      'failed',
      'running',
    ]);
  });
});
