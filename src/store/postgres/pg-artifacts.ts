import { copyFile, mkdir, readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** An artifact about to be recorded: where it is read from, and its content if kept inline. */
export interface ArtifactPayload {
  step: string;
  name: string;
  path: string;
  type: string;
  content: Buffer | null;
}

/**
 * Makes each artifact readable from any instance (DESIGN.md "Many servers, one database"):
 * up to `inlineLimit` bytes its content goes into the database; above it, it is copied into the
 * shared `artifactDir` and the record points there. Without a shared folder, or if the file is
 * gone, the record keeps the local path (readable where it was written, as on SQLite).
 */
export async function artifactPayloads(
  runId: string,
  artifacts: readonly { step: string; name: string; path: string; type: string }[],
  inlineLimit: number,
  artifactDir: string | null,
): Promise<ArtifactPayload[]> {
  const out: ArtifactPayload[] = [];
  for (const a of artifacts) {
    const size = await stat(a.path).then(
      (s) => (s.isFile() ? s.size : null),
      () => null,
    );
    if (size !== null && size <= inlineLimit) {
      out.push({ ...a, content: await readFile(a.path) });
    } else if (size !== null && artifactDir !== null) {
      const shared = join(artifactDir, runId, a.step, a.name);
      await mkdir(dirname(shared), { recursive: true });
      await copyFile(a.path, shared);
      out.push({ ...a, path: shared, content: null });
    } else {
      out.push({ ...a, content: null });
    }
  }
  return out;
}
