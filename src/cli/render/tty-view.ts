import type { WaveEvent } from '../../events/catalogue.js';
import { throttledText } from '../../events/throttle-text.js';
import type { CliIO } from '../io.js';
import { ChildRuns } from './child-lines.js';
import { COLOR, formatDuration, PLAIN, type Styles } from './format.js';
import { summaryText } from './plain-view.js';
import type { RunRenderer, RunSummary } from './renderer.js';

interface StepLine {
  id: string;
  status: string;
  startedAt: number | null;
  endedAt: number | null;
  attempt: number;
  activity: string;
  /** A gate's answer, kept when the step then fails on it (a `_fail` choice). */
  answer: string | null;
}

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const REDRAW_MS = 100;

/**
 * On a terminal: one line per step with its state (as a word and a colour), elapsed time and
 * latest activity, redrawn in place, a composition step's child runs indented under it; gates
 * pause it to ask; a summary at the end.
 */
export class TtyView implements RunRenderer {
  private readonly steps: StepLine[];
  private readonly children = new ChildRuns();
  private drawn = 0;
  private timer: NodeJS.Timeout | undefined;
  private frame = 0;
  private paused = false;
  private readonly s: Styles;

  constructor(
    private readonly io: CliIO,
    spec: { name: string; steps: readonly { id: string }[] },
    private readonly runId: string,
    color: boolean,
  ) {
    this.s = color ? COLOR : PLAIN;
    this.steps = spec.steps.map((st) => ({
      id: st.id,
      status: 'pending',
      startedAt: null,
      endedAt: null,
      attempt: 0,
      activity: '',
      answer: null,
    }));
    this.io.stdout.write(`${this.s.bold(`wave run ${spec.name}`)} ${this.s.dim(runId)}\n`);
    this.timer = setInterval(() => this.draw(), REDRAW_MS);
    this.timer.unref();
  }

  onEvents(events: readonly WaveEvent[]): void {
    for (const e of events) {
      if (this.children.apply(e) || !('step' in e)) continue;
      const line = this.steps.find((l) => l.id === e.step);
      if (!line) continue;
      switch (e.type) {
        case 'step_started':
          Object.assign(line, {
            status: 'running',
            startedAt: Date.parse(e.ts),
            endedAt: null,
            attempt: e.attempt,
          });
          break;
        case 'step_completed':
          Object.assign(line, { status: 'completed', endedAt: Date.parse(e.ts) });
          break;
        case 'step_failed':
          Object.assign(
            line,
            e.will_retry
              ? { activity: e.error.message }
              : {
                  status: 'failed',
                  endedAt: Date.parse(e.ts),
                  // The answer and its consequence may arrive in one batch: show both.
                  activity: line.answer ? `${line.answer}: ${e.error.message}` : e.error.message,
                },
          );
          break;
        case 'step_retrying':
          line.activity = `retrying in ${formatDuration(e.delay_ms)}: ${e.reason}`;
          break;
        case 'step_throttled':
          // Still pending: the line says what it waits for.
          line.activity = throttledText(e.adapter, e.position);
          break;
        case 'step_skipped':
          Object.assign(line, { status: 'skipped', activity: e.reason });
          break;
        case 'stream_activity':
          if (e.content.trim()) line.activity = e.content;
          break;
        case 'gate_waiting':
          Object.assign(line, { status: 'waiting', activity: e.prompt });
          break;
        case 'gate_answered':
          line.answer = `${e.timed_out ? 'timed out: ' : ''}${e.choice}${e.by ? ` by ${e.by}` : ''}`;
          line.activity = line.answer;
          break;
        case 'contract_failed':
          line.activity = `contract ${e.contract} failed: ${e.errors[0] ?? ''}`;
          break;
        default:
          break;
      }
    }
    if (events.some((e) => e.type === 'run_cancelled')) {
      for (const l of this.steps)
        if (l.status === 'running' || l.status === 'waiting' || l.status === 'pending')
          l.status = 'cancelled';
      this.children.cancelActive(Date.now());
    }
  }

  pause(): void {
    this.draw();
    this.paused = true;
    this.drawn = 0;
  }

  resume(): void {
    this.paused = false;
    this.draw();
  }

  finish(summary: RunSummary): void {
    clearInterval(this.timer);
    this.paused = false;
    this.draw();
    this.io.stdout.write(summaryText(summary, this.s));
  }

  private draw(): void {
    if (this.paused) return;
    this.frame++;
    const width = Math.max(40, this.io.stdout.columns || Number(this.io.env.COLUMNS) || 100);
    const idWidth = Math.max(...this.steps.map((l) => l.id.length));
    const now = Date.now();
    let out = this.drawn ? `\u001b[${this.drawn}A` : '';
    let lines = 0;
    const put = (status: string, text: string) => {
      out += `\u001b[2K${this.paint(status, truncate(text, width - 1))}\n`;
      lines++;
    };
    for (const l of this.steps) {
      const elapsed = l.startedAt === null ? '' : formatDuration((l.endedAt ?? now) - l.startedAt);
      const attempt = l.attempt > 1 ? ` #${l.attempt}` : '';
      put(
        l.status,
        `${this.symbol(l.status)} ${l.id.padEnd(idWidth)}  ${l.status.padEnd(9)} ${elapsed.padStart(6)}${attempt}  ${l.activity.replace(/\s+/g, ' ')}`,
      );
      const { lines: children, rest } = this.children.shown(l.id);
      for (const c of children) {
        const took = formatDuration((c.endedAt ?? now) - c.startedAt);
        put(
          c.status,
          `    ↳ ${this.symbol(c.status)} ${c.pipeline}  ${c.status.padEnd(9)} ${took.padStart(6)}  ${c.id}`,
        );
      }
      if (rest) put('pending', `    ↳ ${rest}`);
    }
    this.drawn = lines;
    this.io.stdout.write(out);
  }

  private symbol(status: string): string {
    switch (status) {
      case 'running':
        return SPINNER[this.frame % SPINNER.length]!;
      case 'completed':
        return '✓';
      case 'failed':
        return '✗';
      case 'waiting':
        return '?';
      case 'skipped':
        return '-';
      case 'cancelled':
        return '⊘';
      default:
        return '·';
    }
  }

  private paint(status: string, text: string): string {
    if (status === 'completed') return this.s.green(text);
    if (status === 'failed') return this.s.red(text);
    if (status === 'waiting' || status === 'cancelled') return this.s.yellow(text);
    if (status === 'pending' || status === 'skipped') return this.s.dim(text);
    return text;
  }

  get id(): string {
    return this.runId;
  }
}

function truncate(text: string, width: number): string {
  const chars = [...text];
  return chars.length <= width ? text : `${chars.slice(0, width - 1).join('')}…`;
}
