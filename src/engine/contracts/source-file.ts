import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { errorMessage } from '../../errors.js';

/**
 * Reads a contract's source file as UTF-8 (a leading BOM dropped) for the contracts that parse
 * it; on failure, the error names the file and what to fix.
 */
export async function readSourceText(
  source: string,
  workspace: string,
): Promise<{ text: string } | { error: string }> {
  try {
    return { text: (await readFile(resolve(workspace, source), 'utf8')).replace(/^\uFEFF/, '') };
  } catch (err) {
    return { error: openFailure(source, err) };
  }
}

/** Why a contract's source could not be opened, naming the file and what to fix. */
export function openFailure(source: string, err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return `${source} was not written; the step must create it`;
  if (code === 'EISDIR') return `${source} is a directory, not a file; write the output to a file`;
  return `${source} could not be read: ${errorMessage(err)}`;
}
