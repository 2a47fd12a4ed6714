import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { cleanEnv } from './cli.js';
import { eventually } from './eventually.js';

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * A command in a real pseudo-terminal: a tmux server of its own (a private socket, so nothing
 * touches the developer's tmux), one window of a fixed size. The pane stays after the command
 * exits, so its exit status and the screen it left can be read. kill() ends the server.
 */
export class TmuxPane {
  private constructor(
    readonly socket: string,
    private readonly env: Record<string, string>,
  ) {}

  static start(opts: {
    cwd: string;
    command: string[];
    env?: Record<string, string | undefined>;
    cols?: number;
    rows?: number;
  }): TmuxPane {
    const env: Record<string, string> = { ...cleanEnv() };
    for (const [k, v] of Object.entries(opts.env ?? {})) {
      if (v === undefined) delete env[k];
      else env[k] = v;
    }
    const pane = new TmuxPane(`wave-test-${randomBytes(4).toString('hex')}`, env);
    // Options set in the same tmux invocation apply before the command can exit.
    pane.tmux(
      'new-session',
      '-d',
      '-s',
      'main',
      '-x',
      String(opts.cols ?? 80),
      '-y',
      String(opts.rows ?? 24),
      '-c',
      opts.cwd,
      opts.command.map(quote).join(' '),
      ';',
      'set-option',
      '-t',
      'main',
      'remain-on-exit',
      'on',
    );
    return pane;
  }

  tmux(...args: string[]): string {
    return execFileSync('tmux', ['-L', this.socket, '-f', '/dev/null', ...args], {
      env: this.env,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  }

  /** What the pane shows, one string per row (trailing spaces trimmed). */
  screen(): string {
    return this.tmux('capture-pane', '-p', '-t', 'main');
  }

  /** The screen with its escape sequences (colours, reverse video). */
  screenWithEscapes(): string {
    return this.tmux('capture-pane', '-p', '-e', '-t', 'main');
  }

  /** tmux's format variables of the pane: alternate_on, cursor_flag, pane_dead, pane_dead_status. */
  info(name: string): string {
    return this.tmux('display-message', '-p', '-t', 'main', `#{${name}}`).trim();
  }

  /** Waits until the screen satisfies `check`; fails with the last screen seen. */
  async waitFor(
    check: RegExp | ((screen: string) => boolean),
    what: string,
    timeoutMs = 20_000,
  ): Promise<string> {
    let last = '';
    try {
      return await eventually(
        () => {
          last = this.screen();
          return (typeof check === 'function' ? check(last) : check.test(last)) ? last : null;
        },
        timeoutMs,
        what,
      );
    } catch (err) {
      throw new Error(`${(err as Error).message}\n--- the screen ---\n${last}`);
    }
  }

  /** Keys by tmux's names (Enter, Escape, Up, C-c, a letter). */
  keys(...keys: string[]): void {
    this.tmux('send-keys', '-t', 'main', ...keys);
  }

  /** Literal text, as typed. */
  type(text: string): void {
    this.tmux('send-keys', '-t', 'main', '-l', text);
  }

  resize(cols: number, rows: number): void {
    this.tmux('resize-window', '-t', 'main', '-x', String(cols), '-y', String(rows));
  }

  /** The command's exit status once it has exited, else null. */
  exitStatus(): number | null {
    return this.info('pane_dead') === '1' ? Number(this.info('pane_dead_status')) : null;
  }

  /** Ends the server and removes its socket file (tmux leaves it behind). */
  kill(): void {
    let socketPath = '';
    try {
      socketPath = this.tmux('display-message', '-p', '#{socket_path}').trim();
      this.tmux('kill-server');
    } catch {
      // already gone
    }
    if (socketPath) rmSync(socketPath, { force: true });
  }
}
