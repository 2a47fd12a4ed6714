/**
 * How a `step_throttled` event reads, in the CLI and the web UI alike. Free of zod so the web
 * bundle can import it.
 */
export function throttledText(adapter: string, position: number): string {
  const ahead = position - 1;
  return `waiting for the ${adapter} adapter, ${ahead === 0 ? 'next in line' : `${ahead} ahead`}`;
}
