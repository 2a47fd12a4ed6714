import type { DeliveryOutcome, DeliveryRecord, DeliveryStore, NewDelivery } from '../deliveries.js';
import { DELIVERY_COLUMNS as COLUMNS, type DeliveryRow, toDelivery } from '../delivery-rows.js';
import type { Db } from './open-database.js';

/** The delivery queue on SQLite: claims are `BEGIN IMMEDIATE` transactions, as for runs. */
export class SqliteDeliveries implements DeliveryStore {
  private readonly s;

  constructor(
    private readonly db: Db,
    private readonly guard: <T>(fn: () => T) => Promise<T>,
    private readonly now: () => Date,
  ) {
    this.s = {
      insert: db.prepare(
        `INSERT INTO notification_deliveries (id, notification, event_seq, event_type, run_id, url, body, status, next_attempt_at, created_at)
         VALUES (@id, @notification, @eventSeq, @eventType, @runId, @url, @body, 'pending', @due, @createdAt)
         ON CONFLICT DO NOTHING`,
      ),
      cursor: db.prepare('SELECT seq FROM notification_cursor WHERE id = 1').pluck(),
      initCursor: db.prepare(
        'INSERT INTO notification_cursor (id, seq) VALUES (1, ?) ON CONFLICT DO NOTHING',
      ),
      moveCursor: db.prepare(
        `INSERT INTO notification_cursor (id, seq) VALUES (1, @seq)
         ON CONFLICT (id) DO UPDATE SET seq = MAX(seq, excluded.seq)`,
      ),
      due: db
        .prepare(
          `SELECT id FROM notification_deliveries
         WHERE status = 'pending' AND next_attempt_at <= @now
           AND (owner IS NULL OR lease_expires_at < @now)
         ORDER BY next_attempt_at, event_seq LIMIT @limit`,
        )
        .pluck(),
      claim: db.prepare(
        `UPDATE notification_deliveries SET owner = ?, lease_expires_at = ?, attempts = attempts + 1
         WHERE id = ? RETURNING ${COLUMNS}`,
      ),
      delivered: db.prepare(
        `UPDATE notification_deliveries SET status = 'delivered', last_status = ?, last_error = NULL,
           finished_at = ?, owner = NULL, lease_expires_at = NULL WHERE id = ? AND owner = ?`,
      ),
      retry: db.prepare(
        `UPDATE notification_deliveries SET next_attempt_at = ?, last_status = ?, last_error = ?,
           owner = NULL, lease_expires_at = NULL WHERE id = ? AND owner = ?`,
      ),
      failed: db.prepare(
        `UPDATE notification_deliveries SET status = 'failed', last_status = ?, last_error = ?,
           finished_at = ?, owner = NULL, lease_expires_at = NULL WHERE id = ? AND owner = ?`,
      ),
      nextDue: db
        .prepare(
          `SELECT MIN(CASE WHEN owner IS NOT NULL AND lease_expires_at >= ? THEN MAX(lease_expires_at, next_attempt_at)
                           ELSE next_attempt_at END)
           FROM notification_deliveries WHERE status = 'pending'`,
        )
        .pluck(),
    };
  }

  enqueueDeliveries(deliveries: readonly NewDelivery[], uptoSeq: number): Promise<void> {
    return this.guard(() =>
      this.db
        .transaction(() => {
          const now = this.now();
          for (const d of deliveries) {
            this.s.insert.run({ ...d, due: now.getTime(), createdAt: now.toISOString() });
          }
          this.s.moveCursor.run({ seq: uptoSeq });
        })
        .immediate(),
    );
  }

  deliveryCursor(): Promise<number | null> {
    return this.guard(() => (this.s.cursor.get() as number | undefined) ?? null);
  }

  initDeliveryCursor(seq: number): Promise<void> {
    return this.guard(() => {
      this.s.initCursor.run(seq);
    });
  }

  claimDueDeliveries(
    owner: string,
    nowMs: number,
    leaseMs: number,
    limit: number,
  ): Promise<DeliveryRecord[]> {
    return this.guard(() =>
      this.db
        .transaction(() => {
          const ids = this.s.due.all({ now: nowMs, limit }) as string[];
          return ids.map((id) => toDelivery(this.s.claim.get(owner, nowMs + leaseMs, id) as DeliveryRow));
        })
        .immediate(),
    );
  }

  finishAttempt(id: string, owner: string, outcome: DeliveryOutcome): Promise<void> {
    return this.guard(() => {
      const at = this.now().toISOString();
      if (outcome.kind === 'delivered') this.s.delivered.run(outcome.status, at, id, owner);
      else if (outcome.kind === 'retry')
        this.s.retry.run(outcome.at, outcome.status, outcome.error, id, owner);
      else this.s.failed.run(outcome.status, outcome.error, at, id, owner);
    });
  }

  nextDueAt(nowMs: number): Promise<number | null> {
    return this.guard(() => (this.s.nextDue.get(nowMs) as number | null) ?? null);
  }

  listDeliveries(query: { status?: DeliveryRecord['status']; limit: number }): Promise<DeliveryRecord[]> {
    return this.guard(() => {
      const where = query.status ? 'WHERE status = ?' : '';
      const params: unknown[] = query.status ? [query.status, query.limit] : [query.limit];
      const rows = this.db
        .prepare(
          `SELECT ${COLUMNS} FROM notification_deliveries ${where} ORDER BY event_seq DESC, notification LIMIT ?`,
        )
        .all(...params) as DeliveryRow[];
      return rows.map(toDelivery);
    });
  }
}
