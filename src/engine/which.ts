import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';

/** The full path of an executable found on PATH (or the path itself if given), else null. */
export function which(binary: string, pathEnv: string | undefined = process.env.PATH): string | null {
  const candidates = binary.includes('/')
    ? [binary]
    : (pathEnv ?? '')
        .split(delimiter)
        .filter(Boolean)
        .map((d) => join(d, binary));
  for (const c of candidates) {
    try {
      if (!isAbsolute(c) && !binary.includes('/')) continue;
      accessSync(c, constants.X_OK);
      if (statSync(c).isFile()) return c;
    } catch {
      // not here
    }
  }
  return null;
}
