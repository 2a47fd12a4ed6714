import { createHash } from 'node:crypto';
import { chmodSync, createReadStream, existsSync, lstatSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/** sha256 and size of a file, streamed (artifacts may be large). */
export function hashFile(path: string): Promise<{ sha256: string; size: number }> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    let size = 0;
    createReadStream(path)
      .on('data', (chunk) => {
        size += chunk.length;
        hash.update(chunk);
      })
      .on('error', reject)
      .on('end', () => resolve({ sha256: hash.digest('hex'), size }));
  });
}

/** Makes a tree read-only (readonly mounts): files 0444, folders 0555. */
export function makeReadOnly(path: string): void {
  const st = lstatSync(path);
  if (st.isSymbolicLink()) return;
  if (st.isDirectory()) {
    for (const entry of readdirSync(path)) makeReadOnly(join(path, entry));
    chmodSync(path, 0o555);
  } else chmodSync(path, 0o444);
}

/** Removes a tree even where readonly mounts made parts of it unwritable. */
export function removeTree(path: string): void {
  if (!existsSync(path)) return;
  const restore = (p: string) => {
    const st = lstatSync(p);
    if (st.isSymbolicLink()) return;
    if (st.isDirectory()) {
      chmodSync(p, 0o755);
      for (const entry of readdirSync(p)) restore(join(p, entry));
    }
  };
  try {
    rmSync(path, { recursive: true, force: true });
  } catch {
    restore(path);
    rmSync(path, { recursive: true, force: true });
  }
}
