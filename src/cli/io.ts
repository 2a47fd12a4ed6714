/** Where a command writes: real streams in the binary, buffers in tests. */
export interface CliIO {
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
}

export function processIO(): CliIO {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    cwd: process.cwd(),
  };
}

export function out(io: CliIO, text: string): void {
  io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

export function err(io: CliIO, text: string): void {
  io.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
}

/** Colour only on a terminal and when NO_COLOR is unset (https://no-color.org). */
export function useColor(io: CliIO, stream: 'stdout' | 'stderr' = 'stdout'): boolean {
  return Boolean(io[stream].isTTY) && io.env.NO_COLOR === undefined && io.env.TERM !== 'dumb';
}

/** A plain text table: columns padded to their widest cell. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}
