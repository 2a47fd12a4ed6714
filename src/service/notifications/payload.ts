import { createHash } from 'node:crypto';
import type { NotificationConfig } from '../../config/manifest-schema.js';
import type { WaveEvent } from '../../events/catalogue.js';
import type { RunRecord } from '../../store/store.js';
import { toRunView } from '../views.js';

/** A stable id per notification and event: the same on every server and every retry. */
export function deliveryId(notification: string, seq: number): string {
  return createHash('sha256').update(`${notification}\n${seq}`).digest('hex').slice(0, 32);
}

/** The JSON posted: Wave's own shape, or a Slack incoming-webhook message. */
export function deliveryBody(
  n: NotificationConfig,
  id: string,
  event: WaveEvent,
  run: RunRecord | null,
): string {
  if (n.format === 'slack') return JSON.stringify({ text: slackText(event, run) });
  return JSON.stringify({
    delivery: id,
    notification: n.name,
    event,
    run: run ? toRunView(run, null) : null,
  });
}

function slackText(event: WaveEvent, run: RunRecord | null): string {
  const what = run ? `${run.pipeline} run ${run.id}` : `run ${event.run_id}`;
  switch (event.type) {
    case 'run_completed':
      return `:white_check_mark: ${what} completed`;
    case 'run_failed': {
      const error = run?.error ? `: ${run.error.code}: ${run.error.message}` : '';
      return `:x: ${what} failed${error}`;
    }
    case 'run_cancelled':
      return `:no_entry_sign: ${what} was cancelled`;
    case 'gate_waiting':
      return `:raised_hand: ${what} waits at gate ${event.step}: ${event.prompt}`;
    default:
      return `${what}: ${event.type}`;
  }
}
