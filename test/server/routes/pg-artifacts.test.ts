import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pgDatabase } from '../../helpers/pg.js';
import { startTestServer } from '../../helpers/server.js';
import { createRun, serverProject, waitForStatus } from '../support.js';

describe('GET /api/runs/:id/artifacts on PostgreSQL', () => {
  it('an instance whose project folder lacks the file serves the artifact another one wrote', async () => {
    const url = await pgDatabase();
    const a = await startTestServer(serverProject(), { env: { WAVE_STORAGE_URL: url } });
    expect(a.ctx.store.kind).toBe('postgres');
    const run = await createRun(a, 'arts');
    await waitForStatus(a, run.id, ['completed']);
    const [written] = await a.ctx.store.listArtifacts(run.id);
    expect(written && existsSync(written.path)).toBe(true);

    const b = await startTestServer(serverProject(), { env: { WAVE_STORAGE_URL: url } });
    expect(existsSync(join(b.ctx.project.paths.root, '.wave', 'artifacts', run.id))).toBe(false);
    const cases: [string, string, Buffer][] = [
      ['data', 'application/json', Buffer.from('{"ok":true}')],
      ['blob', 'application/octet-stream', Buffer.from([0, 1, 2])],
    ];
    for (const [name, type, bytes] of cases) {
      const res = await fetch(`${b.url}/api/runs/${run.id}/artifacts/make/${name}`);
      expect(res.status, name).toBe(200);
      expect(res.headers.get('content-type')).toMatch(new RegExp(`^${type}`));
      expect(Buffer.from(await res.arrayBuffer())).toEqual(bytes);
      expect(res.headers.get('x-content-sha256')).toBe(createHash('sha256').update(bytes).digest('hex'));
    }
  });
});
