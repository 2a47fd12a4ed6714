import type { DeliveryOutcome, DeliveryRecord, DeliveryStore, NewDelivery } from '../deliveries.js';
import type { PgDb } from './pg-db.js';
import { pgGuard } from './pg-guard.js';

interface DeliveryRow {
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

const COLUMNS =
  'id, notification, event_seq, event_type, run_id, url, body, status, attempts, next_attempt_at, last_error, last_status, created_at, finished_at';

/**
 * The delivery queue on PostgreSQL. A claim locks due rows with FOR UPDATE SKIP LOCKED and
 * leases them in the same statement, so claimers on any number of servers never take the same
 * row, and none waits for another's rows.
 */
export class PgDeliveries implements DeliveryStore {
  constructor(
    private readonly db: PgDb,
    private readonly location: string,
    private readonly now: () => Date,
  ) {}

  private guard<T>(fn: () => Promise<T>): Promise<T> {
    return pgGuard(this.location, fn);
  }

  enqueueDeliveries(deliveries: readonly NewDelivery[], uptoSeq: number): Promise<void> {
    // Servers enqueueing the same events insert their rows in one order (seq, notification),
    // so they wait for each other's unique keys instead of deadlocking.
    const ordered = [...deliveries].sort(
      (a, b) =>
        a.eventSeq - b.eventSeq ||
        (a.notification < b.notification ? -1 : a.notification > b.notification ? 1 : 0),
    );
    return this.guard(() =>
      this.db.tx(async (c) => {
        const now = this.now();
        for (const d of ordered) {
          await c.query(
            `INSERT INTO notification_deliveries (id, notification, event_seq, event_type, run_id, url, body, status, next_attempt_at, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', $8, $9)
             ON CONFLICT DO NOTHING`,
            [
              d.id,
              d.notification,
              d.eventSeq,
              d.eventType,
              d.runId,
              d.url,
              d.body,
              now.getTime(),
              now.toISOString(),
            ],
          );
        }
        await c.query(
          `INSERT INTO notification_cursor (id, seq) VALUES (1, $1)
           ON CONFLICT (id) DO UPDATE SET seq = GREATEST(notification_cursor.seq, excluded.seq)`,
          [uptoSeq],
        );
      }),
    );
  }

  deliveryCursor(): Promise<number | null> {
    return this.guard(async () => {
      const { rows } = await this.db.query<{ seq: number }>(
        'SELECT seq FROM notification_cursor WHERE id = 1',
      );
      return rows[0]?.seq ?? null;
    });
  }

  initDeliveryCursor(seq: number): Promise<void> {
    return this.guard(async () => {
      await this.db.query('INSERT INTO notification_cursor (id, seq) VALUES (1, $1) ON CONFLICT DO NOTHING', [
        seq,
      ]);
    });
  }

  claimDueDeliveries(
    owner: string,
    nowMs: number,
    leaseMs: number,
    limit: number,
  ): Promise<DeliveryRecord[]> {
    return this.guard(async () => {
      // Under READ COMMITTED a row another claimer leased meanwhile is re-checked after the
      // lock and drops out (its lease is live), and rows it still holds locked are skipped.
      const { rows } = await this.db.query<DeliveryRow>(
        `WITH due AS (
           SELECT id FROM notification_deliveries
           WHERE status = 'pending' AND next_attempt_at <= $1
             AND (owner IS NULL OR lease_expires_at < $1)
           ORDER BY next_attempt_at, event_seq LIMIT $2
           FOR UPDATE SKIP LOCKED)
         UPDATE notification_deliveries d SET owner = $3, lease_expires_at = $4, attempts = d.attempts + 1
         FROM due WHERE d.id = due.id
         RETURNING ${COLUMNS.split(', ')
           .map((c) => `d.${c}`)
           .join(', ')}`,
        [nowMs, limit, owner, nowMs + leaseMs],
      );
      return rows
        .map(toDelivery)
        .sort((a, b) => a.nextAttemptAt - b.nextAttemptAt || a.eventSeq - b.eventSeq);
    });
  }

  finishAttempt(id: string, owner: string, outcome: DeliveryOutcome): Promise<void> {
    return this.guard(async () => {
      const at = this.now().toISOString();
      if (outcome.kind === 'delivered')
        await this.db.query(
          `UPDATE notification_deliveries SET status = 'delivered', last_status = $1, last_error = NULL,
             finished_at = $2, owner = NULL, lease_expires_at = NULL WHERE id = $3 AND owner = $4`,
          [outcome.status, at, id, owner],
        );
      else if (outcome.kind === 'retry')
        await this.db.query(
          `UPDATE notification_deliveries SET next_attempt_at = $1, last_status = $2, last_error = $3,
             owner = NULL, lease_expires_at = NULL WHERE id = $4 AND owner = $5`,
          [outcome.at, outcome.status, outcome.error, id, owner],
        );
      else
        await this.db.query(
          `UPDATE notification_deliveries SET status = 'failed', last_status = $1, last_error = $2,
             finished_at = $3, owner = NULL, lease_expires_at = NULL WHERE id = $4 AND owner = $5`,
          [outcome.status, outcome.error, at, id, owner],
        );
    });
  }

  nextDueAt(nowMs: number): Promise<number | null> {
    return this.guard(async () => {
      const { rows } = await this.db.query<{ at: number | null }>(
        `SELECT MIN(CASE WHEN owner IS NOT NULL AND lease_expires_at >= $1
                         THEN GREATEST(lease_expires_at, next_attempt_at) ELSE next_attempt_at END) AS at
         FROM notification_deliveries WHERE status = 'pending'`,
        [nowMs],
      );
      return rows[0]?.at ?? null;
    });
  }

  listDeliveries(query: { status?: DeliveryRecord['status']; limit: number }): Promise<DeliveryRecord[]> {
    return this.guard(async () => {
      const where = query.status ? 'WHERE status = $2' : '';
      // Byte order for notification names, as SQLite sorts, whatever the database's locale.
      const params: unknown[] = query.status ? [query.limit, query.status] : [query.limit];
      const { rows } = await this.db.query<DeliveryRow>(
        `SELECT ${COLUMNS} FROM notification_deliveries ${where} ORDER BY event_seq DESC, notification COLLATE "C" LIMIT $1`,
        params,
      );
      return rows.map(toDelivery);
    });
  }
}

function toDelivery(row: DeliveryRow): DeliveryRecord {
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
