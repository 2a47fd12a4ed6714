import { readFileSync } from 'node:fs';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A definition file's text, or why there is none. A file with a NUL byte or bytes that are not
 * UTF-8 is "not a text file": its bytes are never echoed into messages (they may reach the API).
 */
export function readTextFile(file: string): { text: string } | { problem: string } {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    // The code, not the message: Node's message repeats the absolute path.
    const code = (err as NodeJS.ErrnoException).code;
    return { problem: code === 'ENOENT' ? 'file not found' : `cannot read the file (${code ?? 'error'})` };
  }
  if (bytes.includes(0)) return { problem: 'not a text file' };
  try {
    return { text: strictUtf8.decode(bytes) };
  } catch {
    return { problem: 'not a text file' };
  }
}
