/** The output side of a terminal, as a TTY WriteStream has it. */
export interface TerminalOut {
  write(s: string): boolean;
  columns?: number;
  rows?: number;
}

const ESC = '\u001b[';

/**
 * A full-screen frame on the alternate screen, redrawn line by line: only the lines that
 * changed since the last frame are written, so a busy dashboard writes little.
 */
export class Screen {
  private drawn: string[] = [];
  private active = false;

  constructor(private readonly out: TerminalOut) {}

  size(): { cols: number; rows: number } {
    return { cols: Math.max(20, this.out.columns ?? 80), rows: Math.max(6, this.out.rows ?? 24) };
  }

  /** The alternate screen, cursor hidden: the shell's screen comes back untouched on leave(). */
  enter(): void {
    this.active = true;
    this.out.write(`${ESC}?1049h${ESC}?25l${ESC}2J`);
    this.drawn = [];
  }

  /** Draws a frame: each changed line erased whole, then written (no reliance on end-of-line state). */
  draw(lines: readonly string[]): void {
    if (!this.active) return;
    let out = '';
    for (let i = 0; i < lines.length; i++) {
      if (this.drawn[i] === lines[i]) continue;
      out += `${ESC}${i + 1};1H${ESC}2K${lines[i]}${ESC}0m`;
    }
    for (let i = lines.length; i < this.drawn.length; i++) out += `${ESC}${i + 1};1H${ESC}2K`;
    this.drawn = [...lines];
    if (out) this.out.write(out);
  }

  /** The next frame is drawn whole (after a resize the old lines are meaningless). */
  invalidate(): void {
    this.drawn = [];
    if (this.active) this.out.write(`${ESC}0m${ESC}2J`);
  }

  /** Back to the shell's screen with the cursor shown; safe to call more than once. */
  leave(): void {
    if (!this.active) return;
    this.active = false;
    this.out.write(`${ESC}0m${ESC}?25h${ESC}?1049l`);
  }
}
