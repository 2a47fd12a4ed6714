import type { WaveEvent } from '../../events/catalogue.js';
import { throttledText } from '../../events/throttle-text.js';
import { formatDuration } from '../../pipeline/duration.js';

export { formatDuration };

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

export interface Styles {
  bold(s: string): string;
  dim(s: string): string;
  green(s: string): string;
  red(s: string): string;
  yellow(s: string): string;
  cyan(s: string): string;
}

const wrap = (open: number, close: number) => (s: string) => `\u001b[${open}m${s}\u001b[${close}m`;
export const COLOR: Styles = {
  bold: wrap(1, 22),
  dim: wrap(2, 22),
  green: wrap(32, 39),
  red: wrap(31, 39),
  yellow: wrap(33, 39),
  cyan: wrap(36, 39),
};
const id = (s: string) => s;
export const PLAIN: Styles = { bold: id, dim: id, green: id, red: id, yellow: id, cyan: id };

/**
 * One line for an event, as the plain (CI) output prints it, or null for events that print
 * nothing there. Steps are prefixed `[step]` so a CI log tells the whole story.
 */
export function describeEvent(e: WaveEvent, s: Styles = PLAIN): string | null {
  const tag = 'step' in e ? `[${e.step}] ` : '';
  switch (e.type) {
    case 'run_queued':
      return `run ${e.run_id} queued (pipeline ${e.pipeline})`;
    case 'run_started':
      return `run ${e.run_id} ${e.resumed ? 'resumed' : 'started'} (pipeline ${e.pipeline})`;
    case 'run_waiting':
      return `run waiting for ${e.steps.length === 1 ? 'gate' : 'gates'} ${e.steps.join(', ')}`;
    case 'run_completed':
      return s.green(`run ${e.run_id} completed in ${formatDuration(e.duration_ms)}`);
    case 'run_failed':
      return s.red(
        `run ${e.run_id} failed in ${formatDuration(e.duration_ms)}${e.error.step ? ` at step ${e.error.step}` : ''}: ${e.error.message}`,
      );
    case 'run_cancelled':
      return s.yellow(`run ${e.run_id} cancelled${e.by ? ` by ${e.by}` : ''}`);
    case 'step_started':
      return `${tag}started${e.persona ? ` (${e.persona})` : ''}${e.attempt > 1 ? `, attempt ${e.attempt}` : ''}`;
    case 'step_completed':
      if (e.reused) return s.green(`${tag}reused (completed in the source run)`);
      return s.green(`${tag}completed in ${formatDuration(e.duration_ms)}`);
    case 'step_failed':
      return s.red(
        `${tag}failed${e.attempt > 1 ? ` (attempt ${e.attempt})` : ''}: ${e.error.message}${e.will_retry ? ' (will retry)' : ''}`,
      );
    case 'step_retrying':
      return s.yellow(`${tag}retrying in ${formatDuration(e.delay_ms)} (attempt ${e.attempt})`);
    case 'step_skipped':
      return s.dim(`${tag}skipped: ${e.reason}`);
    case 'step_throttled':
      return s.dim(`${tag}${throttledText(e.adapter, e.position)}`);
    case 'stream_activity':
      return `${tag}${e.stream === 'tool' ? '→ ' : ''}${e.content}`;
    case 'contract_passed':
      return `${tag}contract ${e.contract} passed`;
    case 'contract_failed':
      return s.red(`${tag}contract ${e.contract} failed (${e.on_failure}): ${e.errors.join('; ')}`);
    case 'artifact_written':
      return `${tag}artifact ${e.name} (${formatBytes(e.size)}, sha256 ${e.sha256.slice(0, 12)})`;
    case 'gate_waiting':
      return s.cyan(
        `${tag}waiting for an answer: ${e.prompt} (choices: ${e.choices.map((c) => c.key).join(', ')}${e.default ? `; default ${e.default}` : ''})`,
      );
    case 'gate_answered':
      return `${tag}${e.timed_out ? 'timed out, took' : 'answered'} "${e.choice}"${e.by ? ` by ${e.by}` : ''}${e.text ? `: ${e.text}` : ''}`;
    case 'child_run_started':
      return `${tag}↳ child run ${e.child_run_id} started (pipeline ${e.pipeline})`;
    case 'child_run_finished': {
      const text = `${tag}↳ child run ${e.child_run_id} ${e.status}`;
      return e.status === 'completed' ? s.green(text) : e.status === 'failed' ? s.red(text) : s.yellow(text);
    }
    default:
      return null;
  }
}
