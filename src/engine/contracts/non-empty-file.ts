import { open } from 'node:fs/promises';
import { resolve } from 'node:path';
import { errorMessage } from '../../errors.js';
import { openFailure } from './source-file.js';
import type { ContractChecker } from './types.js';

const CHUNK_BYTES = 64 * 1024;

/** Space, \t, \n, \v, \f, \r. */
function isWhitespaceByte(b: number): boolean {
  return b === 32 || (b >= 9 && b <= 13);
}

/**
 * `non_empty_file`: `contract.source` (relative to the workspace; checkContract fills it in
 * from the first output artifact) is a file with at least one non-whitespace byte.
 */
export const nonEmptyFileContract: ContractChecker = async (contract, ctx) => {
  const source = contract.source;
  if (!source) return { ok: false, errors: ['the non_empty_file contract has no source'] };
  let file: Awaited<ReturnType<typeof open>>;
  try {
    file = await open(resolve(ctx.workspace, source), 'r');
  } catch (err) {
    return { ok: false, errors: [openFailure(source, err)] };
  }
  try {
    if (!(await file.stat()).isFile())
      return { ok: false, errors: [`${source} is not a file; write the output to a file`] };
    // Reads only as far as the first visible byte: a large output costs one chunk.
    const buf = Buffer.alloc(CHUNK_BYTES);
    for (;;) {
      const { bytesRead } = await file.read(buf, 0, CHUNK_BYTES, null);
      if (bytesRead === 0) break;
      for (let i = 0; i < bytesRead; i++) if (!isWhitespaceByte(buf[i]!)) return { ok: true, errors: [] };
    }
    return { ok: false, errors: [`${source} is empty (or only whitespace); write the step's output to it`] };
  } catch (err) {
    return { ok: false, errors: [`${source} could not be read: ${errorMessage(err)}`] };
  } finally {
    await file.close();
  }
};
