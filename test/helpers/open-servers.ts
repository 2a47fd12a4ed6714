/**
 * Listening servers the test helpers started and not yet closed, by a name that says which.
 * The leak check (leak-check.ts) closes what is left after a test file and fails it.
 */
const open = new Map<string, () => Promise<void>>();

/** Registers a server; call the returned function once it is closed. */
export function trackServer(name: string, close: () => Promise<void>): () => void {
  open.set(name, close);
  return () => open.delete(name);
}

/** Closes every server still open and returns their names (empty when nothing leaked). */
export async function closeLeftoverServers(): Promise<string[]> {
  const left = [...open.entries()];
  open.clear();
  for (const [, close] of left) await close().catch(() => undefined);
  return left.map(([name]) => name);
}
