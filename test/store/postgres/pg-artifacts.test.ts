import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EventDraft } from '../../../src/events/catalogue.js';
import { pgStores } from '../../helpers/pg-store.js';
import { draft, newRun } from '../../helpers/store.js';
import { tempDir } from '../../helpers/tmp.js';

const openStore = pgStores();

function written(runId: string, name: string, content: Buffer): EventDraft {
  return {
    type: 'artifact_written',
    run_id: runId,
    step: 'build',
    name,
    path: `.wave/artifacts/${runId}/build/${name}`,
    size: content.length,
    sha256: 'x'.repeat(64),
  } as EventDraft;
}

describe('PostgreSQL artifacts: readable from any instance', () => {
  it('keeps a small artifact in the database: another instance reads it with the file gone', async () => {
    const here = tempDir();
    const file = join(here, 'report.json');
    const content = Buffer.from('{"ok":true}');
    writeFileSync(file, content);
    const a = openStore({ path: 'one', origin: 'a', artifactInlineLimit: 1024 });
    const b = openStore({ path: 'one', origin: 'b' });
    const { run } = await a.createRun(newRun());
    await a.append(run.id, [draft.runStarted(run.id), written(run.id, 'report.json', content)], {
      artifacts: [{ step: 'build', name: 'report.json', path: file, type: 'json' }],
    });
    rmSync(file);

    expect(await b.listArtifacts(run.id)).toMatchObject([{ name: 'report.json', path: file, size: 11 }]);
    expect(await b.readArtifactContent(run.id, 'build', 'report.json')).toEqual(content);
    expect(await b.readArtifactContent(run.id, 'build', 'nothing')).toBeNull();
  });

  it('copies one above the inline limit into the shared folder and points the record there', async () => {
    const here = tempDir();
    const shared = tempDir();
    const file = join(here, 'big.bin');
    const content = Buffer.alloc(64, 7);
    writeFileSync(file, content);
    const a = openStore({ origin: 'a', artifactInlineLimit: 16, artifactDir: shared });
    const { run } = await a.createRun(newRun());
    await a.append(run.id, [draft.runStarted(run.id), written(run.id, 'big.bin', content)], {
      artifacts: [{ step: 'build', name: 'big.bin', path: file, type: 'binary' }],
    });
    const copy = join(shared, run.id, 'build', 'big.bin');
    expect(await a.listArtifacts(run.id)).toMatchObject([{ name: 'big.bin', path: copy }]);
    expect(readFileSync(copy)).toEqual(content);
    expect(await a.readArtifactContent(run.id, 'build', 'big.bin')).toBeNull();
  });

  it("a retry reusing a step keeps its artifact's stored content", async () => {
    const file = join(tempDir(), 'out.txt');
    writeFileSync(file, 'kept');
    const store = openStore({ origin: 'a' });
    const { run } = await store.createRun(newRun());
    await store.append(run.id, [draft.runStarted(run.id), written(run.id, 'out.txt', Buffer.from('kept'))], {
      artifacts: [{ step: 'build', name: 'out.txt', path: file, type: 'text' }],
    });
    rmSync(file);
    const [artifact] = await store.listArtifacts(run.id);
    const retry = await store.createRun(
      newRun({
        origin: {
          kind: 'retry',
          runId: run.id,
          step: null,
          reuse: { steps: ['build'], artifacts: [artifact!] },
        },
      }),
    );
    expect(existsSync(file)).toBe(false);
    expect((await store.readArtifactContent(retry.run.id, 'build', 'out.txt'))?.toString()).toBe('kept');
  });
});
