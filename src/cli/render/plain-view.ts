import { isTerminalEvent, type WaveEvent } from '../../events/catalogue.js';
import type { CliIO } from '../io.js';
import { describeEvent, formatBytes, formatDuration, PLAIN, type Styles } from './format.js';
import type { RunRenderer, RunSummary } from './renderer.js';

/** Not a terminal (CI): one line per state change and per output line, no escape codes. */
export class PlainView implements RunRenderer {
  constructor(
    private readonly io: CliIO,
    private readonly styles: Styles = PLAIN,
  ) {}

  onEvents(events: readonly WaveEvent[]): void {
    let text = '';
    for (const e of events) {
      if (isTerminalEvent(e)) continue;
      const line = describeEvent(e, this.styles);
      if (line !== null) text += `${line}\n`;
    }
    if (text) this.io.stdout.write(text);
  }

  pause(): void {}
  resume(): void {}

  finish(summary: RunSummary): void {
    this.io.stdout.write(summaryText(summary, this.styles));
  }
}

/** The end-of-run summary: outcome, steps, artifacts, usage. */
export function summaryText(s: RunSummary, styles: Styles): string {
  const lines: string[] = [];
  const took = s.durationMs === null ? '' : ` in ${formatDuration(s.durationMs)}`;
  const head = `run ${s.runId} ${s.status}${took}`;
  lines.push(
    s.status === 'completed'
      ? styles.green(head)
      : s.status === 'failed'
        ? styles.red(head)
        : styles.yellow(head),
  );
  if (s.error) lines.push(`  error: ${s.error}`);
  for (const step of s.steps) {
    const attempts = step.attempts > 1 ? `, ${step.attempts} attempts` : '';
    const took2 = step.durationMs === null ? '' : ` ${formatDuration(step.durationMs)}`;
    const children =
      step.children > 0 ? `, ${step.children} child ${step.children === 1 ? 'run' : 'runs'}` : '';
    lines.push(`  ${step.id}: ${step.status}${took2}${attempts}${children}`);
  }
  if (s.artifacts.length) {
    // The same lines for a local and a remote run: `wave status` and the API say where they are.
    lines.push('  artifacts:');
    for (const a of s.artifacts)
      lines.push(`    ${a.step}/${a.name} (${formatBytes(a.size)}, sha256 ${a.sha256.slice(0, 12)})`);
  }
  if (s.usage) {
    lines.push(
      `  usage: ${s.usage.tokens_in} tokens in, ${s.usage.tokens_out} out, $${s.usage.cost_usd.toFixed(4)}`,
    );
  }
  return `${lines.join('\n')}\n`;
}
