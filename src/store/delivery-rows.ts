import type { DeliveryRecord } from './deliveries.js';

/** A notification_deliveries row as both stores keep it. */
export interface DeliveryRow {
  id: string;
  notification: string;
  event_seq: number;
  event_type: string;
  run_id: string;
  url: string;
  body: string;
  status: DeliveryRecord['status'];
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
  last_status: number | null;
  created_at: string;
  finished_at: string | null;
}

export const DELIVERY_COLUMNS =
  'id, notification, event_seq, event_type, run_id, url, body, status, attempts, next_attempt_at, last_error, last_status, created_at, finished_at';

export function toDelivery(row: DeliveryRow): DeliveryRecord {
  return {
    id: row.id,
    notification: row.notification,
    eventSeq: row.event_seq,
    eventType: row.event_type,
    runId: row.run_id,
    url: row.url,
    body: row.body,
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at,
    lastError: row.last_error,
    lastStatus: row.last_status,
    createdAt: row.created_at,
    finishedAt: row.finished_at,
  };
}
