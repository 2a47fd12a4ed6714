import type { DeliveryRecord } from '../../store/store.js';

/** A delivery as GET /api/notifications/deliveries shows it (the body posted is left out). */
export interface DeliveryView {
  id: string;
  notification: string;
  event: string;
  event_seq: number;
  run_id: string;
  url: string;
  status: DeliveryRecord['status'];
  attempts: number;
  /** When it is tried next; null once delivered or failed. */
  next_attempt_at: string | null;
  last_status: number | null;
  last_error: string | null;
  created_at: string;
  finished_at: string | null;
}

export function toDeliveryView(d: DeliveryRecord): DeliveryView {
  return {
    id: d.id,
    notification: d.notification,
    event: d.eventType,
    event_seq: d.eventSeq,
    run_id: d.runId,
    url: d.url,
    status: d.status,
    attempts: d.attempts,
    next_attempt_at: d.status === 'pending' ? new Date(d.nextAttemptAt).toISOString() : null,
    last_status: d.lastStatus,
    last_error: d.lastError,
    created_at: d.createdAt,
    finished_at: d.finishedAt,
  };
}
